/* dist_cont_bounded.c - the half distributions (half_normal, half_cauchy, half_student_t: the
 * folded-at-zero forms of the centred normal, Cauchy and t, scale only), the bounded beta,
 * uniform and von_mises, and the improper flat and half_flat (Stan Functions Reference,
 * "Continuous distributions on [0, 1]", "Bounded continuous distributions", "Circular
 * distributions").  The beta CDF is GSL's regularised incomplete beta I_x(alpha, beta)
 * (A&S 26.5); its parameter derivatives are central differences (gb_cont_tail_fd).
 * von_mises normalises by I0(kappa), taken scaled (GSL gsl_sf_bessel_I0_scaled) so large kappa
 * does not overflow, and draws by Best & Fisher (1979), "Efficient simulation of the von Mises
 * distribution", Applied Statistics 28. */
#include <math.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_bessel.h>

#include "dist_cont.h"

/* ---- half_normal(sigma) ---- */

static double half_normal_kernel(double x, const double *p, double *g)
{
    double s = p[0];
    if (!(x >= 0 && x < INFINITY) || !gb_cont_pos(s))
        return -INFINITY;
    double z = x / s;
    g[0] = -z / s;
    g[1] = (z * z - 1) / s;
    return M_LN2 - GB_CONT_LOG_SQRT_2PI - log(s) - 0.5 * z * z;
}

static double half_normal_draw(gsl_rng *r, const double *p)
{
    return gb_cont_pos(p[0]) ? fabs(gsl_ran_gaussian(r, p[0])) : NAN;
}

/* F = erf(u), 1 - F = erfc(u), u = x / (sqrt 2 sigma). */
static double half_normal_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double s = p[0];
    gb_cont_zero(dx, dp, 1);
    if (isnan(x) || !gb_cont_pos(s))
        return -INFINITY;
    if (x <= 0)
        return upper ? 0 : -INFINITY;
    double u = x * M_SQRT1_2 / s, l;
    if (upper) {
        gsl_sf_result r;
        l = gsl_sf_log_erfc_e(u, &r) == GSL_SUCCESS ? r.val : -INFINITY;
    } else {
        l = u < 1 ? log(erf(u)) : log1p(-erfc(u));
    }
    if (!(l > -INFINITY) || !isfinite(u))
        return l;
    double du = M_2_SQRTPI * exp(-u * u - l) * (upper ? -1 : 1);
    if (dx)
        *dx = du * M_SQRT1_2 / s;
    if (dp)
        dp[0] = -du * u / s;
    return l;
}

GB_CONT_LPDF_RNG(half_normal, 1)
GB_CONT_CDFS(half_normal)

/* ---- half_cauchy(sigma) ---- */

static double half_cauchy_kernel(double x, const double *p, double *g)
{
    double s = p[0];
    if (!(x >= 0 && x < INFINITY) || !gb_cont_pos(s))
        return -INFINITY;
    double z = x / s, w = 2 * z / (1 + z * z);
    g[0] = -w / s;
    g[1] = (-1 + w * z) / s;
    return M_LN2 - log(M_PI) - log(s) - log1p(z * z);
}

static double half_cauchy_draw(gsl_rng *r, const double *p)
{
    return gb_cont_pos(p[0]) ? fabs(gsl_ran_cauchy(r, p[0])) : NAN;
}

/* F = 2 atan(z) / pi, 1 - F = 2 atan2(1, z) / pi. */
static double half_cauchy_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double s = p[0];
    gb_cont_zero(dx, dp, 1);
    if (isnan(x) || !gb_cont_pos(s))
        return -INFINITY;
    if (x <= 0)
        return upper ? 0 : -INFINITY;
    double z = x / s, a = upper ? atan2(1, z) : atan(z);
    if (!(a > 0))
        return -INFINITY;
    if (isfinite(z)) {
        double dz = (upper ? -1 : 1) / ((1 + z * z) * a);
        if (dx)
            *dx = dz / s;
        if (dp)
            dp[0] = -dz * z / s;
    }
    return log(2 * a / M_PI);
}

GB_CONT_LPDF_RNG(half_cauchy, 1)
GB_CONT_CDFS(half_cauchy)

/* ---- half_student_t(nu, sigma) ---- */

static double half_student_t_kernel(double x, const double *p, double *g)
{
    double nu = p[0], s = p[1];
    if (!(x >= 0 && x < INFINITY) || !gb_cont_pos(nu) || !gb_cont_pos(s))
        return -INFINITY;
    return M_LN2 + gb_cont_t_core(x, nu, s, g); /* g: d/dx, d/dnu, d/dsigma */
}

static double half_student_t_draw(gsl_rng *r, const double *p)
{
    if (!gb_cont_pos(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return fabs(p[1] * gsl_ran_tdist(r, p[0]));
}

GB_CONT_LPDF_RNG(half_student_t, 2)

/* ---- beta(alpha, beta) on [0, 1] ---- */

static double beta_kernel(double x, const double *p, double *g)
{
    double a = p[0], b = p[1];
    if (!(x >= 0 && x <= 1) || !gb_cont_pos(a) || !gb_cont_pos(b))
        return -INFINITY;
    gsl_sf_result lb;
    if (gsl_sf_lnbeta_e(a, b, &lb) != GSL_SUCCESS)
        return -INFINITY;
    double dab = gb_cont_digamma(a + b);
    g[0] = gb_cont_ratio(a - 1, x) - gb_cont_ratio(b - 1, 1 - x);
    g[1] = log(x) - gb_cont_digamma(a) + dab;
    g[2] = log1p(-x) - gb_cont_digamma(b) + dab;
    return gb_cont_xlogy(a - 1, x) + (b == 1 ? 0 : (b - 1) * log1p(-x)) - lb.val;
}

static double beta_draw(gsl_rng *r, const double *p)
{
    if (!gb_cont_pos(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return gsl_ran_beta(r, p[0], p[1]);
}

/* F = I_x(alpha, beta), 1 - F = I_{1-x}(beta, alpha). */
static double beta_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double a = p[0], b = p[1];
    gb_cont_zero(dx, dp, 2);
    if (isnan(x) || !gb_cont_pos(a) || !gb_cont_pos(b))
        return -INFINITY;
    if (x <= 0)
        return upper ? 0 : -INFINITY;
    if (x >= 1)
        return upper ? -INFINITY : 0;
    gsl_sf_result F, G;
    if (gsl_sf_beta_inc_e(a, b, x, &F) != GSL_SUCCESS ||
        gsl_sf_beta_inc_e(b, a, 1 - x, &G) != GSL_SUCCESS)
        return -INFINITY;
    double l = upper ? gb_cont_log_tail(G.val, F.val) : gb_cont_log_tail(F.val, G.val), g[3];
    if (!(l > -INFINITY))
        return -INFINITY;
    if (dx)
        *dx = exp(beta_kernel(x, p, g) - l) * (upper ? -1 : 1);
    if (dp) {
        dp[0] = gb_cont_tail_fd(beta_tail, x, p, 2, 0, upper);
        dp[1] = gb_cont_tail_fd(beta_tail, x, p, 2, 1, upper);
    }
    return l;
}

GB_CONT_LPDF_RNG(beta, 2)
GB_CONT_CDFS(beta)

/* ---- uniform(alpha, beta) on [alpha, beta] ---- */

static double uniform_kernel(double x, const double *p, double *g)
{
    double a = p[0], b = p[1];
    if (!isfinite(a) || !isfinite(b) || !(a < b) || !(x >= a && x <= b))
        return -INFINITY;
    double w = b - a;
    g[0] = 0;
    g[1] = 1 / w;
    g[2] = -1 / w;
    return -log(w);
}

static double uniform_draw(gsl_rng *r, const double *p)
{
    if (!isfinite(p[0]) || !isfinite(p[1]) || !(p[0] < p[1]))
        return NAN;
    return gsl_ran_flat(r, p[0], p[1]);
}

/* F = (x - alpha) / (beta - alpha), 1 - F = (beta - x) / (beta - alpha). */
static double uniform_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double a = p[0], b = p[1];
    gb_cont_zero(dx, dp, 2);
    if (isnan(x) || !isfinite(a) || !isfinite(b) || !(a < b))
        return -INFINITY;
    if (x <= a)
        return upper ? 0 : -INFINITY;
    if (x >= b)
        return upper ? -INFINITY : 0;
    double w = b - a, d = upper ? b - x : x - a;
    if (dx)
        *dx = upper ? -1 / d : 1 / d;
    if (dp) {
        dp[0] = (upper ? 0 : -1 / d) + 1 / w;
        dp[1] = (upper ? 1 / d : 0) - 1 / w;
    }
    return log(d) - log(w);
}

GB_CONT_LPDF_RNG(uniform, 2)
GB_CONT_CDFS(uniform)

/* ---- von_mises(mu, kappa) on [-pi, pi] ---- */

static double von_mises_kernel(double x, const double *p, double *g)
{
    double mu = p[0], k = p[1];
    if (!(x >= -M_PI && x <= M_PI) || !isfinite(mu) || !(k >= 0 && k < INFINITY))
        return -INFINITY;
    gsl_sf_result i0, i1;
    if (gsl_sf_bessel_I0_scaled_e(k, &i0) != GSL_SUCCESS ||
        gsl_sf_bessel_I1_scaled_e(k, &i1) != GSL_SUCCESS)
        return -INFINITY;
    double c = cos(x - mu), sn = sin(x - mu);
    g[0] = -k * sn;
    g[1] = k * sn;
    g[2] = c - i1.val / i0.val;
    /* log I0(k) = log(I0_scaled(k)) + k */
    return k * (c - 1) - log(2 * M_PI) - log(i0.val);
}

/* Best & Fisher's rejection sampler; the result is wrapped into [-pi, pi]. */
static double von_mises_draw(gsl_rng *r, const double *p)
{
    double mu = p[0], k = p[1];
    if (!isfinite(mu) || !(k >= 0 && k < INFINITY))
        return NAN;
    double x;
    if (k < 1e-8) {
        x = gsl_ran_flat(r, -M_PI, M_PI);
    } else {
        double t = 1 + sqrt(1 + 4 * k * k), rho = (t - sqrt(2 * t)) / (2 * k);
        double s = (1 + rho * rho) / (2 * rho), f;
        for (;;) {
            double u1 = gsl_rng_uniform(r), u2 = gsl_rng_uniform(r);
            double zz = cos(M_PI * u1);
            f = (1 + s * zz) / (s + zz);
            double c = k * (s - f);
            if (c * (2 - c) - u2 > 0 || log(c / u2) + 1 - c >= 0)
                break;
        }
        x = acos(f > 1 ? 1 : f < -1 ? -1 : f);
        if (gsl_rng_uniform(r) < 0.5)
            x = -x;
    }
    x = fmod(x + mu + M_PI, 2 * M_PI);
    if (x < 0)
        x += 2 * M_PI;
    return x - M_PI;
}

GB_CONT_LPDF_RNG(von_mises, 2)

/* ---- flat and half_flat: improper, log density 0 on the support ---- */

static double flat_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    for (size_t i = 0; i < n; i++)
        if (isnan(gb_cont_at(&a[0], i)))
            return -INFINITY;
    return 0;
}

static double half_flat_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    for (size_t i = 0; i < n; i++)
        if (!(gb_cont_at(&a[0], i) >= 0))
            return -INFINITY;
    return 0;
}

/* ---- the tables ---- */

const gb_dist_ops gb_dist_half_normal = {
    .name = "half_normal",
    .nparams = 1,
    .params = {GB_CONT_POS("sigma")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_HALF_LINE,
    .lpdf = half_normal_lpdf,
    .rng = half_normal_rng,
    .lcdf = half_normal_lcdf,
    .lccdf = half_normal_lccdf,
    .doc = "half normal: |normal(0, sigma)|, sigma > 0",
    .example = "sigma ~ half_normal(1)",
};

const gb_dist_ops gb_dist_half_cauchy = {
    .name = "half_cauchy",
    .nparams = 1,
    .params = {GB_CONT_POS("sigma")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_HALF_LINE,
    .lpdf = half_cauchy_lpdf,
    .rng = half_cauchy_rng,
    .lcdf = half_cauchy_lcdf,
    .lccdf = half_cauchy_lccdf,
    .doc = "half Cauchy: |cauchy(0, sigma)|, sigma > 0",
    .example = "tau ~ half_cauchy(2.5)",
};

const gb_dist_ops gb_dist_half_student_t = {
    .name = "half_student_t",
    .nparams = 2,
    .params = {GB_CONT_POS("nu"), GB_CONT_POS("sigma")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_HALF_LINE,
    .lpdf = half_student_t_lpdf,
    .rng = half_student_t_rng,
    .doc = "half Student's t: |student_t(nu, 0, sigma)|, nu > 0, sigma > 0",
    .example = "sigma ~ half_student_t(3, 1)",
};

const gb_dist_ops gb_dist_beta = {
    .name = "beta",
    .nparams = 2,
    .params = {GB_CONT_POS("alpha"), GB_CONT_POS("beta")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = {GB_SUPPORT_INTERVAL, 0, 1, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = beta_lpdf,
    .rng = beta_rng,
    .lcdf = beta_lcdf,
    .lccdf = beta_lccdf,
    .doc = "beta on [0, 1] by prior successes alpha > 0 and failures beta > 0",
    .example = "theta ~ beta(2, 2)",
};

const gb_dist_ops gb_dist_uniform = {
    .name = "uniform",
    .nparams = 2,
    .params = {GB_CONT_REAL("alpha"), GB_CONT_REAL("beta")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = {GB_SUPPORT_INTERVAL, -INFINITY, INFINITY, 0, 1, 0},
    .lpdf = uniform_lpdf,
    .rng = uniform_rng,
    .lcdf = uniform_lcdf,
    .lccdf = uniform_lccdf,
    .doc = "uniform on [alpha, beta], alpha < beta",
    .example = "y ~ uniform(0, 10)",
};

const gb_dist_ops gb_dist_von_mises = {
    .name = "von_mises",
    .nparams = 2,
    .params = {GB_CONT_REAL("mu"), {"kappa", GB_REAL, 0, 0, INFINITY, 0, 1}},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = {GB_SUPPORT_INTERVAL, -M_PI, M_PI, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = von_mises_lpdf,
    .rng = von_mises_rng,
    .doc = "von Mises on [-pi, pi] by location mu and concentration kappa >= 0",
    .example = "theta ~ von_mises(mu, kappa)",
};

const gb_dist_ops gb_dist_flat = {
    .name = "flat",
    .nparams = 0,
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_LINE,
    .improper = 1,
    .lpdf = flat_lpdf,
    .doc = "improper flat density on the whole real line (log density 0)",
    .example = "mu ~ flat()",
};

const gb_dist_ops gb_dist_half_flat = {
    .name = "half_flat",
    .nparams = 0,
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_HALF_LINE,
    .improper = 1,
    .lpdf = half_flat_lpdf,
    .doc = "improper flat density on [0, inf) (log density 0)",
    .example = "sigma ~ half_flat()",
};
