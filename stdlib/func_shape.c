/* func_shape.c - functions that build, reshape or reorder tensors (func.h, GB_FUNC_GENERAL):
 * size queries, rep_*, to_vector / to_matrix, append_row / append_col, segment / head / tail,
 * sort_asc / sort_desc, rank, reverse.  Their entries join func_array.c's table (func_shape.h).
 *
 * Tensors are row-major, so to_vector flattens a matrix row by row (unlike Stan, which goes
 * column by column) and to_matrix(v, m, n) fills row by row.  A rank-1 tensor stands for a
 * column vector: rows(v) is its length, cols(v) is 1, append_col(u, v) is an [n, 2] matrix.
 * Counts that fix a result's size (rep_vector's n, head's n) must be known when the graph is
 * built; positions (segment's start, rank's s) are 1-based and checked when evaluated. */
#include "func_def.h"
#include "func_shape.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest count accepted from a literal: beyond 2^53 a double no longer holds every integer. */
#define MAX_COUNT 9007199254740992.0

static int fail(char *why, size_t whylen, const char *msg)
{
    snprintf(why, whylen, "%s", msg);
    return -1;
}

/* A count argument known at build time (cval), as a size_t. */
static int known_count(double v, size_t *n, char *why, size_t whylen)
{
    if (isnan(v))
        return fail(why, whylen, "the size arguments must be known when the graph is built");
    if (v < 0 || v != floor(v) || v > MAX_COUNT)
        return fail(why, whylen, "a size must be a non-negative integer");
    *n = (size_t)v;
    return 0;
}

static size_t dim_add(size_t a, size_t b)
{
    return a == GB_DIM_UNKNOWN || b == GB_DIM_UNKNOWN ? GB_DIM_UNKNOWN : a + b;
}

#define UNUSED_SHAPE_ARGS (void)nargs, (void)in, (void)types, (void)cval, (void)why, (void)whylen

/* ---- size queries: int scalars read off the argument's shape ---- */

SHAPE_FN(sh_int_scalar)
{
    UNUSED_SHAPE_ARGS;
    out->rank = 0;
    *out_type = GB_INT;
    return 0;
}

SHAPE_FN(sh_rows_cols)
{
    UNUSED_SHAPE_ARGS;
    if (in[0].rank < 1 || in[0].rank > 2)
        return fail(why, whylen, "expects a vector or a matrix");
    out->rank = 0;
    *out_type = GB_INT;
    return 0;
}

EVAL_FN(ev_size)
{
    (void)nargs;
    out->val[0] = in[0].shape.rank == 0 ? 1 : (double)in[0].shape.dim[0];
    return 0;
}

EVAL_FN(ev_cols)
{
    (void)nargs;
    out->val[0] = in[0].shape.rank == 2 ? (double)in[0].shape.dim[1] : 1;
    return 0;
}

EVAL_FN(ev_num_elements)
{
    (void)nargs;
    out->val[0] = (double)in[0].len;
    return 0;
}

/* ---- seq ---- */

/* seq(a, b): the integers a, a + 1, ..., b (empty when b < a); a and b known when the graph is
 * built, as a range's ends are. */
SHAPE_FN(sh_seq)
{
    (void)nargs;
    if (in[0].rank != 0 || in[1].rank != 0 || types[0] != GB_INT || types[1] != GB_INT)
        return fail(why, whylen, "expects two integers");
    if (isnan(cval[0]) || isnan(cval[1]))
        return fail(why, whylen, "its ends must be known when the graph is built");
    out->rank = 1;
    out->dim[0] = cval[1] >= cval[0] ? (size_t)(cval[1] - cval[0]) + 1 : 0;
    *out_type = GB_INT;
    return 0;
}

EVAL_FN(ev_seq)
{
    (void)nargs;
    for (size_t i = 0; i < out->len; i++)
        out->val[i] = in[0].val[0] + (double)i;
    return 0;
}

/* ---- rep_vector, rep_array, rep_matrix ---- */

/* rep_vector(x, n), rep_array(x, n...), rep_matrix(x, m, n): copies of the first argument. */
static int rep_shape(int nargs, const gb_shape *in, const double *cval, gb_shape *out, char *why,
                     size_t whylen)
{
    int k = nargs - 1;
    if (in[0].rank + k > GB_MAX_RANK)
        return fail(why, whylen, "the result would have more than 4 dimensions");
    out->rank = in[0].rank + k;
    for (int i = 0; i < k; i++) {
        if (in[i + 1].rank != 0)
            return fail(why, whylen, "the sizes must be scalars");
        if (known_count(cval[i + 1], &out->dim[i], why, whylen) != 0)
            return -1;
    }
    for (int i = 0; i < in[0].rank; i++)
        out->dim[k + i] = in[0].dim[i];
    return 0;
}

SHAPE_FN(sh_rep_array)
{
    (void)types;
    *out_type = types[0];
    return rep_shape(nargs, in, cval, out, why, whylen);
}

SHAPE_FN(sh_rep_vector)
{
    if (in[0].rank != 0)
        return fail(why, whylen, "expects a scalar to repeat");
    *out_type = types[0];
    return rep_shape(nargs, in, cval, out, why, whylen);
}

/* rep_matrix(x, m, n) from a scalar, rep_matrix(v, n) from a vector: n columns equal to v. */
SHAPE_FN(sh_rep_matrix)
{
    *out_type = types[0];
    if (nargs == 3) {
        if (in[0].rank != 0)
            return fail(why, whylen, "rep_matrix(x, m, n) expects a scalar x");
        return rep_shape(nargs, in, cval, out, why, whylen);
    }
    if (in[0].rank != 1)
        return fail(why, whylen, "rep_matrix(v, n) expects a vector v");
    out->rank = 2;
    out->dim[0] = in[0].dim[0];
    return known_count(cval[1], &out->dim[1], why, whylen);
}

/* The output is whole copies of the first argument, one after another. */
EVAL_FN(ev_tile)
{
    (void)nargs;
    for (size_t i = 0; i < out->len; i++)
        out->val[i] = in[0].val[i % in[0].len];
    return 0;
}

VJP_FN(vj_tile)
{
    (void)nargs;
    if (in_adj[0])
        for (size_t i = 0; i < out->len; i++)
            in_adj[0][i % in[0].len] += out_adj[i];
}

EVAL_FN(ev_rep_matrix)
{
    if (nargs == 3)
        return ev_tile(nargs, in, out);
    size_t n = out->shape.dim[1];
    for (size_t i = 0; i < out->len; i++)
        out->val[i] = in[0].val[i / n];
    return 0;
}

VJP_FN(vj_rep_matrix)
{
    if (nargs == 3) {
        vj_tile(nargs, in, out, out_adj, in_adj);
        return;
    }
    size_t n = out->shape.dim[1];
    if (in_adj[0])
        for (size_t i = 0; i < out->len; i++)
            in_adj[0][i / n] += out_adj[i];
}

/* ---- to_vector, to_matrix, append_row: row-major data copied unchanged ---- */

SHAPE_FN(sh_to_vector)
{
    UNUSED_SHAPE_ARGS;
    out->rank = 1;
    out->dim[0] = 1;
    for (int i = 0; i < in[0].rank; i++)
        out->dim[0] = in[0].dim[i] == GB_DIM_UNKNOWN ? GB_DIM_UNKNOWN : out->dim[0] * in[0].dim[i];
    *out_type = types[0];
    return 0;
}

/* to_matrix(A) copies, to_matrix(v) is a column, to_matrix(v, m, n) fills row by row. */
SHAPE_FN(sh_to_matrix)
{
    *out_type = types[0];
    out->rank = 2;
    if (nargs == 1) {
        if (in[0].rank == 2) {
            *out = in[0];
            return 0;
        }
        if (in[0].rank != 1)
            return fail(why, whylen, "expects a vector or a matrix");
        out->dim[0] = in[0].dim[0];
        out->dim[1] = 1;
        return 0;
    }
    if (nargs != 3)
        return fail(why, whylen, "takes (x) or (x, m, n)");
    if (in[0].rank < 1 || in[0].rank > 2)
        return fail(why, whylen, "expects a vector or a matrix");
    if (known_count(cval[1], &out->dim[0], why, whylen) != 0 ||
        known_count(cval[2], &out->dim[1], why, whylen) != 0)
        return -1;
    size_t len = in[0].rank == 1 ? in[0].dim[0] : in[0].dim[0] * in[0].dim[1];
    if (in[0].dim[0] != GB_DIM_UNKNOWN && in[0].dim[in[0].rank - 1] != GB_DIM_UNKNOWN &&
        len != out->dim[0] * out->dim[1])
        return fail(why, whylen, "m * n must equal the number of elements");
    return 0;
}

/* append_row(a, b): vectors (or scalars) concatenate; matrices stack, a vector as a row. */
SHAPE_FN(sh_append_row)
{
    (void)nargs, (void)cval;
    *out_type = types[0] == GB_INT && types[1] == GB_INT ? GB_INT : GB_REAL;
    const gb_shape *a = &in[0], *b = &in[1];
    if (a->rank <= 1 && b->rank <= 1) {
        out->rank = 1;
        out->dim[0] = dim_add(a->rank ? a->dim[0] : 1, b->rank ? b->dim[0] : 1);
        return 0;
    }
    if (a->rank > 2 || b->rank > 2 || a->rank == 0 || b->rank == 0)
        return fail(why, whylen, "expects vectors or matrices");
    size_t na = a->dim[a->rank - 1], nb = b->dim[b->rank - 1];
    if (!gb_dim_eq(na, nb))
        return fail(why, whylen, "the arguments must have the same number of columns");
    out->rank = 2;
    out->dim[0] = dim_add(a->rank == 2 ? a->dim[0] : 1, b->rank == 2 ? b->dim[0] : 1);
    out->dim[1] = na == GB_DIM_UNKNOWN ? nb : na;
    return 0;
}

static void copy_in(const gb_tensor *x, gb_tensor *out)
{
    if (x->len)
        memcpy(out->val, x->val, x->len * sizeof *x->val);
}

static void add_in(const gb_tensor *x, const double *out_adj, double *adj)
{
    if (adj)
        for (size_t i = 0; i < x->len; i++)
            adj[i] += out_adj[i];
}

EVAL_FN(ev_copy)
{
    (void)nargs;
    copy_in(&in[0], out);
    return 0;
}

VJP_FN(vj_copy)
{
    (void)nargs, (void)out;
    add_in(&in[0], out_adj, in_adj[0]);
}

EVAL_FN(ev_append_row)
{
    (void)nargs;
    copy_in(&in[0], out);
    if (in[1].len)
        memcpy(out->val + in[0].len, in[1].val, in[1].len * sizeof *out->val);
    return 0;
}

VJP_FN(vj_append_row)
{
    (void)nargs, (void)out;
    add_in(&in[0], out_adj, in_adj[0]);
    add_in(&in[1], out_adj + in[0].len, in_adj[1]);
}

/* append_col(A, B): side by side, a vector as one column. */
SHAPE_FN(sh_append_col)
{
    (void)nargs, (void)cval;
    *out_type = types[0] == GB_INT && types[1] == GB_INT ? GB_INT : GB_REAL;
    const gb_shape *a = &in[0], *b = &in[1];
    if (a->rank < 1 || a->rank > 2 || b->rank < 1 || b->rank > 2)
        return fail(why, whylen, "expects vectors or matrices");
    if (!gb_dim_eq(a->dim[0], b->dim[0]))
        return fail(why, whylen, "the arguments must have the same number of rows");
    out->rank = 2;
    out->dim[0] = a->dim[0] == GB_DIM_UNKNOWN ? b->dim[0] : a->dim[0];
    out->dim[1] = dim_add(a->rank == 2 ? a->dim[1] : 1, b->rank == 2 ? b->dim[1] : 1);
    return 0;
}

static size_t ncols(const gb_tensor *t)
{
    return t->shape.rank == 2 ? t->shape.dim[1] : 1;
}

EVAL_FN(ev_append_col)
{
    (void)nargs;
    size_t na = ncols(&in[0]), nb = ncols(&in[1]), m = out->shape.dim[0];
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < na; j++)
            out->val[i * (na + nb) + j] = in[0].val[i * na + j];
        for (size_t j = 0; j < nb; j++)
            out->val[i * (na + nb) + na + j] = in[1].val[i * nb + j];
    }
    return 0;
}

VJP_FN(vj_append_col)
{
    (void)nargs;
    size_t na = ncols(&in[0]), nb = ncols(&in[1]), m = out->shape.dim[0];
    for (size_t i = 0; i < m; i++) {
        if (in_adj[0])
            for (size_t j = 0; j < na; j++)
                in_adj[0][i * na + j] += out_adj[i * (na + nb) + j];
        if (in_adj[1])
            for (size_t j = 0; j < nb; j++)
                in_adj[1][i * nb + j] += out_adj[i * (na + nb) + na + j];
    }
}

/* ---- segment, head, tail: a contiguous slice of a vector ---- */

/* The result has n elements, n the last argument (known at build time). */
SHAPE_FN(sh_slice)
{
    *out_type = types[0];
    if (in[0].rank != 1)
        return fail(why, whylen, "expects a vector");
    for (int i = 1; i < nargs; i++)
        if (in[i].rank != 0)
            return fail(why, whylen, "the position and size must be scalars");
    out->rank = 1;
    if (known_count(cval[nargs - 1], &out->dim[0], why, whylen) != 0)
        return -1;
    size_t len = in[0].dim[0];
    if (len == GB_DIM_UNKNOWN)
        return 0;
    double start = nargs == 3 ? cval[1] : 1;
    if (out->dim[0] > len)
        return fail(why, whylen, "n is larger than the vector");
    if (!isnan(start) && (start < 1 || start - 1 + (double)out->dim[0] > (double)len))
        return fail(why, whylen, "the segment runs past the end of the vector");
    return 0;
}

/* 0-based start of the slice, or -1 when it does not fit. */
static long long slice_start(int nargs, const gb_tensor *in, size_t n, int from_end)
{
    size_t len = in[0].len;
    if (n > len)
        return -1;
    if (nargs == 2)
        return from_end ? (long long)(len - n) : 0;
    double s = in[1].val[0];
    if (!(s >= 1) || s != floor(s) || s - 1 + (double)n > (double)len)
        return -1;
    return (long long)s - 1;
}

static int slice_eval(int nargs, const gb_tensor *in, gb_tensor *out, int from_end)
{
    long long s = slice_start(nargs, in, out->len, from_end);
    if (s < 0)
        return -1;
    for (size_t i = 0; i < out->len; i++)
        out->val[i] = in[0].val[(size_t)s + i];
    return 0;
}

static void slice_vjp(int nargs, const gb_tensor *in, const gb_tensor *out, const double *out_adj,
                      double *const *in_adj, int from_end)
{
    long long s = slice_start(nargs, in, out->len, from_end);
    if (s < 0 || !in_adj[0])
        return;
    for (size_t i = 0; i < out->len; i++)
        in_adj[0][(size_t)s + i] += out_adj[i];
}

EVAL_FN(ev_head)
{
    return slice_eval(nargs, in, out, 0);
}

EVAL_FN(ev_tail)
{
    return slice_eval(nargs, in, out, 1);
}

VJP_FN(vj_head)
{
    slice_vjp(nargs, in, out, out_adj, in_adj, 0);
}

VJP_FN(vj_tail)
{
    slice_vjp(nargs, in, out, out_adj, in_adj, 1);
}

/* ---- sort, rank, reverse ---- */

SHAPE_FN(sh_vector_keep)
{
    (void)nargs, (void)cval;
    if (in[0].rank != 1)
        return fail(why, whylen, "expects a vector");
    *out = in[0];
    *out_type = types[0];
    return 0;
}

static int cmp_asc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_desc(const void *a, const void *b)
{
    return cmp_asc(b, a);
}

EVAL_FN(ev_sort_asc)
{
    (void)nargs;
    copy_in(&in[0], out);
    qsort(out->val, out->len, sizeof *out->val, cmp_asc);
    return 0;
}

EVAL_FN(ev_sort_desc)
{
    (void)nargs;
    copy_in(&in[0], out);
    qsort(out->val, out->len, sizeof *out->val, cmp_desc);
    return 0;
}

/* Where x[i] lands in the sorted output, ties kept in input order: the count of elements that
 * sort before it plus the equal ones before it.  O(n^2), but needs no workspace. */
static size_t sorted_pos(const double *x, size_t n, size_t i, int desc)
{
    size_t r = 0;
    for (size_t j = 0; j < n; j++)
        r += (desc ? x[j] > x[i] : x[j] < x[i]) || (x[j] == x[i] && j < i);
    return r;
}

static void sort_vjp(const gb_tensor *in, const double *out_adj, double *const *in_adj, int desc)
{
    if (in_adj[0])
        for (size_t i = 0; i < in[0].len; i++)
            in_adj[0][i] += out_adj[sorted_pos(in[0].val, in[0].len, i, desc)];
}

VJP_FN(vj_sort_asc)
{
    (void)nargs, (void)out;
    sort_vjp(in, out_adj, in_adj, 0);
}

VJP_FN(vj_sort_desc)
{
    (void)nargs, (void)out;
    sort_vjp(in, out_adj, in_adj, 1);
}

SHAPE_FN(sh_rank)
{
    (void)nargs, (void)cval;
    if (in[0].rank != 1 || in[1].rank != 0)
        return fail(why, whylen, "expects a vector and a position");
    if (types[1] != GB_INT)
        return fail(why, whylen, "the position must be an int");
    out->rank = 0;
    *out_type = GB_INT;
    return 0;
}

/* rank(v, s): how many elements of v are smaller than v[s] (Stan's definition), s 1-based. */
EVAL_FN(ev_rank)
{
    (void)nargs;
    double s = in[1].val[0];
    if (!(s >= 1 && s <= (double)in[0].len) || s != floor(s))
        return -1;
    double v = in[0].val[(size_t)s - 1];
    size_t r = 0;
    for (size_t i = 0; i < in[0].len; i++)
        r += in[0].val[i] < v;
    out->val[0] = (double)r;
    return 0;
}

EVAL_FN(ev_reverse)
{
    (void)nargs;
    for (size_t i = 0; i < out->len; i++)
        out->val[i] = in[0].val[out->len - 1 - i];
    return 0;
}

VJP_FN(vj_reverse)
{
    (void)nargs, (void)in;
    if (in_adj[0])
        for (size_t i = 0; i < out->len; i++)
            in_adj[0][out->len - 1 - i] += out_adj[i];
}

/* ---- the entries ---- */

#define GEN(id, nm, lo, hi, sh, ev, vj, text)                                                      \
    const gb_func_ops id = GB_GENERAL_FUNC(nm, lo, hi, sh, ev, vj, text)

GEN(gb_func_shape_size, "size", 1, 1, sh_int_scalar, ev_size, NULL,
    "size(x): length of the first dimension (1 for a scalar)");
GEN(gb_func_shape_rows, "rows", 1, 1, sh_rows_cols, ev_size, NULL,
    "rows(x): number of rows of a matrix, or length of a vector");
GEN(gb_func_shape_cols, "cols", 1, 1, sh_rows_cols, ev_cols, NULL,
    "cols(x): number of columns of a matrix (1 for a vector)");
GEN(gb_func_shape_num_elements, "num_elements", 1, 1, sh_int_scalar, ev_num_elements, NULL,
    "num_elements(x): total number of elements");
GEN(gb_func_shape_rep_vector, "rep_vector", 2, 2, sh_rep_vector, ev_tile, vj_tile,
    "rep_vector(x, n): vector of n copies of scalar x");
GEN(gb_func_shape_rep_array, "rep_array", 2, 4, sh_rep_array, ev_tile, vj_tile,
    "rep_array(x, n...): array of copies of x, dimensions n... then those of x");
GEN(gb_func_shape_rep_matrix, "rep_matrix", 2, 3, sh_rep_matrix, ev_rep_matrix, vj_rep_matrix,
    "rep_matrix(x, m, n): m x n matrix of scalar x; rep_matrix(v, n): n columns equal to v");
GEN(gb_func_shape_to_vector, "to_vector", 1, 1, sh_to_vector, ev_copy, vj_copy,
    "to_vector(x): all elements as a vector, row by row (row-major, unlike Stan)");
GEN(gb_func_shape_to_array_1d, "to_array_1d", 1, 1, sh_to_vector, ev_copy, vj_copy,
    "to_array_1d(x): all elements as a 1-d array, row by row (row-major)");
GEN(gb_func_shape_to_matrix, "to_matrix", 1, 3, sh_to_matrix, ev_copy, vj_copy,
    "to_matrix(v, m, n): m x n matrix filled row by row; to_matrix(v): one column");
GEN(gb_func_shape_append_row, "append_row", 2, 2, sh_append_row, ev_append_row, vj_append_row,
    "append_row(a, b): a on top of b (vectors concatenate, a vector stacks as a row)");
GEN(gb_func_shape_append_col, "append_col", 2, 2, sh_append_col, ev_append_col, vj_append_col,
    "append_col(A, B): A beside B, a vector as one column");
GEN(gb_func_shape_segment, "segment", 3, 3, sh_slice, ev_head, vj_head,
    "segment(v, i, n): the n elements of v from position i (1-based)");
GEN(gb_func_shape_head, "head", 2, 2, sh_slice, ev_head, vj_head,
    "head(v, n): the first n elements of v");
GEN(gb_func_shape_tail, "tail", 2, 2, sh_slice, ev_tail, vj_tail,
    "tail(v, n): the last n elements of v");
GEN(gb_func_shape_sort_asc, "sort_asc", 1, 1, sh_vector_keep, ev_sort_asc, vj_sort_asc,
    "sort_asc(v): v sorted in increasing order");
GEN(gb_func_shape_sort, "sort", 1, 1, sh_vector_keep, ev_sort_asc, vj_sort_asc,
    "sort(v): v sorted in increasing order (the same as sort_asc)");
GEN(gb_func_shape_seq, "seq", 2, 2, sh_seq, ev_seq, NULL,
    "seq(a, b): the integers a, a + 1, ..., b (as the range a..b)");
GEN(gb_func_shape_sort_desc, "sort_desc", 1, 1, sh_vector_keep, ev_sort_desc, vj_sort_desc,
    "sort_desc(v): v sorted in decreasing order");
GEN(gb_func_shape_rank, "rank", 2, 2, sh_rank, ev_rank, NULL,
    "rank(v, s): number of elements of v smaller than v[s]");
GEN(gb_func_shape_reverse, "reverse", 1, 1, sh_vector_keep, ev_reverse, vj_reverse,
    "reverse(v): v in reverse order");
