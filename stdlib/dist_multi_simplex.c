/* dist_multi_simplex.c - dirichlet(alpha) over K-simplexes and multinomial(theta) over K-vectors
 * of counts (Stan Functions Reference, "Dirichlet distribution" and "Multinomial distribution").
 *
 *   dirichlet:   log p = lgamma(sum alpha) - sum lgamma(alpha_k) + sum (alpha_k - 1) log y_k,
 *                d/dy_k = (alpha_k - 1) / y_k, d/dalpha_k = psi(sum alpha) - psi(alpha_k) + log
 * y_k. multinomial: log p = lgamma(N + 1) - sum lgamma(y_k + 1) + sum y_k log theta_k, N = sum y_k,
 *                d/dtheta_k = y_k / theta_k.
 * The gradient w.r.t. a simplex is taken entry by entry (the constraining transform is the
 * runtime's).  A simplex must be positive (dirichlet's variate) or non-negative (theta) and sum to
 * 1 within Stan's tolerance.  With propto and alpha constant, dirichlet drops its normaliser. */
#include <math.h>

#include <gsl/gsl_randist.h>

#include "dist_disc.h"
#include "dist_multi.h"

/* Stan's CONSTRAINT_TOLERANCE: how far a simplex's sum may stray from 1 after rounding. */
#define SIMPLEX_TOL 1e-8

/* 1 if t is a simplex with entries > 0 (strict) or >= 0. */
static int is_simplex(const double *t, size_t K, int strict)
{
    double s = 0;
    for (size_t k = 0; k < K; k++) {
        if (!(strict ? t[k] > 0 : t[k] >= 0) || !(t[k] <= 1))
            return 0;
        s += t[k];
    }
    return K > 0 && fabs(s - 1) <= SIMPLEX_TOL;
}

/* lgamma(sum alpha) - sum lgamma(alpha_k), NAN if some alpha_k is not in (0, inf). */
static double dirichlet_norm(const double *al, size_t K, double *sum)
{
    double s = 0, lg = 0;
    for (size_t k = 0; k < K; k++) {
        if (!(al[k] > 0 && al[k] < INFINITY))
            return NAN;
        s += al[k];
        lg += gb_disc_lgamma(al[k]);
    }
    *sum = s;
    return gb_disc_lgamma(s) - lg;
}

static double dirichlet_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    size_t K = dims ? dims[0] : a[0].stride;
    double lp = 0, norm = 0, asum = 0, psum = 0;
    for (size_t i = 0; i < n; i++) {
        const double *y = a[0].val + i * a[0].stride, *al = a[1].val + i * a[1].stride;
        if (i == 0 || a[1].stride) {
            norm = dirichlet_norm(al, K, &asum);
            psum = a[1].adj ? gb_disc_digamma(asum) : 0;
        }
        if (isnan(norm) || !is_simplex(y, K, 1))
            return -INFINITY;
        if (!propto || a[1].adj)
            lp += norm;
        double *gy = a[0].adj ? a[0].adj + i * a[0].stride : NULL;
        double *ga = a[1].adj ? a[1].adj + i * a[1].stride : NULL;
        for (size_t k = 0; k < K; k++) {
            double ly = log(y[k]);
            lp += (al[k] - 1) * ly;
            if (gy)
                gy[k] += (al[k] - 1) / y[k];
            if (ga)
                ga[k] += psum - gb_disc_digamma(al[k]) + ly;
        }
    }
    return isnan(lp) ? -INFINITY : lp;
}

static void dirichlet_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims, double *out)
{
    size_t K = dims ? dims[0] : p[0].stride;
    for (size_t i = 0; i < n; i++) {
        const double *al = p[0].val + i * p[0].stride;
        double s;
        if (!isnan(dirichlet_norm(al, K, &s))) {
            gsl_ran_dirichlet(r, K, al, out + i * K);
            continue;
        }
        for (size_t k = 0; k < K; k++)
            out[i * K + k] = NAN;
    }
}

static double multinomial_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)propto;
    size_t K = dims ? dims[0] : a[0].stride;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        const double *y = a[0].val + i * a[0].stride, *t = a[1].val + i * a[1].stride;
        if ((i == 0 || a[1].stride) && !is_simplex(t, K, 0))
            return -INFINITY;
        double N = 0;
        for (size_t k = 0; k < K; k++) {
            if (!gb_disc_is_int(y[k], 0))
                return -INFINITY;
            N += y[k];
            lp -= gb_disc_lgamma(y[k] + 1);
            if (y[k] == 0)
                continue;
            if (!(t[k] > 0))
                return -INFINITY;
            lp += y[k] * log(t[k]);
            if (a[1].adj)
                a[1].adj[i * a[1].stride + k] += y[k] / t[k];
        }
        lp += gb_disc_lgamma(N + 1);
    }
    return lp;
}

const gb_dist_ops gb_dist_dirichlet = {
    .name = "dirichlet",
    .nparams = 1,
    .params = {{"alpha", GB_REAL, 1, 0, INFINITY, 1, 1}},
    .variate_rank = 1,
    .size_param = 0,
    .support = {GB_SUPPORT_SIMPLEX, 0, 1, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = dirichlet_lpdf,
    .rng = dirichlet_rng,
    .doc = "Dirichlet over K-simplexes with concentrations alpha (K-vector, each > 0); mean "
           "alpha / sum(alpha)",
    .example = "theta: simplex[K] ~ dirichlet(alpha)",
};

/* No rng: a draw needs the total count N, which multinomial(theta) does not carry. */
const gb_dist_ops gb_dist_multinomial = {
    .name = "multinomial",
    .nparams = 1,
    .params = {{"theta", GB_REAL, 1, 0, 1, 0, 0}},
    .variate_type = GB_INT,
    .variate_rank = 1,
    .size_param = 0,
    .support = {GB_SUPPORT_INT_VECTOR, 0, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = multinomial_lpdf,
    .doc = "multinomial: counts y (K-vector, total N = sum(y)) of N draws from the categories of "
           "the K-simplex theta",
    .example = "y ~ multinomial(theta)",
};
