/* test_sampler_tree.c - the tree sampler kind (sampler_tree.c) inside whole models, data
 * simulated here from fixed seeds:
 *  - composition: y = step function of X + X2 @ beta + noise, fitted with a tree prior plus a
 *    linear term updated by NUTS; the coefficients must be recovered within their posterior
 *    intervals: |mean - truth| <= 4 posterior sd + 4 MCSE (z = 4 per check, two checks per
 *    model: a false alarm under 2e-4 if the posterior is right), for BART and for one CART tree;
 *  - the planner gives the tree latent to the tree kind, the rest to NUTS;
 *  - the classifier (categorical_logit) and probit BART (bernoulli(Phi(f))) fit a rule they can
 *    express: the posterior mean fit puts most mass on the right class for most rows.  These are
 *    accuracy checks with wide margins (the data are nearly separable), not tolerance tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "gbt_model.h"
#include "near.h"

#define N 300
#define Z 4.0

/* A JSON document of X (N x 3 uniform), X2 (N x 2 normal) and y = a step function of X[, 1]
 * and X[, 2] + X2 @ (1.5, -2) + N(0, 0.5), from seed; also b (y's sign, 0/1) and c (class 1..3
 * by X[, 1]'s third).  Caller frees. */
static char *simulate(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    size_t cap = 64 * N * 8, len = 0;
    char *s = malloc(cap), *y = malloc(32 * N), *b = malloc(8 * N), *c = malloc(8 * N);
    assert_non_null(s);
    size_t ly = 0, lb = 0, lc = 0;
    len += (size_t)snprintf(s + len, cap - len, "{\"X\": [");
    double x2[N][2];
    for (int i = 0; i < N; i++) {
        double x[3] = {gsl_rng_uniform(r), gsl_rng_uniform(r), gsl_rng_uniform(r)};
        x2[i][0] = gsl_ran_gaussian(r, 1);
        x2[i][1] = gsl_ran_gaussian(r, 1);
        double step = (x[0] > 0.5 ? 2 : -1) + (x[1] > 0.3 ? 1 : 0);
        double yi = step + 1.5 * x2[i][0] - 2 * x2[i][1] + gsl_ran_gaussian(r, 0.5);
        len += (size_t)snprintf(s + len, cap - len, "%s[%.17g, %.17g, %.17g]", i ? ", " : "", x[0],
                                x[1], x[2]);
        ly += (size_t)snprintf(y + ly, 32 * N - ly, "%s%.17g", i ? ", " : "", yi);
        int bi = step + gsl_ran_gaussian(r, 0.3) > 0.5;
        lb += (size_t)snprintf(b + lb, 8 * N - lb, "%s%d", i ? ", " : "", bi);
        lc += (size_t)snprintf(c + lc, 8 * N - lc, "%s%d", i ? ", " : "",
                               x[0] < 1.0 / 3   ? 1
                               : x[0] < 2.0 / 3 ? 2
                                                : 3);
    }
    len += (size_t)snprintf(s + len, cap - len, "], \"X2\": [");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s[%.17g, %.17g]", i ? ", " : "", x2[i][0],
                                x2[i][1]);
    snprintf(s + len, cap - len, "], \"y\": [%s], \"b\": [%s], \"c\": [%s]}", y, b, c);
    free(y);
    free(b);
    free(c);
    gsl_rng_free(r);
    return s;
}

static const char *const HEAD = "data X: real[N, P]\ndata X2: real[N, Q]\ndata y: real[N]\n"
                                "data b: int[N]\ndata c: int[N]\n";

static gbt_model *build(const char *body, unsigned long seed)
{
    char src[2048];
    snprintf(src, sizeof src, "%s%s", HEAD, body);
    char *json = simulate(seed);
    gbt_model *f = gbt_model_new();
    gb_status st = gbt_model_build(f, src, json);
    free(json);
    if (st != GB_OK)
        fail_msg("model did not compile:\n%s", src);
    return f;
}

static void check_coef(const gbt_model *f, const char *name, double truth)
{
    gb_diag_summary s = gbt_model_summary(f, name);
    double tol = Z * s.sd + Z * s.mcse_mean;
    if (!(fabs(s.mean - truth) <= tol))
        fail_msg("%s: posterior mean %.4f sd %.4f (MCSE %.4f), truth %.4f: |diff| > %.4f", name,
                 s.mean, s.sd, s.mcse_mean, truth, tol);
}

static void composition(const char *prior)
{
    char body[512];
    snprintf(body, sizeof body,
             "f: real[N] ~ %s\nbeta: real[Q] ~ normal(0, 5)\nsigma ~ exponential(1)\n"
             "mu = f + X2 @ beta\ny ~ normal(mu, sigma)\n",
             prior);
    gbt_model *f = build(body, 20261204);
    size_t k = 0;
    while (strcmp(gb_graph_node(f->g, gb_model_latent_node(f->m, k))->name, "f") != 0)
        k++;
    assert_string_equal(gb_model_latent_kind(f->m, k)->name, "tree");
    assert_int_equal(gbt_model_run(f, 2, 300, 400, 11), GB_OK);
    check_coef(f, "beta.1", 1.5);
    check_coef(f, "beta.2", -2);
    gbt_model_free(f);
}

static void test_tree_bart_plus_linear_recovers_coefficients(void **state)
{
    (void)state;
    composition("bart_prior(X, 20, 2, 0)");
}

static void test_tree_cart_plus_linear_recovers_coefficients(void **state)
{
    (void)state;
    composition("cart_prior(X, 0.95, 2, 5, 1)");
}

/* Mean over draws of column `name`. */
static double mean_of(const gbt_model *f, const char *name)
{
    return gbt_model_summary(f, name).mean;
}

static void test_tree_classifier_fits_thirds(void **state)
{
    (void)state;
    gbt_model *f = build("F: real[N, 3] ~ cart_class_prior(X, 0.95, 2, 5, 8)\n"
                         "c ~ categorical_logit(F)\n",
                         7);
    assert_int_equal(gbt_model_run(f, 2, 200, 200, 5), GB_OK);
    /* the class of row i is its c, as the model loaded it */
    const gb_node *cn = gb_graph_node(f->g, gb_graph_find(f->g, "c"));
    int right = 0;
    for (int i = 0; i < N; i++) {
        int ci = (int)cn->value[i];
        double e[3], tot = 0;
        for (int k = 0; k < 3; k++) {
            char col[32];
            snprintf(col, sizeof col, "F.%d.%d", i + 1, k + 1);
            tot += e[k] = exp(mean_of(f, col));
        }
        right += e[ci - 1] / tot > 0.5; /* F holds logits: softmax of the mean row */
    }
    if (right < N * 9 / 10)
        fail_msg("the classifier put more than half its mass on the right class for %d of %d "
                 "rows (expected at least 90%%)",
                 right, N);
    gbt_model_free(f);
}

static void test_tree_probit_bart_fits_sign(void **state)
{
    (void)state;
    gbt_model *f = build("f: real[N] ~ bart_prior(X, 20, 2, 0)\nb ~ bernoulli(Phi(f))\n", 9);
    assert_int_equal(gbt_model_run(f, 2, 200, 200, 3), GB_OK);
    const gb_node *bn = gb_graph_node(f->g, gb_graph_find(f->g, "b"));
    int right = 0;
    for (int i = 0; i < N; i++) {
        char col[32];
        snprintf(col, sizeof col, "f.%d", i + 1);
        right += (mean_of(f, col) > 0) == (bn->value[i] == 1);
    }
    /* the labels flip with probability about 0.05 at the step (noise sd 0.3 at distance >= 0.5) */
    if (right < N * 8 / 10)
        fail_msg("probit BART classified %d of %d rows right (expected at least 80%%)", right, N);
    gbt_model_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_bart_plus_linear_recovers_coefficients),
        cmocka_unit_test(test_tree_cart_plus_linear_recovers_coefficients),
        cmocka_unit_test(test_tree_classifier_fits_thirds),
        cmocka_unit_test(test_tree_probit_bart_fits_sign),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
