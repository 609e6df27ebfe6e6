/* func_scalar.c - the elementwise math functions: a scalar kernel and its partial derivatives
 * per function (func.h, GB_FUNC_ELEMENTWISE); the evaluator loops and broadcasts.
 *
 * Values outside a function's domain are NaN, which the evaluator reports with the node.  Log
 * forms use the stable identities of Maechler (2012), "Accurately computing log(1 - exp(-|a|))":
 * log1p_exp(x) = x + log1p(exp(-x)) for x > 0, log1m_exp by the -ln 2 switch.  Special functions
 * come from GSL (_e forms, a failed status giving NaN). */
#include "funcs.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

/* ---- shared helpers ---- */

static double sf_val(int status, double val)
{
    return status == 0 ? val : NAN;
}

static double lgamma_(double x)
{
    gsl_sf_result r = {NAN, NAN};
    return sf_val(gsl_sf_lngamma_e(x, &r), r.val);
}

static double psi_(double x)
{
    gsl_sf_result r = {NAN, NAN};
    return sf_val(gsl_sf_psi_e(x, &r), r.val);
}

static double psi1_(double x)
{
    gsl_sf_result r = {NAN, NAN};
    return sf_val(gsl_sf_psi_1_e(x, &r), r.val);
}

static double psi2_(double x)
{
    gsl_sf_result r = {NAN, NAN};
    return sf_val(gsl_sf_psi_n_e(2, x, &r), r.val);
}

static double log1p_exp_(double x)
{
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

static double inv_logit_(double x)
{
    if (x >= 0)
        return 1 / (1 + exp(-x));
    double e = exp(x);
    return e / (1 + e);
}

/* log(1 - exp(x)) for x <= 0 (Maechler 2012, the switch at -ln 2). */
static double log1m_exp_(double x)
{
    if (x > 0)
        return NAN;
    return x > -M_LN2 ? log(-expm1(x)) : log1p(-exp(x));
}

/* log(exp(a) + exp(b)) with the maximum factored out; -inf when both are -inf. */
static double lse2(double a, double b)
{
    double m = a > b ? a : b;
    if (m == -INFINITY)
        return -INFINITY;
    if (m == INFINITY)
        return INFINITY;
    return m + log1p(exp(-fabs(a - b)));
}

#define ELEM(id, nm, nargs, fn, dfn, ir, text)                                                     \
    static const gb_func_ops id = {.name = nm,                                                     \
                                   .min_args = nargs,                                              \
                                   .max_args = nargs,                                              \
                                   .kind = GB_FUNC_ELEMENTWISE,                                    \
                                   .f = fn,                                                        \
                                   .df = dfn,                                                      \
                                   .int_result = ir,                                               \
                                   .doc = text}

/* ---- exponentials and logarithms ---- */

static double f_exp(const double *x)
{
    return exp(x[0]);
}
static void d_exp(const double *x, double fx, double *d)
{
    (void)x;
    d[0] = fx;
}
static double f_exp2(const double *x)
{
    return exp2(x[0]);
}
static void d_exp2(const double *x, double fx, double *d)
{
    (void)x;
    d[0] = fx * M_LN2;
}
static double f_expm1(const double *x)
{
    return expm1(x[0]);
}
static void d_expm1(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = exp(x[0]);
}
static double f_log(const double *x)
{
    return log(x[0]);
}
static void d_log(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = 1 / x[0];
}
static double f_log2(const double *x)
{
    return log2(x[0]);
}
static void d_log2(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = 1 / (x[0] * M_LN2);
}
static double f_log10(const double *x)
{
    return log10(x[0]);
}
static void d_log10(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = 1 / (x[0] * M_LN10);
}
static double f_log1p(const double *x)
{
    return log1p(x[0]);
}
static void d_log1p(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = 1 / (1 + x[0]);
}
static double f_log1m(const double *x)
{
    return log1p(-x[0]);
}
static void d_log1m(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = -1 / (1 - x[0]);
}
static double f_log1p_exp(const double *x)
{
    return log1p_exp_(x[0]);
}
static void d_log1p_exp(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = inv_logit_(x[0]);
}
static double f_log1m_exp(const double *x)
{
    return log1m_exp_(x[0]);
}
static void d_log1m_exp(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = -1 / expm1(-x[0]);
}
static double f_log_diff_exp(const double *x)
{
    if (x[1] == -INFINITY)
        return x[0];
    return x[0] + log1m_exp_(x[1] - x[0]);
}
static void d_log_diff_exp(const double *x, double fx, double *d)
{
    (void)fx;
    double e = expm1(x[1] - x[0]); /* exp(b - a) - 1 < 0 */
    d[0] = -1 / e;
    d[1] = 1 + 1 / e;
}
static double f_log_mix(const double *x)
{
    return lse2(log(x[0]) + x[1], log1p(-x[0]) + x[2]);
}
static void d_log_mix(const double *x, double fx, double *d)
{
    double w1 = exp(x[1] - fx), w2 = exp(x[2] - fx);
    d[0] = w1 - w2;
    d[1] = x[0] * w1;
    d[2] = (1 - x[0]) * w2;
}

ELEM(fn_exp, "exp", 1, f_exp, d_exp, 0, "exp(x): e to the power x");
ELEM(fn_exp2, "exp2", 1, f_exp2, d_exp2, 0, "exp2(x): 2 to the power x");
ELEM(fn_expm1, "expm1", 1, f_expm1, d_expm1, 0, "expm1(x): exp(x) - 1, accurate near 0");
ELEM(fn_log, "log", 1, f_log, d_log, 0, "log(x): natural logarithm");
ELEM(fn_log2, "log2", 1, f_log2, d_log2, 0, "log2(x): base-2 logarithm");
ELEM(fn_log10, "log10", 1, f_log10, d_log10, 0, "log10(x): base-10 logarithm");
ELEM(fn_log1p, "log1p", 1, f_log1p, d_log1p, 0, "log1p(x): log(1 + x), accurate near 0");
ELEM(fn_log1m, "log1m", 1, f_log1m, d_log1m, 0, "log1m(x): log(1 - x), accurate near 0");
ELEM(fn_log1p_exp, "log1p_exp", 1, f_log1p_exp, d_log1p_exp, 0,
     "log1p_exp(x): log(1 + exp(x)) without overflow");
ELEM(fn_softplus, "softplus", 1, f_log1p_exp, d_log1p_exp, 0,
     "softplus(x): log(1 + exp(x)), the same as log1p_exp");
ELEM(fn_log1m_exp, "log1m_exp", 1, f_log1m_exp, d_log1m_exp, 0,
     "log1m_exp(x): log(1 - exp(x)) for x < 0");
ELEM(fn_log_diff_exp, "log_diff_exp", 2, f_log_diff_exp, d_log_diff_exp, 0,
     "log_diff_exp(a, b): log(exp(a) - exp(b)) for a > b");
ELEM(fn_log_mix, "log_mix", 3, f_log_mix, d_log_mix, 0,
     "log_mix(theta, lp1, lp2): log(theta * exp(lp1) + (1 - theta) * exp(lp2))");

/* ---- powers ---- */

static double f_sqrt(const double *x)
{
    return sqrt(x[0]);
}
static void d_sqrt(const double *x, double fx, double *d)
{
    (void)x;
    d[0] = 0.5 / fx;
}
static double f_cbrt(const double *x)
{
    return cbrt(x[0]);
}
static void d_cbrt(const double *x, double fx, double *d)
{
    (void)x;
    d[0] = 1 / (3 * fx * fx);
}
static double f_square(const double *x)
{
    return x[0] * x[0];
}
static void d_square(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = 2 * x[0];
}
static double f_inv(const double *x)
{
    return 1 / x[0];
}
static void d_inv(const double *x, double fx, double *d)
{
    (void)x;
    d[0] = -fx * fx;
}
static double f_pow(const double *x)
{
    return pow(x[0], x[1]);
}
/* d/db a^b = a^b log a: 0 at a = 0 (the limit from the right), NaN for a < 0. */
static void d_pow(const double *x, double fx, double *d)
{
    d[0] = x[1] == 0 ? 0 : x[1] * pow(x[0], x[1] - 1);
    d[1] = x[0] > 0 ? fx * log(x[0]) : x[0] == 0 ? 0 : NAN;
}
static double f_abs(const double *x)
{
    return fabs(x[0]);
}
static void d_abs(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = x[0] > 0 ? 1 : x[0] < 0 ? -1 : 0;
}

ELEM(fn_sqrt, "sqrt", 1, f_sqrt, d_sqrt, 0, "sqrt(x): square root");
ELEM(fn_cbrt, "cbrt", 1, f_cbrt, d_cbrt, 0, "cbrt(x): cube root");
ELEM(fn_square, "square", 1, f_square, d_square, 0, "square(x): x * x");
ELEM(fn_inv, "inv", 1, f_inv, d_inv, 0, "inv(x): 1 / x");
ELEM(fn_pow, "pow", 2, f_pow, d_pow, 0, "pow(a, b): a to the power b");
ELEM(fn_abs, "abs", 1, f_abs, d_abs, 1, "abs(x): absolute value, int for an int argument");
ELEM(fn_fabs, "fabs", 1, f_abs, d_abs, 0, "fabs(x): absolute value as a real");

/* ---- logistic family ---- */

static double f_inv_logit(const double *x)
{
    return inv_logit_(x[0]);
}
/* inv_logit'(x) = e^-|x| / (1 + e^-|x|)^2, exact in both tails. */
static void d_inv_logit(const double *x, double fx, double *d)
{
    (void)fx;
    double e = exp(-fabs(x[0]));
    d[0] = e / ((1 + e) * (1 + e));
}
static double f_logit(const double *x)
{
    return log(x[0]) - log1p(-x[0]);
}
static void d_logit(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = 1 / (x[0] * (1 - x[0]));
}
static double f_log_inv_logit(const double *x)
{
    return -log1p_exp_(-x[0]);
}
static void d_log_inv_logit(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = inv_logit_(-x[0]);
}
static double f_log1m_inv_logit(const double *x)
{
    return -log1p_exp_(x[0]);
}
static void d_log1m_inv_logit(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = -inv_logit_(x[0]);
}
static double f_relu(const double *x)
{
    return x[0] > 0 ? x[0] : 0;
}
static void d_relu(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = x[0] > 0 ? 1 : 0;
}

ELEM(fn_inv_logit, "inv_logit", 1, f_inv_logit, d_inv_logit, 0,
     "inv_logit(x): logistic sigmoid 1 / (1 + exp(-x))");
ELEM(fn_sigmoid, "sigmoid", 1, f_inv_logit, d_inv_logit, 0,
     "sigmoid(x): 1 / (1 + exp(-x)), the same as inv_logit");
ELEM(fn_logit, "logit", 1, f_logit, d_logit, 0, "logit(p): log(p / (1 - p))");
ELEM(fn_log_inv_logit, "log_inv_logit", 1, f_log_inv_logit, d_log_inv_logit, 0,
     "log_inv_logit(x): log(inv_logit(x)) without underflow");
ELEM(fn_log1m_inv_logit, "log1m_inv_logit", 1, f_log1m_inv_logit, d_log1m_inv_logit, 0,
     "log1m_inv_logit(x): log(1 - inv_logit(x)) without underflow");
ELEM(fn_relu, "relu", 1, f_relu, d_relu, 0, "relu(x): max(x, 0)");

/* ---- trigonometric and hyperbolic ---- */

static double f_sin(const double *x)
{
    return sin(x[0]);
}
static void d_sin(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = cos(x[0]);
}
static double f_cos(const double *x)
{
    return cos(x[0]);
}
static void d_cos(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = -sin(x[0]);
}
static double f_tan(const double *x)
{
    return tan(x[0]);
}
static void d_tan(const double *x, double fx, double *d)
{
    (void)x;
    d[0] = 1 + fx * fx;
}
static double f_atan(const double *x)
{
    return atan(x[0]);
}
static void d_atan(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = 1 / (1 + x[0] * x[0]);
}
static double f_tanh(const double *x)
{
    return tanh(x[0]);
}
static void d_tanh(const double *x, double fx, double *d)
{
    (void)x;
    d[0] = 1 - fx * fx;
}

ELEM(fn_sin, "sin", 1, f_sin, d_sin, 0, "sin(x): sine, x in radians");
ELEM(fn_cos, "cos", 1, f_cos, d_cos, 0, "cos(x): cosine, x in radians");
ELEM(fn_tan, "tan", 1, f_tan, d_tan, 0, "tan(x): tangent, x in radians");
ELEM(fn_atan, "atan", 1, f_atan, d_atan, 0, "atan(x): arc tangent in (-pi/2, pi/2)");
ELEM(fn_tanh, "tanh", 1, f_tanh, d_tanh, 0, "tanh(x): hyperbolic tangent");

/* ---- special functions ---- */

static double f_lgamma(const double *x)
{
    return lgamma_(x[0]);
}
static void d_lgamma(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = psi_(x[0]);
}
static double f_digamma(const double *x)
{
    return psi_(x[0]);
}
static void d_digamma(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = psi1_(x[0]);
}
static double f_trigamma(const double *x)
{
    return psi1_(x[0]);
}
static void d_trigamma(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = psi2_(x[0]);
}
static double f_lbeta(const double *x)
{
    gsl_sf_result r = {NAN, NAN};
    return sf_val(gsl_sf_lnbeta_e(x[0], x[1], &r), r.val);
}
static void d_lbeta(const double *x, double fx, double *d)
{
    (void)fx;
    double s = psi_(x[0] + x[1]);
    d[0] = psi_(x[0]) - s;
    d[1] = psi_(x[1]) - s;
}
/* lchoose(n, k) = -log(n + 1) - lbeta(n - k + 1, k + 1); GSL's exact form for integers. */
static double f_lchoose(const double *x)
{
    double n = x[0], k = x[1];
    gsl_sf_result r = {NAN, NAN};
    if (n == floor(n) && k == floor(k) && k >= 0 && k <= n && n <= (double)UINT_MAX)
        return sf_val(gsl_sf_lnchoose_e((unsigned)n, (unsigned)k, &r), r.val);
    return sf_val(gsl_sf_lnbeta_e(n - k + 1, k + 1, &r), -log1p(n) - r.val);
}
static void d_lchoose(const double *x, double fx, double *d)
{
    (void)fx;
    double m = psi_(x[0] - x[1] + 1);
    d[0] = psi_(x[0] + 1) - m;
    d[1] = m - psi_(x[1] + 1);
}
static double f_erf(const double *x)
{
    return erf(x[0]);
}
static void d_erf(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = M_2_SQRTPI * exp(-x[0] * x[0]);
}
static double f_erfc(const double *x)
{
    return erfc(x[0]);
}
static void d_erfc(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = -M_2_SQRTPI * exp(-x[0] * x[0]);
}
static double f_Phi(const double *x)
{
    return gsl_cdf_ugaussian_P(x[0]);
}
static void d_Phi(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = gsl_ran_ugaussian_pdf(x[0]);
}
static double f_inv_Phi(const double *x)
{
    if (!(x[0] >= 0 && x[0] <= 1))
        return NAN;
    return gsl_cdf_ugaussian_Pinv(x[0]);
}
static void d_inv_Phi(const double *x, double fx, double *d)
{
    (void)x;
    d[0] = 1 / gsl_ran_ugaussian_pdf(fx);
}

ELEM(fn_lgamma, "lgamma", 1, f_lgamma, d_lgamma, 0, "lgamma(x): log of the absolute gamma function");
ELEM(fn_digamma, "digamma", 1, f_digamma, d_digamma, 0, "digamma(x): derivative of lgamma");
ELEM(fn_trigamma, "trigamma", 1, f_trigamma, d_trigamma, 0, "trigamma(x): derivative of digamma");
ELEM(fn_lbeta, "lbeta", 2, f_lbeta, d_lbeta, 0, "lbeta(a, b): log of the beta function, a, b > 0");
ELEM(fn_lchoose, "lchoose", 2, f_lchoose, d_lchoose, 0,
     "lchoose(n, k): log of the binomial coefficient, real arguments allowed");
ELEM(fn_erf, "erf", 1, f_erf, d_erf, 0, "erf(x): error function");
ELEM(fn_erfc, "erfc", 1, f_erfc, d_erfc, 0, "erfc(x): complementary error function 1 - erf(x)");
ELEM(fn_Phi, "Phi", 1, f_Phi, d_Phi, 0, "Phi(x): standard normal CDF");
ELEM(fn_inv_Phi, "inv_Phi", 1, f_inv_Phi, d_inv_Phi, 0,
     "inv_Phi(p): standard normal quantile, p in [0, 1]");

/* ---- comparisons and rounding ---- */

static double f_fmin(const double *x)
{
    return fmin(x[0], x[1]);
}
/* The gradient goes to the smaller argument, to the first on a tie. */
static void d_fmin(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = x[0] <= x[1];
    d[1] = x[0] > x[1];
}
static double f_fmax(const double *x)
{
    return fmax(x[0], x[1]);
}
static void d_fmax(const double *x, double fx, double *d)
{
    (void)fx;
    d[0] = x[0] >= x[1];
    d[1] = x[0] < x[1];
}
static double f_step(const double *x)
{
    return x[0] < 0 ? 0 : 1;
}
static double f_int_step(const double *x)
{
    return x[0] > 0 ? 1 : 0;
}
static double f_floor(const double *x)
{
    return floor(x[0]);
}
static double f_ceil(const double *x)
{
    return ceil(x[0]);
}
static double f_round(const double *x)
{
    return round(x[0]);
}
static double f_trunc(const double *x)
{
    return trunc(x[0]);
}

ELEM(fn_fmin, "fmin", 2, f_fmin, d_fmin, 0, "fmin(a, b): the smaller of a and b, as a real");
ELEM(fn_fmax, "fmax", 2, f_fmax, d_fmax, 0, "fmax(a, b): the larger of a and b, as a real");
ELEM(fn_step, "step", 1, f_step, NULL, 0, "step(x): 0 if x < 0, else 1 (a real)");
ELEM(fn_int_step, "int_step", 1, f_int_step, NULL, 2, "int_step(x): 1 if x > 0, else 0 (an int)");
ELEM(fn_floor, "floor", 1, f_floor, NULL, 2, "floor(x): the largest integer <= x");
ELEM(fn_ceil, "ceil", 1, f_ceil, NULL, 2, "ceil(x): the smallest integer >= x");
ELEM(fn_round, "round", 1, f_round, NULL, 2, "round(x): nearest integer, halves away from 0");
ELEM(fn_trunc, "trunc", 1, f_trunc, NULL, 2, "trunc(x): x rounded toward 0");

const gb_func_ops *const gb_funcs_scalar[] = {
    &fn_exp, &fn_exp2, &fn_expm1, &fn_log, &fn_log2, &fn_log10, &fn_log1p, &fn_log1m,
    &fn_log1p_exp, &fn_softplus, &fn_log1m_exp, &fn_log_diff_exp, &fn_log_mix,
    &fn_sqrt, &fn_cbrt, &fn_square, &fn_inv, &fn_pow, &fn_abs, &fn_fabs,
    &fn_inv_logit, &fn_sigmoid, &fn_logit, &fn_log_inv_logit, &fn_log1m_inv_logit, &fn_relu,
    &fn_sin, &fn_cos, &fn_tan, &fn_atan, &fn_tanh,
    &fn_lgamma, &fn_digamma, &fn_trigamma, &fn_lbeta, &fn_lchoose, &fn_erf, &fn_erfc, &fn_Phi,
    &fn_inv_Phi, &fn_fmin, &fn_fmax, &fn_step, &fn_int_step, &fn_floor, &fn_ceil, &fn_round,
    &fn_trunc, NULL};
