/* tree_int.h - the tree library's internal layout, shared by stdlib/tree_*.c only.
 *
 * A tree is an array of node slots (a free list hands out unused ones) plus a permutation of the
 * rows: every node owns the contiguous range rows[begin, end), its children split that range in
 * two, so a move touches only the rows of the node it changes.
 */
#ifndef GB_STDLIB_TREE_INT_H
#define GB_STDLIB_TREE_INT_H

#include <stdint.h>

#include "tree.h"

struct gb_tree_data {
    size_t n, p, min_leaf, usable;
    uint32_t *rank; /* column-major n x p: rank[j * n + i] = rank of x[i][j] among column j */
    double *values; /* each column's sorted distinct values, concatenated */
    size_t *voff;   /* p + 1 offsets into values */
    uint32_t *cols; /* the usable (non-constant) columns, in order */
    size_t max_distinct;
};

#define GB_TREE_NONE (-1)

typedef struct gb_tree_node {
    int32_t parent, left, right; /* left == GB_TREE_NONE: a leaf */
    uint32_t var, cut;           /* split: rank[var][i] <= cut goes left */
    uint32_t begin, end;         /* rows[begin, end) */
    uint32_t depth;
    bool used;
    double le; /* the value of the cut: x <= le goes left */
    double mu; /* leaf value (NORMAL, NIG) */
} gb_tree_node;

typedef struct gb_tree {
    gb_tree_node *nodes; /* cap slots, root at 0 */
    int32_t *free_slots; /* stack of unused slot numbers */
    size_t n_free;
    uint32_t *rows; /* permutation of 0..n-1 */
    double *probs;  /* CLASS: cap x K leaf probabilities */
    size_t leaves;
} gb_tree;

/* Sufficient statistics of a set of rows: NORMAL {sum w, sum w r}; NIG {n, sum y, sum y^2};
 * CLASS the K class counts.  GB_TREE_MAX_STAT bounds the first two; CLASS uses K. */
#define GB_TREE_NSTAT 3

struct gb_forest {
    const gb_tree_data *d;
    gb_tree_config c;
    size_t n, p, k, nstat, cap; /* k: classes (1 unless CLASS); cap: node slots per tree */
    gb_tree *trees;
    double *fit;   /* n or n x K */
    double *resid; /* n: the partial residual of the tree being moved */
    const double *w;
    const double *y; /* during a sweep: the data a leaf sees (resid, or target for NIG/CLASS) */
    double sigma;    /* NORMAL: the sweep's known sd; NIG: the current draw */
    double nig_q;    /* NIG: sum over leaves of the leaf's quadratic term (tree_leaf.c) */
    double heat;     /* inverse temperature of the marginal likelihood in every move's ratio:
                        1, except a tempering ladder's hotter replicas (tree_temper.c) */
    /* scratch, sized at creation */
    uint32_t *sel;   /* n ranks for the selections in gb_tree_node_cuts */
    uint32_t *cuts;  /* n candidate cut ranks */
    uint32_t *stamp; /* max_distinct generation stamps */
    uint32_t gen;
    uint32_t *save_rows;  /* n: a deep change's rows before the move */
    uint32_t *save_range; /* 2 x cap: node ranges before a deep change */
    double *st;           /* 5 x nstat: a move's statistics arrays; a leaf draw's scratch */
    /* DART */
    double *dart_s, *dart_logs, *dart_grid; /* p, p, GB_TREE_DART_GRID */
    size_t *dart_counts;                    /* p */
    double dart_theta;
    size_t proposed[GB_TREE_N_MOVES], accepted[GB_TREE_N_MOVES];
};

/* Adds row i's statistics into s.  Inline: it runs once per row in every move and leaf draw,
 * and inlined the compiler takes the switch out of those loops. */
static inline void gb_tree_stat_add(const gb_forest *f, size_t i, double *s)
{
    switch (f->c.leaf) {
    case GB_TREE_LEAF_NORMAL: {
        double w = f->w ? f->w[i] : 1.0;
        s[0] += w;
        if (f->y)
            s[1] += w * f->y[i];
        break;
    }
    case GB_TREE_LEAF_NIG:
        s[0] += 1;
        if (f->y) {
            double e = f->y[i] - f->c.mu0;
            s[1] += e;
            s[2] += e * e;
        }
        break;
    case GB_TREE_LEAF_CLASS:
        if (f->y)
            s[(size_t)f->y[i]] += 1;
        break;
    }
}

/* Statistics of rows[b..e) into s (f->nstat entries).  The plain BART case (normal leaves, no
 * weights) sums in locals, which the compiler keeps in registers. */
static inline void gb_tree_sum_rows(const gb_forest *f, const uint32_t *rows, uint32_t b,
                                    uint32_t e, double *s)
{
    for (size_t k = 0; k < f->nstat; k++)
        s[k] = 0;
    if (f->c.leaf == GB_TREE_LEAF_NORMAL && !f->w) {
        double sy = 0;
        const double *y = f->y;
        if (y)
            for (uint32_t r = b; r < e; r++)
                sy += y[rows[r]];
        s[0] = (double)(e - b), s[1] = sy;
        return;
    }
    for (uint32_t r = b; r < e; r++)
        gb_tree_stat_add(f, rows[r], s);
}

/* Node cuts (tree_move.c): the valid cut ranks of column var over node's rows into f->cuts;
 * returns how many. */
size_t gb_tree_node_cuts(gb_forest *f, const gb_tree *t, const gb_tree_node *nd, uint32_t var);
/* One MH structure move on tree t with the data f->y (NULL: prior only). */
void gb_tree_step(gb_forest *f, gb_tree *t, gsl_rng *rng);

/* Shared by the moves (tree_move.c): reorder nd's rows by its rule and set its children's
 * ranges; set a node's rule; the MH accept step. */
void gb_tree_partition(gb_forest *f, gb_tree *t, gb_tree_node *nd);
void gb_tree_set_rule(gb_forest *f, gb_tree_node *nd, uint32_t var, uint32_t cut);
bool gb_tree_accept(gsl_rng *rng, double log_r);
/* Change of an internal node j that is not a nog node to rule (var, cut) (tree_change.c);
 * true when accepted. */
bool gb_tree_change_deep(gb_forest *f, gb_tree *t, int32_t j, uint32_t var, uint32_t cut,
                         gsl_rng *rng);
/* The swap move (tree_change.c); true when accepted. */
bool gb_tree_swap(gb_forest *f, gb_tree *t, gsl_rng *rng);

/* Leaf models (tree_leaf.c). */
/* The separable part of a leaf's log marginal likelihood. */
double gb_tree_leaf_term(const gb_forest *f, const double *s);
/* NIG: the leaf's quadratic term; 0 for the other kinds. */
double gb_tree_leaf_q(const gb_forest *f, const double *s);
/* log marginal likelihood change given the change dterm of the leaves' separable terms and dq of
 * their NIG quadratic terms (0 in prior mode), times f->heat: every move's likelihood ratio
 * passes through here, so this is where tempering acts. */
double gb_tree_lik_delta_sums(const gb_forest *f, double dterm, double dq);
/* log marginal likelihood change when leaves with statistics old[0..n_old) are replaced by
 * new[0..n_new) (statistics arrays of f->nstat doubles each). */
double gb_tree_lik_delta(const gb_forest *f, const double *const *old_s, size_t n_old,
                         const double *const *new_s, size_t n_new);
/* Draws tree t's leaf values given the data f->y (NULL: from the prior) and adds the tree's
 * contribution to f->fit; NIG draws sigma first. */
void gb_tree_draw_leaves(gb_forest *f, gb_tree *t, gsl_rng *rng);
/* NORMAL: removes tree t's contribution from f->fit and, when target is not NULL, sets f->resid
 * to target minus the rest of the fit. */
void gb_tree_remove_fit(gb_forest *f, gb_tree *t, const double *target);
/* NIG: recomputes f->nig_q for tree t from the data f->y. */
void gb_tree_nig_refresh(gb_forest *f, const gb_tree *t);

/* DART (tree_dart.c). */
#define GB_TREE_DART_GRID 1000
uint32_t gb_tree_draw_var(const gb_forest *f, gsl_rng *rng);
void gb_tree_dart_init(gb_forest *f);
void gb_tree_dart_update(gb_forest *f, gsl_rng *rng);

#endif
