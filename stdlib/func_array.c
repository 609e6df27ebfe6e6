/* func_array.c - reductions and vector operations over whole tensors (func.h, GB_FUNC_GENERAL):
 * sum, prod, mean, variance, sd, min, max, log_sum_exp, softmax, log_softmax, cumulative_sum,
 * dot products.  The constructors and reshapers (rep_*, append_*, head, sort, ...) live in
 * func_shape.c and join this file's table through func_shape.h.
 *
 * Each function's value and vector-Jacobian product sit side by side.  Sums run in index order
 * so a result does not depend on threads.  log_sum_exp and softmax factor out the maximum. */
#include "func_def.h"
#include "func_shape.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>

/* ---- shape rules ---- */

static int fail(char *why, size_t whylen, const char *msg)
{
    snprintf(why, whylen, "%s", msg);
    return -1;
}

static void scalar_out(gb_shape *out)
{
    out->rank = 0;
}

static int shape_eq(const gb_shape *a, const gb_shape *b)
{
    if (a->rank != b->rank)
        return 0;
    for (int i = 0; i < a->rank; i++)
        if (!gb_dim_eq(a->dim[i], b->dim[i]))
            return 0;
    return 1;
}

/* Any tensor to a scalar of the same type (sum of ints is an int). */
static int sh_reduce_keep(int nargs, const gb_shape *in, const gb_vtype *types, const double *cval,
                          gb_shape *out, gb_vtype *out_type, char *why, size_t whylen)
{
    (void)nargs, (void)in, (void)cval, (void)why, (void)whylen;
    scalar_out(out);
    *out_type = types[0];
    return 0;
}

static int sh_reduce_real(int nargs, const gb_shape *in, const gb_vtype *types, const double *cval,
                          gb_shape *out, gb_vtype *out_type, char *why, size_t whylen)
{
    (void)nargs, (void)in, (void)types, (void)cval, (void)why, (void)whylen;
    scalar_out(out);
    *out_type = GB_REAL;
    return 0;
}

/* One argument: reduce to a scalar; two: elementwise, a scalar broadcast against the other. */
static int sh_reduce_or_pair(int nargs, const gb_shape *in, const gb_vtype *types, int keep_type,
                             gb_shape *out, gb_vtype *out_type, char *why, size_t whylen)
{
    int is_int = types[0] == GB_INT && (nargs < 2 || types[1] == GB_INT);
    *out_type = keep_type && is_int ? GB_INT : GB_REAL;
    if (nargs == 1) {
        scalar_out(out);
        return 0;
    }
    if (in[0].rank == 0)
        *out = in[1];
    else if (in[1].rank == 0 || shape_eq(&in[0], &in[1]))
        *out = in[0];
    else
        return fail(why, whylen, "the two arguments must have the same shape, or one be a scalar");
    return 0;
}

static int sh_minmax(int nargs, const gb_shape *in, const gb_vtype *types, const double *cval,
                     gb_shape *out, gb_vtype *out_type, char *why, size_t whylen)
{
    (void)cval;
    return sh_reduce_or_pair(nargs, in, types, 1, out, out_type, why, whylen);
}

static int sh_lse(int nargs, const gb_shape *in, const gb_vtype *types, const double *cval,
                  gb_shape *out, gb_vtype *out_type, char *why, size_t whylen)
{
    (void)cval;
    return sh_reduce_or_pair(nargs, in, types, 0, out, out_type, why, whylen);
}

static int sh_vector_real(int nargs, const gb_shape *in, const gb_vtype *types, const double *cval,
                          gb_shape *out, gb_vtype *out_type, char *why, size_t whylen)
{
    (void)nargs, (void)types, (void)cval;
    if (in[0].rank != 1)
        return fail(why, whylen, "expects a vector");
    *out = in[0];
    *out_type = GB_REAL;
    return 0;
}

static int sh_vector_keep(int nargs, const gb_shape *in, const gb_vtype *types, const double *cval,
                          gb_shape *out, gb_vtype *out_type, char *why, size_t whylen)
{
    (void)nargs, (void)cval;
    if (in[0].rank != 1)
        return fail(why, whylen, "expects a vector");
    *out = in[0];
    *out_type = types[0];
    return 0;
}

static int sh_dot(int nargs, const gb_shape *in, const gb_vtype *types, const double *cval,
                  gb_shape *out, gb_vtype *out_type, char *why, size_t whylen)
{
    (void)nargs, (void)cval;
    if (in[0].rank != 1 || in[1].rank != 1)
        return fail(why, whylen, "expects two vectors");
    if (!gb_dim_eq(in[0].dim[0], in[1].dim[0]))
        return fail(why, whylen, "the vectors must have the same length");
    scalar_out(out);
    *out_type = types[0] == GB_INT && types[1] == GB_INT ? GB_INT : GB_REAL;
    return 0;
}

/* rows_dot_product / columns_dot_product: two matrices of one shape to a vector. */
static int sh_rows_dot(int nargs, const gb_shape *in, const gb_vtype *types, const double *cval,
                       gb_shape *out, gb_vtype *out_type, char *why, size_t whylen, int axis)
{
    (void)nargs, (void)types, (void)cval;
    if (in[0].rank != 2 || !shape_eq(&in[0], &in[1]))
        return fail(why, whylen, "expects two matrices of the same shape");
    out->rank = 1;
    out->dim[0] = in[0].dim[axis];
    *out_type = GB_REAL;
    return 0;
}

static int sh_rows_dot_product(int nargs, const gb_shape *in, const gb_vtype *types,
                               const double *cval, gb_shape *out, gb_vtype *out_type, char *why,
                               size_t whylen)
{
    return sh_rows_dot(nargs, in, types, cval, out, out_type, why, whylen, 0);
}

static int sh_cols_dot_product(int nargs, const gb_shape *in, const gb_vtype *types,
                               const double *cval, gb_shape *out, gb_vtype *out_type, char *why,
                               size_t whylen)
{
    return sh_rows_dot(nargs, in, types, cval, out, out_type, why, whylen, 1);
}

/* ---- sum, prod, mean, variance, sd ---- */

static int ev_sum(int nargs, const gb_tensor *in, gb_tensor *out)
{
    (void)nargs;
    double s = 0;
    for (size_t i = 0; i < in[0].len; i++)
        s += in[0].val[i];
    out->val[0] = s;
    return 0;
}

static void vj_sum(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                   double *const *in_adj)
{
    (void)nargs, (void)out;
    if (in_adj[0])
        for (size_t i = 0; i < in[0].len; i++)
            in_adj[0][i] += out_adj[0];
}

static int ev_prod(int nargs, const gb_tensor *in, gb_tensor *out)
{
    (void)nargs;
    double p = 1;
    for (size_t i = 0; i < in[0].len; i++)
        p *= in[0].val[i];
    out->val[0] = p;
    return 0;
}

/* d prod / d x_i is the product of the others, formed directly when x has zeros. */
static void vj_prod(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                    double *const *in_adj)
{
    (void)nargs, (void)out;
    if (!in_adj[0])
        return;
    const double *x = in[0].val;
    size_t n = in[0].len, zeros = 0, zi = 0;
    double nz = 1; /* product of the nonzero elements */
    for (size_t i = 0; i < n; i++) {
        if (x[i] == 0) {
            zeros++;
            zi = i;
        } else {
            nz *= x[i];
        }
    }
    if (zeros == 1)
        in_adj[0][zi] += out_adj[0] * nz;
    else if (zeros == 0)
        for (size_t i = 0; i < n; i++)
            in_adj[0][i] += out_adj[0] * nz / x[i];
}

static double mean_of(const gb_tensor *t)
{
    double s = 0;
    for (size_t i = 0; i < t->len; i++)
        s += t->val[i];
    return s / (double)t->len;
}

static int ev_mean(int nargs, const gb_tensor *in, gb_tensor *out)
{
    (void)nargs;
    if (in[0].len == 0)
        return -1;
    out->val[0] = mean_of(&in[0]);
    return 0;
}

static void vj_mean(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                    double *const *in_adj)
{
    (void)nargs, (void)out;
    if (in_adj[0])
        for (size_t i = 0; i < in[0].len; i++)
            in_adj[0][i] += out_adj[0] / (double)in[0].len;
}

/* Sample variance, divisor n - 1 (two passes about the mean); 0 for one element. */
static double variance_of(const gb_tensor *t)
{
    if (t->len < 2)
        return 0;
    double m = mean_of(t), s = 0;
    for (size_t i = 0; i < t->len; i++)
        s += (t->val[i] - m) * (t->val[i] - m);
    return s / (double)(t->len - 1);
}

static int ev_variance(int nargs, const gb_tensor *in, gb_tensor *out)
{
    (void)nargs;
    if (in[0].len == 0)
        return -1;
    out->val[0] = variance_of(&in[0]);
    return 0;
}

static int ev_sd(int nargs, const gb_tensor *in, gb_tensor *out)
{
    (void)nargs;
    if (in[0].len == 0)
        return -1;
    out->val[0] = sqrt(variance_of(&in[0]));
    return 0;
}

/* d var / d x_i = 2 (x_i - mean) / (n - 1); d sd = d var / (2 sd), zero when sd is zero. */
static void var_vjp(const gb_tensor *x, double scale, double *adj)
{
    if (x->len < 2)
        return;
    double m = mean_of(x);
    for (size_t i = 0; i < x->len; i++)
        adj[i] += scale * 2 * (x->val[i] - m) / (double)(x->len - 1);
}

static void vj_variance(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                        double *const *in_adj)
{
    (void)nargs, (void)out;
    if (in_adj[0])
        var_vjp(&in[0], out_adj[0], in_adj[0]);
}

static void vj_sd(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                  double *const *in_adj)
{
    (void)nargs;
    if (in_adj[0] && out->val[0] > 0)
        var_vjp(&in[0], out_adj[0] / (2 * out->val[0]), in_adj[0]);
}

/* ---- min, max, log_sum_exp: one-argument reductions or two-argument elementwise ---- */

static size_t arg_min_max(const gb_tensor *t, int want_max)
{
    size_t k = 0;
    for (size_t i = 1; i < t->len; i++)
        if (want_max ? t->val[i] > t->val[k] : t->val[i] < t->val[k])
            k = i;
    return k;
}

static double at(const gb_tensor *t, size_t i)
{
    return t->val[t->len == 1 ? 0 : i];
}

static int minmax_eval(int nargs, const gb_tensor *in, gb_tensor *out, int want_max)
{
    if (nargs == 1) {
        if (in[0].len == 0)
            return -1;
        out->val[0] = in[0].val[arg_min_max(&in[0], want_max)];
        return 0;
    }
    for (size_t i = 0; i < out->len; i++) {
        double a = at(&in[0], i), b = at(&in[1], i);
        out->val[i] = (want_max ? b > a : b < a) ? b : a;
    }
    return 0;
}

/* The gradient goes to the chosen element, the first one on a tie. */
static void minmax_vjp(int nargs, const gb_tensor *in, const double *out_adj, double *const *in_adj,
                       size_t outlen, int want_max)
{
    if (nargs == 1) {
        if (in_adj[0] && in[0].len > 0)
            in_adj[0][arg_min_max(&in[0], want_max)] += out_adj[0];
        return;
    }
    for (size_t i = 0; i < outlen; i++) {
        double a = at(&in[0], i), b = at(&in[1], i);
        int k = (want_max ? b > a : b < a) ? 1 : 0;
        if (in_adj[k])
            in_adj[k][in[k].len == 1 ? 0 : i] += out_adj[i];
    }
}

static int ev_min(int nargs, const gb_tensor *in, gb_tensor *out)
{
    return minmax_eval(nargs, in, out, 0);
}

static int ev_max(int nargs, const gb_tensor *in, gb_tensor *out)
{
    return minmax_eval(nargs, in, out, 1);
}

static void vj_min(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                   double *const *in_adj)
{
    minmax_vjp(nargs, in, out_adj, in_adj, out->len, 0);
}

static void vj_max(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                   double *const *in_adj)
{
    minmax_vjp(nargs, in, out_adj, in_adj, out->len, 1);
}

/* log(sum exp(x)) with the maximum factored out; -inf for no elements or all -inf. */
static double lse(const double *x, size_t n, size_t stride)
{
    double m = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (x[i * stride] > m)
            m = x[i * stride];
    if (m == -INFINITY || m == INFINITY)
        return m;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += exp(x[i * stride] - m);
    return m + log(s);
}

static int ev_lse(int nargs, const gb_tensor *in, gb_tensor *out)
{
    if (nargs == 1) {
        out->val[0] = lse(in[0].val, in[0].len, 1);
        return 0;
    }
    for (size_t i = 0; i < out->len; i++) {
        double ab[2] = {at(&in[0], i), at(&in[1], i)};
        out->val[i] = lse(ab, 2, 1);
    }
    return 0;
}

/* d lse / d x_i = exp(x_i - lse): the softmax weights. */
static void vj_lse(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                   double *const *in_adj)
{
    if (nargs == 1) {
        if (in_adj[0] && out->val[0] > -INFINITY)
            for (size_t i = 0; i < in[0].len; i++)
                in_adj[0][i] += out_adj[0] * exp(in[0].val[i] - out->val[0]);
        return;
    }
    for (size_t i = 0; i < out->len; i++) {
        if (out->val[i] == -INFINITY)
            continue;
        for (int k = 0; k < 2; k++)
            if (in_adj[k])
                in_adj[k][in[k].len == 1 ? 0 : i] += out_adj[i] * exp(at(&in[k], i) - out->val[i]);
    }
}

/* ---- softmax, log_softmax, cumulative_sum ---- */

static int ev_log_softmax(int nargs, const gb_tensor *in, gb_tensor *out)
{
    (void)nargs;
    double l = lse(in[0].val, in[0].len, 1);
    if (!isfinite(l))
        return -1;
    for (size_t i = 0; i < in[0].len; i++)
        out->val[i] = in[0].val[i] - l;
    return 0;
}

static int ev_softmax(int nargs, const gb_tensor *in, gb_tensor *out)
{
    if (ev_log_softmax(nargs, in, out) != 0)
        return -1;
    for (size_t i = 0; i < out->len; i++)
        out->val[i] = exp(out->val[i]);
    return 0;
}

/* softmax: J = diag(s) - s s^T, so adj_x = s * (g - <g, s>). */
static void vj_softmax(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                       double *const *in_adj)
{
    (void)nargs, (void)in;
    if (!in_adj[0])
        return;
    double gs = 0;
    for (size_t i = 0; i < out->len; i++)
        gs += out_adj[i] * out->val[i];
    for (size_t i = 0; i < out->len; i++)
        in_adj[0][i] += out->val[i] * (out_adj[i] - gs);
}

/* log_softmax: J = I - 1 s^T, so adj_x = g - s * sum(g). */
static void vj_log_softmax(int nargs, const gb_tensor *in, const gb_tensor *out,
                           const double *out_adj, double *const *in_adj)
{
    (void)nargs, (void)in;
    if (!in_adj[0])
        return;
    double g = 0;
    for (size_t i = 0; i < out->len; i++)
        g += out_adj[i];
    for (size_t i = 0; i < out->len; i++)
        in_adj[0][i] += out_adj[i] - exp(out->val[i]) * g;
}

static int ev_cumsum(int nargs, const gb_tensor *in, gb_tensor *out)
{
    (void)nargs;
    double s = 0;
    for (size_t i = 0; i < in[0].len; i++)
        out->val[i] = s += in[0].val[i];
    return 0;
}

/* adj_x_i = sum_{j >= i} g_j, a suffix sum. */
static void vj_cumsum(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                      double *const *in_adj)
{
    (void)nargs, (void)out;
    if (!in_adj[0])
        return;
    double s = 0;
    for (size_t i = in[0].len; i-- > 0;)
        in_adj[0][i] += s += out_adj[i];
}

/* ---- dot products ---- */

static int ev_dot(int nargs, const gb_tensor *in, gb_tensor *out)
{
    (void)nargs;
    double s = 0;
    for (size_t i = 0; i < in[0].len; i++)
        s += in[0].val[i] * in[1].val[i];
    out->val[0] = s;
    return 0;
}

static void vj_dot(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                   double *const *in_adj)
{
    (void)nargs, (void)out;
    for (int k = 0; k < 2; k++)
        if (in_adj[k])
            for (size_t i = 0; i < in[0].len; i++)
                in_adj[k][i] += out_adj[0] * in[1 - k].val[i];
}

static int ev_dot_self(int nargs, const gb_tensor *in, gb_tensor *out)
{
    (void)nargs;
    double s = 0;
    for (size_t i = 0; i < in[0].len; i++)
        s += in[0].val[i] * in[0].val[i];
    out->val[0] = s;
    return 0;
}

static void vj_dot_self(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                        double *const *in_adj)
{
    (void)nargs, (void)out;
    if (in_adj[0])
        for (size_t i = 0; i < in[0].len; i++)
            in_adj[0][i] += 2 * out_adj[0] * in[0].val[i];
}

/* Output k of rows_dot_product (axis 0) pairs row k, of columns_dot_product column k: the
 * j-th term is at rc_index and there are rc_count terms. */
static size_t rc_count(const gb_tensor *a, int axis)
{
    return a->shape.dim[axis == 0 ? 1 : 0];
}

static size_t rc_index(const gb_tensor *a, size_t k, size_t j, int axis)
{
    size_t n = a->shape.dim[1];
    return axis == 0 ? k * n + j : j * n + k;
}

static int rows_dot_eval(const gb_tensor *in, gb_tensor *out, int axis)
{
    for (size_t k = 0; k < out->len; k++) {
        double s = 0;
        for (size_t j = 0; j < rc_count(&in[0], axis); j++) {
            size_t idx = rc_index(&in[0], k, j, axis);
            s += in[0].val[idx] * in[1].val[idx];
        }
        out->val[k] = s;
    }
    return 0;
}

static void rows_dot_vjp(const gb_tensor *in, size_t outlen, const double *out_adj,
                         double *const *in_adj, int axis)
{
    for (size_t k = 0; k < outlen; k++) {
        for (size_t j = 0; j < rc_count(&in[0], axis); j++) {
            size_t idx = rc_index(&in[0], k, j, axis);
            for (int a = 0; a < 2; a++)
                if (in_adj[a])
                    in_adj[a][idx] += out_adj[k] * in[1 - a].val[idx];
        }
    }
}

static int ev_rows_dot(int nargs, const gb_tensor *in, gb_tensor *out)
{
    (void)nargs;
    return rows_dot_eval(in, out, 0);
}

static int ev_cols_dot(int nargs, const gb_tensor *in, gb_tensor *out)
{
    (void)nargs;
    return rows_dot_eval(in, out, 1);
}

static void vj_rows_dot(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                        double *const *in_adj)
{
    (void)nargs;
    rows_dot_vjp(in, out->len, out_adj, in_adj, 0);
}

static void vj_cols_dot(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                        double *const *in_adj)
{
    (void)nargs;
    rows_dot_vjp(in, out->len, out_adj, in_adj, 1);
}

/* ---- the table ---- */

#define GEN(id, nm, lo, hi, sh, ev, vj, text)                                                      \
    static const gb_func_ops id = GB_GENERAL_FUNC(nm, lo, hi, sh, ev, vj, text)

GEN(fn_sum, "sum", 1, 1, sh_reduce_keep, ev_sum, vj_sum, "sum(x): sum of all elements");
GEN(fn_prod, "prod", 1, 1, sh_reduce_keep, ev_prod, vj_prod, "prod(x): product of all elements");
GEN(fn_mean, "mean", 1, 1, sh_reduce_real, ev_mean, vj_mean, "mean(x): mean of all elements");
GEN(fn_variance, "variance", 1, 1, sh_reduce_real, ev_variance, vj_variance,
    "variance(x): sample variance of all elements (divisor n - 1)");
GEN(fn_sd, "sd", 1, 1, sh_reduce_real, ev_sd, vj_sd,
    "sd(x): sample standard deviation of all elements (divisor n - 1)");
GEN(fn_min, "min", 1, 2, sh_minmax, ev_min, vj_min,
    "min(x) smallest element; min(a, b) elementwise smaller, int for ints");
GEN(fn_max, "max", 1, 2, sh_minmax, ev_max, vj_max,
    "max(x) largest element; max(a, b) elementwise larger, int for ints");
GEN(fn_lse, "log_sum_exp", 1, 2, sh_lse, ev_lse, vj_lse,
    "log_sum_exp(x): log(sum(exp(x))) without overflow; log_sum_exp(a, b) elementwise");
GEN(fn_softmax, "softmax", 1, 1, sh_vector_real, ev_softmax, vj_softmax,
    "softmax(v): exp(v) / sum(exp(v))");
GEN(fn_log_softmax, "log_softmax", 1, 1, sh_vector_real, ev_log_softmax, vj_log_softmax,
    "log_softmax(v): v - log_sum_exp(v)");
GEN(fn_cumsum, "cumulative_sum", 1, 1, sh_vector_keep, ev_cumsum, vj_cumsum,
    "cumulative_sum(v): running sums v[1], v[1] + v[2], ...");
GEN(fn_dot, "dot_product", 2, 2, sh_dot, ev_dot, vj_dot, "dot_product(u, v): sum of u[i] * v[i]");
GEN(fn_dot_self, "dot_self", 1, 1, sh_reduce_real, ev_dot_self, vj_dot_self,
    "dot_self(v): sum of v[i]^2");
GEN(fn_rows_dot, "rows_dot_product", 2, 2, sh_rows_dot_product, ev_rows_dot, vj_rows_dot,
    "rows_dot_product(A, B): vector of dot products of matching rows");
GEN(fn_cols_dot, "columns_dot_product", 2, 2, sh_cols_dot_product, ev_cols_dot, vj_cols_dot,
    "columns_dot_product(A, B): vector of dot products of matching columns");

const gb_func_ops *const gb_funcs_array[] = {&fn_sum,
                                             &fn_prod,
                                             &fn_mean,
                                             &fn_variance,
                                             &fn_sd,
                                             &fn_min,
                                             &fn_max,
                                             &fn_lse,
                                             &fn_softmax,
                                             &fn_log_softmax,
                                             &fn_cumsum,
                                             &fn_dot,
                                             &fn_dot_self,
                                             &fn_rows_dot,
                                             &fn_cols_dot,
                                             &gb_func_shape_size,
                                             &gb_func_shape_rows,
                                             &gb_func_shape_cols,
                                             &gb_func_shape_num_elements,
                                             &gb_func_shape_rep_vector,
                                             &gb_func_shape_rep_array,
                                             &gb_func_shape_rep_matrix,
                                             &gb_func_shape_to_vector,
                                             &gb_func_shape_to_array_1d,
                                             &gb_func_shape_to_matrix,
                                             &gb_func_shape_append_row,
                                             &gb_func_shape_append_col,
                                             &gb_func_shape_segment,
                                             &gb_func_shape_head,
                                             &gb_func_shape_tail,
                                             &gb_func_shape_sort_asc,
                                             &gb_func_shape_sort_desc,
                                             &gb_func_shape_sort,
                                             &gb_func_shape_seq,
                                             &gb_func_shape_rank,
                                             &gb_func_shape_reverse,
                                             NULL};
