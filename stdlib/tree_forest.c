/* tree_forest.c - a forest of m trees and its Bayesian backfitting sweep (Chipman, George &
 * McCulloch 2010, section 3.1; Hastie & Tibshirani 2000): for each tree in turn, take its fit
 * out of the forest's, make one structure move on the partial residual, draw its leaf values and
 * add its fit back.  Also configuration defaults, creation with every buffer a sweep needs,
 * reset, copy, and the readers of the state.  Owns its trees and buffers; borrows the data.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "size.h"
#include "tree_int.h"

void gb_tree_config_default(gb_tree_config *c, gb_tree_leaf_kind leaf, size_t trees)
{
    *c = (gb_tree_config){.trees = trees,
                          .alpha = 0.95,
                          .beta = 2,
                          .leaf = leaf,
                          .tau = 1,
                          .mu0 = 0,
                          .kappa = 1.0 / 3,
                          .a = 1.5,
                          .b = 1.5,
                          .classes = 2,
                          .concentration = 1,
                          .dart_a = 0.5,
                          .dart_b = 1};
}

double gb_tree_bart_tau(double ymin, double ymax, double k, size_t trees)
{
    return (ymax - ymin) / (2 * k * sqrt((double)trees));
}

void gb_tree_nig_default(gb_tree_config *c, const double *y, size_t n)
{
    const double nu = 3, q = 0.9; /* CGM 1998, section 4.1; CGM 2010, section 2.2.4 */
    double mean = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        mean += y[i];
    mean /= n > 0 ? (double)n : 1;
    for (size_t i = 0; i < n; i++)
        ss += (y[i] - mean) * (y[i] - mean);
    double var = n > 1 ? ss / (double)(n - 1) : 1;
    if (!(var > 0))
        var = 1;
    /* sigma^2 ~ nu lambda / chi2_nu: P(sigma^2 < var) = P(chi2_nu > nu lambda / var) = q. */
    double lambda = var * gsl_cdf_chisq_Pinv(1 - q, nu) / nu;
    c->mu0 = mean;
    c->kappa = 1.0 / 3;
    c->a = nu / 2;
    c->b = nu * lambda / 2;
}

static gb_status check_config(const gb_tree_data *d, const gb_tree_config *c, gb_errlist *errs)
{
    const char *bad = NULL;
    if (c->trees == 0)
        bad = "the number of trees must be at least 1";
    else if (!(c->alpha > 0 && c->alpha < 1) || !(c->beta >= 0 && isfinite(c->beta)))
        bad = "the tree prior needs 0 < alpha < 1 and beta >= 0";
    else if (c->leaf == GB_TREE_LEAF_NORMAL && !(c->tau > 0 && isfinite(c->tau)))
        bad = "the leaf prior sd tau must be positive and finite";
    else if (c->leaf != GB_TREE_LEAF_NORMAL && c->trees != 1)
        bad = "normal-inverse-gamma and class leaves need a single tree";
    else if (c->leaf == GB_TREE_LEAF_NIG &&
             !(c->kappa > 0 && c->a > 0 && c->b > 0 && isfinite(c->mu0) && isfinite(c->b)))
        bad = "the normal-inverse-gamma prior needs kappa, a, b > 0";
    else if (c->leaf == GB_TREE_LEAF_CLASS && (c->classes < 2 || !(c->concentration > 0)))
        bad = "class leaves need at least 2 classes and a positive concentration";
    else if (c->dart && !(c->dart_a > 0 && c->dart_b > 0))
        bad = "DART's Beta(a, b) prior needs a, b > 0";
    else if (c->max_leaves > d->n)
        bad = "the maximum number of leaves exceeds the number of rows";
    if (bad)
        return gb_error(errs, GB_EUSAGE, (gb_loc){0}, "%s", bad);
    return GB_OK;
}

static void reset_tree(gb_forest *f, gb_tree *t)
{
    for (size_t j = 0; j < f->cap; j++)
        t->nodes[j].used = false;
    t->nodes[0] = (gb_tree_node){.parent = GB_TREE_NONE,
                                 .left = GB_TREE_NONE,
                                 .right = GB_TREE_NONE,
                                 .begin = 0,
                                 .end = (uint32_t)f->n,
                                 .used = true,
                                 .mu = f->c.leaf == GB_TREE_LEAF_NIG ? f->c.mu0 : 0};
    t->n_free = 0;
    for (size_t j = f->cap; j-- > 1;)
        t->free_slots[t->n_free++] = (int32_t)j;
    for (size_t i = 0; i < f->n; i++)
        t->rows[i] = (uint32_t)i;
    if (t->probs)
        for (size_t k = 0; k < f->k; k++)
            t->probs[k] = 1.0 / (double)f->k;
    t->leaves = 1;
}

void gb_forest_reset(gb_forest *f)
{
    for (size_t t = 0; t < f->c.trees; t++)
        reset_tree(f, &f->trees[t]);
    for (size_t i = 0; i < f->n * f->k; i++)
        f->fit[i] = f->c.leaf == GB_TREE_LEAF_CLASS ? 1.0 / (double)f->k
                    : f->c.leaf == GB_TREE_LEAF_NIG ? f->c.mu0
                                                    : 0;
    f->sigma = f->c.leaf == GB_TREE_LEAF_NIG ? sqrt(f->c.b / (f->c.a + 1)) : NAN;
    f->nig_q = 0;
    memset(f->proposed, 0, sizeof f->proposed);
    memset(f->accepted, 0, sizeof f->accepted);
    gb_tree_dart_init(f);
}

/* Bytes a forest needs, or 0 on overflow. */
static size_t forest_bytes(size_t n, size_t p, size_t cap, size_t k, size_t trees)
{
    size_t per_node = sizeof(gb_tree_node) + sizeof(int32_t) + k * sizeof(double), a, b, c;
    if (gb_size_mul(cap, per_node, &a) || gb_size_mul(n, sizeof(uint32_t), &b) ||
        gb_size_add(a, b, &c) || gb_size_mul(c, trees, &a) || gb_size_mul(n, 16 + 8 * k, &b) ||
        gb_size_add(a, b, &c) || gb_size_add(c, 32 * p + 8 * GB_TREE_DART_GRID, &a))
        return 0;
    return a;
}

static gb_status alloc_trees(gb_forest *f)
{
    bool cls = f->c.leaf == GB_TREE_LEAF_CLASS;
    for (size_t t = 0; t < f->c.trees; t++) {
        gb_tree *tr = &f->trees[t];
        tr->nodes = calloc(f->cap, sizeof *tr->nodes);
        tr->free_slots = malloc(f->cap * sizeof *tr->free_slots);
        tr->rows = malloc(f->n * sizeof *tr->rows);
        tr->probs = cls ? malloc(f->cap * f->k * sizeof *tr->probs) : NULL;
        if (!tr->nodes || !tr->free_slots || !tr->rows || (cls && !tr->probs))
            return GB_ENOMEM;
    }
    return GB_OK;
}

static gb_status alloc_forest(gb_forest *f)
{
    size_t n = f->n, p = f->p;
    f->trees = calloc(f->c.trees, sizeof *f->trees);
    f->fit = malloc(n * f->k * sizeof *f->fit);
    f->resid = malloc(n * sizeof *f->resid);
    f->sel = malloc(n * sizeof *f->sel);
    f->cuts = malloc(n * sizeof *f->cuts);
    f->stamp = calloc(f->d->max_distinct, sizeof *f->stamp);
    f->save_rows = malloc(n * sizeof *f->save_rows);
    f->save_range = malloc(2 * f->cap * sizeof *f->save_range);
    f->st = malloc(5 * f->nstat * sizeof *f->st);
    f->dart_counts = malloc(p * sizeof *f->dart_counts);
    if (f->c.dart) {
        f->dart_s = malloc(p * sizeof *f->dart_s);
        f->dart_logs = malloc(p * sizeof *f->dart_logs);
        f->dart_grid = malloc(GB_TREE_DART_GRID * sizeof *f->dart_grid);
    }
    if (!f->trees || !f->fit || !f->resid || !f->sel || !f->cuts || !f->stamp || !f->save_rows ||
        !f->save_range || !f->st || !f->dart_counts ||
        (f->c.dart && (!f->dart_s || !f->dart_logs || !f->dart_grid)))
        return GB_ENOMEM;
    return alloc_trees(f);
}

gb_status gb_forest_new(const gb_tree_data *d, const gb_tree_config *c, gb_forest **out,
                        gb_errlist *errs)
{
    gb_status st = check_config(d, c, errs);
    if (st != GB_OK)
        return st;
    size_t max_leaves = c->max_leaves;
    if (max_leaves == 0) {
        max_leaves = d->n / d->min_leaf;
        if (max_leaves > GB_TREE_DEFAULT_MAX_LEAVES)
            max_leaves = GB_TREE_DEFAULT_MAX_LEAVES;
    }
    size_t k = c->leaf == GB_TREE_LEAF_CLASS ? c->classes : 1, cap = 2 * max_leaves - 1;
    size_t bytes = forest_bytes(d->n, d->p, cap, k, c->trees);
    if (bytes == 0 || cap >= INT32_MAX || gb_size_fits_budget(bytes, 1) != 0)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0},
                        "a forest of %zu trees on %zu rows exceeds the memory budget", c->trees,
                        d->n);
    gb_forest *f = calloc(1, sizeof *f);
    if (!f)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory making a forest");
    f->d = d, f->c = *c, f->n = d->n, f->p = d->p, f->k = k, f->cap = cap;
    f->c.max_leaves = max_leaves;
    f->heat = 1;
    f->nstat = c->leaf == GB_TREE_LEAF_CLASS ? k : GB_TREE_NSTAT;
    if (alloc_forest(f) != GB_OK) {
        gb_forest_free(f);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory making a forest");
    }
    gb_forest_reset(f);
    *out = f;
    return GB_OK;
}

void gb_forest_free(gb_forest *f)
{
    if (!f)
        return;
    for (size_t t = 0; f->trees && t < f->c.trees; t++) {
        free(f->trees[t].nodes);
        free(f->trees[t].free_slots);
        free(f->trees[t].rows);
        free(f->trees[t].probs);
    }
    free(f->trees);
    free(f->fit);
    free(f->resid);
    free(f->sel);
    free(f->cuts);
    free(f->stamp);
    free(f->save_rows);
    free(f->save_range);
    free(f->st);
    free(f->dart_counts);
    free(f->dart_s);
    free(f->dart_logs);
    free(f->dart_grid);
    free(f);
}

void gb_forest_set_weights(gb_forest *f, const double *w)
{
    f->w = w;
}

static bool labels_ok(const double *y, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++)
        if (!(y[i] >= 0 && y[i] < (double)k && y[i] == floor(y[i])))
            return false;
    return true;
}

gb_status gb_forest_sweep(gb_forest *f, gsl_rng *rng, const double *target, double sigma)
{
    bool normal = f->c.leaf == GB_TREE_LEAF_NORMAL;
    if (normal && target && !(sigma > 0 && isfinite(sigma)))
        return GB_EUSAGE;
    if (target && f->c.leaf == GB_TREE_LEAF_CLASS && !labels_ok(target, f->n, f->k))
        return GB_EDATA;
    if (normal)
        f->sigma = sigma;
    for (size_t t = 0; t < f->c.trees; t++) {
        gb_tree *tr = &f->trees[t];
        if (normal) {
            gb_tree_remove_fit(f, tr, target);
            f->y = target ? f->resid : NULL;
        } else {
            f->y = target;
            if (target && f->c.leaf == GB_TREE_LEAF_NIG)
                gb_tree_nig_refresh(f, tr);
        }
        gb_tree_step(f, tr, rng);
        gb_tree_draw_leaves(f, tr, rng);
    }
    f->y = NULL;
    gb_tree_dart_update(f, rng);
    return GB_OK;
}

void gb_forest_probit_latent(const double *fit, const double *y, size_t n, gsl_rng *rng, double *z)
{
    /* z - fit ~ N(0, 1) truncated to (-fit, inf) when y = 1, to (-inf, -fit] when y = 0;
     * gsl_ran_gaussian_tail draws x >= a, and the second case is the mirror of the first. */
    for (size_t i = 0; i < n; i++)
        z[i] = y[i] > 0.5 ? fit[i] + gsl_ran_gaussian_tail(rng, -fit[i], 1)
                          : fit[i] - gsl_ran_gaussian_tail(rng, fit[i], 1);
}

gb_status gb_forest_copy_state(gb_forest *dst, const gb_forest *src)
{
    if (dst->d != src->d || dst->cap != src->cap || dst->k != src->k ||
        dst->c.trees != src->c.trees || dst->c.leaf != src->c.leaf || dst->c.dart != src->c.dart)
        return GB_EUSAGE;
    for (size_t t = 0; t < src->c.trees; t++) {
        gb_tree *a = &dst->trees[t];
        const gb_tree *b = &src->trees[t];
        memcpy(a->nodes, b->nodes, src->cap * sizeof *a->nodes);
        memcpy(a->free_slots, b->free_slots, src->cap * sizeof *a->free_slots);
        memcpy(a->rows, b->rows, src->n * sizeof *a->rows);
        if (b->probs)
            memcpy(a->probs, b->probs, src->cap * src->k * sizeof *a->probs);
        a->n_free = b->n_free;
        a->leaves = b->leaves;
    }
    memcpy(dst->fit, src->fit, src->n * src->k * sizeof *dst->fit);
    dst->sigma = src->sigma;
    dst->nig_q = src->nig_q;
    if (src->c.dart) {
        memcpy(dst->dart_s, src->dart_s, src->p * sizeof *dst->dart_s);
        memcpy(dst->dart_logs, src->dart_logs, src->p * sizeof *dst->dart_logs);
        dst->dart_theta = src->dart_theta;
    }
    memcpy(dst->proposed, src->proposed, sizeof dst->proposed);
    memcpy(dst->accepted, src->accepted, sizeof dst->accepted);
    return GB_OK;
}
