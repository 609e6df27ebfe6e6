/* gbt_model.c - test-only model fixture (see gbt_model.h): build from text or files, check the
 * gradient against finite differences, sample, find and summarise an output column. */
#include "gbt_model.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "lower.h"
#include "near.h"

gbt_model *gbt_model_new(void)
{
    gbt_model *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->srcs = gb_sources_new();
    f->errs = gb_errlist_new();
    f->data = gb_data_new();
    assert_non_null(f->srcs);
    assert_non_null(f->errs);
    assert_non_null(f->data);
    return f;
}

void gbt_model_free(gbt_model *f)
{
    if (!f)
        return;
    gb_draws_free(f->d);
    gb_model_ws_free(f->ws);
    gb_model_free(f->m);
    gb_graph_free(f->g);
    gb_data_free(f->data);
    gb_errlist_free(f->errs);
    gb_sources_free(f->srcs);
    free(f);
}

/* The status, after printing the errors when it is a failure (unless f->quiet). */
static gb_status reported(const gbt_model *f, gb_status st)
{
    if (st != GB_OK && !f->quiet)
        gb_errlist_print(f->errs, f->srcs, stderr);
    return st;
}

gb_status gbt_model_lower(gbt_model *f, const char *model, const char *json)
{
    const gb_source *src;
    if (json) {
        assert_int_equal(gb_sources_add(f->srcs, "d.json", json, strlen(json), &src), GB_OK);
        assert_int_equal(gb_data_load_json(f->data, src, f->errs), GB_OK);
    }
    assert_int_equal(gb_sources_add(f->srcs, "m.gb", model, strlen(model), &src), GB_OK);
    gb_lower_opts o = {json ? f->data : NULL, NULL, NULL, 0};
    return reported(f, gb_lower_source(f->srcs, src, &o, &f->g, f->errs));
}

gb_status gbt_model_build(gbt_model *f, const char *model, const char *json)
{
    gb_status st = gbt_model_lower(f, model, json);
    if (st == GB_OK)
        st = gb_model_compile(f->g, &f->m, f->errs);
    return reported(f, st);
}

void gbt_model_build_ws(gbt_model *f, const char *model, const char *json)
{
    if (gbt_model_build(f, model, json) != GB_OK)
        fail_msg("model did not compile:\n%s", model);
    f->ws = gb_model_ws_new(f->m);
    assert_non_null(f->ws);
}

size_t gbt_model_latent(const gbt_model *f, const char *name)
{
    const gb_graph *g = gb_model_graph(f->m);
    for (size_t k = 0; k < gb_model_latent_count(f->m); k++)
        if (strcmp(gb_graph_node(g, gb_model_latent_node(f->m, k))->name, name) == 0)
            return k;
    fail_msg("no latent %s", name);
    return 0;
}

double gbt_model_fd(gbt_model *f, double *theta, size_t k)
{
    double x = theta[k], h = pow(DBL_EPSILON, 1.0 / 7) * fmax(1, fabs(x));
    static const double w[3] = {45.0 / 60, -9.0 / 60, 1.0 / 60};
    double s = 0;
    for (int j = 1; j <= 3; j++) {
        theta[k] = x + j * h;
        double up = gb_model_logp(f->m, f->ws, theta, NULL);
        theta[k] = x - j * h;
        double dn = gb_model_logp(f->m, f->ws, theta, NULL);
        s += w[j - 1] * (up - dn);
    }
    theta[k] = x;
    return s / h;
}

void gbt_model_check_gradient(gbt_model *f, unsigned long seed)
{
    size_t d = gb_model_dim(f->m);
    double *theta = calloc(d ? d : 1, sizeof *theta), *grad = calloc(d ? d : 1, sizeof *grad);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_true(theta && grad && r);
    gsl_rng_set(r, seed);
    for (int rep = 0; rep < 3; rep++) {
        for (size_t k = 0; k < d; k++)
            theta[k] = 2 * gsl_rng_uniform(r) - 1;
        double lp = gb_model_logp(f->m, f->ws, theta, grad);
        assert_true(isfinite(lp));
        for (size_t k = 0; k < d; k++)
            assert_near(grad[k], gbt_model_fd(f, theta, k), 1e-6, 1e-6);
    }
    gsl_rng_free(r);
    free(theta);
    free(grad);
}

gb_status gbt_model_build_files(gbt_model *f, const char *model_path, const char *json_path)
{
    gb_status st = gb_data_load_file(f->data, f->srcs, json_path, f->errs);
    gb_lower_opts o = {f->data, NULL, GB_STDLIB_DIR, 0};
    if (st == GB_OK)
        st = gb_lower_file(f->srcs, model_path, &o, &f->g, f->errs);
    if (st == GB_OK)
        st = gb_model_compile(f->g, &f->m, f->errs);
    return reported(f, st);
}

gb_status gbt_model_run(gbt_model *f, int chains, int warmup, int draws, unsigned long seed)
{
    gb_run_config cfg = {.chains = chains,
                         .warmup = warmup,
                         .draws = draws,
                         .threads = 2,
                         .max_depth = 10,
                         .seed = seed,
                         .adapt_delta = 0.8,
                         .dense_metric = 0,
                         .adapt_fisher = 1, /* the CLI's default warmup */
                         .init_radius = 2.0,
                         .monitor = NULL,
                         .keep = NULL};
    return reported(f, gb_run(f->m, &cfg, NULL, NULL, &f->d, f->errs));
}

size_t gbt_model_col(const gbt_model *f, const char *name)
{
    for (size_t c = 0; c < gb_model_output_size(f->m); c++)
        if (strcmp(gb_model_output_name(f->m, c), name) == 0)
            return GB_NSAMPLER_COLS + c;
    fail_msg("no column %s", name);
    return 0;
}

/* Diagnostics of output `name`'s draws, or of their squared deviations from `center`. */
static gb_diag_summary summarise(const gbt_model *f, const char *name, int sqdev, double center)
{
    size_t col = gbt_model_col(f, name);
    size_t n = f->d->ndraws, nc = (size_t)f->d->nchains;
    double *x = malloc(nc * n * sizeof *x);
    const double **ch = malloc(nc * sizeof *ch);
    assert_non_null(x);
    assert_non_null(ch);
    for (size_t c = 0; c < nc; c++) {
        for (size_t i = 0; i < n; i++) {
            double v = f->d->rows[(c * n + i) * f->d->ncols + col];
            x[c * n + i] = sqdev ? (v - center) * (v - center) : v;
        }
        ch[c] = x + c * n;
    }
    gb_diag_summary s;
    assert_int_equal(gb_diag_summarise(ch, nc, n, &s), GB_OK);
    free(x);
    free(ch);
    return s;
}

gb_diag_summary gbt_model_summary(const gbt_model *f, const char *name)
{
    return summarise(f, name, 0, 0);
}

gb_diag_summary gbt_model_summary_sqdev(const gbt_model *f, const char *name, double center)
{
    return summarise(f, name, 1, center);
}
