/* tree_bench.c - BART sweeps per second on one core (issue 19's speed target: 200 trees,
 * N = 10,000 rows, p = 10 inputs, at least 50 full sweeps a second).  Data from Friedman's first
 * function with noise sd 1; sigma drawn each sweep from its conjugate inverse-gamma as BART does,
 * so the trees grow as they would in a real fit.  Not a unit test: `make tree-bench` prints
 * one line (CPU-time rate: the machine may be shared).  Usage: tree_bench [rows [trees [sweeps]]].
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "tree.h"

#define P 10

static double friedman(const double *x)
{
    return 10 * sin(M_PI * x[0] * x[1]) + 20 * (x[2] - 0.5) * (x[2] - 0.5) + 10 * x[3] + 5 * x[4];
}

static double now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* sigma^2 | rest ~ InvGamma(nu/2 + n/2, nu lambda/2 + SSR/2) with nu = 3, lambda = 1. */
static double draw_sigma(gsl_rng *r, const double *y, const double *fit, size_t n)
{
    double ssr = 0;
    for (size_t i = 0; i < n; i++)
        ssr += (y[i] - fit[i]) * (y[i] - fit[i]);
    return sqrt(1 / gsl_ran_gamma(r, 1.5 + 0.5 * (double)n, 1 / (1.5 + 0.5 * ssr)));
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
    size_t m = argc > 2 ? strtoul(argv[2], NULL, 10) : 200;
    size_t sweeps = argc > 3 ? strtoul(argv[3], NULL, 10) : 200;
    gsl_set_error_handler_off();
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 19);
    double *x = malloc(n * P * sizeof *x), *y = malloc(n * sizeof *y);
    gb_errlist *errs = gb_errlist_new();
    if (!r || !x || !y || !errs)
        return 1;
    double ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < P; j++)
            x[i * P + j] = gsl_rng_uniform(r);
        y[i] = friedman(x + i * P) + gsl_ran_gaussian(r, 1);
        ymin = fmin(ymin, y[i]), ymax = fmax(ymax, y[i]);
    }
    gb_tree_data *d = NULL;
    gb_forest *f = NULL;
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NORMAL, m);
    c.tau = gb_tree_bart_tau(ymin, ymax, 2, m);
    if (gb_tree_data_new(x, n, P, 5, &d, errs) != GB_OK || gb_forest_new(d, &c, &f, errs) != GB_OK)
        return 1;
    double sigma = 1, t0 = 0, c0 = 0;
    for (size_t s = 0; s < sweeps + sweeps / 4; s++) { /* the first quarter warms up */
        if (s == sweeps / 4)
            t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        if (gb_forest_sweep(f, r, y, sigma) != GB_OK)
            return 1;
        sigma = draw_sigma(r, y, gb_forest_fit(f), n);
    }
    double secs = now(CLOCK_MONOTONIC) - t0, cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
    size_t leaves = 0;
    for (size_t t = 0; t < m; t++)
        leaves += gb_tree_leaves(f, t);
    /* CPU time is the figure for "one core" on a shared machine; wall time is shown beside it. */
    printf("tree_bench: BART %zu trees, N = %zu, p = %d: %.1f sweeps/s of CPU time (%zu sweeps, "
           "%.2f s CPU, %.2f s wall; sigma %.3f, mean leaves %.2f)\n",
           m, n, P, (double)sweeps / cpu, sweeps, cpu, secs, sigma, (double)leaves / (double)m);
    gb_forest_free(f);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
    free(x), free(y);
    gsl_rng_free(r);
    return 0;
}
