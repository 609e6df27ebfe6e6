/* dist_cont.h - the continuous univariate distributions (stdlib/dist_cont_*.c) and the helpers
 * they share.  Each distribution is written as a scalar kernel, log p(x | params) with its
 * gradient, and a scalar draw; the vectorised lpdf and rng of gb_dist_ops are thin loops over
 * them (gb_cont_lpdf, gb_cont_rng).  The group table is stdlib/dist_continuous.c.
 *
 * The full normalised density is always computed: `propto` is accepted and ignored. */
#ifndef GB_STDLIB_DIST_CONT_H
#define GB_STDLIB_DIST_CONT_H

#include <math.h>
#include <stddef.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#include "dist.h"

extern const gb_dist_ops gb_dist_normal, gb_dist_student_t, gb_dist_cauchy,
    gb_dist_double_exponential, gb_dist_logistic, gb_dist_skew_normal, gb_dist_exp_mod_normal,
    gb_dist_gumbel; /* dist_cont_normal.c */
extern const gb_dist_ops gb_dist_lognormal, gb_dist_exponential, gb_dist_gamma, gb_dist_inv_gamma,
    gb_dist_weibull, gb_dist_frechet, gb_dist_chi_square, gb_dist_inv_chi_square,
    gb_dist_pareto; /* dist_cont_positive.c */
extern const gb_dist_ops gb_dist_half_normal, gb_dist_half_cauchy, gb_dist_half_student_t,
    gb_dist_beta, gb_dist_uniform, gb_dist_von_mises, gb_dist_flat,
    gb_dist_half_flat; /* dist_cont_bounded.c */

#define GB_CONT_LOG_SQRT_2PI 0.91893853320467274178 /* log(sqrt(2 pi)) */

/* log p(x | p[0..np-1]); writes d/dx into g[0] and d/dp[j] into g[j + 1].  Returns -INFINITY for
 * invalid parameters or x outside the support (g is then unspecified). */
typedef double (*gb_cont_kernel)(double x, const double *p, double *g);

/* One draw for parameters p; NaN when they are invalid. */
typedef double (*gb_cont_draw)(gsl_rng *r, const double *p);

/* Value of argument a in repetition i. */
static inline double gb_cont_at(const gb_arg *a, size_t i)
{
    return a->val[i * a->stride];
}

/* Adds g to a's adjoint for repetition i (stride 0: the one slot receives the sum). */
static inline void gb_cont_add(const gb_arg *a, size_t i, double g)
{
    if (a->adj)
        a->adj[i * a->stride] += g;
}

/* The vectorised log density over n repetitions of a kernel with np parameters.  The gradient
 * of an argument shared by every repetition (stride 0) is summed in a local first: adding into
 * its one memory slot per repetition would chain every addition through a store and a load. */
static inline double gb_cont_lpdf(size_t n, const gb_arg *a, int np, gb_cont_kernel k)
{
    double lp = 0, p[GB_DIST_MAX_PARAMS], g[GB_DIST_MAX_PARAMS + 1];
    double shared[GB_DIST_MAX_PARAMS + 1] = {0};
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < np; j++)
            p[j] = gb_cont_at(&a[j + 1], i);
        double l = k(gb_cont_at(&a[0], i), p, g);
        if (!(l > -INFINITY)) { /* -INFINITY or NaN */
            lp = -INFINITY;
            break;
        }
        lp += l;
        for (int j = 0; j <= np; j++) {
            if (a[j].stride == 0)
                shared[j] += g[j];
            else
                gb_cont_add(&a[j], i, g[j]);
        }
    }
    for (int j = 0; j <= np; j++)
        if (a[j].stride == 0 && a[j].adj)
            a[j].adj[0] += shared[j];
    return isnan(lp) ? -INFINITY : lp;
}

/* n draws into out, parameters as in the lpdf (args without the variate). */
static inline void gb_cont_rng(gsl_rng *r, size_t n, const gb_arg *a, int np, gb_cont_draw f,
                               double *out)
{
    double p[GB_DIST_MAX_PARAMS];
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < np; j++)
            p[j] = gb_cont_at(&a[j], i);
        out[i] = f(r, p);
    }
}

/* Defines name_lpdf and name_rng from name_kernel and name_draw. */
#define GB_CONT_LPDF_RNG(name, np)                                                                 \
    static double name##_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)           \
    {                                                                                              \
        (void)dims;                                                                                \
        (void)propto;                                                                              \
        return gb_cont_lpdf(n, a, np, name##_kernel);                                              \
    }                                                                                              \
    static void name##_rng(gsl_rng *r, size_t n, const gb_arg *a, const size_t *dims, double *out) \
    {                                                                                              \
        (void)dims;                                                                                \
        gb_cont_rng(r, n, a, np, name##_draw, out);                                                \
    }

/* Defines name_lcdf and name_lccdf from name_tail(x, p, dx, dp, upper). */
#define GB_CONT_CDFS(name)                                                                         \
    static double name##_lcdf(double x, const double *p, double *dx, double *dp)                   \
    {                                                                                              \
        return name##_tail(x, p, dx, dp, 0);                                                       \
    }                                                                                              \
    static double name##_lccdf(double x, const double *p, double *dx, double *dp)                  \
    {                                                                                              \
        return name##_tail(x, p, dx, dp, 1);                                                       \
    }

/* Parameter and support descriptions. */
#define GB_CONT_REAL(nm)                                                                           \
    {                                                                                              \
        nm, GB_REAL, 0, -INFINITY, INFINITY, 1, 1                                                  \
    }
#define GB_CONT_POS(nm)                                                                            \
    {                                                                                              \
        nm, GB_REAL, 0, 0, INFINITY, 1, 1                                                          \
    }
#define GB_CONT_LINE                                                                               \
    {                                                                                              \
        GB_SUPPORT_INTERVAL, -INFINITY, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0                      \
    }
#define GB_CONT_HALF_LINE                                                                          \
    {                                                                                              \
        GB_SUPPORT_INTERVAL, 0, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0                              \
    }

/* Nonzero for a finite v > 0. */
static inline int gb_cont_pos(double v)
{
    return v > 0 && v < INFINITY;
}

/* Writes the derivatives of a tail function: zero everywhere (outside the support, or before
 * they are set). */
static inline void gb_cont_zero(double *dx, double *dp, int np)
{
    if (dx)
        *dx = 0;
    for (int j = 0; dp && j < np; j++)
        dp[j] = 0;
}

/* log(1 + e^x) without overflow. */
static inline double gb_cont_softplus(double x)
{
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

/* 1 / (1 + e^-x) without overflow. */
static inline double gb_cont_inv_logit(double x)
{
    if (x >= 0)
        return 1 / (1 + exp(-x));
    double e = exp(x);
    return e / (1 + e);
}

/* log(1 - e^x) for x <= 0 (Maechler 2012, "Accurately computing log(1 - exp(-|a|))"). */
static inline double gb_cont_log1m_exp(double x)
{
    return x > -M_LN2 ? log(-expm1(x)) : log1p(-exp(x));
}

/* log F given F and its complement 1 - F, both computed directly: log1p(-c) keeps the digits of
 * a log F near 0. */
static inline double gb_cont_log_tail(double f, double c)
{
    return f > 0.5 ? log1p(-c) : f > 0 ? log(f) : -INFINITY;
}

/* a * log(x) with 0 * log(0) = 0 (densities at the edge of the support). */
static inline double gb_cont_xlogy(double a, double x)
{
    return a == 0 ? 0 : a * log(x);
}

/* a / x with 0 / 0 = 0 (their derivatives). */
static inline double gb_cont_ratio(double a, double x)
{
    return a == 0 ? 0 : a / x;
}

/* log Gamma(x) for x > 0; NaN if GSL fails. */
static inline double gb_cont_lgamma(double x)
{
    gsl_sf_result r;
    return gsl_sf_lngamma_e(x, &r) == GSL_SUCCESS ? r.val : NAN;
}

/* digamma(x) for x > 0; NaN if GSL fails. */
static inline double gb_cont_digamma(double x)
{
    gsl_sf_result r;
    return gsl_sf_psi_e(x, &r) == GSL_SUCCESS ? r.val : NAN;
}

/* log Phi(z), the standard normal CDF, stable in both tails: Phi(z) = erfc(-z / sqrt 2) / 2
 * below 0, 1 - erfc(z / sqrt 2) / 2 above (log1p keeps the tiny upper tail). */
static inline double gb_cont_log_Phi(double z)
{
    gsl_sf_result r;
    if (z > 0)
        return gsl_sf_erfc_e(z * M_SQRT1_2, &r) == GSL_SUCCESS ? log1p(-0.5 * r.val) : 0;
    if (gsl_sf_log_erfc_e(-z * M_SQRT1_2, &r) != GSL_SUCCESS)
        return -INFINITY;
    return r.val - M_LN2;
}

/* phi(z) / Phi(z), the derivative of log Phi, given lphi = log Phi(z). */
static inline double gb_cont_mills(double z, double lphi)
{
    return exp(-0.5 * z * z - GB_CONT_LOG_SQRT_2PI - lphi);
}

/* Student's t log density at x with location 0, scale s; writes d/dx, d/dnu, d/ds into g.
 * The constant lgamma((nu + 1) / 2) - lgamma(nu / 2) - log(nu pi) / 2 is taken as
 * -lnbeta(nu / 2, 1 / 2) - log(nu) / 2: GSL's lnbeta keeps its digits for large nu, where the
 * two log gammas (and GSL's lnpoch) lose about 1e-9. */
static inline double gb_cont_t_core(double x, double nu, double s, double *g)
{
    double z = x / s, q = z * z / nu, w = (nu + 1) / (nu + z * z);
    gsl_sf_result lb;
    if (gsl_sf_lnbeta_e(0.5 * nu, 0.5, &lb) != GSL_SUCCESS)
        return -INFINITY;
    g[0] = -w * z / s;
    g[1] = 0.5 * (gb_cont_digamma(0.5 * (nu + 1)) - gb_cont_digamma(0.5 * nu) - 1 / nu - log1p(q)) +
           0.5 * w * z * z / nu;
    g[2] = (-1 + w * z * z) / s;
    return -lb.val - 0.5 * log(nu) - log(s) - 0.5 * (nu + 1) * log1p(q);
}

/* Central difference of a tail function in parameter j (used for shape parameters whose CDF
 * derivative has no closed form: gamma's alpha, beta's alpha and beta, student_t's nu).  The
 * step is relative, 1e-5 |p_j|, so a positive parameter stays positive; the truncation error is
 * O(h^2) ~ 1e-10 relative. */
static inline double gb_cont_tail_fd(double (*f)(double, const double *, double *, double *, int),
                                     double x, const double *p, int np, int j, int upper)
{
    double q[GB_DIST_MAX_PARAMS];
    for (int k = 0; k < np; k++)
        q[k] = p[k];
    double h = 1e-5 * (fabs(p[j]) > 0 ? fabs(p[j]) : 1);
    q[j] = p[j] + h;
    double fp = f(x, q, NULL, NULL, upper);
    q[j] = p[j] - h;
    double fm = f(x, q, NULL, NULL, upper);
    return (fp - fm) / (2 * h);
}

#endif
