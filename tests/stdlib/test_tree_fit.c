/* test_tree_fit.c - the tree library fits data: Bayesian CART recovers a known depth-2 tree
 * (the most visited tree has the true split variables and split values within one observed
 * value of the truth), and BART on Friedman's first function (n = 500, 10 inputs of which 5
 * matter, noise sd 1, generated here with GSL) ranks the 5 relevant inputs highest by split
 * counts, with and without DART, and reports its held-out RMSE; probit BART recovers class
 * probabilities.  Fixed seeds; the checks are
 * orderings and a loose RMSE bound (half the sd of the true function), not tuned numbers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "near.h"
#include "tree.h"

#define KEYLEN 256
#define MAXKEYS 4000
/* Bayesian CART's posterior is multimodal and a chain can stay near a mode for long (CGM 1998,
 * section 5, restart the chain many times): CHAINS restarts of SWEEPS sweeps, BURN dropped. */
#define CHAINS 10
#define SWEEPS 1000
#define BURN 500

/* ---- recovery of a depth-2 tree ---- */

/* x1 <= 0.5: (x2 <= 0.3: 1 else 4); else (x3 <= 0.6: 7 else 10).  Columns 0-based below. */
static const double T_ROOT = 0.5, T_LEFT = 0.3, T_RIGHT = 0.6;

static double true_tree(const double *x)
{
    if (x[0] <= T_ROOT)
        return x[1] <= T_LEFT ? 1 : 4;
    return x[2] <= T_RIGHT ? 7 : 10;
}

/* Position of v among the distinct values of column j over the rows where keep(row) holds,
 * counted as the number of such values <= v. */
static size_t pos_in_node(const double *x, size_t n, size_t p, size_t j, double v, int side,
                          double root_cut)
{
    size_t count = 0;
    double *seen = malloc(n * sizeof *seen);
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        bool in = side == 0 || (side < 0 ? x[i * p] <= root_cut : x[i * p] > root_cut);
        double xv = x[i * p + j];
        if (!in || xv > v)
            continue;
        bool dup = false;
        for (size_t k = 0; k < ns && !dup; k++)
            dup = seen[k] == xv;
        if (!dup)
            seen[ns++] = xv, count++;
    }
    free(seen);
    return count;
}

/* The cut value of split (j, rank) is within one of the node's observed values of t. */
static void check_cut(const gb_tree_data *d, const double *x, size_t n, size_t p, size_t j,
                      size_t rank, double t, int side, double root_cut)
{
    double v = gb_tree_data_value(d, j, rank);
    size_t pv = pos_in_node(x, n, p, j, v, side, root_cut);
    size_t pt = pos_in_node(x, n, p, j, t, side, root_cut);
    size_t diff = pv > pt ? pv - pt : pt - pv;
    printf("  split x%zu <= %.4f (truth %.2f): %zu observed values apart\n", j + 1, v, t, diff);
    if (diff > 1)
        fail_msg("split on x%zu at %g is %zu observed values from the truth %g", j + 1, v, diff, t);
}

static void test_cart_recovers_a_depth_two_tree(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2026);
    size_t n = 200, p = 3;
    double *x = malloc(n * p * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < p; j++)
            x[i * p + j] = gsl_rng_uniform(r);
        y[i] = true_tree(x + i * p) + gsl_ran_gaussian(r, 0.5);
    }
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    gb_forest *f = NULL;
    assert_int_equal(gb_tree_data_new(x, n, p, 1, &d, errs), GB_OK);
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NIG, 1);
    gb_tree_nig_default(&c, y, n);
    assert_int_equal(gb_forest_new(d, &c, &f, errs), GB_OK);
    char(*keys)[KEYLEN] = calloc(MAXKEYS, KEYLEN);
    size_t *visits = calloc(MAXKEYS, sizeof *visits), nkeys = 0;
    double *logpost = malloc(MAXKEYS * sizeof *logpost);
    assert_true(keys && visits && logpost);
    for (int s = 0; s < CHAINS * SWEEPS; s++) {
        if (s % SWEEPS == 0)
            gb_forest_reset(f);
        assert_int_equal(gb_forest_sweep(f, r, y, 1), GB_OK);
        if (s % SWEEPS < BURN)
            continue;
        char key[KEYLEN];
        assert_true(gb_tree_key(f, 0, key, sizeof key) < sizeof key);
        size_t k = 0;
        while (k < nkeys && strcmp(keys[k], key) != 0)
            k++;
        if (k == nkeys) {
            assert_true(nkeys < MAXKEYS);
            strcpy(keys[nkeys++], key);
            logpost[k] = gb_tree_log_posterior(f, 0, y, 1);
        }
        visits[k]++;
    }
    size_t best = 0, map = 0;
    for (size_t k = 1; k < nkeys; k++) {
        best = visits[k] > visits[best] ? k : best;
        map = logpost[k] > logpost[map] ? k : map;
    }
    /* The maximum-posterior tree among those visited is the most visited one. */
    printf("  maximum-posterior tree \"%s\" (log posterior %.2f)\n", keys[map], logpost[map]);
    assert_string_equal(keys[map], keys[best]);
    printf("  most visited tree \"%s\": %zu of %d draws, %zu distinct trees\n", keys[best],
           visits[best], CHAINS * (SWEEPS - BURN), nkeys);
    unsigned v0, c0, v1, c1, v2, c2;
    char tail[KEYLEN] = "";
    int got =
        sscanf(keys[best], "%u:%u %u:%u * * %u:%u * *%255s", &v0, &c0, &v1, &c1, &v2, &c2, tail);
    if (got != 6)
        fail_msg("the most visited tree \"%s\" is not a depth-2 tree with four leaves", keys[best]);
    assert_int_equal(v0, 0);
    assert_int_equal(v1, 1);
    assert_int_equal(v2, 2);
    double root_cut = gb_tree_data_value(d, 0, c0);
    check_cut(d, x, n, p, 0, c0, T_ROOT, 0, 0);
    check_cut(d, x, n, p, 1, c1, T_LEFT, -1, root_cut);
    check_cut(d, x, n, p, 2, c2, T_RIGHT, 1, root_cut);
    free(keys), free(visits), free(logpost);
    gb_forest_free(f);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
    free(x), free(y);
    gsl_rng_free(r);
}

/* ---- BART on Friedman's first function ---- */

#define FP 10
#define FN 500
#define FTEST 1000

static double friedman(const double *x)
{
    return 10 * sin(M_PI * x[0] * x[1]) + 20 * (x[2] - 0.5) * (x[2] - 0.5) + 10 * x[3] + 5 * x[4];
}

static void run_friedman(bool dart)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 1991);
    double *x = malloc(FN * FP * sizeof *x), *y = malloc(FN * sizeof *y);
    double *xt = malloc(FTEST * FP * sizeof *xt), *ft = malloc(FTEST * sizeof *ft);
    double *pred = malloc(FTEST * sizeof *pred), *mean = calloc(FTEST, sizeof *mean);
    assert_true(x && y && xt && ft && pred && mean);
    double ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < FN; i++) {
        for (size_t j = 0; j < FP; j++)
            x[i * FP + j] = gsl_rng_uniform(r);
        y[i] = friedman(x + i * FP) + gsl_ran_gaussian(r, 1);
        ymin = fmin(ymin, y[i]), ymax = fmax(ymax, y[i]);
    }
    /* The leaf prior is centred at 0: fit y shifted to midrange 0 (CGM 2010, section 2.2.2). */
    double centre = 0.5 * (ymin + ymax);
    for (size_t i = 0; i < FN; i++)
        y[i] -= centre;
    double fbar = 0, fss = 0;
    for (size_t i = 0; i < FTEST; i++) {
        for (size_t j = 0; j < FP; j++)
            xt[i * FP + j] = gsl_rng_uniform(r);
        ft[i] = friedman(xt + i * FP);
        fbar += ft[i] / FTEST;
    }
    for (size_t i = 0; i < FTEST; i++)
        fss += (ft[i] - fbar) * (ft[i] - fbar);
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    gb_forest *f = NULL;
    assert_int_equal(gb_tree_data_new(x, FN, FP, 5, &d, errs), GB_OK);
    gb_tree_config c, sc;
    gb_tree_config_default(&c, GB_TREE_LEAF_NORMAL, 200);
    c.tau = gb_tree_bart_tau(ymin, ymax, 2, 200);
    c.dart = dart;
    gb_tree_nig_default(&sc, y, FN); /* sigma's prior: CGM 2010's nu = 3, q = 0.9 */
    assert_int_equal(gb_forest_new(d, &c, &f, errs), GB_OK);
    double sigma = 1, incl[FP] = {0};
    size_t counts[FP], kept = 0, burn = 250, sweeps = 1000;
    for (size_t s = 0; s < sweeps; s++) {
        assert_int_equal(gb_forest_sweep(f, r, y, sigma), GB_OK);
        const double *fit = gb_forest_fit(f);
        double ssr = 0;
        for (size_t i = 0; i < FN; i++)
            ssr += (y[i] - fit[i]) * (y[i] - fit[i]);
        sigma = sqrt(1 / gsl_ran_gamma(r, sc.a + 0.5 * FN, 1 / (sc.b + 0.5 * ssr)));
        if (s < burn)
            continue;
        gb_forest_var_counts(f, counts);
        double total = 0;
        for (size_t j = 0; j < FP; j++)
            total += (double)counts[j];
        for (size_t j = 0; j < FP; j++)
            incl[j] += total > 0 ? (double)counts[j] / total : 0;
        if ((s - burn) % 10 == 0) {
            assert_int_equal(gb_forest_predict(f, xt, FTEST, FP, pred, errs), GB_OK);
            for (size_t i = 0; i < FTEST; i++)
                mean[i] += pred[i];
            kept++;
        }
    }
    double sse = 0, min_rel = INFINITY, max_irr = 0;
    for (size_t i = 0; i < FTEST; i++)
        sse +=
            (mean[i] / (double)kept + centre - ft[i]) * (mean[i] / (double)kept + centre - ft[i]);
    double rmse = sqrt(sse / FTEST), fsd = sqrt(fss / FTEST);
    printf("  %s: held-out RMSE against f %.3f (sd of f %.3f), sigma %.3f; split shares:",
           dart ? "DART" : "BART", rmse, fsd, sigma);
    for (size_t j = 0; j < FP; j++) {
        double share = incl[j] / (double)(sweeps - burn);
        printf(" %.3f", share);
        if (j < 5)
            min_rel = fmin(min_rel, share);
        else
            max_irr = fmax(max_irr, share);
    }
    printf("\n");
    if (!(min_rel > max_irr))
        fail_msg("a relevant input's split share %.3f is not above every irrelevant one's %.3f",
                 min_rel, max_irr);
    if (!(rmse < 0.5 * fsd))
        fail_msg("held-out RMSE %.3f is not below half the sd of f (%.3f)", rmse, 0.5 * fsd);
    gb_forest_free(f);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
    free(x), free(y), free(xt), free(ft), free(pred), free(mean);
    gsl_rng_free(r);
}

static void test_bart_friedman_ranks_relevant_inputs(void **state)
{
    (void)state;
    run_friedman(false);
}

static void test_dart_friedman_ranks_relevant_inputs(void **state)
{
    (void)state;
    run_friedman(true);
}

/* Probit BART (Albert & Chib 1993; CGM 2010, section 4): y ~ Bernoulli(Phi(f)) with f = +1 for
 * x1 > 0.5 and -1 otherwise; alternate latent draws and sweeps with sigma = 1.  The posterior
 * mean of Phi(fit), averaged over each half, lands near Phi(+-1) = 0.841 / 0.159: the bound 0.08
 * is about four times the binomial error of a half's 250 rows (sqrt(0.84 * 0.16 / 250) = 0.023),
 * not a tuned number. */
static void test_probit_bart_recovers_class_probabilities(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 1993);
    size_t n = 500, p = 3, m = 50;
    double *x = malloc(n * p * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    double *pm = calloc(n, sizeof *pm);
    assert_true(x && y && z && pm);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < p; j++)
            x[i * p + j] = gsl_rng_uniform(r);
        y[i] = gsl_rng_uniform(r) < gsl_cdf_ugaussian_P(x[i * p] > 0.5 ? 1 : -1);
    }
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    gb_forest *f = NULL;
    assert_int_equal(gb_tree_data_new(x, n, p, 5, &d, errs), GB_OK);
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NORMAL, m);
    c.tau = gb_tree_bart_tau(-3, 3, 2, m); /* CGM 2010, section 4: 3 / (k sqrt(m)) */
    assert_int_equal(gb_forest_new(d, &c, &f, errs), GB_OK);
    size_t kept = 0;
    for (int s = 0; s < 1500; s++) {
        gb_forest_probit_latent(gb_forest_fit(f), y, n, r, z);
        assert_int_equal(gb_forest_sweep(f, r, z, 1), GB_OK);
        if (s < 500)
            continue;
        for (size_t i = 0; i < n; i++)
            pm[i] += gsl_cdf_ugaussian_P(gb_forest_fit(f)[i]);
        kept++;
    }
    double hi = 0, lo = 0, nhi = 0, nlo = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i * p] > 0.5)
            hi += pm[i] / (double)kept, nhi++;
        else
            lo += pm[i] / (double)kept, nlo++;
    }
    printf("  probit: mean P(y = 1) %.3f for x1 > 0.5 (truth 0.841), %.3f below (truth 0.159)\n",
           hi / nhi, lo / nlo);
    assert_near(hi / nhi, gsl_cdf_ugaussian_P(1), 0.08, 0);
    assert_near(lo / nlo, gsl_cdf_ugaussian_P(-1), 0.08, 0);
    gb_forest_free(f);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
    free(x), free(y), free(z), free(pm);
    gsl_rng_free(r);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cart_recovers_a_depth_two_tree),
        cmocka_unit_test(test_bart_friedman_ranks_relevant_inputs),
        cmocka_unit_test(test_dart_friedman_ranks_relevant_inputs),
        cmocka_unit_test(test_probit_bart_recovers_class_probabilities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
