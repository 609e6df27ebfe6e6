/* test_tree_temper.c - the tempering ladder (stdlib/tree_temper.c) samples the exact tree
 * posterior.  On data small enough to enumerate every tree (7 rows, 2 columns, min_leaf 1), the
 * posterior of the number of leaves is computed here by brute force: a recursion over row subsets
 * that sums, for each possible split of a node (column uniform over the usable ones, cut uniform
 * over the node's valid cuts, split probability alpha (1 + d)^-beta), the weights of the
 * children's subtrees by leaf count; each leaf weighs (1 - a_d) times its marginal likelihood,
 * written here from first principles (Dirichlet-multinomial for classes; for normal leaves the
 * multivariate normal density of the rows with covariance sigma^2 I + tau^2 11', by the
 * determinant lemma and Sherman-Morrison), not with the library's leaf terms.
 *
 * The MCMC side: CHAINS independent ladders started from the single leaf, one draw from each
 * after SWEEPS sweeps, so the draws are independent by construction (no thinning to tune) and a
 * ladder that had not reached the posterior by then fails too; a chi-square goodness-of-fit test
 * against the enumeration at level 1e-4 per case.  A wrong exchange ratio (the sign of
 * (b_i - b_j) flipped) fails both cases: chi-square 68.5 (classes, 6 df), 8631 (normal, 5 df).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>

#include "tree.h"

#define N 7
#define P 2
#define MAXL N /* leaves 1..N */
#define CHAINS 2000
#define SWEEPS 100
#define LEVEL 1e-4

/* Column 0 distinct, column 1 with ties; labels and responses with two competing structures. */
static const double X[N * P] = {1, 3, 2, 1, 3, 2, 4, 3, 5, 1, 6, 2, 7, 1};
static const double LABELS[N] = {0, 0, 1, 1, 0, 1, 1};
static const double Y[N] = {-1.2, -0.8, 1.1, 0.9, -1.0, 1.3, 0.7};
static const double ALPHA = 0.95, BETA = 1, TAU = 1, SIGMA = 0.5;

typedef struct enum_case {
    gb_tree_leaf_kind leaf;
    const double *target;
} enum_case;

/* log marginal likelihood of the rows in mask as one leaf. */
static double leaf_loglik(const enum_case *ec, unsigned mask)
{
    if (ec->leaf == GB_TREE_LEAF_CLASS) { /* Dirichlet(1, 1) - multinomial */
        double cnt[2] = {0, 0};
        for (int i = 0; i < N; i++)
            if (mask >> i & 1)
                cnt[(int)ec->target[i]] += 1;
        return gsl_sf_lngamma(2) - gsl_sf_lngamma(cnt[0] + cnt[1] + 2) +
               gsl_sf_lngamma(cnt[0] + 1) + gsl_sf_lngamma(cnt[1] + 1);
    }
    /* r ~ N(0, s2 I + t2 11'): log det = n log s2 + log(1 + n t2 / s2); inverse by
       Sherman-Morrison. */
    double s2 = SIGMA * SIGMA, t2 = TAU * TAU, n = 0, sr = 0, srr = 0;
    for (int i = 0; i < N; i++)
        if (mask >> i & 1)
            n += 1, sr += ec->target[i], srr += ec->target[i] * ec->target[i];
    double logdet = n * log(s2) + log1p(n * t2 / s2);
    double quad = srr / s2 - t2 * sr * sr / (s2 * (s2 + n * t2));
    return -0.5 * (n * log(2 * M_PI) + logdet + quad);
}

/* w[L - 1] += the total weight (prior x likelihood) of the subtrees on rows mask at depth d with
 * L leaves (7 rows keep every weight well within double range). */
static void subtree(const enum_case *ec, unsigned mask, int depth, double *w)
{
    double a = ALPHA * pow(1.0 + depth, -BETA);
    double out[MAXL] = {0};
    out[0] = (1 - a) * exp(leaf_loglik(ec, mask));
    for (int j = 0; j < P; j++) {
        double vals[N];
        int nv = 0;
        for (int i = 0; i < N; i++) { /* the node's distinct values of column j */
            if (!(mask >> i & 1))
                continue;
            bool seen = false;
            for (int k = 0; k < nv; k++)
                seen = seen || vals[k] == X[i * P + j];
            if (!seen)
                vals[nv++] = X[i * P + j];
        }
        int ncuts = nv - 1; /* min_leaf 1: every value but the largest */
        for (int k = 0; k < nv; k++) {
            unsigned left = 0;
            for (int i = 0; i < N; i++)
                if ((mask >> i & 1) && X[i * P + j] <= vals[k])
                    left |= 1u << i;
            if (left == mask)
                continue; /* the largest value: no right child */
            double wl[MAXL] = {0}, wr[MAXL] = {0};
            subtree(ec, left, depth + 1, wl);
            subtree(ec, mask & ~left, depth + 1, wr);
            for (int l1 = 0; l1 < MAXL; l1++)
                for (int l2 = 0; l1 + l2 + 1 < MAXL; l2++)
                    out[l1 + l2 + 1] += a / P / ncuts * wl[l1] * wr[l2];
        }
    }
    for (int l = 0; l < MAXL; l++)
        w[l] += out[l];
}

static void run_case(const enum_case *ec, size_t temps, unsigned long seed)
{
    double exact[MAXL] = {0}, tot = 0;
    subtree(ec, (1u << N) - 1, 0, exact);
    for (int l = 0; l < MAXL; l++)
        tot += exact[l];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    assert_int_equal(gb_tree_data_new(X, N, P, 1, &d, errs), GB_OK);
    gb_tree_config c;
    gb_tree_config_default(&c, ec->leaf, 1);
    c.alpha = ALPHA, c.beta = BETA, c.tau = TAU, c.classes = 2;
    double count[MAXL] = {0};
    for (int ch = 0; ch < CHAINS; ch++) {
        gb_tree_ladder *l = NULL;
        assert_int_equal(gb_tree_ladder_new(d, &c, temps, 0.1, &l, errs), GB_OK);
        for (int s = 0; s < SWEEPS; s++)
            assert_int_equal(gb_tree_ladder_sweep(l, r, ec->target, SIGMA), GB_OK);
        count[gb_tree_leaves(gb_tree_ladder_cold(l), 0) - 1]++;
        gb_tree_ladder_free(l);
    }
    /* chi-square goodness of fit; a leaf count expected fewer than 5 times is pooled with the
       next ones (the last bin takes what is left) */
    double stat = 0, draws = CHAINS, e = 0, o = 0;
    int df = -1;
    for (int k = 0; k < MAXL; k++) {
        e += draws * exact[k] / tot, o += count[k];
        printf("  leaves %d: exact %.4f sampled %.4f\n", k + 1, exact[k] / tot, count[k] / draws);
        bool last = k == MAXL - 1;
        if (e >= 5 || last) {
            if (e > 0) {
                stat += (o - e) * (o - e) / e;
                df++;
            }
            e = o = 0;
        }
    }
    double pval = gsl_cdf_chisq_Q(stat, df);
    printf("  temps %zu: chi-square %.2f on %d df, p = %.3g\n", temps, stat, df, pval);
    if (pval < LEVEL)
        fail_msg("tempered leaf counts differ from the enumeration: chi-square %.2f, %d df, p = "
                 "%.3g",
                 stat, df, pval);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
    gsl_rng_free(r);
}

static void test_class_tree_posterior_matches_enumeration(void **state)
{
    (void)state;
    enum_case ec = {GB_TREE_LEAF_CLASS, LABELS};
    run_case(&ec, 4, 201);
}

static void test_normal_tree_posterior_matches_enumeration(void **state)
{
    (void)state;
    enum_case ec = {GB_TREE_LEAF_NORMAL, Y};
    run_case(&ec, 4, 202);
}

/* The ladder refuses what it cannot do, with a message. */
static void test_ladder_refuses_bad_settings(void **state)
{
    (void)state;
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    gb_tree_ladder *l = NULL;
    assert_int_equal(gb_tree_data_new(X, N, P, 1, &d, errs), GB_OK);
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NORMAL, 2);
    assert_int_equal(gb_tree_ladder_new(d, &c, 4, 0.2, &l, errs), GB_EUSAGE);
    c.trees = 1;
    assert_int_equal(gb_tree_ladder_new(d, &c, 4, 1.0, &l, errs), GB_EUSAGE);
    assert_int_equal(gb_tree_ladder_new(d, &c, 0, 0.2, &l, errs), GB_EUSAGE);
    assert_int_equal(gb_tree_ladder_new(d, &c, GB_TREE_MAX_REPLICAS + 1, 0.2, &l, errs), GB_EUSAGE);
    assert_null(l);
    assert_int_equal(gb_errlist_count(errs), 4);
    assert_int_equal(gb_tree_ladder_new(d, &c, 5, 0.2, &l, errs), GB_OK);
    assert_int_equal(gb_tree_ladder_replicas(l), 5);
    assert_true(gb_tree_ladder_heat(l, 0) == 1);
    assert_true(fabs(gb_tree_ladder_heat(l, 4) - 0.2) < 1e-12);
    assert_true(gb_tree_ladder_heat(l, 2) < gb_tree_ladder_heat(l, 1));
    gb_tree_ladder_free(l);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_tree_posterior_matches_enumeration),
        cmocka_unit_test(test_normal_tree_posterior_matches_enumeration),
        cmocka_unit_test(test_ladder_refuses_bad_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
