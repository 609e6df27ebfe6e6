/* dist_cont_positive.c - distributions on the positive half-line: lognormal, exponential, gamma,
 * inv_gamma, weibull, frechet, chi_square, inv_chi_square and pareto (support [y_min, inf)),
 * with Stan's parameterisations (Stan Functions Reference, "Positive continuous distributions"
 * and "Positive lower-bounded distributions"): gamma(alpha shape, beta rate), exponential(beta
 * rate), weibull(alpha shape, sigma scale), frechet(alpha shape, sigma scale).
 *
 * At x = 0 the densities with a factor x^(a - 1) take 0 log 0 = 0 (gamma with alpha = 1 is the
 * exponential there); for a < 1 they are +INFINITY.  The gamma CDF is GSL's regularised
 * incomplete gamma P / Q (A&S 6.5), the log of the larger one taken as log1p(-other); its
 * alpha-derivative has no closed form and is a central difference (gb_cont_tail_fd).  inv_gamma,
 * chi_square and inv_chi_square reuse it (1 / X ~ gamma; chi_square(nu) = gamma(nu / 2, 1 / 2));
 * weibull, frechet and pareto have closed-form CDFs. */
#include <math.h>

#include <gsl/gsl_randist.h>

#include "dist_cont.h"

/* ---- lognormal(mu, sigma) ---- */

static double lognormal_kernel(double x, const double *p, double *g)
{
    double mu = p[0], s = p[1];
    if (!(x > 0 && x < INFINITY) || !isfinite(mu) || !gb_cont_pos(s))
        return -INFINITY;
    double l = log(x), z = (l - mu) / s;
    g[0] = (-1 - z / s) / x;
    g[1] = z / s;
    g[2] = (z * z - 1) / s;
    return -GB_CONT_LOG_SQRT_2PI - log(s) - l - 0.5 * z * z;
}

static double lognormal_draw(gsl_rng *r, const double *p)
{
    if (!isfinite(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return gsl_ran_lognormal(r, p[0], p[1]);
}

static double lognormal_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double mu = p[0], s = p[1];
    gb_cont_zero(dx, dp, 2);
    if (isnan(x) || !isfinite(mu) || !gb_cont_pos(s))
        return -INFINITY;
    if (x <= 0)
        return upper ? 0 : -INFINITY;
    double z = (log(x) - mu) / s, zz = upper ? -z : z, l = gb_cont_log_Phi(zz);
    if (isfinite(z) && l > -INFINITY) {
        double dz = gb_cont_mills(zz, l) * (upper ? -1 : 1);
        if (dx)
            *dx = dz / (s * x);
        if (dp) {
            dp[0] = -dz / s;
            dp[1] = -dz * z / s;
        }
    }
    return l;
}

GB_CONT_LPDF_RNG(lognormal, 2)
GB_CONT_CDFS(lognormal)

/* ---- exponential(beta), beta a rate ---- */

static double exponential_kernel(double x, const double *p, double *g)
{
    double b = p[0];
    if (!(x >= 0 && x < INFINITY) || !gb_cont_pos(b))
        return -INFINITY;
    g[0] = -b;
    g[1] = 1 / b - x;
    return log(b) - b * x;
}

static double exponential_draw(gsl_rng *r, const double *p)
{
    return gb_cont_pos(p[0]) ? gsl_ran_exponential(r, 1 / p[0]) : NAN; /* GSL takes the mean */
}

static double exponential_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double b = p[0];
    gb_cont_zero(dx, dp, 1);
    if (isnan(x) || !gb_cont_pos(b))
        return -INFINITY;
    if (x <= 0)
        return upper ? 0 : -INFINITY;
    if (upper) {
        if (dx)
            *dx = -b;
        if (dp)
            dp[0] = -x;
        return -b * x;
    }
    double e = expm1(b * x); /* d log(1 - e^-bx) = (b dx + x db) / (e^bx - 1) */
    if (dx)
        *dx = b / e;
    if (dp)
        dp[0] = x / e;
    return gb_cont_log1m_exp(-b * x);
}

GB_CONT_LPDF_RNG(exponential, 1)
GB_CONT_CDFS(exponential)

/* ---- gamma(alpha, beta): shape alpha, rate beta ---- */

static double gamma_kernel(double x, const double *p, double *g)
{
    double a = p[0], b = p[1];
    if (!(x >= 0 && x < INFINITY) || !gb_cont_pos(a) || !gb_cont_pos(b))
        return -INFINITY;
    double lx = log(x);
    g[0] = gb_cont_ratio(a - 1, x) - b;
    g[1] = log(b) - gb_cont_digamma(a) + lx;
    g[2] = a / b - x;
    return a * log(b) - gb_cont_lgamma(a) + gb_cont_xlogy(a - 1, x) - b * x;
}

static double gamma_draw(gsl_rng *r, const double *p)
{
    if (!gb_cont_pos(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return gsl_ran_gamma(r, p[0], 1 / p[1]); /* GSL takes the scale */
}

static double gamma_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double a = p[0], b = p[1];
    gb_cont_zero(dx, dp, 2);
    if (isnan(x) || !gb_cont_pos(a) || !gb_cont_pos(b))
        return -INFINITY;
    if (x <= 0)
        return upper ? 0 : -INFINITY;
    if (x == INFINITY)
        return upper ? -INFINITY : 0;
    gsl_sf_result P, Q;
    if (gsl_sf_gamma_inc_P_e(a, b * x, &P) != GSL_SUCCESS ||
        gsl_sf_gamma_inc_Q_e(a, b * x, &Q) != GSL_SUCCESS)
        return -INFINITY;
    double l = upper ? gb_cont_log_tail(Q.val, P.val) : gb_cont_log_tail(P.val, Q.val), g[3];
    if (!(l > -INFINITY))
        return -INFINITY;
    if (dx || dp) {
        double f = exp(gamma_kernel(x, p, g) - l) * (upper ? -1 : 1); /* density / tail */
        if (dx)
            *dx = f;
        if (dp) {
            dp[0] = gb_cont_tail_fd(gamma_tail, x, p, 2, 0, upper);
            dp[1] = f * x / b;
        }
    }
    return l;
}

GB_CONT_LPDF_RNG(gamma, 2)
GB_CONT_CDFS(gamma)

/* ---- inv_gamma(alpha, beta): 1 / x ~ gamma(alpha, beta) ---- */

static double inv_gamma_kernel(double x, const double *p, double *g)
{
    double a = p[0], b = p[1];
    if (!(x > 0 && x < INFINITY) || !gb_cont_pos(a) || !gb_cont_pos(b))
        return -INFINITY;
    double lx = log(x);
    g[0] = (-(a + 1) + b / x) / x;
    g[1] = log(b) - gb_cont_digamma(a) - lx;
    g[2] = a / b - 1 / x;
    return a * log(b) - gb_cont_lgamma(a) - (a + 1) * lx - b / x;
}

static double inv_gamma_draw(gsl_rng *r, const double *p)
{
    if (!gb_cont_pos(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return 1 / gsl_ran_gamma(r, p[0], 1 / p[1]);
}

/* P(X <= x) = P(1 / X >= 1 / x): the other gamma tail at 1 / x. */
static double inv_gamma_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    if (isnan(x) || x <= 0) {
        gb_cont_zero(dx, dp, 2);
        return isnan(x) || !gb_cont_pos(p[0]) || !gb_cont_pos(p[1]) || !upper ? -INFINITY : 0;
    }
    double dy = 0, l = gamma_tail(1 / x, p, dx ? &dy : NULL, dp, !upper);
    if (dx)
        *dx = -dy / (x * x);
    return l;
}

GB_CONT_LPDF_RNG(inv_gamma, 2)
GB_CONT_CDFS(inv_gamma)

/* ---- weibull(alpha, sigma): shape alpha, scale sigma; t = (x / sigma)^alpha ---- */

static double weibull_kernel(double x, const double *p, double *g)
{
    double a = p[0], s = p[1];
    if (!(x >= 0 && x < INFINITY) || !gb_cont_pos(a) || !gb_cont_pos(s))
        return -INFINITY;
    double l = log(x / s), t = pow(x / s, a);
    g[0] = gb_cont_ratio(a - 1, x) - a * t / x;
    g[1] = 1 / a + l - t * l;
    g[2] = a * (t - 1) / s;
    if (x == 0) { /* x^(a - 1) e^-t at the edge */
        g[0] = gb_cont_ratio(a - 1, x);
        g[1] = 1 / a + l;
    }
    return log(a) - log(s) + gb_cont_xlogy(a - 1, x / s) - t;
}

static double weibull_draw(gsl_rng *r, const double *p)
{
    if (!gb_cont_pos(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return gsl_ran_weibull(r, p[1], p[0]); /* GSL: scale, then shape */
}

/* log F = log(1 - e^-t), log(1 - F) = -t. */
static double weibull_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double a = p[0], s = p[1];
    gb_cont_zero(dx, dp, 2);
    if (isnan(x) || !gb_cont_pos(a) || !gb_cont_pos(s))
        return -INFINITY;
    if (x <= 0)
        return upper ? 0 : -INFINITY;
    double t = pow(x / s, a), l = upper ? -t : gb_cont_log1m_exp(-t);
    if (!(l > -INFINITY))
        return l;
    double dt = upper ? -1 : 1 / expm1(t); /* d l / d t */
    if (dx)
        *dx = dt * a * t / x;
    if (dp) {
        dp[0] = dt * t * log(x / s);
        dp[1] = -dt * a * t / s;
    }
    return l;
}

GB_CONT_LPDF_RNG(weibull, 2)
GB_CONT_CDFS(weibull)

/* ---- frechet(alpha, sigma): shape alpha, scale sigma; t = (x / sigma)^-alpha ---- */

static double frechet_kernel(double x, const double *p, double *g)
{
    double a = p[0], s = p[1];
    if (!(x > 0 && x < INFINITY) || !gb_cont_pos(a) || !gb_cont_pos(s))
        return -INFINITY;
    double l = log(x / s), t = exp(-a * l);
    g[0] = (-(1 + a) + a * t) / x;
    g[1] = 1 / a - l + t * l;
    g[2] = a * (1 - t) / s;
    return log(a) - log(s) - (1 + a) * l - t;
}

/* inverse CDF: F(x) = exp(-t) */
static double frechet_draw(gsl_rng *r, const double *p)
{
    if (!gb_cont_pos(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return p[1] * pow(-log(gsl_rng_uniform_pos(r)), -1 / p[0]);
}

/* log F = -t, log(1 - F) = log(1 - e^-t). */
static double frechet_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double a = p[0], s = p[1];
    gb_cont_zero(dx, dp, 2);
    if (isnan(x) || !gb_cont_pos(a) || !gb_cont_pos(s))
        return -INFINITY;
    if (x <= 0)
        return upper ? 0 : -INFINITY;
    double t = pow(x / s, -a), l = upper ? gb_cont_log1m_exp(-t) : -t;
    if (!(l > -INFINITY) || !(t > 0))
        return l;
    double dt = upper ? 1 / expm1(t) : -1; /* d l / d t */
    if (dx)
        *dx = -dt * a * t / x;
    if (dp) {
        dp[0] = -dt * t * log(x / s);
        dp[1] = dt * a * t / s;
    }
    return l;
}

GB_CONT_LPDF_RNG(frechet, 2)
GB_CONT_CDFS(frechet)

/* ---- chi_square(nu) and inv_chi_square(nu) ---- */

static double chi_square_kernel(double x, const double *p, double *g)
{
    double nu = p[0], h = 0.5 * nu;
    if (!(x >= 0 && x < INFINITY) || !gb_cont_pos(nu))
        return -INFINITY;
    g[0] = gb_cont_ratio(h - 1, x) - 0.5;
    g[1] = 0.5 * (-M_LN2 - gb_cont_digamma(h) + log(x));
    return -h * M_LN2 - gb_cont_lgamma(h) + gb_cont_xlogy(h - 1, x) - 0.5 * x;
}

static double chi_square_draw(gsl_rng *r, const double *p)
{
    return gb_cont_pos(p[0]) ? gsl_ran_chisq(r, p[0]) : NAN;
}

static double inv_chi_square_kernel(double x, const double *p, double *g)
{
    double nu = p[0], h = 0.5 * nu;
    if (!(x > 0 && x < INFINITY) || !gb_cont_pos(nu))
        return -INFINITY;
    double lx = log(x);
    g[0] = (-(h + 1) + 0.5 / x) / x;
    g[1] = 0.5 * (-M_LN2 - gb_cont_digamma(h) - lx);
    return -h * M_LN2 - gb_cont_lgamma(h) - (h + 1) * lx - 0.5 / x;
}

static double inv_chi_square_draw(gsl_rng *r, const double *p)
{
    return gb_cont_pos(p[0]) ? 1 / gsl_ran_chisq(r, p[0]) : NAN;
}

/* chi_square(nu) = gamma(nu / 2, 1 / 2), inv_chi_square(nu) = inv_gamma(nu / 2, 1 / 2). */
static double chi_tail(double x, const double *p, double *dx, double *dp, int upper, int inv)
{
    double q[2] = {0.5 * p[0], 0.5}, dq[2];
    if (!gb_cont_pos(p[0])) {
        gb_cont_zero(dx, dp, 1);
        return -INFINITY;
    }
    double l = inv ? inv_gamma_tail(x, q, dx, dp ? dq : NULL, upper)
                   : gamma_tail(x, q, dx, dp ? dq : NULL, upper);
    if (dp)
        dp[0] = 0.5 * dq[0];
    return l;
}

static double chi_square_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    return chi_tail(x, p, dx, dp, upper, 0);
}

static double inv_chi_square_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    return chi_tail(x, p, dx, dp, upper, 1);
}

GB_CONT_LPDF_RNG(chi_square, 1)
GB_CONT_CDFS(chi_square)
GB_CONT_LPDF_RNG(inv_chi_square, 1)
GB_CONT_CDFS(inv_chi_square)

/* ---- pareto(y_min, alpha): alpha y_min^alpha / x^(alpha + 1) on [y_min, inf) ---- */

static double pareto_kernel(double x, const double *p, double *g)
{
    double m = p[0], a = p[1];
    if (!gb_cont_pos(m) || !gb_cont_pos(a) || !(x >= m && x < INFINITY))
        return -INFINITY;
    double lx = log(x), lm = log(m);
    g[0] = -(a + 1) / x;
    g[1] = a / m;
    g[2] = 1 / a + lm - lx;
    return log(a) + a * lm - (a + 1) * lx;
}

static double pareto_draw(gsl_rng *r, const double *p)
{
    if (!gb_cont_pos(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return gsl_ran_pareto(r, p[1], p[0]); /* GSL: exponent, then scale */
}

/* log(1 - F) = alpha (log y_min - log x) on [y_min, inf), log F = log(1 - e^that). */
static double pareto_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double m = p[0], a = p[1];
    gb_cont_zero(dx, dp, 2);
    if (isnan(x) || !gb_cont_pos(m) || !gb_cont_pos(a))
        return -INFINITY;
    if (x <= m)
        return upper ? 0 : -INFINITY;
    double L = a * (log(m) - log(x)), l = upper ? L : gb_cont_log1m_exp(L);
    if (!(l > -INFINITY))
        return l;
    double dL = upper ? 1 : -1 / expm1(-L); /* d l / d L */
    if (dx)
        *dx = -dL * a / x;
    if (dp) {
        dp[0] = dL * a / m;
        dp[1] = dL * (log(m) - log(x));
    }
    return l;
}

GB_CONT_LPDF_RNG(pareto, 2)
GB_CONT_CDFS(pareto)

/* ---- the tables ---- */

#define SHAPE_SCALE                                                                                \
    {                                                                                              \
        GB_CONT_POS("alpha"), GB_CONT_POS("sigma")                                                 \
    }
#define SHAPE_RATE                                                                                 \
    {                                                                                              \
        GB_CONT_POS("alpha"), GB_CONT_POS("beta")                                                  \
    }

const gb_dist_ops gb_dist_lognormal = {
    .name = "lognormal",
    .nparams = 2,
    .params = {GB_CONT_REAL("mu"), GB_CONT_POS("sigma")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_HALF_LINE,
    .lpdf = lognormal_lpdf,
    .rng = lognormal_rng,
    .lcdf = lognormal_lcdf,
    .lccdf = lognormal_lccdf,
    .doc = "lognormal: log(y) ~ normal(mu, sigma), sigma > 0",
    .example = "y ~ lognormal(mu, sigma)",
};

const gb_dist_ops gb_dist_exponential = {
    .name = "exponential",
    .nparams = 1,
    .params = {GB_CONT_POS("beta")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_HALF_LINE,
    .lpdf = exponential_lpdf,
    .rng = exponential_rng,
    .lcdf = exponential_lcdf,
    .lccdf = exponential_lccdf,
    .doc = "exponential by rate beta > 0 (mean 1 / beta)",
    .example = "tau ~ exponential(1)",
};

const gb_dist_ops gb_dist_gamma = {
    .name = "gamma",
    .nparams = 2,
    .params = SHAPE_RATE,
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_HALF_LINE,
    .lpdf = gamma_lpdf,
    .rng = gamma_rng,
    .lcdf = gamma_lcdf,
    .lccdf = gamma_lccdf,
    .doc = "gamma by shape alpha > 0 and rate beta > 0 (mean alpha / beta)",
    .example = "lambda ~ gamma(2, 0.5)",
};

const gb_dist_ops gb_dist_inv_gamma = {
    .name = "inv_gamma",
    .nparams = 2,
    .params = SHAPE_RATE,
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_HALF_LINE,
    .lpdf = inv_gamma_lpdf,
    .rng = inv_gamma_rng,
    .lcdf = inv_gamma_lcdf,
    .lccdf = inv_gamma_lccdf,
    .doc = "inverse gamma by shape alpha > 0 and scale beta > 0: 1 / y ~ gamma(alpha, beta)",
    .example = "sigma2 ~ inv_gamma(2, 1)",
};

const gb_dist_ops gb_dist_weibull = {
    .name = "weibull",
    .nparams = 2,
    .params = SHAPE_SCALE,
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_HALF_LINE,
    .lpdf = weibull_lpdf,
    .rng = weibull_rng,
    .lcdf = weibull_lcdf,
    .lccdf = weibull_lccdf,
    .doc = "Weibull by shape alpha > 0 and scale sigma > 0",
    .example = "y ~ weibull(alpha, sigma)",
};

const gb_dist_ops gb_dist_frechet = {
    .name = "frechet",
    .nparams = 2,
    .params = SHAPE_SCALE,
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_HALF_LINE,
    .lpdf = frechet_lpdf,
    .rng = frechet_rng,
    .lcdf = frechet_lcdf,
    .lccdf = frechet_lccdf,
    .doc = "Frechet by shape alpha > 0 and scale sigma > 0",
    .example = "y ~ frechet(alpha, sigma)",
};

const gb_dist_ops gb_dist_chi_square = {
    .name = "chi_square",
    .nparams = 1,
    .params = {GB_CONT_POS("nu")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_HALF_LINE,
    .lpdf = chi_square_lpdf,
    .rng = chi_square_rng,
    .lcdf = chi_square_lcdf,
    .lccdf = chi_square_lccdf,
    .doc = "chi-square by degrees of freedom nu > 0",
    .example = "y ~ chi_square(nu)",
};

const gb_dist_ops gb_dist_inv_chi_square = {
    .name = "inv_chi_square",
    .nparams = 1,
    .params = {GB_CONT_POS("nu")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_HALF_LINE,
    .lpdf = inv_chi_square_lpdf,
    .rng = inv_chi_square_rng,
    .lcdf = inv_chi_square_lcdf,
    .lccdf = inv_chi_square_lccdf,
    .doc = "inverse chi-square by degrees of freedom nu > 0: 1 / y ~ chi_square(nu)",
    .example = "y ~ inv_chi_square(nu)",
};

const gb_dist_ops gb_dist_pareto = {
    .name = "pareto",
    .nparams = 2,
    .params = {GB_CONT_POS("y_min"), GB_CONT_POS("alpha")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = {GB_SUPPORT_INTERVAL, 0, INFINITY, 0, GB_NO_PARAM, 0},
    .lpdf = pareto_lpdf,
    .rng = pareto_rng,
    .lcdf = pareto_lcdf,
    .lccdf = pareto_lccdf,
    .doc = "Pareto by minimum y_min > 0 and shape alpha > 0, on [y_min, inf)",
    .example = "y ~ pareto(y_min, alpha)",
};
