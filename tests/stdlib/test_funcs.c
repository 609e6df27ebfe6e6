/* test_funcs.c - the math function library (stdlib/func_scalar.c, func_array.c, func_shape.c,
 * func_linalg.c, func_matrix.c, func_gp.c) through the registry: reference values at ordinary and extreme points, every
 * derivative and vector-Jacobian product against a six-point central difference (step
 * eps^(1/7) * max(1, |x|), relative tolerance 1e-6), shape rules and their errors, and
 * evaluation failures (a matrix that is not positive definite, a singular matrix). */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_machine.h>
#include <gsl/gsl_math.h>

#include "func.h"
#include "near.h"

#define MAXE 64 /* elements of one test tensor */
#define MAXA 6  /* arguments of one call */

static const gb_func_ops *find(const char *name)
{
    const gb_func_ops *f = gb_func_find(name);
    if (!f)
        fail_msg("unknown function %s", name);
    return f;
}

static double fd_step(double x)
{
    return pow(GSL_DBL_EPSILON, 1.0 / 7) * fmax(1, fabs(x));
}

/* ---- elementwise ---- */

typedef struct ref_case {
    const char *name;
    double x[3];
    double want;
} ref_case;

/* Reference values: python3 3.11 math module (lgamma, erf, erfc, log1p, expm1); closed forms
 * for digamma(2.5) = -gamma - 2 ln 2 + 8/3 and trigamma(2.5) = pi^2/2 - 40/9; Phi(x) as
 * erfc(-x/sqrt 2)/2; inv_Phi(0.975) the familiar 1.959963984540054.  Produced by
 *   python3 -c "import math; print(repr(math.lgamma(0.5)))" and the like for each line. */
static const ref_case refs[] = {
    {"exp", {1.0}, 2.718281828459045},
    {"exp", {-745.0}, 5e-324},
    {"log", {1e-300}, -690.7755278982137},
    {"log1p", {1e-20}, 1e-20},
    {"expm1", {1e-20}, 1e-20},
    {"log1m", {1e-20}, -1e-20},
    {"log1p_exp", {800.0}, 800.0},
    {"log1p_exp", {-800.0}, 0.0},
    {"log1m_exp", {-1e-20}, -46.051701859880914},
    {"log1m_exp", {-50.0}, -1.9287498479639178e-22},
    {"inv_logit", {-800.0}, 0.0},
    {"inv_logit", {2.0}, 0.8807970779778823},
    {"logit", {0.25}, -1.0986122886681098},
    {"log_inv_logit", {-800.0}, -800.0},
    {"log1m_inv_logit", {800.0}, -800.0},
    {"log_inv_logit", {1.5}, -0.2014132779827524},
    {"lgamma", {0.5}, 0.5723649429247004},
    {"lgamma", {1000000.0}, 12815504.569147611},
    {"digamma", {2.5}, 0.7031566406452431},
    {"trigamma", {2.5}, 0.4903577561002346},
    {"lbeta", {2.5, 3.5}, -3.3018352699620532},
    {"lchoose", {10.0, 3.0}, 4.787491742782046},
    {"lchoose", {7.5, 2.25}, 3.3938613392020445},
    {"erf", {0.5}, 0.5204998778130465},
    {"erfc", {10.0}, 2.088487583762545e-45},
    {"Phi", {-10.0}, 7.619853024160593e-24},
    {"Phi", {1.0}, 0.8413447460685429},
    {"inv_Phi", {0.975}, 1.959963984540054},
    {"log_mix", {0.3, -1.0, -2.0}, -1.5842647781563712},
    {"log_mix", {0.3, -1000.0, -1001.0}, -1000.5842647781564},
    {"log_diff_exp", {0.0, -1.0}, -0.45867514538708193},
    {"pow", {2.0, 0.5}, 1.4142135623730951},
    {"tanh", {0.5}, 0.46211715726000974},
    {"softplus", {3.0}, 3.048587351573742},
    {"cbrt", {-27.0}, -3.0},
    {"log2", {8.0}, 3.0},
    {"log10", {1e-05}, -5.0},
    {"exp2", {10.0}, 1024.0},
    {"abs", {-2.5}, 2.5},
    {"fmin", {1.0, -2.0}, -2.0},
    {"fmax", {1.0, -2.0}, 1.0},
    {"step", {0.0}, 1.0},
    {"int_step", {0.0}, 0.0},
    {"floor", {-1.5}, -2.0},
    {"ceil", {-1.5}, -1.0},
    {"round", {2.5}, 3.0},
    {"trunc", {-2.7}, -2.0},
    {"relu", {-3.0}, 0.0},
    {"square", {-3.0}, 9.0},
    {"inv", {4.0}, 0.25},
    {"sqrt", {2.0}, 1.4142135623730951},
    {"sin", {1.0}, 0.8414709848078965},
    {"cos", {1.0}, 0.5403023058681398},
    {"tan", {1.0}, 1.5574077246549023},
    {"atan", {1.0}, 0.7853981633974483},
    {"sigmoid", {0.0}, 0.5},
    {"fabs", {-1.0}, 1.0},
    {"log1m", {0.5}, -0.6931471805599453},
};

static void test_elementwise_reference_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        const gb_func_ops *f = find(refs[i].name);
        assert_int_equal(f->kind, GB_FUNC_ELEMENTWISE);
        double got = f->f(refs[i].x);
        if (fabs(got - refs[i].want) > 1e-300 + 1e-12 * fabs(refs[i].want))
            fail_msg("%s(%g, ...) = %.17g, expected %.17g", refs[i].name, refs[i].x[0], got,
                     refs[i].want);
    }
}

static void test_elementwise_domain_gives_nan(void **state)
{
    (void)state;
    static const ref_case bad[] = {{"log", {-1}, 0},        {"sqrt", {-1}, 0},
                                   {"logit", {1.5}, 0},     {"inv_Phi", {1.5}, 0},
                                   {"lbeta", {-1, 2}, 0},   {"log1m_exp", {0.5}, 0},
                                   {"log1m", {2}, 0}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!isnan(find(bad[i].name)->f(bad[i].x)))
            fail_msg("%s(%g) should be NaN", bad[i].name, bad[i].x[0]);
}

static void test_elementwise_int_results(void **state)
{
    (void)state;
    assert_int_equal(find("abs")->int_result, 1);
    assert_int_equal(find("floor")->int_result, 2);
    assert_int_equal(find("int_step")->int_result, 2);
    assert_int_equal(find("step")->int_result, 0);
    assert_null(find("floor")->df);
    assert_int_equal(find("inv_Phi")->f((double[]){0.5}), 0);
    double p = 1e-300;
    assert_near(find("Phi")->f((double[]){find("inv_Phi")->f(&p)}), p, 0, 1e-9);
}

/* Points where each differentiable function is checked against the central difference.  Log-
 * scale arguments stay moderate: the step grows with |x|, and at x = -500 it is about 3. */
static const ref_case dpoints[] = {
    {"exp", {0.3}, 0},           {"exp", {-20}, 0},          {"exp2", {1.7}, 0},
    {"expm1", {1e-3}, 0},        {"log", {0.7}, 0},          {"log2", {3}, 0},
    {"log10", {3}, 0},           {"log1p", {0.2}, 0},        {"log1m", {0.2}, 0},
    {"log1p_exp", {3}, 0},       {"log1p_exp", {-30}, 0},    {"softplus", {0.5}, 0},
    {"log1m_exp", {-0.1}, 0},    {"log1m_exp", {-3}, 0},     {"log_diff_exp", {1, 0.2}, 0},
    {"log_mix", {0.3, -1, -2}, 0}, {"log_mix", {0.9, -40, -39}, 0},
    {"sqrt", {2}, 0},            {"cbrt", {-5}, 0},          {"square", {-1.5}, 0},
    {"inv", {-0.7}, 0},          {"pow", {1.7, 2.3}, 0},     {"pow", {0.5, -3}, 0},
    {"abs", {-2}, 0},            {"fabs", {2}, 0},           {"inv_logit", {0.4}, 0},
    {"inv_logit", {-30}, 0},     {"inv_logit", {25}, 0},     {"sigmoid", {1}, 0},
    {"logit", {0.3}, 0},         {"log_inv_logit", {-2}, 0}, {"log_inv_logit", {40}, 0},
    {"log1m_inv_logit", {2}, 0}, {"relu", {1.5}, 0},         {"sin", {0.4}, 0},
    {"cos", {0.4}, 0},           {"tan", {0.4}, 0},          {"atan", {2}, 0},
    {"tanh", {0.8}, 0},          {"lgamma", {0.3}, 0},       {"lgamma", {50}, 0},
    {"digamma", {1.5}, 0},       {"trigamma", {1.5}, 0},     {"lbeta", {0.5, 4}, 0},
    {"lbeta", {30, 2}, 0},       {"lchoose", {7.5, 2.25}, 0}, {"lchoose", {20, 4}, 0},
    {"erf", {0.6}, 0},           {"erfc", {1.2}, 0},         {"Phi", {-1.3}, 0},
    {"Phi", {0.2}, 0},           {"inv_Phi", {0.1}, 0},      {"inv_Phi", {0.999}, 0},
    {"fmin", {1, 2}, 0},         {"fmax", {1, 2}, 0},        {"fmin", {3, 2}, 0},
};

static void test_elementwise_derivatives_match_central_difference(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof dpoints / sizeof dpoints[0]; c++) {
        const gb_func_ops *f = find(dpoints[c].name);
        assert_non_null(f->df);
        double x[3], d[3];
        memcpy(x, dpoints[c].x, sizeof x);
        f->df(x, f->f(x), d);
        for (int i = 0; i < f->min_args; i++) {
            double x0 = x[i], h = fd_step(x0), fv[6];
            static const double k[6] = {-3, -2, -1, 1, 2, 3};
            for (int s = 0; s < 6; s++) {
                x[i] = x0 + k[s] * h;
                fv[s] = f->f(x);
            }
            x[i] = x0;
            double fd = (45 * (fv[3] - fv[2]) - 9 * (fv[4] - fv[1]) + (fv[5] - fv[0])) / (60 * h);
            if (fabs(d[i] - fd) > 1e-10 + 1e-6 * fabs(fd))
                fail_msg("d %s / d x%d at (%g, %g, %g): %.12g, difference %.12g",
                         dpoints[c].name, i, x[0], x[1], x[2], d[i], fd);
        }
    }
}

/* ---- general functions: a harness over tensors ---- */

typedef struct targ {
    int rank;
    size_t d0, d1;
    double v[MAXE];
    int diff; /* check the gradient of this argument */
} targ;

static gb_tensor tensor_of(targ *a)
{
    gb_tensor t = {{a->rank, {a->d0, a->d1, 0, 0}}, a->v, 1};
    if (a->rank >= 1)
        t.len = a->d0;
    if (a->rank == 2)
        t.len *= a->d1;
    return t;
}

/* Shape rule (known scalars passed as cval), then eval into out; returns eval's status. */
static int run(const char *name, int nargs, targ *args, gb_shape *shape, double *out,
               size_t *outlen)
{
    const gb_func_ops *f = find(name);
    assert_int_equal(f->kind, GB_FUNC_GENERAL);
    gb_shape in[MAXA];
    gb_vtype ty[MAXA];
    double cval[MAXA];
    gb_tensor t[MAXA];
    for (int i = 0; i < nargs; i++) {
        t[i] = tensor_of(&args[i]);
        in[i] = t[i].shape;
        /* a constant integral scalar stands for an int literal (sizes, positions) */
        ty[i] = !args[i].diff && args[i].rank == 0 && args[i].v[0] == floor(args[i].v[0])
                    ? GB_INT
                    : GB_REAL;
        cval[i] = args[i].rank == 0 ? args[i].v[0] : NAN;
    }
    gb_vtype oty;
    char why[128] = "";
    if (f->shape(nargs, in, ty, cval, shape, &oty, why, sizeof why) != 0)
        fail_msg("%s: shape rule failed: %s", name, why);
    gb_tensor o = {*shape, out, 1};
    for (int i = 0; i < shape->rank; i++)
        o.len *= shape->dim[i];
    assert_true(o.len <= MAXE);
    *outlen = o.len;
    return f->eval(nargs, t, &o);
}

/* L(x) = sum_k w_k f(x)_k with fixed weights w_k = 0.3 + 0.17 k. */
static double weighted(const char *name, int nargs, targ *args)
{
    gb_shape s;
    double out[MAXE];
    size_t n;
    assert_int_equal(run(name, nargs, args, &s, out, &n), 0);
    double l = 0;
    for (size_t k = 0; k < n; k++)
        l += (0.3 + 0.17 * (double)k) * out[k];
    return l;
}

/* The vjp with weights w against the central difference of L for each flagged argument. */
static void check_vjp(const char *name, int nargs, targ *args)
{
    const gb_func_ops *f = find(name);
    assert_non_null(f->vjp);
    gb_shape s;
    double out[MAXE], w[MAXE], adj[MAXA][MAXE];
    double *adjp[MAXA] = {NULL};
    size_t n;
    assert_int_equal(run(name, nargs, args, &s, out, &n), 0);
    for (size_t k = 0; k < n; k++)
        w[k] = 0.3 + 0.17 * (double)k;
    gb_tensor t[MAXA], o = {s, out, n};
    for (int i = 0; i < nargs; i++) {
        t[i] = tensor_of(&args[i]);
        memset(adj[i], 0, sizeof adj[i]);
        adjp[i] = args[i].diff ? adj[i] : NULL;
    }
    f->vjp(nargs, t, &o, w, adjp);
    for (int i = 0; i < nargs; i++) {
        if (!args[i].diff)
            continue;
        for (size_t j = 0; j < t[i].len; j++) {
            double x0 = args[i].v[j], h = fd_step(x0), fv[6];
            static const double k[6] = {-3, -2, -1, 1, 2, 3};
            for (int q = 0; q < 6; q++) {
                args[i].v[j] = x0 + k[q] * h;
                fv[q] = weighted(name, nargs, args);
            }
            args[i].v[j] = x0;
            double fd = (45 * (fv[3] - fv[2]) - 9 * (fv[4] - fv[1]) + (fv[5] - fv[0])) / (60 * h);
            if (fabs(adj[i][j] - fd) > 1e-8 + 1e-6 * fabs(fd))
                fail_msg("%s: d/d arg%d[%zu] = %.12g, difference %.12g", name, i, j, adj[i][j],
                         fd);
        }
    }
}

#define VEC(n, ...) {1, n, 0, {__VA_ARGS__}, 1}
#define MAT(m, n, ...) {2, m, n, {__VA_ARGS__}, 1}
#define SCA(x) {0, 0, 0, {x}, 1}
#define CONST(x) {0, 0, 0, {x}, 0}
#define SPD3 MAT(3, 3, 4, 1.2, -0.5, 1.2, 3, 0.7, -0.5, 0.7, 2.5)

static void expect_values(const char *name, int nargs, targ *args, const double *want,
                          size_t nwant)
{
    gb_shape s;
    double out[MAXE];
    size_t n;
    assert_int_equal(run(name, nargs, args, &s, out, &n), 0);
    assert_int_equal(n, nwant);
    for (size_t k = 0; k < n; k++)
        if (fabs(out[k] - want[k]) > 1e-12 + 1e-12 * fabs(want[k]))
            fail_msg("%s: element %zu = %.17g, expected %.17g", name, k, out[k], want[k]);
}

#define EXPECT(name, nargs, args, ...)                                                             \
    do {                                                                                           \
        const double want_[] = {__VA_ARGS__};                                                      \
        expect_values(name, nargs, args, want_, sizeof want_ / sizeof want_[0]);                   \
    } while (0)

static void test_array_values(void **state)
{
    (void)state;
    targ v[] = {VEC(4, 1, -2, 3.5, 0.5)};
    EXPECT("sum", 1, v, 3);
    EXPECT("prod", 1, v, -3.5);
    EXPECT("mean", 1, v, 0.75);
    /* python3: statistics.variance([1, -2, 3.5, 0.5]) */
    EXPECT("variance", 1, v, 5.083333333333333);
    EXPECT("sd", 1, v, sqrt(61.0 / 12));
    EXPECT("min", 1, v, -2);
    EXPECT("max", 1, v, 3.5);
    /* python3: math.log(sum(math.exp(x) for x in [1, -2, 3.5, 0.5])) */
    EXPECT("log_sum_exp", 1, v, 3.6274770858662917);
    EXPECT("cumulative_sum", 1, v, 1, -1, 2.5, 3);
    EXPECT("sort_asc", 1, v, -2, 0.5, 1, 3.5);
    EXPECT("sort_desc", 1, v, 3.5, 1, 0.5, -2);
    EXPECT("reverse", 1, v, 0.5, 3.5, -2, 1);
    EXPECT("dot_self", 1, v, 17.5);
    targ big[] = {VEC(2, 1000, 1000)};
    EXPECT("log_sum_exp", 1, big, 1000 + M_LN2);
    EXPECT("softmax", 1, big, 0.5, 0.5);
    EXPECT("log_softmax", 1, big, -M_LN2, -M_LN2);
    targ pair[] = {SCA(-1000), SCA(-1000)};
    EXPECT("log_sum_exp", 2, pair, -1000 + M_LN2);
    targ mm[] = {VEC(3, 1, 5, 3), SCA(2)};
    EXPECT("min", 2, mm, 1, 2, 2);
    EXPECT("max", 2, mm, 2, 5, 3);
    targ rk[] = {VEC(4, 1, -2, 3.5, 0.5), CONST(3)};
    EXPECT("rank", 2, rk, 3);
    targ one[] = {VEC(1, 7)};
    EXPECT("variance", 1, one, 0);
    targ empty[] = {{1, 0, 0, {0}, 1}};
    EXPECT("log_sum_exp", 1, empty, -INFINITY);
}

static void test_shape_function_values(void **state)
{
    (void)state;
    targ rv[] = {SCA(2.5), CONST(3)};
    EXPECT("rep_vector", 2, rv, 2.5, 2.5, 2.5);
    targ rm[] = {VEC(2, 1, 2), CONST(3)};
    EXPECT("rep_matrix", 2, rm, 1, 1, 1, 2, 2, 2);
    targ ra[] = {VEC(2, 1, 2), CONST(2)};
    EXPECT("rep_array", 2, ra, 1, 2, 1, 2);
    targ tm[] = {VEC(6, 1, 2, 3, 4, 5, 6), CONST(2), CONST(3)};
    EXPECT("to_matrix", 3, tm, 1, 2, 3, 4, 5, 6);
    targ ac[] = {MAT(2, 2, 1, 2, 3, 4), VEC(2, 9, 8)};
    EXPECT("append_col", 2, ac, 1, 2, 9, 3, 4, 8);
    EXPECT("append_row", 2, ac, 1, 2, 3, 4, 9, 8);
    targ sg[] = {VEC(5, 1, 2, 3, 4, 5), CONST(2), CONST(3)};
    EXPECT("segment", 3, sg, 2, 3, 4);
    targ ht[] = {VEC(5, 1, 2, 3, 4, 5), CONST(2)};
    EXPECT("head", 2, ht, 1, 2);
    EXPECT("tail", 2, ht, 4, 5);
    targ m23[] = {MAT(2, 3, 1, 2, 3, 4, 5, 6)};
    EXPECT("to_vector", 1, m23, 1, 2, 3, 4, 5, 6);
    EXPECT("rows", 1, m23, 2);
    EXPECT("cols", 1, m23, 3);
    EXPECT("size", 1, m23, 2);
    EXPECT("num_elements", 1, m23, 6);
    EXPECT("transpose", 1, m23, 1, 4, 2, 5, 3, 6);
    EXPECT("diagonal", 1, m23, 1, 5);
    EXPECT("crossprod", 1, m23, 17, 22, 27, 22, 29, 36, 27, 36, 45);
    EXPECT("tcrossprod", 1, m23, 14, 32, 32, 77);
    targ rd[] = {MAT(2, 3, 1, 2, 3, 4, 5, 6), MAT(2, 3, 1, 1, 1, 2, 2, 2)};
    EXPECT("rows_dot_product", 2, rd, 6, 30);
    EXPECT("columns_dot_product", 2, rd, 9, 12, 15);
}

static void test_linalg_values(void **state)
{
    (void)state;
    /* [[4, 2], [2, 5]] = L L' with L = [[2, 0], [1, 2]]. */
    targ a[] = {MAT(2, 2, 4, 2, 2, 5)};
    EXPECT("cholesky_decompose", 1, a, 2, 0, 1, 2);
    EXPECT("inverse", 1, a, 5.0 / 16, -2.0 / 16, -2.0 / 16, 4.0 / 16);
    EXPECT("determinant", 1, a, 16);
    EXPECT("log_determinant", 1, a, log(16));
    EXPECT("trace", 1, a, 9);
    targ l[] = {MAT(2, 2, 2, 99, 1, 2)};
    EXPECT("multiply_lower_tri_self_transpose", 1, l, 4, 2, 2, 5);
    targ sol[] = {MAT(2, 2, 4, 2, 2, 5), VEC(2, 8, 12)};
    EXPECT("mdivide_left", 2, sol, 1, 2);
    targ dm[] = {VEC(2, 3, 4)};
    EXPECT("diag_matrix", 1, dm, 3, 0, 0, 4);
}

static void test_linalg_failures(void **state)
{
    (void)state;
    gb_shape s;
    double out[MAXE];
    size_t n;
    targ indefinite[] = {MAT(2, 2, 1, 2, 2, 1)};
    assert_int_equal(run("cholesky_decompose", 1, indefinite, &s, out, &n), -1);
    targ singular[] = {MAT(2, 2, 1, 2, 2, 4)};
    assert_int_equal(run("inverse", 1, singular, &s, out, &n), -1);
    assert_int_equal(run("log_determinant", 1, singular, &s, out, &n), -1);
    EXPECT("determinant", 1, singular, 0);
    targ bad_pos[] = {VEC(3, 1, 2, 3), SCA(3), SCA(2)};
    bad_pos[1].v[0] = 3; /* a start only known when evaluated would be checked there */
    const gb_func_ops *seg = find("segment");
    gb_tensor t[3] = {tensor_of(&bad_pos[0]), tensor_of(&bad_pos[1]), tensor_of(&bad_pos[2])};
    gb_tensor o = {{1, {2}}, out, 2};
    assert_int_equal(seg->eval(3, t, &o), -1);
}

static void test_vjps_match_central_difference(void **state)
{
    (void)state;
    targ v4[] = {VEC(4, 1, -2, 3.5, 0.5)};
    static const char *const reductions[] = {"sum",   "prod",    "mean",        "variance",
                                             "sd",    "min",     "max",         "log_sum_exp",
                                             "softmax", "log_softmax", "cumulative_sum",
                                             "sort_asc", "sort_desc", "reverse", "dot_self",
                                             "to_vector"};
    for (size_t i = 0; i < sizeof reductions / sizeof reductions[0]; i++)
        check_vjp(reductions[i], 1, v4);
    targ zero[] = {VEC(3, 2, 0, 3)};
    check_vjp("prod", 1, zero);
    targ uv[] = {VEC(3, 1, 2, 3), VEC(3, -1, 0.5, 2)};
    check_vjp("dot_product", 2, uv);
    check_vjp("append_row", 2, uv);
    check_vjp("append_col", 2, uv);
    check_vjp("min", 2, uv);
    check_vjp("max", 2, uv);
    check_vjp("log_sum_exp", 2, uv);
    targ sv[] = {SCA(0.7), VEC(3, -1, 0.5, 2)};
    check_vjp("max", 2, sv);
    check_vjp("log_sum_exp", 2, sv);
    targ rv[] = {SCA(2.5), CONST(3)};
    check_vjp("rep_vector", 2, rv);
    targ rm[] = {VEC(2, 1, 2), CONST(3)};
    check_vjp("rep_matrix", 2, rm);
    targ rm3[] = {SCA(1.5), CONST(2), CONST(3)};
    check_vjp("rep_matrix", 3, rm3);
    targ sg[] = {VEC(5, 1, 2, 3, 4, 5), CONST(2), CONST(3)};
    check_vjp("segment", 3, sg);
    targ ht[] = {VEC(5, 1, 2, 3, 4, 5), CONST(2)};
    check_vjp("head", 2, ht);
    check_vjp("tail", 2, ht);
    targ tm[] = {VEC(6, 1, 2, 3, 4, 5, 6), CONST(3), CONST(2)};
    check_vjp("to_matrix", 3, tm);
    targ rd[] = {MAT(2, 3, 1, 2, 3, 4, 5, 6), MAT(2, 3, 0.5, 1, -1, 2, 0, 2)};
    check_vjp("rows_dot_product", 2, rd);
    check_vjp("columns_dot_product", 2, rd);
    targ m23[] = {MAT(2, 3, 1, 2, 3, 4, 5, 6)};
    check_vjp("transpose", 1, m23);
    check_vjp("diagonal", 1, m23);
    check_vjp("crossprod", 1, m23);
    check_vjp("tcrossprod", 1, m23);
    targ dm[] = {VEC(3, 1, -2, 3)};
    check_vjp("diag_matrix", 1, dm);
    targ spd[] = {SPD3};
    static const char *const square[] = {"cholesky_decompose", "inverse", "determinant",
                                         "log_determinant", "trace",
                                         "multiply_lower_tri_self_transpose"};
    for (size_t i = 0; i < sizeof square / sizeof square[0]; i++)
        check_vjp(square[i], 1, spd);
    targ gen[] = {MAT(3, 3, 1, 2, 0.5, -1, 3, 1, 0.2, 0.4, -2)};
    check_vjp("inverse", 1, gen);
    check_vjp("log_determinant", 1, gen); /* negative determinant: log|det| */
    check_vjp("determinant", 1, gen);
    targ solve[] = {MAT(3, 3, 1, 2, 0.5, -1, 3, 1, 0.2, 0.4, -2), VEC(3, 1, -1, 2)};
    check_vjp("mdivide_left", 2, solve);
    targ solve_m[] = {MAT(2, 2, 3, 1, -1, 2), MAT(2, 3, 1, 2, 3, 4, 5, 6)};
    check_vjp("mdivide_left", 2, solve_m);
    targ spd5[] = {MAT(5, 5, 5, 1, 0.5, 0.2, 0.1, 1, 4, 0.3, 0.1, 0.2, 0.5, 0.3, 3, 0.4, 0.1,
                       0.2, 0.1, 0.4, 2, 0.3, 0.1, 0.2, 0.1, 0.3, 1.5)};
    check_vjp("cholesky_decompose", 1, spd5);
    check_vjp("log_determinant", 1, spd5);
}

static void test_matrix_values(void **state)
{
    (void)state;
    targ pre[] = {VEC(2, 2, 3), MAT(2, 3, 1, 2, 3, 4, 5, 6)};
    EXPECT("diag_pre_multiply", 2, pre, 2, 4, 6, 12, 15, 18);
    targ post[] = {MAT(2, 3, 1, 2, 3, 4, 5, 6), VEC(3, 1, 2, 3)};
    EXPECT("diag_post_multiply", 2, post, 1, 4, 9, 4, 10, 18);
    targ qv[] = {MAT(2, 2, 4, 1, 2, 5), VEC(2, 1, 2)};
    EXPECT("quad_form", 2, qv, 30);
    /* python3: C[p][q] = sum(B[i][p] * A[i][j] * B[j][q]) over i, j */
    targ qm[] = {MAT(2, 2, 4, 1, 2, 5), MAT(2, 3, 1, 0, 2, 1, 1, 0)};
    EXPECT("quad_form", 2, qm, 12, 6, 12, 7, 5, 4, 10, 2, 16);
    targ qd[] = {MAT(2, 2, 1, 2, 3, 4), VEC(2, 2, 3)};
    EXPECT("quad_form_diag", 2, qd, 4, 12, 18, 36);
    targ rc[] = {MAT(2, 3, 1, 2, 3, 4, 5, 6), CONST(2)};
    EXPECT("row", 2, rc, 4, 5, 6);
    EXPECT("col", 2, rc, 2, 5);
    gb_shape s;
    double out[MAXE];
    size_t n;
    const gb_func_ops *row = find("row");
    targ bad[] = {MAT(2, 3, 1, 2, 3, 4, 5, 6), SCA(3)};
    gb_tensor t[2] = {tensor_of(&bad[0]), tensor_of(&bad[1])};
    gb_tensor o = {{1, {3}}, out, 3};
    assert_int_equal(row->eval(2, t, &o), -1); /* row 3 of a 2-row matrix, known only at run */
    (void)s, (void)n;
}

/* Reference values: python3 3.11 math module from the kernels' formulas, e.g. for exp_quad
 *   python3 -c "import math; print(repr(1.3**2 * math.exp(-1.0 / (2 * 0.8**2))))"
 * and for the ARD case with x = [[0, 1], [1, -1]], l = [0.5, 2]:
 *   python3 -c "import math; print(repr(1.69 * math.exp(-((1/0.5)**2 + (2/2)**2) / 2)))" */
static void test_gp_values(void **state)
{
    (void)state;
    targ eq[] = {VEC(3, 0, 1, 2.5), SCA(1.3), SCA(0.8)};
    EXPECT("gp_exp_quad_cov", 3, eq, 1.6900000000000002, 0.7737383813940283,
           0.012802894880799304, 0.7737383813940283, 1.6900000000000002, 0.2913925443804424,
           0.012802894880799304, 0.2913925443804424, 1.6900000000000002);
    targ cross[] = {VEC(1, 0), VEC(3, 0, 1, 2.5), SCA(1.3), SCA(0.8)};
    EXPECT("gp_exp_quad_cov", 4, cross, 1.6900000000000002, 0.7737383813940283,
           0.012802894880799304);
    EXPECT("gp_matern32_cov", 4, cross, 1.6900000000000002, 0.6137535235013293,
           0.04833224829727386);
    EXPECT("gp_matern52_cov", 4, cross, 1.6900000000000002, 0.6608850278876546,
           0.037854694984726246);
    targ per[] = {VEC(1, 0), VEC(3, 0, 1, 2.5), SCA(1.3), SCA(0.8), SCA(2)};
    EXPECT("gp_periodic_cov", 5, per, 1.6900000000000002, 0.07425341782355857,
           0.3542432442853556);
    targ ard[] = {MAT(2, 2, 0, 1, 1, -1), SCA(1.3), VEC(2, 0.5, 2)};
    EXPECT("gp_exp_quad_cov", 3, ard, 1.69, 0.138723647674389, 0.138723647674389, 1.69);
    gb_shape s;
    double out[MAXE];
    size_t n;
    targ neg[] = {VEC(3, 0, 1, 2.5), SCA(-1.3), SCA(0.8)};
    assert_int_equal(run("gp_exp_quad_cov", 3, neg, &s, out, &n), -1);
    targ zero_l[] = {VEC(3, 0, 1, 2.5), SCA(1.3), SCA(0)};
    assert_int_equal(run("gp_matern32_cov", 3, zero_l, &s, out, &n), -1);
}

static void test_matrix_and_gp_vjps_match_central_difference(void **state)
{
    (void)state;
    targ pre[] = {VEC(2, 2, -3), MAT(2, 3, 1, 2, 3, 4, -5, 6)};
    check_vjp("diag_pre_multiply", 2, pre);
    targ post[] = {MAT(2, 3, 1, 2, 3, 4, -5, 6), VEC(3, 1, -2, 0.5)};
    check_vjp("diag_post_multiply", 2, post);
    targ qv[] = {MAT(2, 2, 4, 1, 2, 5), VEC(2, 1, -2)};
    check_vjp("quad_form", 2, qv);
    targ qm[] = {MAT(2, 2, 4, 1, -2, 5), MAT(2, 3, 1, 0.5, 2, 1, -1, 0.3)};
    check_vjp("quad_form", 2, qm);
    targ qd[] = {MAT(2, 2, 1, 2, 3, 4), VEC(2, 2, -3)};
    check_vjp("quad_form_diag", 2, qd);
    targ rc[] = {MAT(2, 3, 1, 2, 3, 4, 5, 6), CONST(2)};
    check_vjp("row", 2, rc);
    check_vjp("col", 2, rc);
    static const char *const kernels[] = {"gp_exp_quad_cov", "gp_matern32_cov",
                                          "gp_matern52_cov"};
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        targ self[] = {VEC(3, 0, 1.2, 2.5), SCA(1.3), SCA(0.8)};
        check_vjp(kernels[k], 3, self);
        targ cross[] = {VEC(2, 0.1, 2), VEC(3, 0, 1.2, 2.5), SCA(1.3), SCA(0.8)};
        check_vjp(kernels[k], 4, cross);
        targ ard[] = {MAT(3, 2, 0, 1, 1, -1, 0.5, 0.2), SCA(1.3), VEC(2, 0.5, 2)};
        check_vjp(kernels[k], 3, ard);
        targ iso[] = {MAT(3, 2, 0, 1, 1, -1, 0.5, 0.2), SCA(0.7), SCA(1.5)};
        check_vjp(kernels[k], 3, iso);
    }
    targ per[] = {VEC(3, 0, 1.2, 2.5), SCA(1.3), SCA(0.8), SCA(2)};
    check_vjp("gp_periodic_cov", 4, per);
    targ per_cross[] = {VEC(2, 0.1, 2), VEC(3, 0, 1.2, 2.5), SCA(1.3), SCA(0.8), SCA(2)};
    check_vjp("gp_periodic_cov", 5, per_cross);
    targ per_2d[] = {MAT(3, 2, 0, 1, 1, -1, 0.5, 0.2), SCA(0.7), SCA(1.5), SCA(3)};
    check_vjp("gp_periodic_cov", 4, per_2d);
}

/* ---- shape rule errors ---- */

static void expect_shape_error(const char *name, int nargs, const gb_shape *in,
                               const double *cval, const char *want)
{
    const gb_func_ops *f = find(name);
    gb_vtype ty[4] = {GB_REAL, GB_REAL, GB_REAL, GB_REAL}, oty;
    gb_shape out;
    char why[128] = "";
    assert_int_equal(f->shape(nargs, in, ty, cval, &out, &oty, why, sizeof why), -1);
    if (!strstr(why, want))
        fail_msg("%s: reason '%s' does not mention '%s'", name, why, want);
}

static void test_shape_rule_errors(void **state)
{
    (void)state;
    const gb_shape m23 = {2, {2, 3}}, v3 = {1, {3}}, v4 = {1, {4}}, sc = {0, {0}};
    const double nan2[2] = {NAN, NAN};
    expect_shape_error("cholesky_decompose", 1, &m23, nan2, "square matrix");
    expect_shape_error("inverse", 1, &v3, nan2, "square matrix");
    expect_shape_error("log_determinant", 1, &m23, nan2, "square matrix");
    gb_shape rv[2] = {sc, sc};
    expect_shape_error("rep_vector", 2, rv, nan2, "known when the graph is built");
    const double neg[2] = {NAN, -1};
    expect_shape_error("rep_vector", 2, rv, neg, "non-negative integer");
    gb_shape hd[2] = {v3, sc};
    const double five[2] = {NAN, 5};
    expect_shape_error("head", 2, hd, five, "larger than the vector");
    gb_shape dp[2] = {v3, v4};
    expect_shape_error("dot_product", 2, dp, nan2, "same length");
    gb_shape mx[2] = {v3, v4};
    expect_shape_error("max", 2, mx, nan2, "same shape");
    expect_shape_error("softmax", 1, &m23, nan2, "vector");
    gb_shape ac[2] = {m23, v4};
    expect_shape_error("append_col", 2, ac, nan2, "same number of rows");
    gb_shape ar[2] = {m23, v4};
    expect_shape_error("append_row", 2, ar, nan2, "same number of columns");
    gb_shape tm[3] = {v3, sc, sc};
    const double dims[3] = {NAN, 2, 2};
    expect_shape_error("to_matrix", 3, tm, dims, "m * n");
}

static void test_shape_rules_types_and_unknown_dims(void **state)
{
    (void)state;
    const gb_shape vu = {1, {GB_DIM_UNKNOWN}}, sc = {0, {0}};
    gb_vtype ity[2] = {GB_INT, GB_INT}, oty;
    gb_shape out;
    char why[64];
    double cv[2] = {NAN, 4};
    assert_int_equal(find("sum")->shape(1, &vu, ity, cv, &out, &oty, why, sizeof why), 0);
    assert_int_equal(out.rank, 0);
    assert_int_equal(oty, GB_INT);
    assert_int_equal(find("mean")->shape(1, &vu, ity, cv, &out, &oty, why, sizeof why), 0);
    assert_int_equal(oty, GB_REAL);
    gb_shape rv[2] = {sc, sc};
    assert_int_equal(find("rep_vector")->shape(2, rv, ity, cv, &out, &oty, why, sizeof why), 0);
    assert_int_equal(out.rank, 1);
    assert_int_equal(out.dim[0], 4);
    assert_int_equal(oty, GB_INT);
    gb_shape ar[2] = {vu, vu};
    assert_int_equal(find("append_row")->shape(2, ar, ity, cv, &out, &oty, why, sizeof why), 0);
    assert_true(out.dim[0] == GB_DIM_UNKNOWN);
    assert_int_equal(find("size")->shape(1, &vu, ity, cv, &out, &oty, why, sizeof why), 0);
    assert_int_equal(oty, GB_INT);
}

/* Arguments of the call written at p (just after "name("), counting top-level commas; -1 when
 * the parentheses do not close. */
static int call_arity(const char *p)
{
    int depth = 1, n = 0, empty = 1;
    for (; *p && depth > 0; p++) {
        if (*p == '(' || *p == '[')
            depth++;
        else if (*p == ')' || *p == ']')
            depth--;
        else if (*p == ',' && depth == 1)
            n++;
        else if (*p != ' ' && depth == 1)
            empty = 0;
    }
    return depth > 0 ? -1 : empty && n == 0 ? 0 : n + 1;
}

/* The reference page (stdlib/README.md) shows each doc line: it must open with the function's
 * own call form, and every call of the function it shows must take an accepted number of
 * arguments, so the page never documents a call the checker refuses. */
static void test_doc_lines_show_calls_the_checker_accepts(void **state)
{
    (void)state;
    for (size_t i = 0; i < gb_func_count(); i++) {
        const gb_func_ops *f = gb_func_at(i);
        size_t len = strlen(f->name);
        if (strncmp(f->doc, f->name, len) != 0 || f->doc[len] != '(')
            fail_msg("%s: the doc line does not open with its call: %s", f->name, f->doc);
        for (const char *p = f->doc; (p = strstr(p, f->name)) != NULL; p += len) {
            int word_start = p == f->doc || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
            if (!word_start || p[len] != '(')
                continue;
            int n = call_arity(p + len + 1);
            if (n < f->min_args || n > f->max_args)
                fail_msg("%s: the doc line shows a call with %d arguments, accepted %d to %d: %s",
                         f->name, n, f->min_args, f->max_args, f->doc);
        }
    }
}

static void test_every_function_has_a_doc_line(void **state)
{
    (void)state;
    assert_true(gb_func_count() > 90);
    for (size_t i = 0; i < gb_func_count(); i++) {
        const gb_func_ops *f = gb_func_at(i);
        assert_non_null(f->doc);
        assert_null(strchr(f->doc, '\n'));
        assert_ptr_equal(gb_func_find(f->name), f); /* names are unique */
        if (f->kind == GB_FUNC_ELEMENTWISE)
            assert_non_null(f->f);
        else
            assert_true(f->shape && f->eval);
    }
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elementwise_reference_values),
        cmocka_unit_test(test_elementwise_domain_gives_nan),
        cmocka_unit_test(test_elementwise_int_results),
        cmocka_unit_test(test_elementwise_derivatives_match_central_difference),
        cmocka_unit_test(test_array_values),
        cmocka_unit_test(test_shape_function_values),
        cmocka_unit_test(test_linalg_values),
        cmocka_unit_test(test_linalg_failures),
        cmocka_unit_test(test_vjps_match_central_difference),
        cmocka_unit_test(test_matrix_values),
        cmocka_unit_test(test_gp_values),
        cmocka_unit_test(test_matrix_and_gp_vjps_match_central_difference),
        cmocka_unit_test(test_shape_rule_errors),
        cmocka_unit_test(test_shape_rules_types_and_unknown_dims),
        cmocka_unit_test(test_every_function_has_a_doc_line),
        cmocka_unit_test(test_doc_lines_show_calls_the_checker_accepts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
