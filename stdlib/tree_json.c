/* tree_json.c - a forest's state read back from its JSON line (gb_forest_write_json's layout):
 * what reads RUN_tree.jsonl to draw a tree, evaluate a draw's forest on new rows (partial
 * dependence, prediction) or print its rules with the library's writers.  The line is parsed with
 * jansson; each tree is rebuilt node by node into the forest's own slots, its rows partitioned by
 * the rules as a sweep would leave them, and the fit recomputed from the leaves, so every reader
 * of tree.h (fit, predict, rules, key, leaves, depth) sees the draw.  The build recurses once per
 * tree level; a tree is refused before it has more nodes than the forest has slots, so the
 * recursion is bounded by the slot count.
 */
#include <math.h>
#include <string.h>

#include <jansson.h>

#include "tree_int.h"

typedef struct reader {
    gb_forest *f;
    gb_tree *t;
    size_t tree; /* 1-based, for messages */
    gb_errlist *errs;
} reader;

static gb_status bad(reader *r, const char *what)
{
    return gb_error(r->errs, GB_EDATA, (gb_loc){0}, "tree %zu of the forest's JSON: %s", r->tree,
                    what);
}

/* The largest rank k of column var with value <= le: the cut that sends the same rows left. */
static bool cut_of(const gb_tree_data *d, uint32_t var, double le, uint32_t *cut)
{
    size_t lo = 0, hi = gb_tree_data_n_values(d, var); /* first value > le is in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (gb_tree_data_value(d, var, mid) <= le)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    *cut = (uint32_t)(lo - 1);
    return true;
}

static gb_status read_leaf(reader *r, int32_t j, const json_t *n)
{
    gb_forest *f = r->f;
    if (f->c.leaf != GB_TREE_LEAF_CLASS) {
        const json_t *mu = json_object_get(n, "mu");
        if (!json_is_number(mu) || !isfinite(json_number_value(mu)))
            return bad(r, "a leaf has no finite \"mu\"");
        r->t->nodes[j].mu = json_number_value(mu);
        return GB_OK;
    }
    const json_t *p = json_object_get(n, "p");
    if (!json_is_array(p) || json_array_size(p) != f->k)
        return bad(r, "a leaf's \"p\" is not an array of one probability per class");
    for (size_t k = 0; k < f->k; k++) {
        const json_t *v = json_array_get(p, k);
        if (!json_is_number(v) || !(json_number_value(v) >= 0))
            return bad(r, "a leaf's class probability is not a number >= 0");
        r->t->probs[(size_t)j * f->k + k] = json_number_value(v);
    }
    return GB_OK;
}

/* Fills slot j (its parent, depth and row range already set) from the JSON node n. */
static gb_status read_node(reader *r, int32_t j, const json_t *n)
{
    gb_forest *f = r->f;
    gb_tree *t = r->t;
    if (!json_is_object(n))
        return bad(r, "a node is not an object");
    const json_t *var = json_object_get(n, "var");
    if (!var) {
        t->leaves++;
        return read_leaf(r, j, n);
    }
    const json_t *le = json_object_get(n, "le"), *l = json_object_get(n, "left"),
                 *rt = json_object_get(n, "right");
    json_int_t v = json_integer_value(var);
    if (!json_is_integer(var) || v < 0 || (size_t)v >= f->p)
        return gb_error(r->errs, GB_EDATA, (gb_loc){0},
                        "tree %zu of the forest's JSON: a split's \"var\" is not a column number "
                        "0..%zu",
                        r->tree, f->p - 1);
    if (!json_is_number(le) || !isfinite(json_number_value(le)) || !l || !rt)
        return bad(r, "a split needs a finite \"le\", \"left\" and \"right\"");
    if (t->n_free < 2)
        return bad(r, "the tree has more nodes than the forest has room for");
    gb_tree_node *nd = &t->nodes[j];
    nd->var = (uint32_t)v;
    nd->le = json_number_value(le);
    if (!cut_of(f->d, nd->var, nd->le, &nd->cut))
        return bad(r, "a split value is below every observed value of its column");
    int32_t kids[2];
    for (int s = 0; s < 2; s++) {
        kids[s] = t->free_slots[--t->n_free];
        t->nodes[kids[s]] = (gb_tree_node){.parent = j,
                                           .left = GB_TREE_NONE,
                                           .right = GB_TREE_NONE,
                                           .depth = nd->depth + 1,
                                           .used = true};
    }
    nd->left = kids[0], nd->right = kids[1];
    gb_tree_partition(f, t, nd);
    gb_status st = read_node(r, kids[0], l);
    return st != GB_OK ? st : read_node(r, kids[1], rt);
}

/* The fit from every tree's leaves (as gb_tree_draw_leaves leaves it). */
static void refit(gb_forest *f)
{
    memset(f->fit, 0, f->n * f->k * sizeof *f->fit);
    for (size_t ti = 0; ti < f->c.trees; ti++) {
        const gb_tree *t = &f->trees[ti];
        for (size_t j = 0; j < f->cap; j++) {
            const gb_tree_node *nd = &t->nodes[j];
            if (!nd->used || nd->left != GB_TREE_NONE)
                continue;
            for (uint32_t r = nd->begin; r < nd->end; r++) {
                size_t i = t->rows[r];
                if (t->probs)
                    memcpy(f->fit + i * f->k, t->probs + j * f->k, f->k * sizeof *f->fit);
                else
                    f->fit[i] += nd->mu;
            }
        }
    }
}

static gb_status read_trees(gb_forest *f, const json_t *trees, gb_errlist *errs)
{
    if (!json_is_array(trees) || json_array_size(trees) != f->c.trees)
        return gb_error(errs, GB_EDATA, (gb_loc){0},
                        "the forest's JSON has %zu trees where %zu were expected",
                        json_is_array(trees) ? json_array_size(trees) : 0, f->c.trees);
    gb_forest_reset(f);
    for (size_t ti = 0; ti < f->c.trees; ti++) {
        reader r = {f, &f->trees[ti], ti + 1, errs};
        r.t->leaves = 0;
        gb_status st = read_node(&r, 0, json_array_get(trees, ti));
        if (st != GB_OK)
            return st;
    }
    refit(f);
    return GB_OK;
}

gb_status gb_forest_read_json(gb_forest *f, const char *line, gb_errlist *errs)
{
    json_error_t jerr;
    json_t *root = json_loads(line, 0, &jerr);
    if (!root) {
        if (json_error_code(&jerr) == json_error_out_of_memory)
            return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory reading a forest");
        return gb_error(errs, GB_EDATA, (gb_loc){0}, "the forest's JSON does not parse: %s",
                        jerr.text);
    }
    gb_status st = read_trees(f, json_object_get(root, "trees"), errs);
    json_decref(root);
    if (st != GB_OK)
        gb_forest_reset(f); /* a valid state, not half a draw */
    return st;
}
