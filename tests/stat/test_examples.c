/* test_examples.c - the examples' stories hold: each example in examples/ is sampled (a short
 * run) and its key figure checked.
 *
 * Two kinds of tolerance.  Where the answer is a number the posterior should reproduce up to
 * Monte Carlo error (an exact posterior mean, a least-squares estimate with a flat-ish prior),
 * |estimate - target| < z sqrt(MCSE^2 + c^2), z Bonferroni-corrected over the file's checks and
 * c the known gap between the two (0 for exact results).  Where the target is the truth that
 * generated the data, the posterior itself is uncertain about it: the check is that the truth
 * lies within z posterior sds (plus MCSE) of the posterior mean.  Fixed seeds throughout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>

#include "data.h"
#include "diag.h"
#include "gbt_ess.h"
#include "lower.h"
#include "model.h"
#include "run.h"

#define NCHECKS 20 /* checks in this file, for the Bonferroni z */

typedef struct fit {
    gb_sources *srcs;
    gb_errlist *errs;
    gb_data *data;
    gb_graph *g;
    gb_model *m;
    gb_draws *d;
} fit;

static double zlim(void)
{
    return gbt_z_bonferroni(NCHECKS);
}

static void run_example(fit *f, const char *name, int chains, int warmup, int draws,
                        unsigned long seed)
{
    char model[256], json[256];
    snprintf(model, sizeof model, "examples/%s.gb", name);
    snprintf(json, sizeof json, "examples/%s.json", name);
    memset(f, 0, sizeof *f);
    f->srcs = gb_sources_new();
    f->errs = gb_errlist_new();
    f->data = gb_data_new();
    gb_status st = gb_data_load_file(f->data, f->srcs, json, f->errs);
    gb_lower_opts o = {f->data, NULL, GB_STDLIB_DIR};
    if (st == GB_OK)
        st = gb_lower_file(f->srcs, model, &o, &f->g, f->errs);
    if (st == GB_OK)
        st = gb_model_compile(f->g, &f->m, f->errs);
    gb_run_config cfg = {chains, warmup, draws, 2, 10, seed, 0.8, 0, 2.0, 0, NULL};
    if (st == GB_OK)
        st = gb_run(f->m, &cfg, NULL, NULL, &f->d, f->errs);
    if (st != GB_OK) {
        gb_errlist_print(f->errs, f->srcs, stderr);
        fail_msg("%s: sampling failed", name);
    }
}

static void fit_free(fit *f)
{
    gb_draws_free(f->d);
    gb_model_free(f->m);
    gb_graph_free(f->g);
    gb_data_free(f->data);
    gb_errlist_free(f->errs);
    gb_sources_free(f->srcs);
}

/* Diagnostics of output column `name`, optionally transformed per draw. */
static gb_diag_summary summary_of(const fit *f, const char *name, double (*fn)(double))
{
    size_t col = (size_t)-1;
    for (size_t c = 0; c < gb_model_output_size(f->m); c++)
        if (strcmp(gb_model_output_name(f->m, c), name) == 0)
            col = GB_NSAMPLER_COLS + c;
    if (col == (size_t)-1)
        fail_msg("no column %s", name);
    size_t n = f->d->ndraws, nc = (size_t)f->d->nchains;
    double *x = malloc(nc * n * sizeof *x);
    const double *ch[16];
    for (size_t c = 0; c < nc; c++) {
        for (size_t i = 0; i < n; i++) {
            double v = f->d->rows[(c * n + i) * f->d->ncols + col];
            x[c * n + i] = fn ? fn(v) : v;
        }
        ch[c] = x + c * n;
    }
    gb_diag_summary s;
    assert_int_equal(gb_diag_summarise(ch, nc, n, &s), GB_OK);
    free(x);
    return s;
}

static const double *data_of(const fit *f, const char *name, size_t *len)
{
    const gb_data_var *v = gb_data_find(f->data, name);
    assert_non_null(v);
    *len = v->len;
    return v->val;
}

/* The truth lies within z posterior sds (and MCSE) of the posterior mean. */
static void check_covers(const char *what, const gb_diag_summary *s, double truth)
{
    double tol = zlim() * sqrt(s->sd * s->sd + s->mcse_mean * s->mcse_mean);
    if (!(fabs(s->mean - truth) < tol))
        fail_msg("%s: posterior mean %.6g (sd %.3g), truth %.6g", what, s->mean, s->sd, truth);
}

/* Coin: beta(2, 2) prior, k heads in n flips: the posterior is beta(2 + k, 2 + n - k), whose
 * mean is exactly (k + 2) / (n + 4). */
static void test_example_coin_matches_exact_posterior(void **state)
{
    (void)state;
    fit f;
    run_example(&f, "coin", 4, 500, 1000, 11);
    size_t n;
    const double *flips = data_of(&f, "flips", &n);
    double k = 0;
    for (size_t i = 0; i < n; i++)
        k += flips[i];
    gb_diag_summary s = summary_of(&f, "theta", NULL);
    double exact = (k + 2) / ((double)n + 4);
    if (!(fabs(s.mean - exact) < zlim() * s.mcse_mean))
        fail_msg("theta mean %.6g, exact %.6g, MCSE %.3g", s.mean, exact, s.mcse_mean);
    fit_free(&f);
}

/* Change point: the rate switched after day 45 (examples/gen_data.py). */
static void test_example_changepoint_finds_the_day(void **state)
{
    (void)state;
    fit f;
    run_example(&f, "changepoint", 4, 500, 1000, 12);
    gb_diag_summary s = summary_of(&f, "tau", NULL);
    check_covers("tau", &s, 45);
    gb_diag_summary l1 = summary_of(&f, "lambda1", NULL), l2 = summary_of(&f, "lambda2", NULL);
    check_covers("lambda1", &l1, 18);
    check_covers("lambda2", &l2, 23);
    fit_free(&f);
}

/* The seed's regression: every coefficient's posterior mean within 2 posterior sds of the
 * least-squares estimate (GSL), and the generating coefficients covered. */
static void test_example_regression_coefficients_agree_with_least_squares(void **state)
{
    (void)state;
    fit f;
    run_example(&f, "regression_coefficients", 4, 500, 1000, 13);
    size_t nx, ny, nb;
    const double *X = data_of(&f, "X", &nx), *y = data_of(&f, "y", &ny);
    const double *truth = data_of(&f, "true_beta", &nb);
    size_t K = nb, N = ny;
    gsl_matrix *A = gsl_matrix_alloc(N, K + 1);
    gsl_vector *yv = gsl_vector_alloc(N), *c = gsl_vector_alloc(K + 1);
    gsl_matrix *cov = gsl_matrix_alloc(K + 1, K + 1);
    for (size_t i = 0; i < N; i++) {
        gsl_matrix_set(A, i, 0, 1);
        for (size_t k = 0; k < K; k++)
            gsl_matrix_set(A, i, k + 1, X[i * K + k]);
        gsl_vector_set(yv, i, y[i]);
    }
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(N, K + 1);
    double chisq;
    assert_int_equal(gsl_multifit_linear(A, yv, c, cov, &chisq, w), GSL_SUCCESS);
    for (size_t k = 0; k < K; k++) {
        char name[32];
        snprintf(name, sizeof name, "fit.beta.%zu", k + 1);
        gb_diag_summary s = summary_of(&f, name, NULL);
        double ols = gsl_vector_get(c, k + 1);
        if (!(fabs(s.mean - ols) < 2 * s.sd))
            fail_msg("%s: posterior mean %.6g (sd %.3g), least squares %.6g", name, s.mean, s.sd,
                     ols);
        check_covers(name, &s, truth[k]);
    }
    gsl_multifit_linear_free(w);
    gsl_matrix_free(A);
    gsl_matrix_free(cov);
    gsl_vector_free(yv);
    gsl_vector_free(c);
    fit_free(&f);
}

/* Challenger: colder launches were riskier, and at 31 deg F damage was very likely. */
static void test_example_challenger_cold_is_risky(void **state)
{
    (void)state;
    fit f;
    run_example(&f, "challenger", 4, 500, 1000, 14);
    gb_diag_summary b = summary_of(&f, "beta", NULL), p = summary_of(&f, "p31", NULL);
    /* the posterior puts the slope below zero: its 95% quantile is negative */
    if (!(b.q95 < 0))
        fail_msg("beta: 95%% quantile %.3g is not below 0", b.q95);
    if (!(p.q5 > 0.5))
        fail_msg("p31: 5%% quantile %.3g", p.q5);
    fit_free(&f);
}

/* Radon: the first-floor effect that generated the data (-0.7) is recovered. */
static void test_example_radon_recovers_floor_effect(void **state)
{
    (void)state;
    fit f;
    run_example(&f, "radon", 4, 500, 1000, 15);
    gb_diag_summary s = summary_of(&f, "fit.beta.1", NULL);
    check_covers("floor effect", &s, -0.7);
    fit_free(&f);
}

/* MLP probe (short run): the noise sd of the generating network (0.1) is recovered. */
static void test_example_mlp_probe_recovers_noise(void **state)
{
    (void)state;
    fit f;
    run_example(&f, "mlp_probe", 2, 150, 100, 16);
    gb_diag_summary s = summary_of(&f, "net.sigma", NULL);
    check_covers("net.sigma", &s, 0.1);
    fit_free(&f);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_coin_matches_exact_posterior),
        cmocka_unit_test(test_example_changepoint_finds_the_day),
        cmocka_unit_test(test_example_regression_coefficients_agree_with_least_squares),
        cmocka_unit_test(test_example_challenger_cold_is_risky),
        cmocka_unit_test(test_example_radon_recovers_floor_effect),
        cmocka_unit_test(test_example_mlp_probe_recovers_noise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
