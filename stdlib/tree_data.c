/* tree_data.c - the design matrix ranked once per column: the split candidates of every tree.
 *
 * Column j's distinct values are sorted once; each entry is replaced by its rank among them, so
 * the rule "x <= value" becomes an integer comparison and a node's valid cuts can be counted with
 * a stamp array indexed by rank (tree_move.c).  Owns its copies; borrows nothing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"
#include "tree_int.h"

typedef struct ranked {
    double v;
    uint32_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    double x = ((const ranked *)a)->v, y = ((const ranked *)b)->v;
    return (x > y) - (x < y);
}

static gb_status check_finite(const double *x, size_t n, size_t p, gb_errlist *errs)
{
    gb_status st = GB_OK;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            if (!isfinite(x[i * p + j]))
                st = gb_error(errs, GB_EDATA, (gb_loc){0},
                              "tree input X has %s at row %zu, column %zu",
                              isnan(x[i * p + j]) ? "NaN" : "an infinite value", i + 1, j + 1);
    return st;
}

/* Ranks column j into d (rank, values, voff[j + 1]); buf is n scratch entries. */
static void rank_column(gb_tree_data *d, const double *x, size_t j, ranked *buf)
{
    size_t n = d->n, p = d->p, distinct = 0, off = d->voff[j];
    for (size_t i = 0; i < n; i++)
        buf[i] = (ranked){x[i * p + j], (uint32_t)i};
    qsort(buf, n, sizeof *buf, cmp_ranked);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || buf[i].v != buf[i - 1].v)
            d->values[off + distinct++] = buf[i].v;
        d->rank[j * n + buf[i].i] = (uint32_t)(distinct - 1);
    }
    d->voff[j + 1] = off + distinct;
    if (distinct > d->max_distinct)
        d->max_distinct = distinct;
}

gb_status gb_tree_data_new(const double *x, size_t n, size_t p, size_t min_leaf, gb_tree_data **out,
                           gb_errlist *errs)
{
    size_t np;
    if (gb_size_mul(n, p, &np) != 0 || n >= UINT32_MAX || gb_size_fits_budget(np, 16) != 0)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0},
                        "tree input X (%zu x %zu) exceeds the memory budget", n, p);
    if (p == 0)
        return gb_error(errs, GB_EDATA, (gb_loc){0}, "tree input X has no columns");
    if (min_leaf == 0)
        return gb_error(errs, GB_EDATA, (gb_loc){0}, "the minimum leaf size must be at least 1");
    if (n < min_leaf)
        return gb_error(errs, GB_EDATA, (gb_loc){0},
                        "tree input X has %zu rows, fewer than the minimum leaf size %zu", n,
                        min_leaf);
    gb_status st = check_finite(x, n, p, errs);
    if (st != GB_OK)
        return st;
    gb_tree_data *d = calloc(1, sizeof *d);
    ranked *buf = malloc(n * sizeof *buf);
    if (d) {
        d->n = n, d->p = p, d->min_leaf = min_leaf;
        d->rank = malloc(np * sizeof *d->rank);
        d->values = malloc(np * sizeof *d->values);
        d->voff = calloc(p + 1, sizeof *d->voff);
        d->cols = malloc(p * sizeof *d->cols);
    }
    if (!d || !buf || !d->rank || !d->values || !d->voff || !d->cols) {
        free(buf);
        gb_tree_data_free(d);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory ranking tree input X");
    }
    for (size_t j = 0; j < p; j++) {
        rank_column(d, x, j, buf);
        if (d->voff[j + 1] - d->voff[j] > 1)
            d->cols[d->usable++] = (uint32_t)j;
    }
    free(buf);
    *out = d;
    return GB_OK;
}

void gb_tree_data_free(gb_tree_data *d)
{
    if (!d)
        return;
    free(d->rank);
    free(d->values);
    free(d->voff);
    free(d->cols);
    free(d);
}

size_t gb_tree_data_rows(const gb_tree_data *d)
{
    return d->n;
}

size_t gb_tree_data_cols(const gb_tree_data *d)
{
    return d->p;
}

size_t gb_tree_data_min_leaf(const gb_tree_data *d)
{
    return d->min_leaf;
}

size_t gb_tree_data_n_values(const gb_tree_data *d, size_t j)
{
    return d->voff[j + 1] - d->voff[j];
}

double gb_tree_data_value(const gb_tree_data *d, size_t j, size_t k)
{
    return d->values[d->voff[j] + k];
}

bool gb_tree_data_is_constant(const gb_tree_data *d, size_t j)
{
    return gb_tree_data_n_values(d, j) < 2;
}

size_t gb_tree_data_usable_cols(const gb_tree_data *d)
{
    return d->usable;
}

gb_status gb_tree_check_labels(const double *y, size_t n, size_t classes, gb_errlist *errs)
{
    gb_status st = GB_OK;
    for (size_t i = 0; i < n; i++)
        if (!(y[i] >= 0 && y[i] < (double)classes && y[i] == floor(y[i])))
            st = gb_error(errs, GB_EDATA, (gb_loc){0},
                          "class label %g at row %zu is not an integer in 0..%zu", y[i], i + 1,
                          classes - 1);
    return st;
}
