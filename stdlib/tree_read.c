/* tree_read.c - reading a forest's state: the fit, predictions at new rows, tree sizes and
 * depths, split-variable counts, DART weights and move statistics.  Reads only.
 */
#include <math.h>
#include <string.h>

#include "tree_int.h"

size_t gb_forest_trees(const gb_forest *f)
{
    return f->c.trees;
}

const double *gb_forest_fit(const gb_forest *f)
{
    return f->fit;
}

double gb_forest_sigma(const gb_forest *f)
{
    return f->c.leaf == GB_TREE_LEAF_NIG ? f->sigma : NAN;
}

size_t gb_tree_leaves(const gb_forest *f, size_t t)
{
    return f->trees[t].leaves;
}

size_t gb_tree_depth(const gb_forest *f, size_t t)
{
    size_t d = 0;
    const gb_tree *tr = &f->trees[t];
    for (size_t j = 0; j < f->cap; j++)
        if (tr->nodes[j].used && tr->nodes[j].depth > d)
            d = tr->nodes[j].depth;
    return d;
}

void gb_forest_var_counts(const gb_forest *f, size_t *counts)
{
    memset(counts, 0, f->p * sizeof *counts);
    for (size_t t = 0; t < f->c.trees; t++) {
        const gb_tree *tr = &f->trees[t];
        for (size_t j = 0; j < f->cap; j++)
            if (tr->nodes[j].used && tr->nodes[j].left != GB_TREE_NONE)
                counts[tr->nodes[j].var]++;
    }
}

const double *gb_forest_dart_weights(const gb_forest *f)
{
    return f->c.dart ? f->dart_s : NULL;
}

void gb_forest_move_stats(const gb_forest *f, size_t proposed[GB_TREE_N_MOVES],
                          size_t accepted[GB_TREE_N_MOVES])
{
    memcpy(proposed, f->proposed, sizeof f->proposed);
    memcpy(accepted, f->accepted, sizeof f->accepted);
}

/* The leaf of tree t that row x (p values) falls in. */
static const gb_tree_node *find_leaf(const gb_tree *t, const double *x, size_t *slot)
{
    int32_t j = 0;
    while (t->nodes[j].left != GB_TREE_NONE)
        j = x[t->nodes[j].var] <= t->nodes[j].le ? t->nodes[j].left : t->nodes[j].right;
    *slot = (size_t)j;
    return &t->nodes[j];
}

gb_status gb_forest_predict(const gb_forest *f, const double *x, size_t rows, size_t p, double *out,
                            gb_errlist *errs)
{
    if (p != f->p)
        return gb_error(errs, GB_EDATA, (gb_loc){0},
                        "prediction rows have %zu columns, the tree was fitted on %zu", p, f->p);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < p; j++)
            if (isnan(x[i * p + j]))
                return gb_error(errs, GB_EDATA, (gb_loc){0},
                                "prediction input has NaN at row %zu, column %zu", i + 1, j + 1);
    for (size_t i = 0; i < rows; i++) {
        const double *xi = x + i * p;
        size_t slot;
        if (f->c.leaf == GB_TREE_LEAF_CLASS) {
            find_leaf(&f->trees[0], xi, &slot);
            memcpy(out + i * f->k, f->trees[0].probs + slot * f->k, f->k * sizeof *out);
            continue;
        }
        double s = 0;
        for (size_t t = 0; t < f->c.trees; t++)
            s += find_leaf(&f->trees[t], xi, &slot)->mu;
        out[i] = s;
    }
    return GB_OK;
}
