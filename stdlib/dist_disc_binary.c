/* dist_disc_binary.c - counts of successes: bernoulli, bernoulli_logit, binomial,
 * binomial_logit and beta_binomial, with Stan's parameterisations (Stan Functions Reference,
 * "Binary distributions" and "Bounded discrete distributions").  Each lpmf sums over its
 * repetitions and accumulates the gradient with respect to every real parameter; the integer
 * variate and N get none.  0 * log 0 is taken as 0 by branching on the variate, never by
 * computing it.  The binomial CDF is the regularised incomplete beta function
 * (Abramowitz & Stegun 26.5.24), its derivative in theta a binomial mass with N - 1 trials. */
#include <math.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "dist_disc.h"

/* y log(theta) + (N - y) log(1 - theta) with 0 log 0 = 0; -INFINITY when impossible. */
static double binom_kernel(double y, double N, double theta)
{
    double lp = 0;
    if (y > 0)
        lp += theta > 0 ? y * log(theta) : -INFINITY;
    if (N - y > 0)
        lp += theta < 1 ? (N - y) * log1p(-theta) : -INFINITY;
    return lp;
}

static double bernoulli_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), t = gb_disc_at(&a[1], i);
        if (!(t >= 0 && t <= 1) || !(y == 0 || y == 1))
            return -INFINITY;
        lp += binom_kernel(y, 1, t);
        gb_disc_add(&a[1], i, y == 1 ? 1 / t : -1 / (1 - t));
    }
    return lp;
}

static void bernoulli_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims, double *out)
{
    (void)dims;
    for (size_t i = 0; i < n; i++) {
        double t = gb_disc_at(&p[0], i);
        out[i] = t >= 0 && t <= 1 ? gsl_ran_bernoulli(r, t) : NAN;
    }
}

static double bernoulli_logit_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), al = gb_disc_at(&a[1], i);
        if (isnan(al) || !(y == 0 || y == 1))
            return -INFINITY;
        /* log inv_logit(a) = -softplus(-a); log(1 - inv_logit(a)) = -softplus(a) */
        lp -= gb_disc_softplus(y == 1 ? -al : al);
        gb_disc_add(&a[1], i, y - gb_disc_inv_logit(al));
    }
    return lp;
}

static void bernoulli_logit_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                                double *out)
{
    (void)dims;
    for (size_t i = 0; i < n; i++) {
        double al = gb_disc_at(&p[0], i);
        out[i] = isnan(al) ? NAN : gsl_ran_bernoulli(r, gb_disc_inv_logit(al));
    }
}

static double binomial_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), N = gb_disc_at(&a[1], i), t = gb_disc_at(&a[2], i);
        if (!gb_disc_is_int(N, 0) || !(t >= 0 && t <= 1) || !gb_disc_is_int(y, 0) || y > N)
            return -INFINITY;
        lp += gb_disc_lchoose(N, y) + binom_kernel(y, N, t);
        if (a[2].adj)
            gb_disc_add(&a[2], i, (y > 0 ? y / t : 0) - (N - y > 0 ? (N - y) / (1 - t) : 0));
    }
    return lp;
}

static void binomial_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims, double *out)
{
    (void)dims;
    for (size_t i = 0; i < n; i++) {
        double N = gb_disc_at(&p[0], i), t = gb_disc_at(&p[1], i);
        int ok = gb_disc_is_int(N, 0) && N <= (double)UINT_MAX && t >= 0 && t <= 1;
        out[i] = ok ? gsl_ran_binomial(r, t, (unsigned)N) : NAN;
    }
}

/* P(Y <= y) = I_{1-theta}(N - y, y + 1); d/dtheta P(Y <= y) = -N Binomial(y | N - 1, theta).
 * `upper` nonzero gives the complement P(Y > y) = I_theta(y + 1, N - y) and its derivative. */
static double binomial_tail(double y, const double *p, double *dx, double *dp, int upper)
{
    double N = p[0], t = p[1];
    if (dx)
        *dx = 0;
    if (dp)
        dp[0] = dp[1] = 0;
    if (!gb_disc_is_int(N, 0) || !(t >= 0 && t <= 1) || isnan(y))
        return -INFINITY;
    y = floor(y);
    if (y < 0)
        return upper ? 0 : -INFINITY;
    if (y >= N)
        return upper ? -INFINITY : 0;
    gsl_sf_result r;
    int st =
        upper ? gsl_sf_beta_inc_e(y + 1, N - y, t, &r) : gsl_sf_beta_inc_e(N - y, y + 1, 1 - t, &r);
    if (st != GSL_SUCCESS || !(r.val > 0))
        return -INFINITY;
    double l = log(r.val);
    if (dp) {
        double lm = gb_disc_lchoose(N - 1, y) + binom_kernel(y, N - 1, t);
        double d = N * exp(lm - l);
        dp[1] = upper ? d : -d;
    }
    return l;
}

static double binomial_lcdf(double y, const double *p, double *dx, double *dp)
{
    return binomial_tail(y, p, dx, dp, 0);
}

static double binomial_lccdf(double y, const double *p, double *dx, double *dp)
{
    return binomial_tail(y, p, dx, dp, 1);
}

static double binomial_logit_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), N = gb_disc_at(&a[1], i), al = gb_disc_at(&a[2], i);
        if (!gb_disc_is_int(N, 0) || isnan(al) || !gb_disc_is_int(y, 0) || y > N)
            return -INFINITY;
        lp += gb_disc_lchoose(N, y);
        if (y > 0)
            lp -= y * gb_disc_softplus(-al);
        if (N - y > 0)
            lp -= (N - y) * gb_disc_softplus(al);
        gb_disc_add(&a[2], i, y - N * gb_disc_inv_logit(al));
    }
    return lp;
}

static void binomial_logit_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                               double *out)
{
    (void)dims;
    for (size_t i = 0; i < n; i++) {
        double N = gb_disc_at(&p[0], i), al = gb_disc_at(&p[1], i);
        int ok = gb_disc_is_int(N, 0) && N <= (double)UINT_MAX && !isnan(al);
        out[i] = ok ? gsl_ran_binomial(r, gb_disc_inv_logit(al), (unsigned)N) : NAN;
    }
}

static double beta_binomial_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), N = gb_disc_at(&a[1], i);
        double al = gb_disc_at(&a[2], i), be = gb_disc_at(&a[3], i);
        if (!gb_disc_is_int(N, 0) || !(al > 0 && al < INFINITY) || !(be > 0 && be < INFINITY) ||
            !gb_disc_is_int(y, 0) || y > N)
            return -INFINITY;
        /* lchoose(N, y) + lbeta(y + alpha, N - y + beta) - lbeta(alpha, beta) */
        lp += gb_disc_lchoose(N, y) + gb_disc_lgamma(y + al) + gb_disc_lgamma(N - y + be) -
              gb_disc_lgamma(N + al + be) - gb_disc_lgamma(al) - gb_disc_lgamma(be) +
              gb_disc_lgamma(al + be);
        if (a[2].adj || a[3].adj) {
            double common = gb_disc_digamma(al + be) - gb_disc_digamma(N + al + be);
            gb_disc_add(&a[2], i, gb_disc_digamma(y + al) - gb_disc_digamma(al) + common);
            gb_disc_add(&a[3], i, gb_disc_digamma(N - y + be) - gb_disc_digamma(be) + common);
        }
    }
    return isnan(lp) ? -INFINITY : lp;
}

static void beta_binomial_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                              double *out)
{
    (void)dims;
    for (size_t i = 0; i < n; i++) {
        double N = gb_disc_at(&p[0], i), al = gb_disc_at(&p[1], i), be = gb_disc_at(&p[2], i);
        int ok = gb_disc_is_int(N, 0) && N <= (double)UINT_MAX && al > 0 && al < INFINITY &&
                 be > 0 && be < INFINITY;
        out[i] = ok ? gsl_ran_binomial(r, gsl_ran_beta(r, al, be), (unsigned)N) : NAN;
    }
}

#define COUNT_N                                                                                    \
    {                                                                                              \
        "N", GB_INT, 0, 0, INFINITY, 0, 1                                                          \
    }
#define PROB(name)                                                                                 \
    {                                                                                              \
        name, GB_REAL, 0, 0, 1, 0, 0                                                               \
    }
#define LOGIT(name)                                                                                \
    {                                                                                              \
        name, GB_REAL, 0, -INFINITY, INFINITY, 1, 1                                                \
    }
#define POS(name)                                                                                  \
    {                                                                                              \
        name, GB_REAL, 0, 0, INFINITY, 1, 1                                                        \
    }

const gb_dist_ops gb_dist_bernoulli = {
    .name = "bernoulli",
    .nparams = 1,
    .params = {PROB("theta")},
    .variate_type = GB_INT,
    .support = {GB_SUPPORT_INTERVAL, 0, 1, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = bernoulli_lpdf,
    .rng = bernoulli_rng,
    .doc = "Bernoulli: y in {0, 1} is 1 with probability theta in [0, 1]",
    .example = "y ~ bernoulli(theta)",
};

const gb_dist_ops gb_dist_bernoulli_logit = {
    .name = "bernoulli_logit",
    .nparams = 1,
    .params = {LOGIT("alpha")},
    .variate_type = GB_INT,
    .support = {GB_SUPPORT_INTERVAL, 0, 1, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = bernoulli_logit_lpdf,
    .rng = bernoulli_logit_rng,
    .doc = "Bernoulli on the log-odds scale: y is 1 with probability inv_logit(alpha)",
    .example = "y ~ bernoulli_logit(a + b * x)",
};

const gb_dist_ops gb_dist_binomial = {
    .name = "binomial",
    .nparams = 2,
    .params = {COUNT_N, PROB("theta")},
    .variate_type = GB_INT,
    .support = {GB_SUPPORT_INTERVAL, 0, INFINITY, GB_NO_PARAM, 0, 0},
    .lpdf = binomial_lpdf,
    .rng = binomial_rng,
    .lcdf = binomial_lcdf,
    .lccdf = binomial_lccdf,
    .doc = "binomial: successes y in 0..N out of N trials, each a success with probability theta",
    .example = "y ~ binomial(N, theta)",
};

const gb_dist_ops gb_dist_binomial_logit = {
    .name = "binomial_logit",
    .nparams = 2,
    .params = {COUNT_N, LOGIT("alpha")},
    .variate_type = GB_INT,
    .support = {GB_SUPPORT_INTERVAL, 0, INFINITY, GB_NO_PARAM, 0, 0},
    .lpdf = binomial_logit_lpdf,
    .rng = binomial_logit_rng,
    .doc = "binomial on the log-odds scale: y in 0..N with success probability inv_logit(alpha)",
    .example = "y ~ binomial_logit(N, a + b * x)",
};

const gb_dist_ops gb_dist_beta_binomial = {
    .name = "beta_binomial",
    .nparams = 3,
    .params = {COUNT_N, POS("alpha"), POS("beta")},
    .variate_type = GB_INT,
    .support = {GB_SUPPORT_INTERVAL, 0, INFINITY, GB_NO_PARAM, 0, 0},
    .lpdf = beta_binomial_lpdf,
    .rng = beta_binomial_rng,
    .doc = "beta-binomial: binomial(N, p) with p ~ beta(alpha, beta) integrated out; y in 0..N",
    .example = "y ~ beta_binomial(N, alpha, beta)",
};
