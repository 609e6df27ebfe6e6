/* test_priors.c - every scalar distribution, used as the prior of a one-parameter model
 * (`x ~ dist(params)`), recovers its own mean and variance under glassbox's samplers (NUTS for
 * continuous ones, Gibbs for discrete ones): |estimate - exact| < z x MCSE, the MCSE from the
 * ESS of the draws (diag.h), z Bonferroni-corrected over all the checks here so the whole file
 * has a false-alarm rate of 6.3e-5 at its fixed seed.
 *
 * The exact moments are not typed in: they are integrated from the distribution's own density
 * (GSL's QAGS/QAGI adaptive quadrature, or summation over the support for discrete ones), so
 * this checks the sampler and transforms against the density, and the density is checked
 * against reference values in tests/stdlib.  Parameters are chosen so the fourth moment exists
 * (the variance's MCSE needs it); Cauchy-like distributions without moments are left out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>

#include "diag.h"
#include "dist.h"
#include "gbt_ess.h"
#include "gbt_model.h"

typedef struct pcase {
    const char *dist;
    const char *args; /* as written in the model */
    double p[GB_DIST_MAX_PARAMS];
} pcase;

static const pcase cases[] = {
    {"normal", "1.5, 2", {1.5, 2}},
    {"student_t", "10, 1, 2", {10, 1, 2}},
    {"double_exponential", "1, 2", {1, 2}},
    {"logistic", "1, 2", {1, 2}},
    {"skew_normal", "0, 2, 3", {0, 2, 3}},
    {"exp_mod_normal", "0, 1, 2", {0, 1, 2}},
    {"gumbel", "1, 2", {1, 2}},
    {"lognormal", "0.2, 0.5", {0.2, 0.5}},
    {"exponential", "2", {2}},
    {"gamma", "3, 2", {3, 2}},
    {"inv_gamma", "9, 4", {9, 4}},
    {"weibull", "2, 1.5", {2, 1.5}},
    {"frechet", "9, 2", {9, 2}},
    {"chi_square", "4", {4}},
    {"inv_chi_square", "12", {12}},
    {"pareto", "1, 9", {1, 9}},
    {"half_normal", "2", {2}},
    {"half_student_t", "10, 2", {10, 2}},
    {"beta", "2, 5", {2, 5}},
    {"uniform", "-1, 3", {-1, 3}},
    {"von_mises", "0.5, 2", {0.5, 2}},
    {"bernoulli", "0.3", {0.3}},
    {"bernoulli_logit", "-0.5", {-0.5}},
    {"binomial", "10, 0.3", {10, 0.3}},
    {"binomial_logit", "10, 0.4", {10, 0.4}},
    {"poisson", "3.5", {3.5}},
    {"poisson_log", "1.2", {1.2}},
    {"neg_binomial_2", "4, 3", {4, 3}},
    {"neg_binomial_2_log", "1.1, 3", {1.1, 3}},
    {"geometric", "0.4", {0.4}},
    {"uniform_int", "2, 9", {2, 9}},
    {"beta_binomial", "12, 2, 3", {12, 2, 3}},
    {"hypergeometric", "5, 8, 6", {5, 8, 6}},
};
#define NCASES (sizeof cases / sizeof cases[0])

typedef struct moment_ctx {
    const gb_dist_ops *d;
    const double *p;
    int power;
    double mean;
} moment_ctx;

/* (x - mean)^power p(x), p from the distribution's own lpdf */
static double integrand(double x, void *ctx)
{
    const moment_ctx *c = ctx;
    gb_arg args[GB_DIST_MAX_PARAMS + 1];
    args[0] = (gb_arg){&x, NULL, 0};
    for (int i = 0; i < c->d->nparams; i++)
        args[i + 1] = (gb_arg){&c->p[i], NULL, 0};
    double lp = c->d->lpdf(1, args, NULL, 0);
    return lp > -INFINITY ? pow(x - c->mean, c->power) * exp(lp) : 0;
}

/* Support bounds for the integral or the sum. */
static void support(const gb_dist_ops *d, const double *p, double *lo, double *hi)
{
    *lo = d->support.lower_param != GB_NO_PARAM ? p[d->support.lower_param] : d->support.lower;
    *hi = d->support.upper_param != GB_NO_PARAM ? p[d->support.upper_param] : d->support.upper;
    if (d->variate_type == GB_INT && !isfinite(*hi))
        *hi = 2000; /* the tails of these cases are negligible far before */
}

static double moment(const gb_dist_ops *d, const double *p, int power, double mean)
{
    moment_ctx c = {d, p, power, mean};
    double lo, hi;
    support(d, p, &lo, &hi);
    if (d->variate_type == GB_INT) {
        double s = 0;
        for (double k = ceil(lo); k <= hi; k++)
            s += integrand(k, &c);
        return s;
    }
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    gsl_function f = {integrand, &c};
    double r = NAN, err;
    int st;
    if (isfinite(lo) && isfinite(hi))
        st = gsl_integration_qags(&f, lo, hi, 0, 1e-11, 1000, w, &r, &err);
    else if (isfinite(lo))
        st = gsl_integration_qagiu(&f, lo, 0, 1e-11, 1000, w, &r, &err);
    else if (isfinite(hi))
        st = gsl_integration_qagil(&f, hi, 0, 1e-11, 1000, w, &r, &err);
    else
        st = gsl_integration_qagi(&f, 0, 1e-11, 1000, w, &r, &err);
    gsl_integration_workspace_free(w);
    if (st != GSL_SUCCESS && st != GSL_EROUND)
        fail_msg("%s: quadrature failed (%s)", d->name, gsl_strerror(st));
    return r;
}

/* Samples `model` and checks output column `colname`'s mean and variance against the exact
 * values; returns 0 when both pass. */
static int check_moments(const char *label, const char *model, const char *colname, double mean,
                         double var, double z, unsigned long seed)
{
    gbt_model *f = gbt_model_new();
    if (gbt_model_build(f, model, NULL) != GB_OK || gbt_model_run(f, 4, 1000, 2500, seed) != GB_OK)
        fail_msg("%s: sampling failed", label);
    gb_diag_summary s1 = gbt_model_summary(f, colname);
    gb_diag_summary s2 = gbt_model_summary_sqdev(f, colname, mean);
    int bad = 0;
    double z1 = (s1.mean - mean) / s1.mcse_mean, z2 = (s2.mean - var) / s2.mcse_mean;
    if (!(fabs(z1) < z) || !(fabs(z2) < z) || getenv("GBT_VERBOSE")) {
        printf("%-34s mean %9.5g exact %9.5g (z %5.2f)  var %9.5g exact %9.5g (z %5.2f)\n",
               label, s1.mean, mean, z1, s2.mean, var, z2);
        bad = !(fabs(z1) < z) || !(fabs(z2) < z);
    }
    gbt_model_free(f);
    return bad;
}

/* Runs `x ~ dist(args)` and checks the mean and variance; returns 0 when both pass. */
static int check_case(const pcase *c, double z, unsigned long seed)
{
    const gb_dist_ops *d = gb_dist_find(c->dist);
    assert_non_null(d);
    double total = moment(d, c->p, 0, 0);
    if (!(fabs(total - 1) < 1e-6))
        fail_msg("%s(%s): the density integrates to %.10g", c->dist, c->args, total);
    double mean = moment(d, c->p, 1, 0), var = moment(d, c->p, 2, mean);
    char model[256], label[64];
    snprintf(model, sizeof model, "x ~ %s(%s)\n", c->dist, c->args);
    snprintf(label, sizeof label, "%s(%s)", c->dist, c->args);
    return check_moments(label, model, "x", mean, var, z, seed);
}

/* Multivariate priors, one element each, with closed-form moments:
 * dirichlet(a): E x_i = a_i / a0, var = a_i (a0 - a_i) / (a0^2 (a0 + 1));
 * multi_normal(m, S): E x_i = m_i, var = S_ii;
 * lkj_corr_cholesky(2) for K = 2: the correlation L[2, 1] has density prop. to 1 - r^2 on
 * (-1, 1), so E = 0 and var = (2/3 - 2/5) / (2 - 2/3) = 1/5. */
typedef struct mcase {
    const char *label, *model, *col;
    double mean, var;
} mcase;

static const mcase mcases[] = {
    {"dirichlet([2, 3, 5])[1]", "x ~ dirichlet([2, 3, 5])\n", "x.1", 0.2, 16.0 / 1100},
    {"dirichlet([2, 3, 5])[3]", "x ~ dirichlet([2, 3, 5])\n", "x.3", 0.5, 25.0 / 1100},
    {"multi_normal[1]", "x ~ multi_normal([1, -1], [[2, 0.5], [0.5, 1]])\n", "x.1", 1, 2},
    {"multi_normal[2]", "x ~ multi_normal([1, -1], [[2, 0.5], [0.5, 1]])\n", "x.2", -1, 1},
    {"multi_normal_cholesky[2]",
     "x ~ multi_normal_cholesky([0, 2], [[1, 0], [0.6, 0.8]])\n", "x.2", 2, 1},
    {"lkj_corr_cholesky(2), K = 2",
     "L: cholesky_factor_corr[2] ~ lkj_corr_cholesky(2)\n", "L.2.1", 0, 0.2},
};
#define NMCASES (sizeof mcases / sizeof mcases[0])

static void test_priors_recover_their_moments(void **state)
{
    (void)state;
    double z = gbt_z_bonferroni(2 * (NCASES + NMCASES));
    int bad = 0;
    for (size_t i = 0; i < NCASES; i++)
        bad += check_case(&cases[i], z, 20261129 + i); /* a seed each: independent checks */
    for (size_t i = 0; i < NMCASES; i++)
        bad += check_moments(mcases[i].label, mcases[i].model, mcases[i].col, mcases[i].mean,
                             mcases[i].var, z, 20261229 + i);
    if (bad)
        fail_msg("%d distributions did not recover their moments (z limit %.2f)", bad, z);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priors_recover_their_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
