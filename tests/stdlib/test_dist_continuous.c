/* test_dist_continuous.c - the continuous univariate distributions (stdlib/dist_cont_*.c)
 * through the registry: reference log densities at ordinary and extreme points, invalid
 * parameters and points outside the support, gradients of the variate and every parameter
 * against a six-point central difference, vectorised calls against sums of scalar ones, log CDFs
 * and their derivatives, and each RNG by a Kolmogorov-Smirnov test against the distribution's own
 * CDF (exp(lcdf) where there is one, else the numerical integral of the density). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_machine.h>
#include <gsl/gsl_rng.h>

#include "dist.h"
#include "dists.h"
#include "near.h"

#define MAXP GB_DIST_MAX_PARAMS

typedef struct ref_case {
    const char *dist;
    double y;
    double p[MAXP];
    double lp;
} ref_case;

static const gb_dist_ops *find(const char *name)
{
    const gb_dist_ops *d = gb_dist_find(name);
    if (!d)
        fail_msg("unknown distribution %s", name);
    return d;
}

/* Log density of n repetitions: y[r], parameters p + r * pstride (0: broadcast); gradients
 * accumulated into gy (like y) and gp (like p) when non-NULL. */
static double eval_n(const gb_dist_ops *d, size_t n, const double *y, double *gy, const double *p,
                     size_t pstride, double *gp)
{
    gb_arg args[MAXP + 1];
    args[0] = (gb_arg){y, gy, 1};
    for (int j = 0; j < d->nparams; j++)
        args[j + 1] = (gb_arg){p + j, gp ? gp + j : NULL, pstride};
    double lp = d->lpdf(n, args, NULL, 0);
    assert_false(isnan(lp));
    return lp;
}

static double eval1(const gb_dist_ops *d, double y, const double *p, double *gy, double *gp)
{
    return eval_n(d, 1, &y, gy, p, 0, gp);
}

/* Reference values: mpmath 1.3.0 at 50 digits (no scipy on the build machine), closed forms of
 * the Stan Functions Reference densities, e.g. normal: -((x-m)/s)**2/2 - log(s) - log(2*pi)/2;
 * student_t with loggamma; skew_normal with log(erfc(-a z / sqrt 2) / 2); von_mises with
 * besseli(0, k); beta with log(beta(a, b)). */
static const ref_case refs[] = {
    {"normal", 1.3, {0.5, 2.0}, -1.6920857137646181},
    {"normal", -30.0, {0.0, 1.0}, -450.91893853320465},
    {"normal", 5.0, {5.0, 1e-10}, 22.106912396735783},
    {"normal", 0.001, {0.0, 0.0001}, -41.70859816122849},
    {"student_t", 1.5, {3.0, 0.5, 2.0}, -1.854121445530528},
    {"student_t", 1000000.0, {2.5, 0.0, 1.0}, -47.76741776556001},
    {"student_t", -0.3, {0.1, 0.0, 1.0}, -2.262940378763099},
    {"student_t", 2.0, {1000000.0, 0.0, 1.0}, -2.9189367832113393},
    {"cauchy", 2.0, {1.0, 3.0}, -2.3487026901753363},
    {"cauchy", 10000000000.0, {0.0, 1.0}, -47.196431745730315},
    {"double_exponential", -1.0, {0.5, 2.0}, -2.136294361119891},
    {"double_exponential", 100.0, {0.0, 0.1}, -998.3905620875659},
    {"logistic", 0.7, {-0.3, 1.5}, -1.9008719484789751},
    {"logistic", -800.0, {0.0, 1.0}, -800.0},
    {"logistic", 50.0, {0.0, 1.0}, -50.0},
    {"skew_normal", 0.5, {0.0, 1.0, 2.0}, -0.5235451316681773},
    {"skew_normal", -10.0, {0.0, 1.0, 5.0}, -1305.0571524920647},
    {"skew_normal", 1.0, {0.5, 2.0, -1.0}, -1.8632502980158079},
    {"exp_mod_normal", 1.0, {0.0, 1.0, 2.0}, -1.1478744644493182},
    {"exp_mod_normal", -10.0, {0.0, 1.0, 3.0}, -52.39110768235441},
    {"exp_mod_normal", 20.0, {0.0, 1.0, 0.5}, -10.568147180559945},
    {"gumbel", 1.0, {0.5, 2.0}, -1.7219479636313502},
    {"gumbel", -5.0, {0.0, 1.0}, -143.4131591025766},
    {"lognormal", 2.0, {0.3, 0.8}, -1.509695838686529},
    {"lognormal", 1e-05, {0.0, 1.0}, -55.679739449214416},
    {"exponential", 2.0, {1.5}, -2.594534891891836},
    {"exponential", 0.0, {3.0}, 1.0986122886681098},
    {"exponential", 1000.0, {0.01}, -14.605170185988092},
    {"gamma", 2.5, {2.0, 0.5}, -1.7200036292457355},
    {"gamma", 0.001, {0.5, 1.0}, 2.8805126965663685},
    {"gamma", 100.0, {50.0, 0.5}, -3.5697638609256743},
    {"gamma", 0.0, {1.0, 2.0}, 0.6931471805599453},
    {"inv_gamma", 0.5, {2.0, 1.0}, 0.07944154167983593},
    {"inv_gamma", 50.0, {3.0, 0.5}, -18.430680743952365},
    {"weibull", 1.5, {2.0, 1.0}, -1.1513877113318902},
    {"weibull", 0.01, {0.5, 3.0}, 1.002396741181083},
    {"frechet", 2.0, {3.0, 1.5}, -0.8794561092471784},
    {"frechet", 0.5, {1.0, 2.0}, -1.920558458320164},
    {"chi_square", 3.0, {4.0}, -1.787682072451781},
    {"chi_square", 0.01, {0.5}, 1.9875683196530047},
    {"inv_chi_square", 0.5, {3.0}, -0.18607058180480948},
    {"inv_chi_square", 2.0, {10.0}, -11.052672816507345},
    {"pareto", 3.0, {1.5, 2.0}, -1.791759469228055},
    {"pareto", 1.5, {1.5, 2.0}, 0.2876820724517809},
    {"half_normal", 1.0, {2.0}, -1.0439385332046727},
    {"half_normal", 10.0, {0.5}, -199.5326441720848},
    {"half_cauchy", 1.0, {2.0}, -1.3678734371636099},
    {"half_cauchy", 100000000.0, {1.0}, -37.29294419319419},
    {"half_student_t", 1.0, {3.0, 2.0}, -1.1609742649705825},
    {"half_student_t", 100.0, {1.0, 1.0}, -9.66202307226597},
    {"beta", 0.3, {2.0, 3.0}, 0.5675839575845996},
    {"beta", 1e-08, {0.5, 0.5}, 8.065610491126783},
    {"beta", 0.999, {5.0, 1.0}, 1.6054359110997662},
    {"uniform", 0.5, {0.0, 2.0}, -0.6931471805599453},
    {"uniform", -3.0, {-5.0, 10.0}, -2.70805020110221},
    {"von_mises", 1.0, {0.5, 2.0}, -0.9067054841115564},
    {"von_mises", -3.0, {0.0, 0.0}, -1.8378770664093456},
    {"von_mises", 0.1, {0.0, 500.0}, -0.3098020955031592},
    {"flat", 3.0, {0}, 0.0},
    {"half_flat", 2.0, {0}, 0.0},
};

static void test_continuous_lpdf_matches_reference(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof refs / sizeof refs[0]; c++) {
        const ref_case *r = &refs[c];
        double lp = eval1(find(r->dist), r->y, r->p, NULL, NULL);
        if (!(fabs(lp - r->lp) <= 1e-13 + 1e-12 * fabs(r->lp)))
            fail_msg("%s(y = %g): %.17g, expected %.17g", r->dist, r->y, lp, r->lp);
    }
}

/* Invalid parameters and variates outside the support: -INFINITY, never NaN. */
static const ref_case bad[] = {
    {"normal", 1, {0, 0}, 0},
    {"normal", 1, {0, -1}, 0},
    {"normal", NAN, {0, 1}, 0},
    {"normal", 1, {NAN, 1}, 0},
    {"normal", 1, {INFINITY, 1}, 0},
    {"normal", INFINITY, {0, 1}, 0},
    {"normal", 1, {0, INFINITY}, 0},
    {"student_t", 1, {0, 0, 1}, 0},
    {"student_t", 1, {-1, 0, 1}, 0},
    {"student_t", 1, {3, 0, 0}, 0},
    {"student_t", 1, {INFINITY, 0, 1}, 0},
    {"cauchy", 1, {0, -1}, 0},
    {"double_exponential", 1, {0, 0}, 0},
    {"logistic", 1, {0, -1}, 0},
    {"logistic", NAN, {0, 1}, 0},
    {"skew_normal", 1, {0, 0, 1}, 0},
    {"skew_normal", 1, {0, 1, NAN}, 0},
    {"exp_mod_normal", 1, {0, 1, 0}, 0},
    {"exp_mod_normal", 1, {0, 0, 1}, 0},
    {"gumbel", 1, {0, 0}, 0},
    {"lognormal", 0, {0, 1}, 0},
    {"lognormal", -1, {0, 1}, 0},
    {"lognormal", 1, {0, 0}, 0},
    {"exponential", -1, {1}, 0},
    {"exponential", 1, {0}, 0},
    {"exponential", 1, {NAN}, 0},
    {"gamma", -1, {1, 1}, 0},
    {"gamma", 1, {0, 1}, 0},
    {"gamma", 1, {1, 0}, 0},
    {"gamma", 0, {2, 1}, 0},
    {"gamma", INFINITY, {2, 1}, 0},
    {"inv_gamma", 0, {1, 1}, 0},
    {"inv_gamma", 1, {-1, 1}, 0},
    {"weibull", -1, {1, 1}, 0},
    {"weibull", 1, {0, 1}, 0},
    {"frechet", 0, {1, 1}, 0},
    {"frechet", 1, {1, 0}, 0},
    {"chi_square", -1, {2}, 0},
    {"chi_square", 1, {0}, 0},
    {"inv_chi_square", 0, {2}, 0},
    {"pareto", 1, {1.5, 2}, 0},
    {"pareto", 2, {0, 2}, 0},
    {"pareto", 2, {1, 0}, 0},
    {"half_normal", -1, {1}, 0},
    {"half_normal", 1, {0}, 0},
    {"half_cauchy", -0.1, {1}, 0},
    {"half_student_t", -1, {3, 1}, 0},
    {"half_student_t", 1, {0, 1}, 0},
    {"beta", 1.5, {2, 2}, 0},
    {"beta", -0.1, {2, 2}, 0},
    {"beta", 0.5, {0, 1}, 0},
    {"beta", 0, {2, 2}, 0},
    {"beta", NAN, {2, 2}, 0},
    {"uniform", 3, {0, 2}, 0},
    {"uniform", 1, {2, 0}, 0},
    {"uniform", 1, {1, 1}, 0},
    {"uniform", 1, {-INFINITY, 2}, 0},
    {"von_mises", 4, {0, 1}, 0},
    {"von_mises", 0, {0, -1}, 0},
    {"flat", NAN, {0}, 0},
    {"half_flat", -1, {0}, 0},
};

static void test_continuous_invalid_or_outside_support_is_neg_inf(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        const ref_case *r = &bad[c];
        double gy = 0, gp[MAXP] = {0};
        double lp = eval1(find(r->dist), r->y, r->p, &gy, gp);
        if (lp != -INFINITY)
            fail_msg("bad case %zu %s(y = %g, %g, %g): %g, expected -inf", c, r->dist, r->y,
                     r->p[0], r->p[1], lp);
    }
}

/* Three repetitions of one distribution, all at least 3 difference steps inside every bound. */
typedef struct vec_case {
    const char *dist;
    double ys[3];
    double p[3][MAXP];
} vec_case;

static const vec_case vecs[] = {
    {"normal", {1.3, -2, 0.1}, {{0.5, 2}, {1, 0.7}, {0, 1}}},
    {"student_t", {1.5, -3, 10}, {{3, 0.5, 2}, {0.8, 0, 1}, {30, 2, 3}}},
    {"cauchy", {2, -1, 30}, {{1, 3}, {0, 0.5}, {-2, 10}}},
    {"double_exponential", {-1, 2, 0.3}, {{0.5, 2}, {0, 1}, {0.1, 0.2}}},
    {"logistic", {0.7, -20, 5}, {{-0.3, 1.5}, {0, 1}, {2, 4}}},
    {"skew_normal", {0.5, -3, 2}, {{0, 1, 2}, {0, 1, 5}, {0.5, 2, -1}}},
    {"exp_mod_normal", {1, -3, 20}, {{0, 1, 2}, {0, 1, 3}, {0, 2, 0.5}}},
    {"gumbel", {1, -2, 5}, {{0.5, 2}, {0, 1}, {1, 3}}},
    {"lognormal", {2, 0.1, 30}, {{0.3, 0.8}, {0, 1}, {2, 1.5}}},
    {"exponential", {2, 0.1, 50}, {{1.5}, {3}, {0.05}}},
    {"gamma", {2.5, 0.3, 100}, {{2, 0.5}, {0.5, 1}, {50, 0.5}}},
    {"inv_gamma", {0.5, 3, 50}, {{2, 1}, {0.7, 2}, {3, 0.5}}},
    {"weibull", {1.5, 0.1, 5}, {{2, 1}, {0.5, 3}, {3, 4}}},
    {"frechet", {2, 0.5, 10}, {{3, 1.5}, {1, 2}, {0.7, 3}}},
    {"chi_square", {3, 0.1, 20}, {{4}, {0.5}, {12}}},
    {"inv_chi_square", {0.5, 2, 0.1}, {{3}, {10}, {1}}},
    {"pareto", {3, 2, 100}, {{1.5, 2}, {1, 0.5}, {10, 3}}},
    {"half_normal", {1, 0.1, 10}, {{2}, {0.5}, {3}}},
    {"half_cauchy", {1, 0.01, 50}, {{2}, {0.3}, {1}}},
    {"half_student_t", {1, 5, 0.2}, {{3, 2}, {1, 1}, {20, 0.5}}},
    {"beta", {0.3, 0.01, 0.9}, {{2, 3}, {0.5, 0.5}, {5, 1}}},
    {"uniform", {0.5, -3, 9.5}, {{0, 2}, {-5, 10}, {-1, 10}}},
    {"von_mises", {1, -3, 0.1}, {{0.5, 2}, {0, 0.5}, {0, 50}}},
    {"flat", {1, -2, 300}, {{0}, {0}, {0}}},
    {"half_flat", {1, 0.5, 300}, {{0}, {0}, {0}}},
};

/* A relative step (eps^(1/7) |x|, the optimum for the six-point quotient), 1 scale at 0. */
static double step_of(double x)
{
    return pow(GSL_DBL_EPSILON, 1.0 / 7) * (x != 0 ? fabs(x) : 1);
}

/* Six-point central difference of the log density in argument k (0 = variate, j + 1 = p[j]). */
static double fd_lpdf(const gb_dist_ops *d, double y, const double *p, int k)
{
    static const double w[6] = {-1, 9, -45, 45, -9, 1}, s[6] = {-3, -2, -1, 1, 2, 3};
    double h = step_of(k == 0 ? y : p[k - 1]), sum = 0;
    for (int t = 0; t < 6; t++) {
        double q[MAXP], yy = y;
        memcpy(q, p, sizeof q);
        if (k == 0)
            yy += s[t] * h;
        else
            q[k - 1] += s[t] * h;
        sum += w[t] * eval1(d, yy, q, NULL, NULL);
    }
    return sum / (60 * h);
}

static void check_grad(const char *what, double ad, double fd)
{
    if (!(fabs(ad - fd) <= 1e-8 + 1e-6 * fabs(fd)))
        fail_msg("%s: analytic %.17g, finite difference %.17g", what, ad, fd);
}

static void test_continuous_gradients_match_finite_differences(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof vecs / sizeof vecs[0]; c++) {
        const gb_dist_ops *d = find(vecs[c].dist);
        for (int r = 0; r < 3; r++) {
            const double *p = vecs[c].p[r];
            double y = vecs[c].ys[r], gy = 0, gp[MAXP] = {0};
            eval1(d, y, p, &gy, gp);
            for (int k = 0; k <= d->nparams; k++) {
                char what[96];
                snprintf(what, sizeof what, "%s row %d d/d%s", d->name, r,
                         k ? d->params[k - 1].name : "y");
                check_grad(what, k ? gp[k - 1] : gy, fd_lpdf(d, y, p, k));
            }
        }
    }
}

static void test_continuous_vectorised_equals_sum_of_scalars(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof vecs / sizeof vecs[0]; c++) {
        const gb_dist_ops *d = find(vecs[c].dist);
        const double *ys = vecs[c].ys;
        double flat[3 * MAXP], lp_sum = 0, lp_bc = 0, gy_sum[3] = {0}, gp_sum[3 * MAXP] = {0};
        double gy_bc[3] = {0}, gp_bc[MAXP] = {0};
        for (int r = 0; r < 3; r++) {
            memcpy(flat + r * MAXP, vecs[c].p[r], MAXP * sizeof(double));
            lp_sum += eval1(d, ys[r], vecs[c].p[r], gy_sum + r, gp_sum + r * MAXP);
            lp_bc += eval1(d, ys[r], vecs[c].p[0], gy_bc + r, gp_bc);
        }
        double gy[3] = {0}, gp[3 * MAXP] = {0};
        assert_near(eval_n(d, 3, ys, gy, flat, MAXP, gp), lp_sum, 1e-12, 1e-12);
        for (size_t k = 0; k < 3 * MAXP; k++)
            assert_near(gp[k], gp_sum[k], 1e-12, 1e-12);
        for (size_t k = 0; k < 3; k++)
            assert_near(gy[k], gy_sum[k], 1e-12, 1e-12);
        /* broadcast parameters (stride 0): the one adjoint slot receives the sum */
        double gyb[3] = {0}, gpb[MAXP] = {0};
        assert_near(eval_n(d, 3, ys, gyb, vecs[c].p[0], 0, gpb), lp_bc, 1e-12, 1e-12);
        for (size_t k = 0; k < MAXP; k++)
            assert_near(gpb[k], gp_bc[k], 1e-12, 1e-12);
        for (size_t k = 0; k < 3; k++)
            assert_near(gyb[k], gy_bc[k], 1e-12, 1e-12);
        /* propto may drop constants only: differences between repetitions are kept */
        gb_arg args[MAXP + 1] = {{ys, NULL, 1}};
        for (int j = 0; j < d->nparams; j++)
            args[j + 1] = (gb_arg){vecs[c].p[0] + j, NULL, 0};
        assert_false(isnan(d->lpdf(3, args, NULL, 1)));
        /* no repetitions: log 1 */
        assert_true(eval_n(d, 0, ys, gy, flat, MAXP, gp) == 0);
    }
}

/* A vectorised call with one bad repetition among good ones is -INFINITY. */
static void test_continuous_one_bad_repetition_spoils_the_sum(void **state)
{
    (void)state;
    double y[3] = {1, 2, 3}, sig[3] = {1, -1, 2}, mu = 0, g[3] = {0};
    gb_arg a[3] = {{y, g, 1}, {&mu, NULL, 0}, {sig, NULL, 1}};
    assert_true(find("normal")->lpdf(3, a, NULL, 0) == -INFINITY);
    double yb[3] = {0.5, 1.5, 0.2}, ab[2] = {2, 2};
    assert_true(eval_n(find("beta"), 3, yb, NULL, ab, 0, NULL) == -INFINITY);
}

typedef struct cdf_case {
    const char *dist;
    double y;
    double p[MAXP];
    double lcdf, lccdf;
} cdf_case;

/* mpmath at 50 digits: log(erfc(-z/sqrt(2))/2) for the normal and lognormal tails,
 * gammainc(a, 0, b*x, regularized=True) and betainc(a, b, 0, x, regularized=True), the t CDF by
 * betainc(nu/2, 1/2, 0, nu/(nu+t^2)) / 2, inv_gamma and inv_chi_square by the upper
 * gammainc at b / x, and the closed forms of the others (log1p for frechet's tiny upper tail). */
static const cdf_case cdfs[] = {
    {"normal", 1.3, {0.5, 2.0}, -0.42247637022777607, -1.0654340491895766},
    {"normal", -40.0, {0.0, 1.0}, -804.6084420137538, 0.0},
    {"normal", 10.0, {0.0, 1.0}, -7.619853024160525e-24, -53.23128515051247},
    {"student_t", 1.5, {3.0, 0.5, 2.0}, -0.394115730274924, -1.1217049359318676},
    {"student_t", -50.0, {4.0, 0.0, 1.0}, -14.552144357403813, -4.78722797436225e-07},
    {"cauchy", 2.0, {1.0, 3.0}, -0.5068064077308313, -0.9223500081410605},
    {"cauchy", -1000000.0, {0.0, 1.0}, -14.960240443814008, -3.1830993684428716e-07},
    {"double_exponential", -1.0, {0.5, 2.0}, -1.4431471805599454, -0.26942740913126734},
    {"double_exponential", 3.0, {0.0, 1.0}, -0.025208618236919594, -3.6931471805599454},
    {"logistic", 0.7, {-0.3, 1.5}, -0.41437008685207205, -1.0810367535187386},
    {"logistic", -40.0, {0.0, 1.0}, -40.0, -4.248354255291589e-18},
    {"gumbel", 1.0, {0.5, 2.0}, -0.7788007830714049, -0.6142548006739438},
    {"gumbel", -2.0, {0.0, 1.0}, -7.38905609893065, -0.0006181700170515202},
    {"gumbel", 10.0, {0.0, 1.0}, -4.5399929762484854e-05, -10.000022699879},
    {"lognormal", 2.0, {0.3, 0.8}, -0.3733267757000945, -1.1661640829005133},
    {"lognormal", 0.0001, {0.0, 1.0}, -45.56590971220728, -1.6254621050168804e-20},
    {"exponential", 2.0, {1.5}, -0.05106918094270159, -3.0},
    {"exponential", 1e-08, {1.0}, -18.420680748952364, -1e-08},
    {"gamma", 2.5, {2.0, 0.5}, -1.034612080025605, -0.43906978378367123},
    {"gamma", 0.01, {3.0, 1.0}, -15.614768151150606, -1.654216664896508e-07},
    {"gamma", 30.0, {2.0, 1.0}, -2.9008631203446614e-12, -26.566012795514855},
    {"weibull", 1.5, {2.0, 1.0}, -0.11137772118504415, -2.25},
    {"weibull", 0.01, {0.5, 3.0}, -2.8806198657565134, -0.057735026918962574},
    {"half_normal", 1.0, {2.0}, -0.9599163336956223, -0.4827645810336733},
    {"half_normal", 0.001, {1.0}, -7.13354679829352, -0.0007982029070198694},
    {"half_normal", 8.0, {1.0}, -1.2441921148543576e-15, -34.320289979354605},
    {"half_cauchy", 1.0, {2.0}, -1.2202131839440649, -0.34979471750208646},
    {"half_cauchy", 1000.0, {1.0}, -0.0006368222884383984, -7.359338317604781},
    {"beta", 0.3, {2.0, 3.0}, -1.0546911016101816, -0.4281709456438023},
    {"beta", 0.97, {0.5, 4.0}, -2.241931396180259e-07, -15.310758038257452},
    {"inv_gamma", 0.5, {2.0, 1.0}, -0.9013877113318903, -0.5208858076643443},
    {"inv_gamma", 50.0, {3.0, 0.5}, -1.6542166648965078e-07, -15.614768151150606},
    {"frechet", 2.0, {3.0, 1.5}, -0.421875, -1.066578913635593},
    {"frechet", 0.2, {2.0, 3.0}, -224.99999999999997, -1.9219477278238972e-98},
    {"chi_square", 3.0, {4.0}, -0.8160504531201045, -0.5837092681258449},
    {"chi_square", 0.01, {0.5}, -1.2273066168732119, -0.34683903932226456},
    {"inv_chi_square", 0.5, {3.0}, -0.5579055184563476, -0.8495827792593131},
    {"pareto", 3.0, {1.5, 2.0}, -0.2876820724517809, -1.3862943611198906},
    {"pareto", 2.2, {1.5, 2.0}, -0.6252568450170938, -0.7659845045122118},
    {"uniform", 0.5, {0.0, 2.0}, -1.3862943611198906, -0.2876820724517809},
    {"uniform", 9.0, {-5.0, 10.0}, -0.06899287148695145, -2.70805020110221},
};

/* Six-point central difference of a tail function in x (k = 0) or parameter k - 1; in x the
 * step is also relative to the distance to a finite end of the support. */
static double fd_tail(const gb_dist_ops *d, gb_lcdf_fn f, double y, const double *p, int k)
{
    static const double w[6] = {-1, 9, -45, 45, -9, 1}, s[6] = {-3, -2, -1, 1, 2, 3};
    double h = step_of(k == 0 ? y : p[k - 1]), sum = 0;
    double ub = d->support.upper_param >= 0 ? p[d->support.upper_param] : d->support.upper;
    double lb = d->support.lower_param >= 0 ? p[d->support.lower_param] : d->support.lower;
    if (k == 0 && ub < INFINITY)
        h = fmin(h, step_of(ub - y));
    if (k == 0 && lb > -INFINITY)
        h = fmin(h, step_of(y - lb));
    for (int t = 0; t < 6; t++) {
        double q[MAXP], yy = y;
        memcpy(q, p, sizeof q);
        if (k == 0)
            yy += s[t] * h;
        else
            q[k - 1] += s[t] * h;
        sum += w[t] * f(yy, q, NULL, NULL);
    }
    return sum / (60 * h);
}

static void test_continuous_cdfs_match_reference_and_gradients(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cdfs / sizeof cdfs[0]; c++) {
        const cdf_case *r = &cdfs[c];
        const gb_dist_ops *d = find(r->dist);
        gb_lcdf_fn fs[2] = {d->lcdf, d->lccdf};
        double want[2] = {r->lcdf, r->lccdf};
        assert_non_null(d->lcdf);
        for (int u = 0; u < 2; u++) {
            double dp[MAXP] = {0}, dx = 0, l = fs[u](r->y, r->p, &dx, dp);
            if (!(fabs(l - want[u]) <= 1e-300 + 1e-10 * fabs(want[u])))
                fail_msg("%s %s(%g): %.17g, expected %.17g", d->name, u ? "lccdf" : "lcdf", r->y, l,
                         want[u]);
            for (int k = 0; k <= d->nparams; k++) {
                char what[96];
                snprintf(what, sizeof what, "%s %s(%g) d/d%s", d->name, u ? "lccdf" : "lcdf", r->y,
                         k ? d->params[k - 1].name : "y");
                check_grad(what, k ? dp[k - 1] : dx, fd_tail(d, fs[u], r->y, r->p, k));
            }
        }
    }
}

/* exp(lcdf) + exp(lccdf) = 1 on the rows of vecs, the bounds behave, bad parameters give
 * -INFINITY. */
static void test_continuous_cdfs_are_consistent(void **state)
{
    (void)state;
    double badp[MAXP] = {-1, -1, -1, -1};
    for (size_t c = 0; c < sizeof vecs / sizeof vecs[0]; c++) {
        const gb_dist_ops *d = find(vecs[c].dist);
        if (!d->lcdf)
            continue;
        assert_non_null(d->lccdf);
        for (int r = 0; r < 3; r++) {
            const double *p = vecs[c].p[r];
            double y = vecs[c].ys[r];
            assert_near(exp(d->lcdf(y, p, NULL, NULL)) + exp(d->lccdf(y, p, NULL, NULL)), 1.0,
                        1e-12, 0);
            double lo = d->support.lower_param >= 0 ? p[d->support.lower_param] : d->support.lower;
            if (lo > -INFINITY) {
                assert_true(d->lcdf(lo - 1, p, NULL, NULL) == -INFINITY);
                assert_true(d->lccdf(lo - 1, p, NULL, NULL) == 0);
            }
        }
        double dx = 7, dp[MAXP] = {7, 7, 7, 7};
        assert_true(d->lcdf(0.5, badp, &dx, dp) == -INFINITY);
        assert_true(d->lccdf(0.5, badp, &dx, dp) == -INFINITY);
        assert_true(d->lcdf(NAN, vecs[c].p[0], NULL, NULL) == -INFINITY);
    }
}

#define RNG_DRAWS 2000

typedef struct integrand {
    const gb_dist_ops *d;
    const double *p;
} integrand;

static double density(double x, void *arg)
{
    const integrand *f = arg;
    return exp(eval1(f->d, x, f->p, NULL, NULL));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov distribution, P(K > lambda) = 2 sum (-1)^(k-1) exp(-2 k^2 lambda^2). */
static double kolmogorov_q(double lambda)
{
    if (lambda < 0.2)
        return 1;
    double s = 0;
    for (int k = 1; k <= 100; k++)
        s += (k % 2 ? 2 : -2) * exp(-2.0 * k * k * lambda * lambda);
    return s < 0 ? 0 : s > 1 ? 1 : s;
}

/* KS p-value of RNG_DRAWS sorted draws against the CDF: exp(lcdf), or for distributions without
 * one the density integrated (QAGS / QAGIL) from the lower bound, piece by piece between
 * consecutive draws.  The asymptotic p-value with Stephens' correction
 * lambda = (sqrt n + 0.12 + 0.11 / sqrt n) D. */
static double ks_p(const gb_dist_ops *d, const double *p, const double *x)
{
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(200);
    integrand in = {d, p};
    gsl_function fn = {density, &in};
    double lo = d->support.lower_param >= 0 ? p[d->support.lower_param] : d->support.lower;
    double D = 0, F = 0, prev = lo;
    for (size_t i = 0; i < RNG_DRAWS; i++) {
        if (d->lcdf) {
            F = exp(d->lcdf(x[i], p, NULL, NULL));
        } else {
            double v = 0, err;
            if (prev == -INFINITY)
                gsl_integration_qagil(&fn, x[i], 1e-13, 1e-11, 200, ws, &v, &err);
            else if (x[i] > prev)
                gsl_integration_qags(&fn, prev, x[i], 1e-13, 1e-11, 200, ws, &v, &err);
            F += v;
            prev = x[i];
        }
        double n = RNG_DRAWS, a = fabs((double)(i + 1) / n - F), b = fabs(F - (double)i / n);
        D = fmax(D, fmax(a, b));
    }
    gsl_integration_workspace_free(ws);
    double sn = sqrt((double)RNG_DRAWS);
    return kolmogorov_q((sn + 0.12 + 0.11 / sn) * D);
}

/* 69 tests at p > 0.001 with a fixed seed: reproducible; a fresh seed fails one about 7% of
 * the time. */
static void test_continuous_rngs_fit_their_cdfs(void **state)
{
    (void)state;
    static double draws[RNG_DRAWS];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 20240613);
    for (size_t c = 0; c < sizeof vecs / sizeof vecs[0]; c++) {
        const gb_dist_ops *d = find(vecs[c].dist);
        if (!d->rng)
            continue;
        for (int row = 0; row < 3; row++) {
            const double *p = vecs[c].p[row];
            gb_arg args[MAXP];
            for (int j = 0; j < d->nparams; j++)
                args[j] = (gb_arg){p + j, NULL, 0};
            d->rng(r, RNG_DRAWS, args, NULL, draws);
            for (size_t i = 0; i < RNG_DRAWS; i++)
                if (!(eval1(d, draws[i], p, NULL, NULL) > -INFINITY))
                    fail_msg("%s row %d drew %g outside the support", d->name, row, draws[i]);
            qsort(draws, RNG_DRAWS, sizeof draws[0], cmp_double);
            double pv = ks_p(d, p, draws);
            if (!(pv > 0.001))
                fail_msg("%s row %d: Kolmogorov-Smirnov p = %g", d->name, row, pv);
        }
        double nanp[MAXP] = {NAN, NAN, NAN, NAN}, out[2];
        gb_arg args[MAXP];
        for (int j = 0; j < d->nparams; j++)
            args[j] = (gb_arg){nanp + j, NULL, 0};
        d->rng(r, 2, args, NULL, out);
        assert_true(isnan(out[0]) && isnan(out[1]));
    }
    gsl_rng_free(r);
}

static void test_continuous_tables_are_complete(void **state)
{
    (void)state;
    size_t n = 0;
    for (const gb_dist_ops *const *t = gb_dists_continuous; *t; t++, n++) {
        const gb_dist_ops *d = *t;
        assert_ptr_equal(gb_dist_find(d->name), d);
        assert_int_equal(d->variate_type, GB_REAL);
        assert_int_equal(d->variate_rank, 0);
        assert_int_equal(d->size_param, GB_NO_PARAM);
        assert_int_equal(d->support.kind, GB_SUPPORT_INTERVAL);
        assert_non_null(d->lpdf);
        assert_true((d->rng == NULL) == (d->improper != 0));
        assert_non_null(d->doc);
        assert_non_null(strstr(d->example, d->name));
        assert_true((d->lcdf == NULL) == (d->lccdf == NULL));
        for (int j = 0; j < d->nparams; j++) {
            assert_non_null(d->params[j].name);
            assert_int_equal(d->params[j].type, GB_REAL);
            assert_int_equal(d->params[j].rank, 0);
        }
    }
    assert_int_equal(n, 25);
    assert_ptr_equal(gb_dist_find("laplace"), find("double_exponential"));
    assert_int_equal(find("uniform")->support.lower_param, 0);
    assert_int_equal(find("uniform")->support.upper_param, 1);
    assert_int_equal(find("pareto")->support.lower_param, 0);
    assert_true(find("flat")->improper && find("half_flat")->improper);
    assert_true(find("half_flat")->support.lower == 0);
    assert_true(find("von_mises")->support.upper == M_PI);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_continuous_lpdf_matches_reference),
        cmocka_unit_test(test_continuous_invalid_or_outside_support_is_neg_inf),
        cmocka_unit_test(test_continuous_gradients_match_finite_differences),
        cmocka_unit_test(test_continuous_vectorised_equals_sum_of_scalars),
        cmocka_unit_test(test_continuous_one_bad_repetition_spoils_the_sum),
        cmocka_unit_test(test_continuous_cdfs_match_reference_and_gradients),
        cmocka_unit_test(test_continuous_cdfs_are_consistent),
        cmocka_unit_test(test_continuous_rngs_fit_their_cdfs),
        cmocka_unit_test(test_continuous_tables_are_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
