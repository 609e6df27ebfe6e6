/* dist_disc_count.c - unbounded counts: poisson, poisson_log, neg_binomial_2,
 * neg_binomial_2_log, geometric, and the bounded hypergeometric, with Stan's parameterisations
 * (Stan Functions Reference, "Unbounded discrete distributions").  geometric is not in Stan: here
 * it counts the failures before the first success, on {0, 1, 2, ...}.
 *
 * CDFs, used for truncation, follow Stan's convention for integers: lcdf(y) = log P(Y <= y) and
 * lccdf(y) = log P(Y > y), a non-integer y read as floor(y).  Poisson: P(Y <= y) = Q(y + 1,
 * lambda), the regularised upper incomplete gamma function (A&S 26.4.21), whose lambda-derivative
 * is minus the mass at y.  neg_binomial_2: P(Y <= y) = I_p(phi, y + 1) with p = phi / (mu + phi)
 * (A&S 26.5.26); the phi-derivative has no closed form, so it is the sum over k <= y of the mass
 * times its score, run with the mass and digamma recurrences (O(y) work). */
#include <math.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "dist_disc.h"

static double poisson_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), lam = gb_disc_at(&a[1], i);
        if (!(lam >= 0 && lam < INFINITY) || !gb_disc_is_int(y, 0))
            return -INFINITY;
        if (lam == 0) {
            if (y > 0)
                return -INFINITY;
        } else {
            lp += y * log(lam) - lam - gb_disc_lgamma(y + 1);
        }
        if (a[1].adj)
            gb_disc_add(&a[1], i, (y > 0 ? y / lam : 0) - 1);
    }
    return lp;
}

/* Per repetition (gb_lpdf_each_fn), for a change point or a zero-inflation indicator summed
 * out: the same expressions as poisson_lpdf. */
static void poisson_lpdf_each(size_t n, const gb_arg *a, const size_t *dims, const double *w,
                              double *out)
{
    (void)dims;
    double last = NAN, log_last = NAN; /* repetitions mostly share a rate: one log for a run */
    const double *lnfact = gb_disc_lnfact_table(); /* gb_disc_lgamma's table, asked once */
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), lam = gb_disc_at(&a[1], i);
        if (!(lam >= 0 && lam < INFINITY) || !gb_disc_is_int(y, 0) || (lam == 0 && y > 0)) {
            out[i] = -INFINITY;
            continue;
        }
        if (lam != last) {
            last = lam;
            log_last = log(lam);
        }
        double lf = y <= GSL_SF_FACT_NMAX ? lnfact[(size_t)y] : gb_disc_lgamma(y + 1);
        out[i] = lam == 0 ? 0 : y * log_last - lam - lf;
        if (w && w[i] != 0)
            gb_disc_add(&a[1], i, w[i] * ((y > 0 ? y / lam : 0) - 1));
    }
}

static void poisson_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims, double *out)
{
    (void)dims;
    for (size_t i = 0; i < n; i++) {
        double lam = gb_disc_at(&p[0], i);
        out[i] = lam >= 0 && lam < INFINITY ? gsl_ran_poisson(r, lam) : NAN;
    }
}

/* log P(Y <= y) (upper = 0) or log P(Y > y) (upper = 1) for Poisson(lambda). */
static double poisson_tail(double y, const double *p, double *dx, double *dp, int upper)
{
    double lam = p[0];
    if (dx)
        *dx = 0;
    if (dp)
        dp[0] = 0;
    if (!(lam >= 0 && lam < INFINITY) || isnan(y))
        return -INFINITY;
    y = floor(y);
    if (y < 0)
        return upper ? 0 : -INFINITY;
    if (y >= GB_DISC_INT_MAX)
        return upper ? -INFINITY : 0;
    if (lam == 0) { /* all mass at 0: the derivative is the mass at y = 0 */
        if (dp && y == 0)
            dp[0] = upper ? 1 : -1;
        return upper ? -INFINITY : 0;
    }
    gsl_sf_result r;
    int st = upper ? gsl_sf_gamma_inc_P_e(y + 1, lam, &r) : gsl_sf_gamma_inc_Q_e(y + 1, lam, &r);
    if (st != GSL_SUCCESS || !(r.val > 0))
        return -INFINITY;
    double l = log(r.val);
    if (dp) {
        double d = exp(y * log(lam) - lam - gb_disc_lgamma(y + 1) - l);
        dp[0] = upper ? d : -d;
    }
    return l;
}

static double poisson_lcdf(double y, const double *p, double *dx, double *dp)
{
    return poisson_tail(y, p, dx, dp, 0);
}

static double poisson_lccdf(double y, const double *p, double *dx, double *dp)
{
    return poisson_tail(y, p, dx, dp, 1);
}

static double poisson_log_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), al = gb_disc_at(&a[1], i);
        if (isnan(al) || al == INFINITY || !gb_disc_is_int(y, 0))
            return -INFINITY;
        if (al == -INFINITY) { /* rate 0 */
            if (y > 0)
                return -INFINITY;
            continue;
        }
        double lam = exp(al);
        lp += y * al - lam - gb_disc_lgamma(y + 1);
        gb_disc_add(&a[1], i, y - lam);
    }
    return lp;
}

static void poisson_log_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims, double *out)
{
    (void)dims;
    for (size_t i = 0; i < n; i++) {
        double lam = exp(gb_disc_at(&p[0], i));
        out[i] = lam < INFINITY ? gsl_ran_poisson(r, lam) : NAN;
    }
}

/* neg_binomial_2 in terms of log(mu): the shared kernel of neg_binomial_2 and its _log form.
 * Writes d/dlog(mu) and d/dphi. */
static double nb2_kernel(double y, double log_mu, double phi, double *d_log_mu, double *d_phi)
{
    double mu = exp(log_mu);
    double log_mu_phi = log_mu > log(phi) ? log_mu + log1p(phi / mu) : log(phi) + log1p(mu / phi);
    double lp = gb_disc_lgamma(y + phi) - gb_disc_lgamma(y + 1) - gb_disc_lgamma(phi) +
                phi * (log(phi) - log_mu_phi);
    if (y > 0)
        lp += y * (log_mu - log_mu_phi);
    /* mu / (mu + phi) computed without overflow */
    double w = gb_disc_inv_logit(log_mu - log(phi));
    *d_log_mu = y - (y + phi) * w;
    *d_phi = gb_disc_digamma(y + phi) - gb_disc_digamma(phi) + log(phi) - log_mu_phi +
             (mu - y) / (mu + phi);
    return lp;
}

static double neg_binomial_2_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), mu = gb_disc_at(&a[1], i), phi = gb_disc_at(&a[2], i);
        if (!(mu > 0 && mu < INFINITY) || !(phi > 0 && phi < INFINITY) || !gb_disc_is_int(y, 0))
            return -INFINITY;
        double dlm, dphi;
        lp += nb2_kernel(y, log(mu), phi, &dlm, &dphi);
        gb_disc_add(&a[1], i, dlm / mu);
        gb_disc_add(&a[2], i, dphi);
    }
    return isnan(lp) ? -INFINITY : lp;
}

static double neg_binomial_2_log_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), eta = gb_disc_at(&a[1], i), phi = gb_disc_at(&a[2], i);
        if (!isfinite(eta) || !(phi > 0 && phi < INFINITY) || !gb_disc_is_int(y, 0))
            return -INFINITY;
        double deta, dphi;
        lp += nb2_kernel(y, eta, phi, &deta, &dphi);
        gb_disc_add(&a[1], i, deta);
        gb_disc_add(&a[2], i, dphi);
    }
    return isnan(lp) ? -INFINITY : lp;
}

/* gamma-Poisson mixture: GSL's negative_binomial(p, n) with p = phi / (mu + phi), n = phi. */
static double nb2_draw(gsl_rng *r, double mu, double phi)
{
    if (!(mu > 0 && mu < INFINITY) || !(phi > 0 && phi < INFINITY))
        return NAN;
    return gsl_ran_negative_binomial(r, phi / (mu + phi), phi);
}

static void neg_binomial_2_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                               double *out)
{
    (void)dims;
    for (size_t i = 0; i < n; i++)
        out[i] = nb2_draw(r, gb_disc_at(&p[0], i), gb_disc_at(&p[1], i));
}

static void neg_binomial_2_log_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                                   double *out)
{
    (void)dims;
    for (size_t i = 0; i < n; i++)
        out[i] = nb2_draw(r, exp(gb_disc_at(&p[0], i)), gb_disc_at(&p[1], i));
}

/* d/dphi P(Y <= y) = sum_{k <= y} NB(k) score_phi(k), by the recurrences
 * NB(k+1) = NB(k) (k + phi) / (k + 1) * mu / (mu + phi) and psi(x + 1) = psi(x) + 1/x.
 * Returns the sum divided by exp(l). */
static double nb2_cdf_dphi(double y, double mu, double phi, double l)
{
    double lmp = log(mu + phi), base = log(phi) - lmp + mu / (mu + phi);
    double lpk = phi * (log(phi) - lmp), psi_k = gb_disc_digamma(phi), psi_phi = psi_k;
    double step = log(mu) - lmp, s = 0;
    for (double k = 0; k <= y; k++) {
        s += exp(lpk - l) * (psi_k - psi_phi + base - k / (mu + phi));
        lpk += log((k + phi) / (k + 1)) + step;
        psi_k += 1 / (k + phi);
    }
    return s;
}

static double nb2_tail(double y, const double *p, double *dx, double *dp, int upper)
{
    double mu = p[0], phi = p[1];
    if (dx)
        *dx = 0;
    if (dp)
        dp[0] = dp[1] = 0;
    if (!(mu > 0 && mu < INFINITY) || !(phi > 0 && phi < INFINITY) || isnan(y))
        return -INFINITY;
    y = floor(y);
    if (y < 0)
        return upper ? 0 : -INFINITY;
    if (y >= GB_DISC_INT_MAX)
        return upper ? -INFINITY : 0;
    double pr = phi / (mu + phi);
    gsl_sf_result r;
    int st =
        upper ? gsl_sf_beta_inc_e(y + 1, phi, 1 - pr, &r) : gsl_sf_beta_inc_e(phi, y + 1, pr, &r);
    if (st != GSL_SUCCESS || !(r.val > 0))
        return -INFINITY;
    double l = log(r.val);
    if (dp) {
        /* dI_p(phi, y+1)/dp = p^(phi-1) (1-p)^y / B(phi, y+1); dp/dmu = -phi / (mu + phi)^2 */
        double ld = (phi - 1) * log(pr) + y * log1p(-pr) - gb_disc_lgamma(phi) -
                    gb_disc_lgamma(y + 1) + gb_disc_lgamma(phi + y + 1);
        double dmu = -exp(ld - l) * phi / ((mu + phi) * (mu + phi));
        double dphi = nb2_cdf_dphi(y, mu, phi, l);
        dp[0] = upper ? -dmu : dmu;
        dp[1] = upper ? -dphi : dphi;
    }
    return l;
}

static double neg_binomial_2_lcdf(double y, const double *p, double *dx, double *dp)
{
    return nb2_tail(y, p, dx, dp, 0);
}

static double neg_binomial_2_lccdf(double y, const double *p, double *dx, double *dp)
{
    return nb2_tail(y, p, dx, dp, 1);
}

static double geometric_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), t = gb_disc_at(&a[1], i);
        if (!(t > 0 && t <= 1) || !gb_disc_is_int(y, 0))
            return -INFINITY;
        lp += log(t);
        if (y > 0)
            lp += t < 1 ? y * log1p(-t) : -INFINITY;
        if (a[1].adj)
            gb_disc_add(&a[1], i, 1 / t - (y > 0 ? y / (1 - t) : 0));
    }
    return lp;
}

static void geometric_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims, double *out)
{
    (void)dims;
    for (size_t i = 0; i < n; i++) {
        double t = gb_disc_at(&p[0], i);
        out[i] = t > 0 && t <= 1 ? gsl_ran_geometric(r, t) - 1.0 : NAN; /* GSL counts trials */
    }
}

/* P(Y > y) = (1 - theta)^(y + 1). */
static double geometric_tail(double y, const double *p, double *dx, double *dp, int upper)
{
    double t = p[0];
    if (dx)
        *dx = 0;
    if (dp)
        dp[0] = 0;
    if (!(t > 0 && t <= 1) || isnan(y))
        return -INFINITY;
    y = floor(y);
    if (y < 0)
        return upper ? 0 : -INFINITY;
    if (t == 1)
        return upper ? -INFINITY : 0;
    double lc = (y + 1) * log1p(-t), dlc = -(y + 1) / (1 - t);
    if (upper) {
        if (dp)
            dp[0] = dlc;
        return lc;
    }
    if (dp) /* d log(1 - e^lc) = -dlc / expm1(-lc) */
        dp[0] = -dlc / expm1(-lc);
    return gb_disc_log1m_exp(lc);
}

static double geometric_lcdf(double y, const double *p, double *dx, double *dp)
{
    return geometric_tail(y, p, dx, dp, 0);
}

static double geometric_lccdf(double y, const double *p, double *dx, double *dp)
{
    return geometric_tail(y, p, dx, dp, 1);
}

static int hyper_ok(double N, double na, double nb)
{
    return gb_disc_is_int(N, 0) && gb_disc_is_int(na, 0) && gb_disc_is_int(nb, 0) && N <= na + nb;
}

static double hypergeometric_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), N = gb_disc_at(&a[1], i);
        double na = gb_disc_at(&a[2], i), nb = gb_disc_at(&a[3], i);
        if (!hyper_ok(N, na, nb) || !gb_disc_is_int(y, 0) || y > N || y > na || N - y > nb)
            return -INFINITY;
        lp += gb_disc_lchoose(na, y) + gb_disc_lchoose(nb, N - y) - gb_disc_lchoose(na + nb, N);
    }
    return lp;
}

static void hypergeometric_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                               double *out)
{
    (void)dims;
    for (size_t i = 0; i < n; i++) {
        double N = gb_disc_at(&p[0], i), na = gb_disc_at(&p[1], i), nb = gb_disc_at(&p[2], i);
        int ok = hyper_ok(N, na, nb) && na + nb <= (double)UINT_MAX;
        out[i] = ok ? gsl_ran_hypergeometric(r, (unsigned)na, (unsigned)nb, (unsigned)N) : NAN;
    }
}

#define POS(name)                                                                                  \
    {                                                                                              \
        name, GB_REAL, 0, 0, INFINITY, 1, 1                                                        \
    }
#define COUNT(name)                                                                                \
    {                                                                                              \
        name, GB_INT, 0, 0, INFINITY, 0, 1                                                         \
    }
#define REAL(name)                                                                                 \
    {                                                                                              \
        name, GB_REAL, 0, -INFINITY, INFINITY, 1, 1                                                \
    }
#define NATURALS                                                                                   \
    {                                                                                              \
        GB_SUPPORT_INTERVAL, 0, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0                              \
    }

const gb_dist_ops gb_dist_poisson = {
    .name = "poisson",
    .nparams = 1,
    .params = {{"lambda", GB_REAL, 0, 0, INFINITY, 0, 1}},
    .variate_type = GB_INT,
    .support = NATURALS,
    .lpdf = poisson_lpdf,
    .lpdf_each = poisson_lpdf_each,
    .rng = poisson_rng,
    .lcdf = poisson_lcdf,
    .lccdf = poisson_lccdf,
    .doc = "Poisson: counts y = 0, 1, ... with mean (rate) lambda >= 0",
    .example = "y ~ poisson(lambda)",
};

const gb_dist_ops gb_dist_poisson_log = {
    .name = "poisson_log",
    .nparams = 1,
    .params = {{"alpha", GB_REAL, 0, -INFINITY, INFINITY, 0, 1}},
    .variate_type = GB_INT,
    .support = NATURALS,
    .lpdf = poisson_log_lpdf,
    .rng = poisson_log_rng,
    .doc = "Poisson on the log scale: counts y with rate exp(alpha)",
    .example = "y ~ poisson_log(a + b * x)",
};

const gb_dist_ops gb_dist_neg_binomial_2 = {
    .name = "neg_binomial_2",
    .nparams = 2,
    .params = {POS("mu"), POS("phi")},
    .variate_type = GB_INT,
    .support = NATURALS,
    .lpdf = neg_binomial_2_lpdf,
    .rng = neg_binomial_2_rng,
    .lcdf = neg_binomial_2_lcdf,
    .lccdf = neg_binomial_2_lccdf,
    .doc = "negative binomial by mean mu > 0 and precision phi > 0: variance mu + mu^2 / phi",
    .example = "y ~ neg_binomial_2(mu, phi)",
};

const gb_dist_ops gb_dist_neg_binomial_2_log = {
    .name = "neg_binomial_2_log",
    .nparams = 2,
    .params = {REAL("eta"), POS("phi")},
    .variate_type = GB_INT,
    .support = NATURALS,
    .lpdf = neg_binomial_2_log_lpdf,
    .rng = neg_binomial_2_log_rng,
    .doc =
        "negative binomial with log mean eta and precision phi > 0: neg_binomial_2(exp(eta), phi)",
    .example = "y ~ neg_binomial_2_log(a + b * x, phi)",
};

const gb_dist_ops gb_dist_geometric = {
    .name = "geometric",
    .nparams = 1,
    .params = {{"theta", GB_REAL, 0, 0, 1, 1, 0}},
    .variate_type = GB_INT,
    .support = NATURALS,
    .lpdf = geometric_lpdf,
    .rng = geometric_rng,
    .lcdf = geometric_lcdf,
    .lccdf = geometric_lccdf,
    .doc = "geometric (not in Stan): failures y = 0, 1, ... before the first success, success "
           "probability theta in (0, 1]; p(y) = theta (1 - theta)^y",
    .example = "y ~ geometric(theta)",
};

const gb_dist_ops gb_dist_hypergeometric = {
    .name = "hypergeometric",
    .nparams = 3,
    .params = {COUNT("N"), COUNT("a"), COUNT("b")},
    .variate_type = GB_INT,
    .support = {GB_SUPPORT_INTERVAL, 0, INFINITY, GB_NO_PARAM, 0, 0},
    .lpdf = hypergeometric_lpdf,
    .rng = hypergeometric_rng,
    .doc = "hypergeometric (Stan's): successes y in N draws without replacement from a successes "
           "and b failures, N <= a + b; the support is max(0, N - b)..min(N, a), declared as 0..N "
           "(outside the true range the mass is 0)",
    .example = "y ~ hypergeometric(N, a, b)",
};
