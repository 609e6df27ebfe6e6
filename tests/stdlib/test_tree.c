/* test_tree.c - the tree core library (stdlib/tree_*.c) apart from its statistical tests
 * (test_tree_prior.c, test_tree_fit.c): data errors and constant columns, configuration errors,
 * leaf conjugacy (the leaf draws against the analytic conditional), the minimum leaf size, the
 * JSON line and the rules against predictions, the structure key, copy and reset, probit
 * latents, and the memory budget.
 *
 * Statistical checks use z = 4 on iid draws (MCSE = sd / sqrt(draws)): about 6e-5 false alarms
 * per check, about 1e-3 over the file's checks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <jansson.h>

#include "near.h"
#include "size.h"
#include "tree.h"
#include "tree_int.h"

#define Z 4.0

static const char *first_msg(gb_errlist *errs)
{
    assert_true(gb_errlist_count(errs) > 0);
    return gb_errlist_get(errs, 0)->msg;
}

/* n x p uniform(0, 1) inputs (caller frees). */
static double *uniform_x(gsl_rng *r, size_t n, size_t p)
{
    double *x = malloc(n * p * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n * p; i++)
        x[i] = gsl_rng_uniform(r);
    return x;
}

static void test_data_reports_nan_with_row_and_column(void **state)
{
    (void)state;
    double x[6] = {1, 2, 3, NAN, 5, INFINITY};
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    assert_int_equal(gb_tree_data_new(x, 3, 2, 1, &d, errs), GB_EDATA);
    assert_null(d);
    assert_int_equal(gb_errlist_count(errs), 2);
    assert_string_equal(first_msg(errs), "tree input X has NaN at row 2, column 2");
    assert_string_equal(gb_errlist_get(errs, 1)->msg,
                        "tree input X has an infinite value at row 3, column 2");
    gb_errlist_free(errs);
}

static void test_data_refuses_too_few_rows_and_zero_min_leaf(void **state)
{
    (void)state;
    double x[3] = {1, 2, 3};
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    assert_int_equal(gb_tree_data_new(x, 3, 1, 5, &d, errs), GB_EDATA);
    assert_string_equal(first_msg(errs),
                        "tree input X has 3 rows, fewer than the minimum leaf size 5");
    gb_errlist_free(errs);
    errs = gb_errlist_new();
    assert_int_equal(gb_tree_data_new(x, 3, 1, 0, &d, errs), GB_EDATA);
    assert_string_equal(first_msg(errs), "the minimum leaf size must be at least 1");
    assert_null(d);
    gb_errlist_free(errs);
}

static void test_labels_outside_range_are_named(void **state)
{
    (void)state;
    double y[4] = {0, 2, 1.5, -1};
    gb_errlist *errs = gb_errlist_new();
    assert_int_equal(gb_tree_check_labels(y, 4, 2, errs), GB_EDATA);
    assert_int_equal(gb_errlist_count(errs), 3);
    assert_string_equal(first_msg(errs), "class label 2 at row 2 is not an integer in 0..1");
    gb_errlist_free(errs);
}

static void test_config_errors_are_messages(void **state)
{
    (void)state;
    double x[4] = {1, 2, 3, 4};
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    assert_int_equal(gb_tree_data_new(x, 4, 1, 1, &d, errs), GB_OK);
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NIG, 2);
    gb_forest *f = NULL;
    assert_int_equal(gb_forest_new(d, &c, &f, errs), GB_EUSAGE);
    assert_null(f);
    assert_string_equal(first_msg(errs),
                        "normal-inverse-gamma and class leaves need a single tree");
    gb_tree_config_default(&c, GB_TREE_LEAF_NORMAL, 1);
    assert_int_equal(gb_forest_new(d, &c, &f, errs), GB_OK);
    double y[4] = {0, 1, 2, 3};
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_int_equal(gb_forest_sweep(f, r, y, 0), GB_EUSAGE);
    assert_int_equal(gb_forest_sweep(f, r, y, NAN), GB_EUSAGE);
    gb_forest_free(f);
    gb_tree_config_default(&c, GB_TREE_LEAF_CLASS, 1);
    assert_int_equal(gb_forest_new(d, &c, &f, errs), GB_OK);
    y[3] = 2; /* classes 0, 1 */
    assert_int_equal(gb_forest_sweep(f, r, y, 1), GB_EDATA);
    gb_forest_free(f);
    gsl_rng_free(r);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
}

static void test_memory_budget_refuses_a_huge_forest(void **state)
{
    (void)state;
    double x[4] = {1, 2, 3, 4};
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    assert_int_equal(gb_tree_data_new(x, 4, 1, 1, &d, errs), GB_OK);
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NORMAL, (size_t)1 << 40);
    gb_forest *f = NULL;
    assert_int_equal(gb_forest_new(d, &c, &f, errs), GB_ENOMEM);
    assert_null(f);
    assert_non_null(strstr(first_msg(errs), "exceeds the memory budget"));
    gb_tree_data_free(d);
    gb_errlist_free(errs);
}

/* A constant column is reported and never split on, although it comes first. */
static void test_constant_column_is_never_split(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 3);
    size_t n = 80;
    double *x = uniform_x(r, n, 2), y[80];
    for (size_t i = 0; i < n; i++) {
        x[i * 2] = 7;
        y[i] = x[i * 2 + 1] > 0.5 ? 2 : -2;
    }
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    gb_forest *f = NULL;
    assert_int_equal(gb_tree_data_new(x, n, 2, 3, &d, errs), GB_OK);
    assert_true(gb_tree_data_is_constant(d, 0));
    assert_false(gb_tree_data_is_constant(d, 1));
    assert_int_equal(gb_tree_data_usable_cols(d), 1);
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NORMAL, 10);
    assert_int_equal(gb_forest_new(d, &c, &f, errs), GB_OK);
    size_t counts[2], seen1 = 0;
    for (int s = 0; s < 200; s++) {
        assert_int_equal(gb_forest_sweep(f, r, y, 0.5), GB_OK);
        gb_forest_var_counts(f, counts);
        assert_int_equal(counts[0], 0);
        seen1 += counts[1];
    }
    assert_true(seen1 > 0);
    gb_forest_free(f);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
    free(x);
    gsl_rng_free(r);
}

/* Every leaf keeps at least min_leaf rows, and the row partition stays a permutation. */
static void test_leaves_keep_min_leaf_rows(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    size_t n = 150, ml = 7;
    double *x = uniform_x(r, n, 3), y[150];
    for (size_t i = 0; i < n; i++)
        y[i] = 3 * sin(6 * x[i * 3]) + gsl_ran_gaussian(r, 0.3);
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    gb_forest *f = NULL;
    assert_int_equal(gb_tree_data_new(x, n, 3, ml, &d, errs), GB_OK);
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NIG, 1);
    gb_tree_nig_default(&c, y, n);
    c.alpha = 0.99, c.beta = 0.5; /* a bushy prior, so leaves shrink to the limit */
    assert_int_equal(gb_forest_new(d, &c, &f, errs), GB_OK);
    size_t smallest = n, most = 0;
    for (int s = 0; s < 300; s++) {
        assert_int_equal(gb_forest_sweep(f, r, y, 1), GB_OK);
        const gb_tree *t = &f->trees[0];
        char seen[150] = {0};
        for (size_t i = 0; i < n; i++) {
            assert_true(t->rows[i] < n && !seen[t->rows[i]]);
            seen[t->rows[i]] = 1;
        }
        for (size_t j = 0; j < f->cap; j++)
            if (t->nodes[j].used && t->nodes[j].left == GB_TREE_NONE) {
                size_t sz = t->nodes[j].end - t->nodes[j].begin;
                smallest = sz < smallest ? sz : smallest;
            }
        most = gb_tree_leaves(f, 0) > most ? gb_tree_leaves(f, 0) : most;
    }
    assert_true(smallest >= ml);
    assert_true(most >= 4);
    gb_forest_free(f);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
    free(x);
    gsl_rng_free(r);
}

/* A tree that cannot split (min_leaf = n): its leaf draws are iid from the conditional. */
static gb_forest *single_leaf(const double *x, size_t n, gb_tree_config *c, gb_tree_data **d)
{
    gb_errlist *errs = gb_errlist_new();
    gb_forest *f = NULL;
    assert_int_equal(gb_tree_data_new(x, n, 1, n, d, errs), GB_OK);
    assert_int_equal(gb_forest_new(*d, c, &f, errs), GB_OK);
    gb_errlist_free(errs);
    return f;
}

static void check_mean(const char *what, double sum, double sumsq, double draws, double want)
{
    double mean = sum / draws, sd = sqrt(fmax(sumsq / draws - mean * mean, 0));
    double mcse = sd / sqrt(draws);
    if (fabs(mean - want) > Z * mcse)
        fail_msg("%s: estimate %.6g, expected %.6g, MCSE %.3g, z %.2f", what, mean, want, mcse,
                 (mean - want) / mcse);
}

static void test_normal_leaf_draws_match_conditional(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    double x[6] = {1, 2, 3, 4, 5, 6}, y[6] = {1.0, 2.5, 0.3, 1.7, 2.2, 0.9};
    double w[6] = {1, 2, 0.5, 1, 3, 1.5};
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NORMAL, 1);
    c.tau = 0.7;
    gb_tree_data *d = NULL;
    gb_forest *f = single_leaf(x, 6, &c, &d);
    gb_forest_set_weights(f, w);
    double sigma = 1.3, sw = 0, swy = 0;
    for (int i = 0; i < 6; i++)
        sw += w[i], swy += w[i] * y[i];
    double prec = sw / (sigma * sigma) + 1 / (c.tau * c.tau);
    double mean = swy / (sigma * sigma) / prec, var = 1 / prec;
    double s1 = 0, s2 = 0, v1 = 0, v2 = 0, N = 20000;
    for (int s = 0; s < N; s++) {
        assert_int_equal(gb_forest_sweep(f, r, y, sigma), GB_OK);
        double mu = gb_forest_fit(f)[3], dv = (mu - mean) * (mu - mean);
        s1 += mu, s2 += mu * mu, v1 += dv, v2 += dv * dv;
    }
    check_mean("normal leaf mean", s1, s2, N, mean);
    check_mean("normal leaf variance", v1, v2, N, var);
    gb_forest_free(f);
    gb_tree_data_free(d);
    gsl_rng_free(r);
}

static void test_nig_leaf_draws_match_conditional(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12);
    double x[5] = {1, 2, 3, 4, 5}, y[5] = {3.1, 2.4, 4.0, 3.3, 2.9};
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NIG, 1);
    c.mu0 = 2, c.kappa = 0.5, c.a = 3, c.b = 2;
    gb_tree_data *d = NULL;
    gb_forest *f = single_leaf(x, 5, &c, &d);
    /* sigma^2 ~ InvGamma(a + n/2, b + Q/2), Q = sum (y - mu0)^2 - (sum (y - mu0))^2 / (n + kappa);
     * E[mu] = mu0 + sum (y - mu0) / (n + kappa); E[sigma^2] = rate / (shape - 1). */
    double se = 0, se2 = 0;
    for (int i = 0; i < 5; i++)
        se += y[i] - 2, se2 += (y[i] - 2) * (y[i] - 2);
    double q = se2 - se * se / 5.5, shape = 3 + 2.5, rate = 2 + q / 2;
    double s1 = 0, s2 = 0, m1 = 0, m2 = 0, N = 20000;
    for (int s = 0; s < N; s++) {
        assert_int_equal(gb_forest_sweep(f, r, y, 1), GB_OK);
        double mu = gb_forest_fit(f)[0], sg2 = gb_forest_sigma(f) * gb_forest_sigma(f);
        s1 += mu, s2 += mu * mu, m1 += sg2, m2 += sg2 * sg2;
    }
    check_mean("NIG leaf mean", s1, s2, N, 2 + se / 5.5);
    check_mean("NIG sigma^2", m1, m2, N, rate / (shape - 1));
    gb_forest_free(f);
    gb_tree_data_free(d);
    gsl_rng_free(r);
}

/* Prior mode (target NULL): sigma^2 ~ InvGamma(a, b), mu | sigma ~ N(mu0, sigma^2 / kappa). */
static void test_nig_prior_mode_draws_from_the_prior(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 15);
    double x[5] = {1, 2, 3, 4, 5};
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NIG, 1);
    c.mu0 = -1, c.kappa = 2, c.a = 6, c.b = 5;
    gb_tree_data *d = NULL;
    gb_forest *f = single_leaf(x, 5, &c, &d);
    double s1 = 0, s2 = 0, m1 = 0, m2 = 0, N = 20000;
    for (int s = 0; s < N; s++) {
        assert_int_equal(gb_forest_sweep(f, r, NULL, 1), GB_OK);
        double mu = gb_forest_fit(f)[2], sg2 = gb_forest_sigma(f) * gb_forest_sigma(f);
        s1 += mu, s2 += mu * mu, m1 += sg2, m2 += sg2 * sg2;
    }
    check_mean("NIG prior mean", s1, s2, N, -1);
    check_mean("NIG prior sigma^2", m1, m2, N, 5.0 / (6 - 1));
    gb_forest_free(f);
    gb_tree_data_free(d);
    gsl_rng_free(r);
}

static void test_class_leaf_draws_match_conditional(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 13);
    double x[7] = {1, 2, 3, 4, 5, 6, 7}, y[7] = {0, 2, 2, 1, 2, 0, 2};
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_CLASS, 1);
    c.classes = 3, c.concentration = 0.5;
    gb_tree_data *d = NULL;
    gb_forest *f = single_leaf(x, 7, &c, &d);
    double want[3] = {2.5 / 8.5, 1.5 / 8.5, 4.5 / 8.5}, s1[3] = {0}, s2[3] = {0}, N = 20000;
    for (int s = 0; s < N; s++) {
        assert_int_equal(gb_forest_sweep(f, r, y, 1), GB_OK);
        for (int k = 0; k < 3; k++) {
            double p = gb_forest_fit(f)[6 * 3 + k];
            s1[k] += p, s2[k] += p * p;
        }
    }
    for (int k = 0; k < 3; k++)
        check_mean("class probability", s1[k], s2[k], N, want[k]);
    gb_forest_free(f);
    gb_tree_data_free(d);
    gsl_rng_free(r);
}

static void test_probit_latent_has_truncated_normal_mean(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 14);
    /* E[z | z > 0] for z ~ N(m, 1) is m + phi(m) / Phi(m); for z <= 0, m - phi(m) / Phi(-m). */
    double fit[2] = {0.4, 0.4}, y[2] = {1, 0}, z[2], s[2] = {0}, ss[2] = {0}, N = 20000;
    for (int i = 0; i < N; i++) {
        gb_forest_probit_latent(fit, y, 2, r, z);
        assert_true(z[0] > 0 && z[1] <= 0);
        for (int k = 0; k < 2; k++)
            s[k] += z[k], ss[k] += z[k] * z[k];
    }
    double phi = exp(-0.08) / sqrt(2 * M_PI);
    check_mean("probit z | y = 1", s[0], ss[0], N, 0.4 + phi / (0.5 * erfc(-0.4 / M_SQRT2)));
    check_mean("probit z | y = 0", s[1], ss[1], N, 0.4 - phi / (0.5 * erfc(0.4 / M_SQRT2)));
    gsl_rng_free(r);
}

/* Evaluates a JSON tree at x. */
static double json_eval(const json_t *t, const double *x)
{
    while (json_object_get(t, "var")) {
        size_t v = (size_t)json_integer_value(json_object_get(t, "var"));
        double le = json_real_value(json_object_get(t, "le"));
        t = json_object_get(t, x[v] <= le ? "left" : "right");
    }
    json_t *mu = json_object_get(t, "mu");
    assert_non_null(mu);
    return json_number_value(mu);
}

/* A BART fit whose JSON line, predictions and fit agree; rules have one line per leaf. */
static void test_json_rules_and_predict_agree_with_fit(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 21);
    size_t n = 120, p = 3, m = 8;
    double *x = uniform_x(r, n, p), y[120], pred[120];
    for (size_t i = 0; i < n; i++)
        y[i] = (x[i * p] > 0.5 ? 2 : -1) + x[i * p + 2] + gsl_ran_gaussian(r, 0.2);
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    gb_forest *f = NULL;
    assert_int_equal(gb_tree_data_new(x, n, p, 5, &d, errs), GB_OK);
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NORMAL, m);
    c.tau = gb_tree_bart_tau(-1, 3, 2, m);
    assert_int_equal(gb_forest_new(d, &c, &f, errs), GB_OK);
    for (int s = 0; s < 50; s++)
        assert_int_equal(gb_forest_sweep(f, r, y, 0.3), GB_OK);
    assert_int_equal(gb_forest_predict(f, x, n, p, pred, errs), GB_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_int_equal(gb_forest_write_json(f, mem), GB_OK);
    fclose(mem);
    assert_int_equal(buf[len - 1], '\n');
    assert_null(strchr(buf, '\n') == buf + len - 1 ? NULL : buf);
    json_error_t jerr;
    json_t *root = json_loads(buf, 0, &jerr);
    assert_non_null(root);
    json_t *trees = json_object_get(root, "trees");
    assert_int_equal(json_array_size(trees), m);
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t t = 0; t < m; t++)
            s += json_eval(json_array_get(trees, t), x + i * p);
        assert_near(pred[i], gb_forest_fit(f)[i], 1e-9, 0);
        assert_near(s, pred[i], 1e-12, 1e-12);
    }
    json_decref(root);
    free(buf);
    for (size_t t = 0; t < m; t++) {
        const char *names[3] = {"a", "b", "c"};
        mem = open_memstream(&buf, &len);
        assert_int_equal(gb_tree_write_rules(f, t, names, mem), GB_OK);
        fclose(mem);
        size_t lines = 0;
        for (char *q = buf; *q; q++)
            lines += *q == '\n';
        assert_int_equal(lines, gb_tree_leaves(f, t));
        assert_true(strncmp(buf, gb_tree_leaves(f, t) > 1 ? "if " : "always mu = ", 3) == 0);
        free(buf);
    }
    double bad[3] = {0.1, NAN, 0.2};
    assert_int_equal(gb_forest_predict(f, bad, 1, p, pred, errs), GB_EDATA);
    assert_string_equal(first_msg(errs), "prediction input has NaN at row 1, column 2");
    gb_forest_free(f);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
    free(x);
    gsl_rng_free(r);
}

/* Rules of a hand-checked stump: the split comes from the data's only informative column. */
static void test_rules_text_of_a_stump(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 22);
    double x[40], y[40];
    for (int i = 0; i < 40; i++)
        x[i] = i, y[i] = i < 20 ? 0 : 1;
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    gb_forest *f = NULL;
    assert_int_equal(gb_tree_data_new(x, 40, 1, 5, &d, errs), GB_OK);
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_CLASS, 1);
    c.alpha = 0.5, c.beta = 4; /* deeper splits are all but forbidden */
    assert_int_equal(gb_forest_new(d, &c, &f, errs), GB_OK);
    for (int s = 0; s < 200; s++)
        assert_int_equal(gb_forest_sweep(f, r, y, 1), GB_OK);
    char key[64];
    assert_int_equal(gb_tree_key(f, 0, key, sizeof key), 8);
    assert_string_equal(key, "0:19 * *");
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_int_equal(gb_tree_write_rules(f, 0, NULL, mem), GB_OK);
    fclose(mem);
    assert_true(strncmp(buf, "if x1 <= 19 then p = [", 22) == 0);
    /* log prior: a_0 = 1/2 splits, 1 column, 31 valid cuts (ranks 4..34), two leaves at depth 1
     * with a_1 = 1/32; each leaf holds 20 rows of one class: lgamma(2) - lgamma(22) + lgamma(21)
     * = -log 21 under Dirichlet(1, 1). */
    double want = log(0.5) - log(31) + 2 * log1p(-1.0 / 32) - 2 * log(21);
    assert_near(gb_tree_log_posterior(f, 0, y, 1), want, 1e-12, 1e-12);
    assert_near(gb_tree_log_posterior(f, 0, NULL, 1), want + 2 * log(21), 1e-12, 1e-12);
    assert_non_null(strstr(buf, "\nif x1 > 19 then p = ["));
    free(buf);
    gb_forest_free(f);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
    gsl_rng_free(r);
}

/* Writes f's JSON line into a new string (caller frees). */
static char *json_line(const gb_forest *f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_non_null(mem);
    assert_int_equal(gb_forest_write_json(f, mem), GB_OK);
    assert_int_equal(fclose(mem), 0);
    return buf;
}

/* A forest read back from its JSON line is the same draw: the same line, keys, leaves, depths,
 * fit and predictions, for BART and for class leaves; bad lines are refused with a message and
 * leave single-leaf trees. */
static void test_json_round_trip(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 31);
    size_t n = 150, p = 3;
    double *x = uniform_x(r, n, p), y[150], lab[150], pa[150 * 3], pb[150 * 3];
    for (size_t i = 0; i < n; i++) {
        y[i] = (x[i * p + 1] > 0.4 ? 1.5 : -1) + gsl_ran_gaussian(r, 0.3);
        lab[i] = x[i * p] < 0.3 ? 0 : x[i * p + 2] < 0.6 ? 1 : 2;
    }
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    assert_int_equal(gb_tree_data_new(x, n, p, 5, &d, errs), GB_OK);
    gb_tree_config cs[2];
    gb_tree_config_default(&cs[0], GB_TREE_LEAF_NORMAL, 10);
    cs[0].tau = gb_tree_bart_tau(-1, 1.5, 2, 10);
    gb_tree_config_default(&cs[1], GB_TREE_LEAF_CLASS, 1);
    cs[1].classes = 3;
    for (int k = 0; k < 2; k++) {
        gb_forest *f = NULL, *g = NULL;
        assert_int_equal(gb_forest_new(d, &cs[k], &f, errs), GB_OK);
        assert_int_equal(gb_forest_new(d, &cs[k], &g, errs), GB_OK);
        for (int s = 0; s < 40; s++)
            assert_int_equal(gb_forest_sweep(f, r, k ? lab : y, 0.3), GB_OK);
        char *line = json_line(f);
        assert_int_equal(gb_forest_read_json(g, line, errs), GB_OK);
        char *again = json_line(g);
        assert_string_equal(again, line);
        for (size_t t = 0; t < gb_forest_trees(f); t++) {
            char ka[512], kb[512];
            gb_tree_key(f, t, ka, sizeof ka);
            gb_tree_key(g, t, kb, sizeof kb);
            assert_string_equal(ka, kb);
            assert_int_equal(gb_tree_leaves(f, t), gb_tree_leaves(g, t));
            assert_int_equal(gb_tree_depth(f, t), gb_tree_depth(g, t));
        }
        size_t kk = k ? 3 : 1;
        for (size_t i = 0; i < n * kk; i++)
            assert_near(gb_forest_fit(g)[i], gb_forest_fit(f)[i], 1e-12, 1e-12);
        assert_int_equal(gb_forest_predict(f, x, n, p, pa, errs), GB_OK);
        assert_int_equal(gb_forest_predict(g, x, n, p, pb, errs), GB_OK);
        assert_memory_equal(pa, pb, n * kk * sizeof *pa);
        free(line);
        free(again);
        gb_forest_free(f);
        gb_forest_free(g);
    }
    gb_forest *f = NULL;
    assert_int_equal(gb_forest_new(d, &cs[0], &f, errs), GB_OK);
    const char *bad[][2] = {
        {"{\"trees\":[", "the forest's JSON does not parse"},
        {"{\"trees\":[{\"mu\":1}]}", "the forest's JSON has 1 trees where 10 were expected"},
        {"{\"trees\":[{\"var\":3,\"le\":0.5,\"left\":{\"mu\":1},\"right\":{\"mu\":2}}"
         ",{},{},{},{},{},{},{},{},{}]}",
         "tree 1 of the forest's JSON: a split's \"var\" is not a column number 0..2"},
        {"{\"trees\":[{\"var\":0,\"le\":-5,\"left\":{\"mu\":1},\"right\":{\"mu\":2}}"
         ",{},{},{},{},{},{},{},{},{}]}",
         "tree 1 of the forest's JSON: a split value is below every observed value of its column"},
        {"{\"trees\":[{\"mu\":1},{\"p\":[1]},{},{},{},{},{},{},{},{}]}",
         "tree 2 of the forest's JSON: a leaf has no finite \"mu\""},
    };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        gb_errlist *e = gb_errlist_new();
        assert_int_equal(gb_forest_read_json(f, bad[b][0], e), GB_EDATA);
        assert_non_null(strstr(first_msg(e), bad[b][1]));
        gb_errlist_free(e);
        assert_int_equal(gb_tree_leaves(f, 0), 1);
    }
    gb_forest_free(f);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
    free(x);
    gsl_rng_free(r);
}

/* The key follows snprintf: the needed length whatever the size, always terminated. */
static void test_key_is_snprintf_like_and_copy_restores(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937), *r2 = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 23);
    size_t n = 100, p = 2, m = 5;
    double *x = uniform_x(r, n, p), y[100];
    for (size_t i = 0; i < n; i++)
        y[i] = x[i * p] * 4 + gsl_ran_gaussian(r, 0.1);
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    gb_forest *f = NULL, *g = NULL;
    assert_int_equal(gb_tree_data_new(x, n, p, 3, &d, errs), GB_OK);
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NORMAL, m);
    assert_int_equal(gb_forest_new(d, &c, &f, errs), GB_OK);
    assert_int_equal(gb_forest_new(d, &c, &g, errs), GB_OK);
    char k1[256], k2[256], tiny[4];
    assert_int_equal(gb_tree_key(f, 0, k1, sizeof k1), 1);
    assert_string_equal(k1, "*");
    for (int s = 0; s < 40; s++)
        assert_int_equal(gb_forest_sweep(f, r, y, 0.2), GB_OK);
    size_t need = gb_tree_key(f, 0, NULL, 0);
    assert_int_equal(gb_tree_key(f, 0, k1, sizeof k1), need);
    assert_int_equal(gb_tree_key(f, 0, tiny, sizeof tiny), need);
    assert_int_equal(strlen(tiny), need < 3 ? need : 3);
    assert_int_equal(gb_forest_copy_state(g, f), GB_OK);
    for (size_t t = 0; t < m; t++) {
        gb_tree_key(f, t, k1, sizeof k1);
        gb_tree_key(g, t, k2, sizeof k2);
        assert_string_equal(k1, k2);
    }
    gsl_rng_memcpy(r2, r);
    for (int s = 0; s < 20; s++) {
        assert_int_equal(gb_forest_sweep(f, r, y, 0.2), GB_OK);
        assert_int_equal(gb_forest_sweep(g, r2, y, 0.2), GB_OK);
    }
    assert_memory_equal(gb_forest_fit(f), gb_forest_fit(g), n * sizeof(double));
    gb_forest_reset(g);
    for (size_t t = 0; t < m; t++)
        assert_int_equal(gb_tree_leaves(g, t), 1);
    assert_near(gb_forest_fit(g)[0], 0, 0, 0);
    gb_forest_free(f);
    gb_forest_free(g);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
    free(x);
    gsl_rng_free(r);
    gsl_rng_free(r2);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_reports_nan_with_row_and_column),
        cmocka_unit_test(test_data_refuses_too_few_rows_and_zero_min_leaf),
        cmocka_unit_test(test_labels_outside_range_are_named),
        cmocka_unit_test(test_config_errors_are_messages),
        cmocka_unit_test(test_memory_budget_refuses_a_huge_forest),
        cmocka_unit_test(test_constant_column_is_never_split),
        cmocka_unit_test(test_leaves_keep_min_leaf_rows),
        cmocka_unit_test(test_normal_leaf_draws_match_conditional),
        cmocka_unit_test(test_nig_leaf_draws_match_conditional),
        cmocka_unit_test(test_nig_prior_mode_draws_from_the_prior),
        cmocka_unit_test(test_class_leaf_draws_match_conditional),
        cmocka_unit_test(test_probit_latent_has_truncated_normal_mean),
        cmocka_unit_test(test_json_rules_and_predict_agree_with_fit),
        cmocka_unit_test(test_rules_text_of_a_stump),
        cmocka_unit_test(test_key_is_snprintf_like_and_copy_restores),
        cmocka_unit_test(test_json_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
