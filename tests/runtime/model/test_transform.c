/* test_transform.c - the parameter transforms: log-Jacobians against the log-determinant of a
 * finite-difference Jacobian, reverse-mode derivatives against central finite differences of
 * (x_adj . x + w log J), and the inverse transform round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "near.h"
#include "transform.h"

#define MAXN 16
#define H 1e-6

typedef struct tcase {
    const char *what;
    gb_tf_kind kind;
    size_t n, K;   /* constrained length, matrix side */
    double lo, hi; /* bounds (one value for every element) */
    double y[MAXN];
} tcase;

static const tcase cases[] = {
    {"identity", GB_TF_NONE, 3, 3, -INFINITY, INFINITY, {0.3, -1.2, 4}},
    {"lower", GB_TF_LOWER, 3, 3, 1.5, INFINITY, {0.3, -1.2, 4}},
    {"upper", GB_TF_UPPER, 2, 2, -INFINITY, -2, {-0.7, 2.5}},
    {"bounded", GB_TF_BOUNDED, 4, 4, -1, 3, {0, -2, 5, 0.4}},
    {"bounded, one side infinite", GB_TF_BOUNDED, 2, 2, 0, INFINITY, {0.2, -3}},
    {"simplex", GB_TF_SIMPLEX, 4, 4, 0, 0, {0.1, -0.5, 1.3}},
    {"simplex of 2", GB_TF_SIMPLEX, 2, 2, 0, 0, {-0.8}},
    {"ordered", GB_TF_ORDERED, 4, 4, 0, 0, {-1, 0.2, -0.4, 1.1}},
    {"positive ordered", GB_TF_POSITIVE_ORDERED, 3, 3, 0, 0, {-1, 0.2, -0.4}},
    {"cholesky corr 2x2", GB_TF_CHOLESKY_CORR, 4, 2, 0, 0, {0.6}},
    {"cholesky corr 3x3", GB_TF_CHOLESKY_CORR, 9, 3, 0, 0, {0.6, -0.3, 1.1}},
    {"cholesky corr 4x4", GB_TF_CHOLESKY_CORR, 16, 4, 0, 0, {0.2, -0.9, 0.4, 0.7, -0.1, 0.3}},
};

static double fwd(const tcase *t, const double *y, double *x)
{
    return gb_tf_constrain(t->kind, t->n, t->K, y, &t->lo, 0, &t->hi, 0, x);
}

/* Which constrained coordinates are free (the Jacobian's rows): all for elementwise kinds, the
 * first n - 1 for a simplex, the strictly lower triangle for a Cholesky factor. */
static size_t free_rows(const tcase *t, size_t *rows)
{
    size_t m = 0;
    if (t->kind == GB_TF_CHOLESKY_CORR) {
        for (size_t i = 0; i < t->K; i++)
            for (size_t j = 0; j < i; j++)
                rows[m++] = i * t->K + j;
        return m;
    }
    size_t n = t->kind == GB_TF_SIMPLEX ? t->n - 1 : t->n;
    for (size_t i = 0; i < n; i++)
        rows[m++] = i;
    return m;
}

/* log |det J| from central differences equals the returned log-Jacobian. */
static void test_log_jacobian(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const tcase *t = &cases[c];
        size_t m = gb_tf_free_len(t->kind, t->n, t->K), rows[MAXN];
        assert_int_equal(free_rows(t, rows), m);
        double x[MAXN], xp[MAXN], xm[MAXN], y[MAXN];
        double lj = fwd(t, t->y, x);
        gsl_matrix *J = gsl_matrix_alloc(m, m);
        for (size_t j = 0; j < m; j++) {
            memcpy(y, t->y, sizeof y);
            y[j] += H;
            fwd(t, y, xp);
            y[j] -= 2 * H;
            fwd(t, y, xm);
            for (size_t i = 0; i < m; i++)
                gsl_matrix_set(J, i, j, (xp[rows[i]] - xm[rows[i]]) / (2 * H));
        }
        gsl_permutation *p = gsl_permutation_alloc(m);
        int sign;
        gsl_linalg_LU_decomp(J, p, &sign);
        double ld = gsl_linalg_LU_lndet(J);
        gsl_permutation_free(p);
        gsl_matrix_free(J);
        if (!(fabs(ld - lj) < 1e-6 * fmax(1, fabs(lj))))
            fail_msg("%s: log J %.12g, finite-difference log |det J| %.12g", t->what, lj, ld);
    }
}

/* d/dy of (a . x + w log J) by reverse mode equals central differences. */
static void test_vjp(void **state)
{
    (void)state;
    const double w = 0.7;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const tcase *t = &cases[c];
        size_t m = gb_tf_free_len(t->kind, t->n, t->K);
        double a[MAXN], x[MAXN], y[MAXN], g[MAXN] = {0};
        for (size_t i = 0; i < t->n; i++)
            a[i] = 0.3 + 0.25 * (double)i * (i % 2 ? -1 : 1);
        fwd(t, t->y, x);
        double lo_adj = 0, hi_adj = 0;
        gb_tf_constrain_vjp(t->kind, t->n, t->K, t->y, &t->lo, 0, &t->hi, 0, x, a, w, g, &lo_adj,
                            &hi_adj);
        for (size_t j = 0; j < m; j++) {
            double f[2];
            for (int s = 0; s < 2; s++) {
                memcpy(y, t->y, sizeof y);
                y[j] += s ? -H : H;
                f[s] = w * fwd(t, y, x);
                for (size_t i = 0; i < t->n; i++)
                    f[s] += a[i] * x[i];
            }
            double fd = (f[0] - f[1]) / (2 * H);
            if (!(fabs(g[j] - fd) < 1e-6 * fmax(1, fabs(fd))))
                fail_msg("%s: d/dy[%zu] reverse %.12g, finite difference %.12g", t->what, j, g[j],
                         fd);
        }
        /* the bounds, where they are finite */
        for (int which = 0; which < 2 && t->kind <= GB_TF_BOUNDED; which++) {
            double b[2] = {t->lo, t->hi}, f[2];
            if (!isfinite(b[which]))
                continue;
            for (int s = 0; s < 2; s++) {
                double bb[2] = {t->lo, t->hi};
                bb[which] += s ? -H : H;
                f[s] = w * gb_tf_constrain(t->kind, t->n, t->K, t->y, &bb[0], 0, &bb[1], 0, x);
                for (size_t i = 0; i < t->n; i++)
                    f[s] += a[i] * x[i];
            }
            double fd = (f[0] - f[1]) / (2 * H), got = which ? hi_adj : lo_adj;
            if (!(fabs(got - fd) < 1e-6 * fmax(1, fabs(fd))))
                fail_msg("%s: d/d%s reverse %.12g, finite difference %.12g", t->what,
                         which ? "hi" : "lo", got, fd);
        }
    }
}

/* unconstrain(constrain(y)) = y, and constrained values land in the support. */
static void test_round_trip(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const tcase *t = &cases[c];
        size_t m = gb_tf_free_len(t->kind, t->n, t->K);
        double x[MAXN], y[MAXN];
        fwd(t, t->y, x);
        assert_int_equal(gb_tf_unconstrain(t->kind, t->n, t->K, x, &t->lo, 0, &t->hi, 0, y), 0);
        for (size_t j = 0; j < m; j++)
            assert_near(y[j], t->y[j], 1e-9, 1e-9);
        if (t->kind == GB_TF_SIMPLEX) {
            double s = 0;
            for (size_t i = 0; i < t->n; i++) {
                assert_true(x[i] > 0);
                s += x[i];
            }
            assert_near(s, 1, 1e-12, 0);
        }
        if (t->kind == GB_TF_CHOLESKY_CORR)
            for (size_t i = 0; i < t->K; i++) { /* rows of unit length */
                double s = 0;
                for (size_t j = 0; j < t->K; j++)
                    s += x[i * t->K + j] * x[i * t->K + j];
                assert_near(s, 1, 1e-12, 0);
            }
    }
}

/* Extreme unconstrained values stay inside a two-sided interval, finite log-Jacobian or not. */
static void test_extremes(void **state)
{
    (void)state;
    double lo = 0, hi = 1, x;
    double y[] = {-800, -40, 40, 800};
    for (size_t i = 0; i < 4; i++) {
        double lj = gb_tf_constrain(GB_TF_BOUNDED, 1, 1, &y[i], &lo, 0, &hi, 0, &x);
        assert_true(x > 0 && x < 1);
        assert_false(isnan(lj));
    }
    /* an empty interval is impossible, not NaN */
    double a = 2, b = 1;
    assert_true(gb_tf_constrain(GB_TF_BOUNDED, 1, 1, &y[0], &a, 0, &b, 0, &x) == -INFINITY);
    /* outside the support the inverse refuses */
    double out = 1.5;
    assert_int_equal(gb_tf_unconstrain(GB_TF_BOUNDED, 1, 1, &out, &lo, 0, &hi, 0, &x), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_jacobian),
        cmocka_unit_test(test_vjp),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
