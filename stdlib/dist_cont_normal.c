/* dist_cont_normal.c - location-scale distributions on the whole real line: normal, student_t,
 * cauchy, double_exponential (alias laplace), logistic, skew_normal, exp_mod_normal, gumbel,
 * with Stan's parameterisations (Stan Functions Reference, "Unbounded continuous
 * distributions").  Densities and derivatives follow the closed forms given there; the normal
 * tails use log erfc (GSL gsl_sf_log_erfc, accurate for large arguments), the Cauchy CDF uses
 * atan2(1, -z) / pi, which keeps its relative accuracy in the lower tail.
 *
 * With z = (x - mu) / sigma throughout, d/dx = g_z / sigma, d/dmu = -g_z / sigma and
 * d/dsigma = -1 / sigma - z g_z / sigma, where g_z is the derivative in z of the standardised
 * log density. */
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "dist_cont.h"

/* Fills g for a location-scale kernel from gz = d/dz of the standardised log density. */
static void loc_scale_grad(double z, double s, double gz, double *g)
{
    g[0] = gz / s;
    g[1] = -gz / s;
    g[2] = -(1 + z * gz) / s;
}

/* Writes the tail derivatives of a location-scale CDF from dz = d/dz log F. */
static void loc_scale_tail_grad(double z, double s, double dz, double *dx, double *dp)
{
    if (dx)
        *dx = dz / s;
    if (dp) {
        dp[0] = -dz / s;
        dp[1] = -dz * z / s;
    }
}

/* ---- normal(mu, sigma) ---- */

static double normal_kernel(double x, const double *p, double *g)
{
    double mu = p[0], s = p[1];
    if (!isfinite(x) || !isfinite(mu) || !gb_cont_pos(s))
        return -INFINITY;
    double z = (x - mu) / s;
    g[0] = -z / s;
    g[1] = z / s;
    g[2] = (z * z - 1) / s;
    return -0.5 * z * z - log(s) - GB_CONT_LOG_SQRT_2PI;
}

static double normal_draw(gsl_rng *r, const double *p)
{
    if (!isfinite(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return p[0] + gsl_ran_gaussian(r, p[1]);
}

static double normal_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double mu = p[0], s = p[1];
    gb_cont_zero(dx, dp, 2);
    if (isnan(x) || !isfinite(mu) || !gb_cont_pos(s))
        return -INFINITY;
    double z = (x - mu) / s, zz = upper ? -z : z;
    double l = gb_cont_log_Phi(zz);
    if (isfinite(zz) && l > -INFINITY) {
        double m = gb_cont_mills(zz, l);
        loc_scale_tail_grad(z, s, upper ? -m : m, dx, dp);
    }
    return l;
}

/* The most common likelihood, y ~ normal(mu, sigma) with one sigma for all of y, gets its own
 * loop: log(sigma) once instead of once per element, sigma's gradient summed once. */
static double normal_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    if (a[2].stride != 0 || n < 2)
        return gb_cont_lpdf(n, a, 2, normal_kernel);
    double s = a[2].val[0], szz = 0, sx = 0, smu = 0;
    if (!gb_cont_pos(s))
        return -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = gb_cont_at(&a[0], i), mu = gb_cont_at(&a[1], i);
        if (!isfinite(x) || !isfinite(mu)) {
            szz = INFINITY; /* -INFINITY below; gradients so far are kept, as elsewhere */
            break;
        }
        double z = (x - mu) / s;
        szz += z * z;
        /* a shared x or mu sums its gradient locally, as gb_cont_lpdf does */
        if (a[0].stride == 0)
            sx -= z / s;
        else
            gb_cont_add(&a[0], i, -z / s);
        if (a[1].stride == 0)
            smu += z / s;
        else
            gb_cont_add(&a[1], i, z / s);
    }
    if (a[0].stride == 0 && a[0].adj)
        a[0].adj[0] += sx;
    if (a[1].stride == 0 && a[1].adj)
        a[1].adj[0] += smu;
    if (a[2].adj)
        a[2].adj[0] += (szz - (double)n) / s;
    if (szz == INFINITY)
        return -INFINITY;
    return -0.5 * szz - (double)n * (log(s) + GB_CONT_LOG_SQRT_2PI);
}

/* Per repetition (gb_lpdf_each_fn), for summing out a label that picks mu or sigma: the same
 * expressions as normal_kernel, with log(sigma) taken once when sigma is shared. */
static void normal_lpdf_each(size_t n, const gb_arg *a, const size_t *dims, const double *w,
                             double *out)
{
    (void)dims;
    double s = a[2].val[0], ls = a[2].stride == 0 && gb_cont_pos(s) ? log(s) : NAN;
    for (size_t i = 0; i < n; i++) {
        double x = gb_cont_at(&a[0], i), mu = gb_cont_at(&a[1], i);
        if (a[2].stride) {
            s = gb_cont_at(&a[2], i);
            ls = gb_cont_pos(s) ? log(s) : NAN;
        }
        if (!isfinite(x) || !isfinite(mu) || !gb_cont_pos(s)) {
            out[i] = -INFINITY;
            continue;
        }
        double z = (x - mu) / s;
        out[i] = -0.5 * z * z - ls - GB_CONT_LOG_SQRT_2PI;
        if (!w || w[i] == 0)
            continue;
        gb_cont_add(&a[0], i, w[i] * (-z / s));
        gb_cont_add(&a[1], i, w[i] * (z / s));
        gb_cont_add(&a[2], i, w[i] * ((z * z - 1) / s));
    }
}

static void normal_rng(gsl_rng *r, size_t n, const gb_arg *a, const size_t *dims, double *out)
{
    (void)dims;
    gb_cont_rng(r, n, a, 2, normal_draw, out);
}

GB_CONT_CDFS(normal)

/* ---- student_t(nu, mu, sigma) ---- */

static double student_t_kernel(double x, const double *p, double *g)
{
    double nu = p[0], mu = p[1], s = p[2], c[3] = {0, 0, 0};
    if (!isfinite(x) || !gb_cont_pos(nu) || !isfinite(mu) || !gb_cont_pos(s))
        return -INFINITY;
    double l = gb_cont_t_core(x - mu, nu, s, c);
    g[0] = c[0];
    g[1] = c[1];
    g[2] = -c[0];
    g[3] = c[2];
    return l;
}

static double student_t_draw(gsl_rng *r, const double *p)
{
    if (!gb_cont_pos(p[0]) || !isfinite(p[1]) || !gb_cont_pos(p[2]))
        return NAN;
    return p[1] + p[2] * gsl_ran_tdist(r, p[0]);
}

/* GSL's t CDF; d/dnu by central difference (gb_cont_tail_fd). */
static double student_t_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double nu = p[0], mu = p[1], s = p[2];
    gb_cont_zero(dx, dp, 3);
    if (isnan(x) || !gb_cont_pos(nu) || !isfinite(mu) || !gb_cont_pos(s))
        return -INFINITY;
    double z = (x - mu) / s;
    double P = gsl_cdf_tdist_P(z, nu), Q = gsl_cdf_tdist_Q(z, nu);
    double l = upper ? gb_cont_log_tail(Q, P) : gb_cont_log_tail(P, Q);
    if (!(l > -INFINITY))
        return -INFINITY;
    if ((dx || dp) && isfinite(z)) {
        double c[3];
        double dz = exp(gb_cont_t_core(z, nu, 1, c) - l) * (upper ? -1 : 1);
        if (dx)
            *dx = dz / s;
        if (dp) {
            dp[0] = gb_cont_tail_fd(student_t_tail, x, p, 3, 0, upper);
            dp[1] = -dz / s;
            dp[2] = -dz * z / s;
        }
    }
    return l;
}

GB_CONT_LPDF_RNG(student_t, 3)
GB_CONT_CDFS(student_t)

/* ---- cauchy(mu, sigma) ---- */

static double cauchy_kernel(double x, const double *p, double *g)
{
    double mu = p[0], s = p[1];
    if (!isfinite(x) || !isfinite(mu) || !gb_cont_pos(s))
        return -INFINITY;
    double z = (x - mu) / s;
    loc_scale_grad(z, s, -2 * z / (1 + z * z), g);
    return -log(M_PI) - log(s) - log1p(z * z);
}

static double cauchy_draw(gsl_rng *r, const double *p)
{
    if (!isfinite(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return p[0] + gsl_ran_cauchy(r, p[1]);
}

/* F(z) = atan2(1, -z) / pi, which keeps its relative accuracy as z -> -inf; above 0,
 * log F = log1p(-atan2(1, z) / pi).  The upper tail is F(-z). */
static double cauchy_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double mu = p[0], s = p[1];
    gb_cont_zero(dx, dp, 2);
    if (isnan(x) || !isfinite(mu) || !gb_cont_pos(s))
        return -INFINITY;
    double z = (x - mu) / s, zz = upper ? -z : z;
    double l = zz <= 0 ? log(atan2(1, -zz) / M_PI) : log1p(-atan2(1, zz) / M_PI);
    if (isfinite(z) && l > -INFINITY)
        loc_scale_tail_grad(z, s, (upper ? -1 : 1) / ((1 + z * z) * M_PI * exp(l)), dx, dp);
    return l;
}

GB_CONT_LPDF_RNG(cauchy, 2)
GB_CONT_CDFS(cauchy)

/* ---- double_exponential(mu, sigma), alias laplace ---- */

static double laplace_kernel(double x, const double *p, double *g)
{
    double mu = p[0], s = p[1];
    if (!isfinite(x) || !isfinite(mu) || !gb_cont_pos(s))
        return -INFINITY;
    double z = (x - mu) / s;
    loc_scale_grad(z, s, z > 0 ? -1 : z < 0 ? 1 : 0, g);
    return -M_LN2 - log(s) - fabs(z);
}

static double laplace_draw(gsl_rng *r, const double *p)
{
    if (!isfinite(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return p[0] + gsl_ran_laplace(r, p[1]);
}

/* F(z) = e^z / 2 for z < 0, 1 - e^-z / 2 otherwise; the upper tail is F(-z). */
static double laplace_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double mu = p[0], s = p[1];
    gb_cont_zero(dx, dp, 2);
    if (isnan(x) || !isfinite(mu) || !gb_cont_pos(s))
        return -INFINITY;
    double z = (x - mu) / s, zz = upper ? -z : z, l, d;
    if (zz < 0) {
        l = zz - M_LN2;
        d = 1;
    } else {
        l = log1p(-0.5 * exp(-zz));
        d = 1 / (2 * exp(zz) - 1);
    }
    if (isfinite(z))
        loc_scale_tail_grad(z, s, upper ? -d : d, dx, dp);
    return l;
}

GB_CONT_LPDF_RNG(laplace, 2)
GB_CONT_CDFS(laplace)

/* ---- logistic(mu, sigma) ---- */

static double logistic_kernel(double x, const double *p, double *g)
{
    double mu = p[0], s = p[1];
    if (!isfinite(x) || !isfinite(mu) || !gb_cont_pos(s))
        return -INFINITY;
    double z = (x - mu) / s;
    loc_scale_grad(z, s, 1 - 2 * gb_cont_inv_logit(z), g);
    return -z - log(s) - 2 * gb_cont_softplus(-z);
}

static double logistic_draw(gsl_rng *r, const double *p)
{
    if (!isfinite(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return p[0] + gsl_ran_logistic(r, p[1]);
}

/* log F(z) = -log(1 + e^-z), log(1 - F(z)) = -log(1 + e^z). */
static double logistic_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double mu = p[0], s = p[1];
    gb_cont_zero(dx, dp, 2);
    if (isnan(x) || !isfinite(mu) || !gb_cont_pos(s))
        return -INFINITY;
    double z = (x - mu) / s, zz = upper ? -z : z;
    if (isfinite(z))
        loc_scale_tail_grad(z, s, (upper ? -1 : 1) * gb_cont_inv_logit(-zz), dx, dp);
    return -gb_cont_softplus(-zz);
}

GB_CONT_LPDF_RNG(logistic, 2)
GB_CONT_CDFS(logistic)

/* ---- skew_normal(xi, omega, alpha): 2 / omega phi(z) Phi(alpha z) ---- */

static double skew_normal_kernel(double x, const double *p, double *g)
{
    double xi = p[0], om = p[1], al = p[2];
    if (!isfinite(x) || !isfinite(xi) || !gb_cont_pos(om) || !isfinite(al))
        return -INFINITY;
    double z = (x - xi) / om, u = al * z, lphi = gb_cont_log_Phi(u);
    double m = gb_cont_mills(u, lphi);
    loc_scale_grad(z, om, -z + al * m, g);
    g[3] = z * m;
    return M_LN2 - GB_CONT_LOG_SQRT_2PI - log(om) - 0.5 * z * z + lphi;
}

/* Azzalini's representation: |U0| carries the sign of the skewed component. */
static double skew_normal_draw(gsl_rng *r, const double *p)
{
    if (!isfinite(p[0]) || !gb_cont_pos(p[1]) || !isfinite(p[2]))
        return NAN;
    double d = p[2] / sqrt(1 + p[2] * p[2]);
    double u0 = gsl_ran_ugaussian(r), v = gsl_ran_ugaussian(r);
    double u1 = d * u0 + sqrt(1 - d * d) * v;
    return p[0] + p[1] * (u0 >= 0 ? u1 : -u1);
}

GB_CONT_LPDF_RNG(skew_normal, 3)

/* ---- exp_mod_normal(mu, sigma, lambda): normal(mu, sigma) plus exponential(lambda) ----
 * log p = log(lambda / 2) + lambda (mu + lambda sigma^2 / 2 - x) + log erfc(v),
 * v = (mu + lambda sigma^2 - x) / (sqrt 2 sigma). */
static double exp_mod_normal_kernel(double x, const double *p, double *g)
{
    double mu = p[0], s = p[1], lam = p[2];
    if (!isfinite(x) || !isfinite(mu) || !gb_cont_pos(s) || !gb_cont_pos(lam))
        return -INFINITY;
    double v = (mu + lam * s * s - x) * M_SQRT1_2 / s;
    gsl_sf_result r;
    if (gsl_sf_log_erfc_e(v, &r) != GSL_SUCCESS)
        return -INFINITY;
    double e = -M_2_SQRTPI * exp(-v * v - r.val); /* d log erfc(v) / dv */
    g[0] = -lam - e * M_SQRT1_2 / s;
    g[1] = lam + e * M_SQRT1_2 / s;
    g[2] = lam * lam * s + e * (-(mu - x) * M_SQRT1_2 / (s * s) + lam * M_SQRT1_2);
    g[3] = 1 / lam + mu + lam * s * s - x + e * s * M_SQRT1_2;
    return log(lam) - M_LN2 + lam * (mu + 0.5 * lam * s * s - x) + r.val;
}

static double exp_mod_normal_draw(gsl_rng *r, const double *p)
{
    if (!isfinite(p[0]) || !gb_cont_pos(p[1]) || !gb_cont_pos(p[2]))
        return NAN;
    return p[0] + gsl_ran_gaussian(r, p[1]) + gsl_ran_exponential(r, 1 / p[2]);
}

GB_CONT_LPDF_RNG(exp_mod_normal, 3)

/* ---- gumbel(mu, beta): log p = -log beta - z - e^-z ---- */

static double gumbel_kernel(double x, const double *p, double *g)
{
    double mu = p[0], b = p[1];
    if (!isfinite(x) || !isfinite(mu) || !gb_cont_pos(b))
        return -INFINITY;
    double z = (x - mu) / b, e = exp(-z);
    loc_scale_grad(z, b, -1 + e, g);
    return -log(b) - z - e;
}

/* inverse CDF: F(x) = exp(-e^-z) */
static double gumbel_draw(gsl_rng *r, const double *p)
{
    if (!isfinite(p[0]) || !gb_cont_pos(p[1]))
        return NAN;
    return p[0] - p[1] * log(-log(gsl_rng_uniform_pos(r)));
}

/* log F = -e^-z; log(1 - F) = log(1 - exp(-e^-z)). */
static double gumbel_tail(double x, const double *p, double *dx, double *dp, int upper)
{
    double mu = p[0], b = p[1];
    gb_cont_zero(dx, dp, 2);
    if (isnan(x) || !isfinite(mu) || !gb_cont_pos(b))
        return -INFINITY;
    double z = (x - mu) / b, e = exp(-z);
    if (!upper) {
        if (isfinite(z))
            loc_scale_tail_grad(z, b, e, dx, dp);
        return -e;
    }
    double l = gb_cont_log1m_exp(-e);
    if (isfinite(z) && l > -INFINITY)
        loc_scale_tail_grad(z, b, -e / expm1(e), dx, dp);
    return l;
}

GB_CONT_LPDF_RNG(gumbel, 2)
GB_CONT_CDFS(gumbel)

/* ---- the tables ---- */

#define LOC_SCALE                                                                                  \
    {                                                                                              \
        GB_CONT_REAL("mu"), GB_CONT_POS("sigma")                                                   \
    }

const gb_dist_ops gb_dist_normal = {
    .name = "normal",
    .nparams = 2,
    .params = LOC_SCALE,
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_LINE,
    .lpdf = normal_lpdf,
    .lpdf_each = normal_lpdf_each,
    .rng = normal_rng,
    .lcdf = normal_lcdf,
    .lccdf = normal_lccdf,
    .doc = "normal by mean mu and standard deviation sigma > 0",
    .example = "y ~ normal(mu, sigma)",
};

const gb_dist_ops gb_dist_student_t = {
    .name = "student_t",
    .nparams = 3,
    .params = {GB_CONT_POS("nu"), GB_CONT_REAL("mu"), GB_CONT_POS("sigma")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_LINE,
    .lpdf = student_t_lpdf,
    .rng = student_t_rng,
    .lcdf = student_t_lcdf,
    .lccdf = student_t_lccdf,
    .doc = "Student's t by degrees of freedom nu > 0, location mu and scale sigma > 0",
    .example = "y ~ student_t(3, mu, sigma)",
};

const gb_dist_ops gb_dist_cauchy = {
    .name = "cauchy",
    .nparams = 2,
    .params = LOC_SCALE,
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_LINE,
    .lpdf = cauchy_lpdf,
    .rng = cauchy_rng,
    .lcdf = cauchy_lcdf,
    .lccdf = cauchy_lccdf,
    .doc = "Cauchy by location mu and scale sigma > 0",
    .example = "y ~ cauchy(0, 2.5)",
};

const gb_dist_ops gb_dist_double_exponential = {
    .name = "double_exponential",
    .alias = "laplace",
    .nparams = 2,
    .params = LOC_SCALE,
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_LINE,
    .lpdf = laplace_lpdf,
    .rng = laplace_rng,
    .lcdf = laplace_lcdf,
    .lccdf = laplace_lccdf,
    .doc = "Laplace by location mu and scale sigma > 0: exp(-|y - mu| / sigma) / (2 sigma)",
    .example = "y ~ double_exponential(mu, sigma)",
};

const gb_dist_ops gb_dist_logistic = {
    .name = "logistic",
    .nparams = 2,
    .params = LOC_SCALE,
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_LINE,
    .lpdf = logistic_lpdf,
    .rng = logistic_rng,
    .lcdf = logistic_lcdf,
    .lccdf = logistic_lccdf,
    .doc = "logistic by location mu and scale sigma > 0",
    .example = "y ~ logistic(mu, sigma)",
};

const gb_dist_ops gb_dist_skew_normal = {
    .name = "skew_normal",
    .nparams = 3,
    .params = {GB_CONT_REAL("xi"), GB_CONT_POS("omega"), GB_CONT_REAL("alpha")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_LINE,
    .lpdf = skew_normal_lpdf,
    .rng = skew_normal_rng,
    .doc = "skew normal by location xi, scale omega > 0 and shape alpha",
    .example = "y ~ skew_normal(xi, omega, alpha)",
};

const gb_dist_ops gb_dist_exp_mod_normal = {
    .name = "exp_mod_normal",
    .nparams = 3,
    .params = {GB_CONT_REAL("mu"), GB_CONT_POS("sigma"), GB_CONT_POS("lambda")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_LINE,
    .lpdf = exp_mod_normal_lpdf,
    .rng = exp_mod_normal_rng,
    .doc = "exponentially modified normal: normal(mu, sigma) plus exponential(lambda), "
           "lambda > 0 a rate",
    .example = "y ~ exp_mod_normal(mu, sigma, lambda)",
};

const gb_dist_ops gb_dist_gumbel = {
    .name = "gumbel",
    .nparams = 2,
    .params = {GB_CONT_REAL("mu"), GB_CONT_POS("beta")},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = GB_CONT_LINE,
    .lpdf = gumbel_lpdf,
    .rng = gumbel_rng,
    .lcdf = gumbel_lcdf,
    .lccdf = gumbel_lccdf,
    .doc = "Gumbel (type I extreme value) by location mu and scale beta > 0",
    .example = "y ~ gumbel(mu, beta)",
};
