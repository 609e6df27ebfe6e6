/* func_linalg.c - matrix functions (func.h, GB_FUNC_GENERAL): transpose, diag_matrix,
 * diagonal, trace, cholesky_decompose, inverse, determinant, log_determinant,
 * multiply_lower_tri_self_transpose, crossprod, tcrossprod, mdivide_left.
 *
 * Matrices are row-major [m, n] tensors, viewed in place as gsl_matrix.  Factorisations use GSL
 * (Cholesky, LU with partial pivoting) and products gsl_blas.  The reverse-mode rules follow
 * Giles (2008), "Collected matrix derivative results for forward and reverse mode AD":
 * inverse Abar = -B^T Bbar B^T, log|det| Abar = gbar A^-T, solve bbar = A^-T xbar,
 * Abar = -bbar x^T; and for the Cholesky factor Murray (2016), "Differentiation of the Cholesky
 * decomposition", eq. 10: Abar = L^-T Phi(L^T Lbar) L^-1, symmetrised.
 *
 * The interface gives no workspace, so factorisations take their scratch from a fixed stack
 * buffer (matrices up to WORK_STACK doubles) and fall back to malloc above it; an eval that
 * cannot get memory fails, a vjp writes NaN into the gradient so the evaluator reports it. */
#include "funcs.h"
#include "func_def.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>

/* Doubles of scratch kept on the stack: two 16 x 16 matrices. */
#define WORK_STACK 512
/* Permutation entries kept on the stack: the order of the largest stacked LU (22 x 22). */
#define PERM_STACK 24

typedef struct work {
    double *d;
    size_t *z;
    double dbuf[WORK_STACK];
    size_t zbuf[PERM_STACK];
} work;

/* nd doubles and nz size_t's; returns 0, or -1 when malloc fails. */
static int work_init(work *w, size_t nd, size_t nz)
{
    w->d = nd <= WORK_STACK ? w->dbuf : malloc(nd * sizeof *w->d);
    w->z = nz <= PERM_STACK ? w->zbuf : malloc(nz * sizeof *w->z);
    if (!w->d || !w->z) {
        if (w->d != w->dbuf)
            free(w->d);
        if (w->z != w->zbuf)
            free(w->z);
        return -1;
    }
    return 0;
}

static void work_free(work *w)
{
    if (w->d != w->dbuf)
        free(w->d);
    if (w->z != w->zbuf)
        free(w->z);
}

static gsl_matrix_view mview(double *p, size_t m, size_t n)
{
    return gsl_matrix_view_array(p, m, n);
}

static int fail(char *why, size_t whylen, const char *msg)
{
    snprintf(why, whylen, "%s", msg);
    return -1;
}

#define UNUSED_SHAPE_ARGS (void)nargs, (void)types, (void)cval

/* Marks a gradient NaN when a vjp could not get its scratch memory. */
static void poison(double *adj)
{
    if (adj)
        adj[0] = NAN;
}

/* ---- shape rules ---- */

static int square_dim(const gb_shape *s, char *why, size_t whylen)
{
    if (s->rank != 2 || !gb_dim_eq(s->dim[0], s->dim[1]))
        return fail(why, whylen, "expects a square matrix");
    return 0;
}

SHAPE_FN(sh_square_same)
{
    UNUSED_SHAPE_ARGS;
    *out_type = GB_REAL;
    *out = in[0];
    return square_dim(&in[0], why, whylen);
}

SHAPE_FN(sh_square_scalar)
{
    UNUSED_SHAPE_ARGS;
    *out_type = GB_REAL;
    out->rank = 0;
    return square_dim(&in[0], why, whylen);
}

SHAPE_FN(sh_transpose)
{
    (void)nargs, (void)cval;
    if (in[0].rank != 2)
        return fail(why, whylen, "expects a matrix");
    *out_type = types[0];
    out->rank = 2;
    out->dim[0] = in[0].dim[1];
    out->dim[1] = in[0].dim[0];
    return 0;
}

SHAPE_FN(sh_diag_matrix)
{
    (void)nargs, (void)cval;
    if (in[0].rank != 1)
        return fail(why, whylen, "expects a vector");
    *out_type = types[0];
    out->rank = 2;
    out->dim[0] = out->dim[1] = in[0].dim[0];
    return 0;
}

SHAPE_FN(sh_diagonal)
{
    (void)nargs, (void)cval;
    if (in[0].rank != 2)
        return fail(why, whylen, "expects a matrix");
    *out_type = types[0];
    out->rank = 1;
    size_t m = in[0].dim[0], n = in[0].dim[1];
    out->dim[0] = m == GB_DIM_UNKNOWN || n == GB_DIM_UNKNOWN ? GB_DIM_UNKNOWN : m < n ? m : n;
    return 0;
}

/* crossprod(A) = A^T A is [n, n]; tcrossprod(A) = A A^T is [m, m]. */
static int cross_shape(const gb_shape *in, gb_shape *out, int axis, char *why, size_t whylen)
{
    if (in->rank != 2)
        return fail(why, whylen, "expects a matrix");
    out->rank = 2;
    out->dim[0] = out->dim[1] = in->dim[axis];
    return 0;
}

SHAPE_FN(sh_crossprod)
{
    UNUSED_SHAPE_ARGS;
    *out_type = GB_REAL;
    return cross_shape(&in[0], out, 1, why, whylen);
}

SHAPE_FN(sh_tcrossprod)
{
    UNUSED_SHAPE_ARGS;
    *out_type = GB_REAL;
    return cross_shape(&in[0], out, 0, why, whylen);
}

SHAPE_FN(sh_mdivide_left)
{
    UNUSED_SHAPE_ARGS;
    *out_type = GB_REAL;
    if (square_dim(&in[0], why, whylen) != 0)
        return -1;
    if (in[1].rank < 1 || in[1].rank > 2)
        return fail(why, whylen, "expects a vector or a matrix on the right");
    if (!gb_dim_eq(in[0].dim[0], in[1].dim[0]))
        return fail(why, whylen, "A and b must have the same number of rows");
    *out = in[1];
    return 0;
}

/* ---- transpose, diag_matrix, diagonal, trace ---- */

EVAL_FN(ev_transpose)
{
    (void)nargs;
    size_t m = in[0].shape.dim[0], n = in[0].shape.dim[1];
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            out->val[j * m + i] = in[0].val[i * n + j];
    return 0;
}

VJP_FN(vj_transpose)
{
    (void)nargs, (void)out;
    size_t m = in[0].shape.dim[0], n = in[0].shape.dim[1];
    if (in_adj[0])
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                in_adj[0][i * n + j] += out_adj[j * m + i];
}

EVAL_FN(ev_diag_matrix)
{
    (void)nargs;
    size_t n = in[0].len;
    memset(out->val, 0, out->len * sizeof *out->val);
    for (size_t i = 0; i < n; i++)
        out->val[i * n + i] = in[0].val[i];
    return 0;
}

VJP_FN(vj_diag_matrix)
{
    (void)nargs, (void)out;
    size_t n = in[0].len;
    if (in_adj[0])
        for (size_t i = 0; i < n; i++)
            in_adj[0][i] += out_adj[i * n + i];
}

EVAL_FN(ev_diagonal)
{
    (void)nargs;
    size_t n = in[0].shape.dim[1];
    for (size_t i = 0; i < out->len; i++)
        out->val[i] = in[0].val[i * n + i];
    return 0;
}

VJP_FN(vj_diagonal)
{
    (void)nargs;
    size_t n = in[0].shape.dim[1];
    if (in_adj[0])
        for (size_t i = 0; i < out->len; i++)
            in_adj[0][i * n + i] += out_adj[i];
}

EVAL_FN(ev_trace)
{
    (void)nargs;
    size_t n = in[0].shape.dim[0];
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += in[0].val[i * n + i];
    out->val[0] = s;
    return 0;
}

VJP_FN(vj_trace)
{
    (void)nargs, (void)out;
    size_t n = in[0].shape.dim[0];
    if (in_adj[0])
        for (size_t i = 0; i < n; i++)
            in_adj[0][i * n + i] += out_adj[0];
}

/* ---- cholesky_decompose ---- */

/* L with L L^T = (A + A^T) / 2; -1 when that is not positive definite. */
EVAL_FN(ev_cholesky)
{
    (void)nargs;
    size_t n = in[0].shape.dim[0];
    const double *a = in[0].val;
    double *l = out->val;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            l[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
    if (n == 0)
        return 0;
    gsl_matrix_view L = mview(l, n, n);
    if (gsl_linalg_cholesky_decomp1(&L.matrix) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            l[i * n + j] = 0;
    return 0;
}

/* Murray (2016) eq. 10: S = L^-T Phi(L^T tril(Lbar)) L^-1, Phi = lower triangle with the
 * diagonal halved; Abar += (S + S^T) / 2 because eval reads A symmetrised. */
VJP_FN(vj_cholesky)
{
    (void)nargs;
    size_t n = in[0].shape.dim[0];
    if (!in_adj[0] || n == 0)
        return;
    work w;
    if (work_init(&w, 2 * n * n, 0) != 0) {
        poison(in_adj[0]);
        return;
    }
    double *lbar = w.d, *p = w.d + n * n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            lbar[i * n + j] = j <= i ? out_adj[i * n + j] : 0;
    gsl_matrix_const_view L = gsl_matrix_const_view_array(out->val, n, n),
                          Lb = gsl_matrix_const_view_array(lbar, n, n);
    gsl_matrix_view P = mview(p, n, n);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &L.matrix, &Lb.matrix, 0.0, &P.matrix);
    for (size_t i = 0; i < n; i++) {
        p[i * n + i] *= 0.5;
        for (size_t j = i + 1; j < n; j++)
            p[i * n + j] = 0;
    }
    gsl_blas_dtrsm(CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, 1.0, &L.matrix, &P.matrix);
    gsl_blas_dtrsm(CblasLeft, CblasLower, CblasTrans, CblasNonUnit, 1.0, &L.matrix, &P.matrix);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            in_adj[0][i * n + j] += 0.5 * (p[i * n + j] + p[j * n + i]);
    work_free(&w);
}

/* ---- LU-based: inverse, determinant, log_determinant, mdivide_left ---- */

/* LU of the n x n matrix a (of a^T when trans) into w: n*n doubles first, then extra; -1
 * without memory. */
static int lu_of(const double *a, size_t n, int trans, size_t extra, work *w, gsl_permutation *perm,
                 int *signum)
{
    if (work_init(w, n * n + extra, n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            w->d[i * n + j] = trans ? a[j * n + i] : a[i * n + j];
    perm->size = n;
    perm->data = w->z;
    gsl_matrix_view LU = mview(w->d, n, n);
    if (gsl_linalg_LU_decomp(&LU.matrix, perm, signum) != 0) {
        work_free(w);
        return -1;
    }
    return 0;
}

static int lu(const double *a, size_t n, size_t extra, work *w, gsl_permutation *perm, int *signum)
{
    return lu_of(a, n, 0, extra, w, perm, signum);
}

/* A^-1 into inv from a factorisation in w; -1 when singular. */
static int lu_inverse(work *w, const gsl_permutation *perm, size_t n, double *inv)
{
    gsl_matrix_view LU = mview(w->d, n, n), B = mview(inv, n, n);
    if (gsl_linalg_LU_det(&LU.matrix, 1) == 0)
        return -1;
    return gsl_linalg_LU_invert(&LU.matrix, perm, &B.matrix) != 0 ? -1 : 0;
}

EVAL_FN(ev_inverse)
{
    (void)nargs;
    size_t n = in[0].shape.dim[0];
    if (n == 0)
        return 0;
    work w;
    gsl_permutation perm;
    int signum;
    if (lu(in[0].val, n, 0, &w, &perm, &signum) != 0)
        return -1;
    int rc = lu_inverse(&w, &perm, n, out->val);
    work_free(&w);
    return rc;
}

/* Abar += -B^T Bbar B^T with B = A^-1. */
VJP_FN(vj_inverse)
{
    (void)nargs;
    size_t n = in[0].shape.dim[0];
    if (!in_adj[0] || n == 0)
        return;
    work w;
    if (work_init(&w, n * n, 0) != 0) {
        poison(in_adj[0]);
        return;
    }
    gsl_matrix_const_view B = gsl_matrix_const_view_array(out->val, n, n),
                          G = gsl_matrix_const_view_array(out_adj, n, n);
    gsl_matrix_view T = mview(w.d, n, n), A = mview(in_adj[0], n, n);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &G.matrix, &B.matrix, 0.0, &T.matrix);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, -1.0, &B.matrix, &T.matrix, 1.0, &A.matrix);
    work_free(&w);
}

/* det A, or log |det A| (lg set; a singular A is then an error); an empty A's is 1 (log: 0). */
static int determinant(const gb_tensor *a, double *out, int lg)
{
    size_t n = a->shape.dim[0];
    if (n == 0) {
        *out = lg ? 0 : 1;
        return 0;
    }
    work w;
    gsl_permutation perm;
    int signum;
    if (lu(a->val, n, 0, &w, &perm, &signum) != 0)
        return -1;
    gsl_matrix_view LU = mview(w.d, n, n);
    double d = gsl_linalg_LU_det(&LU.matrix, lg ? 1 : signum);
    *out = lg ? gsl_linalg_LU_lndet(&LU.matrix) : d;
    work_free(&w);
    return lg && d == 0 ? -1 : 0;
}

EVAL_FN(ev_determinant)
{
    (void)nargs;
    return determinant(&in[0], out->val, 0);
}

EVAL_FN(ev_log_determinant)
{
    (void)nargs;
    return determinant(&in[0], out->val, 1);
}

/* Abar += scale * A^-T; a singular A adds nothing (the gradient through the adjugate is not
 * formed). */
static void add_inverse_t(const gb_tensor *a, double scale, double *adj)
{
    size_t n = a->shape.dim[0];
    work w;
    gsl_permutation perm;
    int signum;
    if (lu(a->val, n, n * n, &w, &perm, &signum) != 0) {
        poison(adj);
        return;
    }
    double *inv = w.d + n * n;
    if (lu_inverse(&w, &perm, n, inv) == 0)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                adj[i * n + j] += scale * inv[j * n + i];
    work_free(&w);
}

VJP_FN(vj_determinant)
{
    (void)nargs;
    if (in_adj[0] && in[0].shape.dim[0] > 0)
        add_inverse_t(&in[0], out_adj[0] * out->val[0], in_adj[0]);
}

VJP_FN(vj_log_determinant)
{
    (void)nargs, (void)out;
    if (in_adj[0] && in[0].shape.dim[0] > 0)
        add_inverse_t(&in[0], out_adj[0], in_adj[0]);
}

static size_t ncols(const gb_tensor *t)
{
    return t->shape.rank == 2 ? t->shape.dim[1] : 1;
}

/* x = A^-1 b, column by column of b; -1 when A is singular. */
EVAL_FN(ev_mdivide_left)
{
    (void)nargs;
    size_t n = in[0].shape.dim[0], k = ncols(&in[1]);
    if (n == 0)
        return 0;
    work w;
    gsl_permutation perm;
    int signum;
    if (lu(in[0].val, n, 0, &w, &perm, &signum) != 0)
        return -1;
    gsl_matrix_view LU = mview(w.d, n, n);
    int rc = gsl_linalg_LU_det(&LU.matrix, 1) == 0 ? -1 : 0;
    memcpy(out->val, in[1].val, n * k * sizeof *out->val);
    for (size_t c = 0; c < k && rc == 0; c++) {
        gsl_vector_view x = gsl_vector_view_array_with_stride(out->val + c, k, n);
        rc = gsl_linalg_LU_svx(&LU.matrix, &perm, &x.vector) != 0 ? -1 : 0;
    }
    work_free(&w);
    return rc;
}

/* bbar = A^-T xbar (an LU of A^T); Abar += -bbar x^T. */
VJP_FN(vj_mdivide_left)
{
    (void)nargs;
    size_t n = in[0].shape.dim[0], k = ncols(&in[1]);
    if (n == 0)
        return;
    work w;
    gsl_permutation perm;
    int signum;
    if (lu_of(in[0].val, n, 1, n * k, &w, &perm, &signum) != 0) {
        poison(in_adj[0] ? in_adj[0] : in_adj[1]);
        return;
    }
    gsl_matrix_view LU = mview(w.d, n, n);
    double *bbar = w.d + n * n;
    memcpy(bbar, out_adj, n * k * sizeof *bbar);
    for (size_t c = 0; c < k; c++) {
        gsl_vector_view y = gsl_vector_view_array_with_stride(bbar + c, k, n);
        gsl_linalg_LU_svx(&LU.matrix, &perm, &y.vector);
    }
    if (in_adj[1])
        for (size_t i = 0; i < n * k; i++)
            in_adj[1][i] += bbar[i];
    if (in_adj[0]) {
        gsl_matrix_const_view Bb = gsl_matrix_const_view_array(bbar, n, k),
                              X = gsl_matrix_const_view_array(out->val, n, k);
        gsl_matrix_view A = mview(in_adj[0], n, n);
        gsl_blas_dgemm(CblasNoTrans, CblasTrans, -1.0, &Bb.matrix, &X.matrix, 1.0, &A.matrix);
    }
    work_free(&w);
}

/* ---- products with the own transpose ---- */

/* out = L L^T with L the lower triangle of A (Stan's multiply_lower_tri_self_transpose). */
EVAL_FN(ev_mlt)
{
    (void)nargs;
    size_t n = in[0].shape.dim[0];
    const double *a = in[0].val;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k <= (i < j ? i : j); k++)
                s += a[i * n + k] * a[j * n + k];
            out->val[i * n + j] = s;
        }
    return 0;
}

/* Abar += tril((G + G^T) L). */
VJP_FN(vj_mlt)
{
    (void)nargs, (void)out;
    size_t n = in[0].shape.dim[0];
    const double *a = in[0].val;
    if (!in_adj[0])
        return;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            double s = 0;
            for (size_t k = j; k < n; k++)
                s += (out_adj[i * n + k] + out_adj[k * n + i]) * a[k * n + j];
            in_adj[0][i * n + j] += s;
        }
}

/* crossprod (trans_first 1): A^T A; tcrossprod (0): A A^T. */
static void cross_eval(const gb_tensor *a, gb_tensor *out, int trans_first)
{
    size_t m = a->shape.dim[0], n = a->shape.dim[1];
    if (m == 0 || n == 0) {
        memset(out->val, 0, out->len * sizeof *out->val);
        return;
    }
    size_t r = out->shape.dim[0];
    gsl_matrix_const_view A = gsl_matrix_const_view_array(a->val, m, n);
    gsl_matrix_view C = mview(out->val, r, r);
    gsl_blas_dgemm(trans_first ? CblasTrans : CblasNoTrans, trans_first ? CblasNoTrans : CblasTrans,
                   1.0, &A.matrix, &A.matrix, 0.0, &C.matrix);
}

/* crossprod: Abar += A (G + G^T); tcrossprod: Abar += (G + G^T) A. */
static void cross_vjp(const gb_tensor *a, const double *g, double *adj, int trans_first)
{
    size_t m = a->shape.dim[0], n = a->shape.dim[1];
    if (!adj)
        return;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            if (trans_first)
                for (size_t k = 0; k < n; k++)
                    s += a->val[i * n + k] * (g[k * n + j] + g[j * n + k]);
            else
                for (size_t k = 0; k < m; k++)
                    s += (g[i * m + k] + g[k * m + i]) * a->val[k * n + j];
            adj[i * n + j] += s;
        }
}

EVAL_FN(ev_crossprod)
{
    (void)nargs;
    cross_eval(&in[0], out, 1);
    return 0;
}

EVAL_FN(ev_tcrossprod)
{
    (void)nargs;
    cross_eval(&in[0], out, 0);
    return 0;
}

VJP_FN(vj_crossprod)
{
    (void)nargs, (void)out;
    cross_vjp(&in[0], out_adj, in_adj[0], 1);
}

VJP_FN(vj_tcrossprod)
{
    (void)nargs, (void)out;
    cross_vjp(&in[0], out_adj, in_adj[0], 0);
}

/* ---- the table ---- */

#define GEN(id, nm, nargs_, sh, ev, vj, text)                                                      \
    static const gb_func_ops id = GB_GENERAL_FUNC(nm, nargs_, nargs_, sh, ev, vj, text)

GEN(fn_transpose, "transpose", 1, sh_transpose, ev_transpose, vj_transpose,
    "transpose(A): the transpose of matrix A");
GEN(fn_diag_matrix, "diag_matrix", 1, sh_diag_matrix, ev_diag_matrix, vj_diag_matrix,
    "diag_matrix(v): square matrix with v on the diagonal, zeros elsewhere");
GEN(fn_diagonal, "diagonal", 1, sh_diagonal, ev_diagonal, vj_diagonal,
    "diagonal(A): the diagonal of A as a vector");
GEN(fn_trace, "trace", 1, sh_square_scalar, ev_trace, vj_trace,
    "trace(A): sum of the diagonal of a square matrix");
GEN(fn_cholesky, "cholesky_decompose", 1, sh_square_same, ev_cholesky, vj_cholesky,
    "cholesky_decompose(A): lower L with L L' = A, A symmetric positive definite");
GEN(fn_inverse, "inverse", 1, sh_square_same, ev_inverse, vj_inverse,
    "inverse(A): the inverse of a square matrix (LU)");
GEN(fn_determinant, "determinant", 1, sh_square_scalar, ev_determinant, vj_determinant,
    "determinant(A): the determinant of a square matrix (LU)");
GEN(fn_log_determinant, "log_determinant", 1, sh_square_scalar, ev_log_determinant,
    vj_log_determinant, "log_determinant(A): log of the absolute determinant");
GEN(fn_mlt, "multiply_lower_tri_self_transpose", 1, sh_square_same, ev_mlt, vj_mlt,
    "multiply_lower_tri_self_transpose(A): L L' with L the lower triangle of A");
GEN(fn_crossprod, "crossprod", 1, sh_crossprod, ev_crossprod, vj_crossprod, "crossprod(A): A' A");
GEN(fn_tcrossprod, "tcrossprod", 1, sh_tcrossprod, ev_tcrossprod, vj_tcrossprod,
    "tcrossprod(A): A A'");
GEN(fn_mdivide_left, "mdivide_left", 2, sh_mdivide_left, ev_mdivide_left, vj_mdivide_left,
    "mdivide_left(A, b): the solution x of A x = b (LU)");

const gb_func_ops *const gb_funcs_linalg[] = {
    &fn_transpose, &fn_diag_matrix, &fn_diagonal,    &fn_trace,
    &fn_cholesky,  &fn_inverse,     &fn_determinant, &fn_log_determinant,
    &fn_mlt,       &fn_crossprod,   &fn_tcrossprod,  &fn_mdivide_left,
    NULL};
