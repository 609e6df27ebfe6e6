/* test_dist_each.c - the per-repetition log densities (gb_dist_ops.lpdf_each) that summing out
 * discrete latents calls: each repetition's value equals a one-repetition lpdf call, the
 * weighted gradient equals the sum of the one-repetition gradients times their weights (shared
 * parameters summing, a zero weight adding nothing), invalid repetitions give -INFINITY alone
 * without spoiling the others, and the adjoints are not touched without weights. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_sf_gamma.h>

#include "dist.h"
#include "dist_disc.h"
#include "dists.h"
#include "near.h"

#define NREP 5
#define MAXV 4 /* doubles per repetition of the widest argument here (a 3-simplex) */

/* One argument's storage: NREP blocks of width values (or one, for stride 0). */
typedef struct arg_data {
    double val[NREP * MAXV], adj[NREP * MAXV];
    size_t width, stride;
} arg_data;

static void bind(gb_arg *args, arg_data *a, int nargs, int with_adj)
{
    for (int i = 0; i < nargs; i++) {
        args[i].val = a[i].val;
        args[i].adj = with_adj ? a[i].adj : NULL;
        args[i].stride = a[i].stride;
        memset(a[i].adj, 0, sizeof a[i].adj);
    }
}

/* Checks d->lpdf_each against one-repetition lpdf calls with the weights w (discrete variates
 * have no adjoint). */
static void check_each(const gb_dist_ops *d, arg_data *a, const size_t *dims, const double *w)
{
    int nargs = d->nparams + 1, first = d->variate_type == GB_INT ? 1 : 0;
    gb_arg args[GB_DIST_MAX_PARAMS + 1];
    double out[NREP], adj_each[GB_DIST_MAX_PARAMS + 1][NREP * MAXV];
    assert_non_null(d->lpdf_each);

    bind(args, a, nargs, 0); /* no weights: values only, adjoints untouched */
    for (int i = 0; i < nargs; i++)
        args[i].adj = a[i].adj;
    d->lpdf_each(NREP, args, dims, NULL, out);
    for (int i = 0; i < nargs; i++)
        for (size_t j = 0; j < NREP * MAXV; j++)
            assert_true(a[i].adj[j] == 0);

    bind(args, a, nargs, 1);
    for (int i = 0; i < first; i++)
        args[i].adj = NULL;
    double out_w[NREP];
    d->lpdf_each(NREP, args, dims, w, out_w);
    for (int i = 0; i < nargs; i++)
        memcpy(adj_each[i], a[i].adj, sizeof adj_each[i]);

    double expect_adj[GB_DIST_MAX_PARAMS + 1][NREP * MAXV] = {{0}};
    for (size_t r = 0; r < NREP; r++) {
        gb_arg one[GB_DIST_MAX_PARAMS + 1];
        double scr[GB_DIST_MAX_PARAMS + 1][MAXV] = {{0}};
        for (int i = 0; i < nargs; i++) {
            one[i].val = a[i].val + r * a[i].stride;
            one[i].adj = i >= first ? scr[i] : NULL;
            one[i].stride = 0;
        }
        double lp = d->lpdf(1, one, dims, 0);
        lp = lp > -INFINITY ? lp : -INFINITY;
        assert_true(out[r] == lp || (isinf(lp) && out[r] == lp));
        assert_true(out_w[r] == out[r]);
        if (!(lp > -INFINITY) || w[r] == 0)
            continue;
        for (int i = first; i < nargs; i++)
            for (size_t j = 0; j < a[i].width; j++)
                expect_adj[i][r * a[i].stride + j] += w[r] * scr[i][j];
    }
    for (int i = first; i < nargs; i++)
        for (size_t j = 0; j < NREP * MAXV; j++)
            assert_near(adj_each[i][j], expect_adj[i][j], 1e-14, 1e-12);
}

static void test_normal_each_matches_single_calls(void **state)
{
    (void)state;
    const gb_dist_ops *d = gb_dist_find("normal");
    arg_data a[3] = {
        {.width = 1, .stride = 1}, {.width = 1, .stride = 1}, {.width = 1, .stride = 0}};
    const double y[NREP] = {0.3, -1.2, 2.5, INFINITY, 0.0};
    const double mu[NREP] = {0.0, 1.0, -2.0, 0.5, 3.0};
    const double w[NREP] = {0.25, 0.0, 1.0, 0.5, 0.75};
    memcpy(a[0].val, y, sizeof y);
    memcpy(a[1].val, mu, sizeof mu);
    a[2].val[0] = 1.7; /* sigma shared: its gradient sums over the repetitions */
    check_each(d, a, NULL, w);

    a[2].stride = 1; /* sigma per repetition, one of them invalid */
    const double sigma[NREP] = {0.5, 2.0, -1.0, 1.0, 3.0};
    memcpy(a[2].val, sigma, sizeof sigma);
    check_each(d, a, NULL, w);
}

static void test_normal_each_invalid_shared_sigma_is_minus_infinity(void **state)
{
    (void)state;
    const gb_dist_ops *d = gb_dist_find("normal");
    gb_arg args[3];
    double y[2] = {0, 1}, mu = 0, sigma = 0, out[2] = {0, 0};
    args[0] = (gb_arg){y, NULL, 1};
    args[1] = (gb_arg){&mu, NULL, 0};
    args[2] = (gb_arg){&sigma, NULL, 0};
    d->lpdf_each(2, args, NULL, NULL, out);
    assert_true(out[0] == -INFINITY && out[1] == -INFINITY);
}

static void test_categorical_each_matches_single_calls(void **state)
{
    (void)state;
    const gb_dist_ops *d = gb_dist_find("categorical");
    const size_t dims[2] = {3, 0};
    arg_data a[2] = {{.width = 1, .stride = 1}, {.width = 3, .stride = 0}};
    const double y[NREP] = {1, 3, 3, 4, 2}; /* 4 is outside 1..3 */
    const double w[NREP] = {0.5, 0.25, 0.0, 1.0, 2.0};
    memcpy(a[0].val, y, sizeof y);
    a[1].val[0] = 0.2, a[1].val[1] = 0.3, a[1].val[2] = 0.5; /* shared theta */
    check_each(d, a, dims, w);

    a[1].stride = 3; /* theta per repetition; the last is not a simplex */
    const double th[NREP * 3] = {0.1, 0.1, 0.8,  0.3,  0.3, 0.4, 0.6, 0.2,
                                 0.2, 0.5, 0.25, 0.25, 0.7, 0.7, 0.1};
    memcpy(a[1].val, th, sizeof th);
    check_each(d, a, dims, w);
}

static void test_categorical_each_shared_theta_not_simplex(void **state)
{
    (void)state;
    const gb_dist_ops *d = gb_dist_find("categorical");
    const size_t dims[2] = {2, 0};
    gb_arg args[2];
    double y[2] = {1, 2}, th[2] = {0.7, 0.7}, out[2] = {0, 0};
    args[0] = (gb_arg){y, NULL, 1};
    args[1] = (gb_arg){th, NULL, 0};
    d->lpdf_each(2, args, dims, NULL, out);
    assert_true(out[0] == -INFINITY && out[1] == -INFINITY);
}

static void test_poisson_each_matches_single_calls(void **state)
{
    (void)state;
    const gb_dist_ops *d = gb_dist_find("poisson");
    arg_data a[2] = {{.width = 1, .stride = 1}, {.width = 1, .stride = 1}};
    const double y[NREP] = {0, 3, 2, 0, 1.5};   /* 1.5 is no count */
    const double lam[NREP] = {0, 2.5, 0, 4, 1}; /* lambda 0 with y 2: no mass */
    const double w[NREP] = {0.5, 0.25, 1.0, 0.0, 2.0};
    memcpy(a[0].val, y, sizeof y);
    memcpy(a[1].val, lam, sizeof lam);
    check_each(d, a, NULL, w);
    a[1].stride = 0; /* lambda shared */
    a[1].val[0] = 1.7;
    check_each(d, a, NULL, w);
}

/* A change point's rates come in runs: one log a run (the cached log must follow each change,
 * back to an earlier rate too), each repetition still equal to its own call. */
static void test_poisson_each_runs_of_rates(void **state)
{
    (void)state;
    const gb_dist_ops *d = gb_dist_find("poisson");
    arg_data a[2] = {{.width = 1, .stride = 1}, {.width = 1, .stride = 1}};
    const double y[NREP] = {4, 7, 1, 250, 3}; /* 250: past the table of log(n!) */
    const double lam[NREP] = {3.25, 3.25, 9.5, 9.5, 3.25};
    const double w[NREP] = {0.5, 0.25, 1.0, 0.125, 2.0};
    memcpy(a[0].val, y, sizeof y);
    memcpy(a[1].val, lam, sizeof lam);
    check_each(d, a, NULL, w);
}

/* The table of log(n!) holds exactly GSL's values, and past it lngamma takes over. */
static void test_lgamma_of_counts_is_gsl_lnfact(void **state)
{
    (void)state;
    for (unsigned n = 0; n <= GSL_SF_FACT_NMAX; n++) {
        gsl_sf_result r;
        assert_int_equal(gsl_sf_lnfact_e(n, &r), GSL_SUCCESS);
        assert_true(gb_disc_lgamma(n + 1.0) == r.val);
    }
    assert_true(gb_disc_lgamma(GSL_SF_FACT_NMAX + 2.0) == gsl_sf_lngamma(GSL_SF_FACT_NMAX + 2.0));
    assert_true(gb_disc_lgamma(2.5) == gsl_sf_lngamma(2.5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_each_matches_single_calls),
        cmocka_unit_test(test_normal_each_invalid_shared_sigma_is_minus_infinity),
        cmocka_unit_test(test_categorical_each_matches_single_calls),
        cmocka_unit_test(test_categorical_each_shared_theta_not_simplex),
        cmocka_unit_test(test_poisson_each_matches_single_calls),
        cmocka_unit_test(test_poisson_each_runs_of_rates),
        cmocka_unit_test(test_lgamma_of_counts_is_gsl_lnfact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
