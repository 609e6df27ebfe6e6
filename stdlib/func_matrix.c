/* func_matrix.c - matrix products and slices Stan models use (func.h, GB_FUNC_GENERAL):
 * diag_pre_multiply, diag_post_multiply, quad_form, quad_form_diag, row, col.
 *
 * Definitions and argument orders follow the Stan Functions Reference ("Matrix operations"):
 * diag_pre_multiply(v, m) = diag_matrix(v) * m, diag_post_multiply(m, v) = m * diag_matrix(v),
 * quad_form(A, B) = B' A B (a scalar when B is a vector), quad_form_diag(m, v) =
 * diag_matrix(v) * m * diag_matrix(v), row(x, i) and col(x, j) with 1-based positions checked
 * when evaluated (a position known when the graph is built is checked then).
 *
 * Matrices are row-major [m, n] tensors; a rank-1 tensor stands for both a vector and a row
 * vector.  Each value sits beside its vector-Jacobian product.  quad_form's products of whole
 * matrices take an [n, k] scratch from a stack buffer, or malloc above it; an eval that cannot
 * get memory fails and a vjp writes NaN into the gradient, as in func_linalg.c. */
#include "funcs.h"
#include "func_def.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* Doubles of scratch kept on the stack: a 16 x 16 matrix. */
#define WORK_STACK 256

static int fail(char *why, size_t whylen, const char *msg)
{
    snprintf(why, whylen, "%s", msg);
    return -1;
}

#define UNUSED_SHAPE_ARGS (void)nargs, (void)types, (void)cval

/* ---- diag_pre_multiply, diag_post_multiply, quad_form_diag: a matrix scaled by a vector ---- */

/* The matrix is argument mi, the vector vi; the vector's length must match dimension axis of the
 * matrix (both for quad_form_diag, whose matrix is square). */
static int scaled_shape(const gb_shape *in, int mi, int vi, int axis, int square, gb_shape *out,
                        char *why, size_t whylen)
{
    if (in[mi].rank != 2)
        return fail(why, whylen, "expects a matrix");
    if (in[vi].rank != 1)
        return fail(why, whylen, "expects a vector");
    if (square && !gb_dim_eq(in[mi].dim[0], in[mi].dim[1]))
        return fail(why, whylen, "expects a square matrix");
    if (!gb_dim_eq(in[vi].dim[0], in[mi].dim[axis]))
        return fail(why, whylen,
                    axis == 0 ? "the vector's length must equal the matrix's rows"
                              : "the vector's length must equal the matrix's columns");
    *out = in[mi];
    return 0;
}

SHAPE_FN(sh_pre)
{
    UNUSED_SHAPE_ARGS;
    *out_type = GB_REAL;
    return scaled_shape(in, 1, 0, 0, 0, out, why, whylen);
}

SHAPE_FN(sh_post)
{
    UNUSED_SHAPE_ARGS;
    *out_type = GB_REAL;
    return scaled_shape(in, 0, 1, 1, 0, out, why, whylen);
}

SHAPE_FN(sh_quad_diag)
{
    UNUSED_SHAPE_ARGS;
    *out_type = GB_REAL;
    return scaled_shape(in, 0, 1, 1, 1, out, why, whylen);
}

/* out[i, j] = m[i, j] * (pre ? v[i] : 1) * (post ? v[j] : 1). */
static void scaled_eval(const gb_tensor *m, const gb_tensor *v, gb_tensor *out, int pre, int post)
{
    size_t r = m->shape.dim[0], c = m->shape.dim[1];
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) {
            double s = m->val[i * c + j];
            if (pre)
                s *= v->val[i];
            if (post)
                s *= v->val[j];
            out->val[i * c + j] = s;
        }
}

static void scaled_vjp(const gb_tensor *m, const gb_tensor *v, const double *out_adj, double *madj,
                       double *vadj, int pre, int post)
{
    size_t r = m->shape.dim[0], c = m->shape.dim[1];
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++) {
            double g = out_adj[i * c + j], mij = m->val[i * c + j];
            double vi = pre ? v->val[i] : 1, vj = post ? v->val[j] : 1;
            if (madj)
                madj[i * c + j] += g * vi * vj;
            if (!vadj)
                continue;
            if (pre)
                vadj[i] += g * mij * vj;
            if (post)
                vadj[j] += g * mij * vi;
        }
}

EVAL_FN(ev_pre)
{
    (void)nargs;
    scaled_eval(&in[1], &in[0], out, 1, 0);
    return 0;
}

VJP_FN(vj_pre)
{
    (void)nargs, (void)out;
    scaled_vjp(&in[1], &in[0], out_adj, in_adj[1], in_adj[0], 1, 0);
}

EVAL_FN(ev_post)
{
    (void)nargs;
    scaled_eval(&in[0], &in[1], out, 0, 1);
    return 0;
}

VJP_FN(vj_post)
{
    (void)nargs, (void)out;
    scaled_vjp(&in[0], &in[1], out_adj, in_adj[0], in_adj[1], 0, 1);
}

EVAL_FN(ev_quad_diag)
{
    (void)nargs;
    scaled_eval(&in[0], &in[1], out, 1, 1);
    return 0;
}

VJP_FN(vj_quad_diag)
{
    (void)nargs, (void)out;
    scaled_vjp(&in[0], &in[1], out_adj, in_adj[0], in_adj[1], 1, 1);
}

/* ---- quad_form(A, B) = B' A B ---- */

SHAPE_FN(sh_quad_form)
{
    UNUSED_SHAPE_ARGS;
    *out_type = GB_REAL;
    if (in[0].rank != 2 || !gb_dim_eq(in[0].dim[0], in[0].dim[1]))
        return fail(why, whylen, "expects a square matrix first");
    if (in[1].rank < 1 || in[1].rank > 2)
        return fail(why, whylen, "expects a vector or a matrix second");
    if (!gb_dim_eq(in[1].dim[0], in[0].dim[0]))
        return fail(why, whylen, "B must have as many rows as A");
    out->rank = in[1].rank == 1 ? 0 : 2;
    out->dim[0] = out->dim[1] = in[1].rank == 1 ? 0 : in[1].dim[1];
    return 0;
}

/* B is [n, k]: k is 1 for a vector. */
static size_t qf_cols(const gb_tensor *b)
{
    return b->shape.rank == 1 ? 1 : b->shape.dim[1];
}

static double *scratch(double *stack, size_t n)
{
    return n <= WORK_STACK ? stack : malloc(n * sizeof(double));
}

static void scratch_free(double *stack, double *p)
{
    if (p != stack)
        free(p);
}

/* ab[i, q] = sum_j A[trans ? j, i : i, j] B[j, q]: A B, or A' B when trans. */
static void mat_times(const gb_tensor *a, const gb_tensor *b, int trans, double *ab)
{
    size_t n = a->shape.dim[0], k = qf_cols(b);
    for (size_t i = 0; i < n; i++)
        for (size_t q = 0; q < k; q++) {
            double s = 0;
            for (size_t j = 0; j < n; j++)
                s += (trans ? a->val[j * n + i] : a->val[i * n + j]) * b->val[j * k + q];
            ab[i * k + q] = s;
        }
}

EVAL_FN(ev_quad_form)
{
    (void)nargs;
    size_t n = in[0].shape.dim[0], k = qf_cols(&in[1]);
    double stack[WORK_STACK], *ab = scratch(stack, n * k);
    if (!ab)
        return -1;
    mat_times(&in[0], &in[1], 0, ab);
    for (size_t p = 0; p < k; p++)
        for (size_t q = 0; q < k; q++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += in[1].val[i * k + p] * ab[i * k + q];
            out->val[p * k + q] = s;
        }
    scratch_free(stack, ab);
    return 0;
}

/* With C = B' A B and adjoint G (k x k): Abar += B G B', Bbar += A B G' + A' B G. */
VJP_FN(vj_quad_form)
{
    (void)nargs, (void)out;
    const gb_tensor *a = &in[0], *b = &in[1];
    size_t n = a->shape.dim[0], k = qf_cols(b);
    double stack[WORK_STACK], *t = scratch(stack, n * k);
    if (!t) {
        if (in_adj[0])
            in_adj[0][0] = NAN;
        if (in_adj[1])
            in_adj[1][0] = NAN;
        return;
    }
    if (in_adj[0]) { /* t = B G, then Abar[i, j] += sum_q t[i, q] B[j, q] */
        for (size_t i = 0; i < n; i++)
            for (size_t q = 0; q < k; q++) {
                double s = 0;
                for (size_t p = 0; p < k; p++)
                    s += b->val[i * k + p] * out_adj[p * k + q];
                t[i * k + q] = s;
            }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double s = 0;
                for (size_t q = 0; q < k; q++)
                    s += t[i * k + q] * b->val[j * k + q];
                in_adj[0][i * n + j] += s;
            }
    }
    if (in_adj[1])
        for (int trans = 0; trans < 2; trans++) { /* A B G', then A' B G */
            mat_times(a, b, trans, t);
            for (size_t i = 0; i < n; i++)
                for (size_t p = 0; p < k; p++) {
                    double s = 0;
                    for (size_t q = 0; q < k; q++)
                        s += t[i * k + q] * (trans ? out_adj[q * k + p] : out_adj[p * k + q]);
                    in_adj[1][i * k + p] += s;
                }
        }
    scratch_free(stack, t);
}

/* ---- row(x, i), col(x, j) ---- */

/* axis 0: a row (length cols); axis 1: a column (length rows). */
static int slice_shape(const gb_shape *in, const gb_vtype *types, const double *cval, int axis,
                       gb_shape *out, char *why, size_t whylen)
{
    if (in[0].rank != 2)
        return fail(why, whylen, "expects a matrix");
    if (in[1].rank != 0 || types[1] != GB_INT)
        return fail(why, whylen, "expects an integer position");
    size_t len = in[0].dim[axis];
    if (!isnan(cval[1]) && len != GB_DIM_UNKNOWN && (cval[1] < 1 || cval[1] > (double)len))
        return fail(why, whylen, "the position is outside the matrix");
    out->rank = 1;
    out->dim[0] = in[0].dim[1 - axis];
    return 0;
}

SHAPE_FN(sh_row)
{
    (void)nargs;
    *out_type = types[0];
    return slice_shape(in, types, cval, 0, out, why, whylen);
}

SHAPE_FN(sh_col)
{
    (void)nargs;
    *out_type = types[0];
    return slice_shape(in, types, cval, 1, out, why, whylen);
}

/* The 0-based position of argument 1 along axis, or -1 when it is outside. */
static long long position(const gb_tensor *in, int axis)
{
    double s = in[1].val[0];
    if (!(s >= 1) || s != floor(s) || s > (double)in[0].shape.dim[axis])
        return -1;
    return (long long)s - 1;
}

/* Element e of the slice at position p is x[p, e] (a row) or x[e, p] (a column). */
static size_t slice_index(const gb_tensor *x, int axis, size_t p, size_t e)
{
    size_t c = x->shape.dim[1];
    return axis == 0 ? p * c + e : e * c + p;
}

static int slice_eval(const gb_tensor *in, gb_tensor *out, int axis)
{
    long long p = position(in, axis);
    if (p < 0)
        return -1;
    for (size_t e = 0; e < out->len; e++)
        out->val[e] = in[0].val[slice_index(&in[0], axis, (size_t)p, e)];
    return 0;
}

static void slice_vjp(const gb_tensor *in, const gb_tensor *out, const double *out_adj, double *adj,
                      int axis)
{
    long long p = position(in, axis);
    if (p < 0 || !adj)
        return;
    for (size_t e = 0; e < out->len; e++)
        adj[slice_index(&in[0], axis, (size_t)p, e)] += out_adj[e];
}

EVAL_FN(ev_row)
{
    (void)nargs;
    return slice_eval(in, out, 0);
}

EVAL_FN(ev_col)
{
    (void)nargs;
    return slice_eval(in, out, 1);
}

VJP_FN(vj_row)
{
    (void)nargs;
    slice_vjp(in, out, out_adj, in_adj[0], 0);
}

VJP_FN(vj_col)
{
    (void)nargs;
    slice_vjp(in, out, out_adj, in_adj[0], 1);
}

/* ---- the table ---- */

#define GEN(id, nm, nargs_, sh, ev, vj, text)                                                      \
    static const gb_func_ops id = GB_GENERAL_FUNC(nm, nargs_, nargs_, sh, ev, vj, text)

GEN(fn_pre, "diag_pre_multiply", 2, sh_pre, ev_pre, vj_pre,
    "diag_pre_multiply(v, m): diag_matrix(v) * m, row i of m scaled by v[i]");
GEN(fn_post, "diag_post_multiply", 2, sh_post, ev_post, vj_post,
    "diag_post_multiply(m, v): m * diag_matrix(v), column j of m scaled by v[j]");
GEN(fn_quad_form, "quad_form", 2, sh_quad_form, ev_quad_form, vj_quad_form,
    "quad_form(A, B): B' * A * B for square A; a scalar when B is a vector");
GEN(fn_quad_diag, "quad_form_diag", 2, sh_quad_diag, ev_quad_diag, vj_quad_diag,
    "quad_form_diag(m, v): diag_matrix(v) * m * diag_matrix(v) for square m");
GEN(fn_row, "row", 2, sh_row, ev_row, vj_row, "row(x, i): row i of matrix x (1-based)");
GEN(fn_col, "col", 2, sh_col, ev_col, vj_col, "col(x, j): column j of matrix x (1-based)");

const gb_func_ops *const gb_funcs_matrix[] = {&fn_pre, &fn_post, &fn_quad_form, &fn_quad_diag,
                                              &fn_row, &fn_col,  NULL};
