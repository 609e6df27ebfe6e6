/* test_tree_prior.c - the tree moves sample the tree prior: with the likelihood switched off
 * (gb_forest_sweep with target NULL) the distributions of the number of leaves and of the depth
 * match a forward simulation of the prior, written here independently of the library (sorting
 * instead of rank stamps, recursion by an explicit stack): at a node of depth d split with
 * probability alpha (1 + d)^-beta, on a uniform column, at a uniform value among the node's
 * distinct values that leave at least min_leaf rows on each side; a tree with a split that has
 * no such value, or with more than max_leaves leaves, is rejected and drawn again (the prior is
 * the forward process conditioned on valid trees).
 *
 * The MCMC side: a forest of independent trees (in prior mode the trees do not interact),
 * snapshots LAG sweeps apart after BURN sweeps.  A chi-square homogeneity test on the 2 x C table
 * (MCMC vs forward counts); 5 configurations (the last with tempering ladders) x 4 statistics
 * (leaves, depth, share_bin's root share, and the root's split variable), each at level
 * 1e-4 / 20, so the file's false alarm rate is 1e-4.  The split variable is drawn uniformly
 * over the usable (non-constant) columns; the mixed case (a continuous column, one of 3 levels, a
 * constant one) checks that the moves keep that choice unbiased although the columns offer very
 * different numbers of cuts.  A wrong proposal ratio shifts the leaf-count distribution: dropping
 * the log(L) term of the grow ratio fails with chi-square in the hundreds (see the commit that
 * added this file). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "tree.h"
#include "tree_int.h"

#define NBIN 7    /* leaves 1..6 and 7+; depth 0..5 and 6+ */
#define TREES 150 /* independent chains */
#define BURN 300
#define LAG 100
#define SNAPS 30
#define FORWARD 100000
#define LEVEL (1e-4 / 20)

typedef struct prior_case {
    size_t n, p, ml, levels; /* levels > 0: x takes that many values (ties) */
    double alpha, beta;
    size_t max_leaves;
    size_t trees; /* independent chains */
    bool mixed;   /* p = 3: column 0 continuous, 1 with 3 levels, 2 constant */
    size_t temps; /* > 1: each chain a tempering ladder of that many replicas (tree_temper.c) */
} prior_case;

static double *make_x(gsl_rng *r, const prior_case *pc)
{
    double *x = malloc(pc->n * pc->p * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < pc->n * pc->p; i++)
        x[i] = pc->levels ? (double)gsl_rng_uniform_int(r, pc->levels) : gsl_rng_uniform(r);
    for (size_t i = 0; pc->mixed && i < pc->n; i++) {
        x[i * pc->p + 1] = (double)gsl_rng_uniform_int(r, 3);
        x[i * pc->p + 2] = 1.5;
    }
    return x;
}

/* Is column v of x constant (never split on)? */
static bool is_constant(const double *x, const prior_case *pc, size_t v)
{
    for (size_t i = 1; i < pc->n; i++)
        if (x[i * pc->p + v] != x[v])
            return false;
    return true;
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/* Valid cut values of column v over idx[0..len) into cuts; returns how many. */
static size_t valid_cuts(const double *x, const prior_case *pc, const size_t *idx, size_t len,
                         size_t v, double *sorted, double *cuts)
{
    for (size_t k = 0; k < len; k++)
        sorted[k] = x[idx[k] * pc->p + v];
    qsort(sorted, len, sizeof *sorted, cmp_double);
    size_t nc = 0;
    for (size_t k = 0; k < len; k++) {
        bool last_of_value = k + 1 == len || sorted[k + 1] != sorted[k];
        /* rows <= sorted[k] number k + 1 when sorted[k] is the last of its value */
        if (last_of_value && k + 1 >= pc->ml && len - (k + 1) >= pc->ml)
            cuts[nc++] = sorted[k];
    }
    return nc;
}

typedef struct fnode {
    size_t start, len, depth, side; /* side: 0 the root, 1 / 2 under its left / right child */
} fnode;

/* Rules statistic: the share of rows in the root child with more leaves (the left on a tie),
 * for trees that split; change and swap move rows between subtrees without changing the shape,
 * so this is what shows a wrong ratio in those moves (leaves and depth cannot). */
static size_t share_bin(size_t rows_left, size_t n, size_t leaves_left, size_t leaves_right)
{
    size_t big = leaves_left >= leaves_right ? rows_left : n - rows_left;
    size_t b = (size_t)((double)big / (double)n * NBIN);
    return b < NBIN ? b : NBIN - 1;
}

/* One forward draw; false when rejected. */
static bool forward(gsl_rng *r, const double *x, const prior_case *pc, size_t *idx, double *scratch,
                    fnode *stack, size_t *leaves, size_t *depth, long *share, long *root_var)
{
    size_t usable[NBIN], nu = 0;
    for (size_t v = 0; v < pc->p; v++)
        if (!is_constant(x, pc, v))
            usable[nu++] = v;
    *root_var = -1;
    size_t top = 0, nl = 0, dmax = 0, side_leaves[3] = {0}, root_left = 0;
    double *sorted = scratch, *cuts = scratch + pc->n;
    for (size_t i = 0; i < pc->n; i++)
        idx[i] = i;
    stack[top++] = (fnode){0, pc->n, 0, 0};
    while (top > 0) {
        fnode nd = stack[--top];
        if (gsl_rng_uniform(r) >= pc->alpha * pow(1.0 + (double)nd.depth, -pc->beta)) {
            nl++;
            side_leaves[nd.side]++;
            dmax = nd.depth > dmax ? nd.depth : dmax;
            if (nl + top > pc->max_leaves)
                return false;
            continue;
        }
        size_t v = usable[gsl_rng_uniform_int(r, nu)];
        if (nd.depth == 0)
            *root_var = (long)v;
        size_t nc = valid_cuts(x, pc, idx + nd.start, nd.len, v, sorted, cuts);
        if (nc == 0)
            return false;
        double c = cuts[gsl_rng_uniform_int(r, nc)];
        size_t *a = idx + nd.start, i = 0, j = nd.len;
        while (i < j) {
            if (x[a[i] * pc->p + v] <= c) {
                i++;
            } else {
                size_t t = a[i];
                a[i] = a[--j], a[j] = t;
            }
        }
        if (nd.depth == 0)
            root_left = i;
        stack[top++] = (fnode){nd.start, i, nd.depth + 1, nd.depth == 0 ? 1 : nd.side};
        stack[top++] = (fnode){nd.start + i, nd.len - i, nd.depth + 1, nd.depth == 0 ? 2 : nd.side};
        if (nl + top > pc->max_leaves)
            return false;
    }
    *leaves = nl, *depth = dmax;
    *share = nl > 1 ? (long)share_bin(root_left, pc->n, side_leaves[1], side_leaves[2]) : -1;
    return true;
}

static size_t bin(size_t v, size_t first)
{
    size_t b = v - first;
    return b < NBIN - 1 ? b : NBIN - 1;
}

/* Chi-square homogeneity of two count vectors; fails when p < LEVEL. */
static void homogeneity(const char *what, const double *a, const double *b)
{
    double na = 0, nb = 0, stat = 0;
    int df = -1;
    for (int k = 0; k < NBIN; k++)
        na += a[k], nb += b[k];
    for (int k = 0; k < NBIN; k++) {
        double tot = a[k] + b[k];
        if (tot == 0)
            continue;
        double ea = tot * na / (na + nb), eb = tot * nb / (na + nb);
        stat += (a[k] - ea) * (a[k] - ea) / ea + (b[k] - eb) * (b[k] - eb) / eb;
        df++;
    }
    double pval = gsl_cdf_chisq_Q(stat, df);
    printf("  %s: chi-square %.2f on %d df, p = %.3g\n", what, stat, df, pval);
    if (pval < LEVEL) {
        for (int k = 0; k < NBIN; k++)
            printf("    bin %d: MCMC %.4f forward %.4f\n", k, a[k] / na, b[k] / nb);
        fail_msg("%s: MCMC and forward prior differ (chi-square %.2f, %d df, p = %.3g)", what, stat,
                 df, pval);
    }
}

/* The MCMC side of share_bin, read from the library's node layout. */
static long mc_share_bin(const gb_forest *f, size_t t)
{
    const gb_tree *tr = &f->trees[t];
    const gb_tree_node *root = &tr->nodes[0];
    if (root->left == GB_TREE_NONE)
        return -1;
    size_t side_leaves[2] = {0};
    for (size_t j = 0; j < f->cap; j++) {
        if (!tr->nodes[j].used || tr->nodes[j].left != GB_TREE_NONE)
            continue;
        int32_t x = (int32_t)j;
        while (tr->nodes[x].parent != 0)
            x = tr->nodes[x].parent;
        side_leaves[x == root->left ? 0 : 1]++;
    }
    const gb_tree_node *l = &tr->nodes[root->left];
    return (long)share_bin(l->end - l->begin, f->n, side_leaves[0], side_leaves[1]);
}

static void run_case(const prior_case *pc, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    double *x = make_x(r, pc);
    gb_errlist *errs = gb_errlist_new();
    gb_tree_data *d = NULL;
    assert_int_equal(gb_tree_data_new(x, pc->n, pc->p, pc->ml, &d, errs), GB_OK);
    /* untempered: one forest of independent trees; tempered: one ladder of one-tree forests per
       chain (a ladder of 1 replica is exactly a forest's sweep) */
    size_t temps = pc->temps > 1 ? pc->temps : 1, nl = temps > 1 ? pc->trees : 1;
    gb_tree_config c;
    gb_tree_config_default(&c, GB_TREE_LEAF_NORMAL, temps > 1 ? 1 : pc->trees);
    c.alpha = pc->alpha, c.beta = pc->beta, c.max_leaves = pc->max_leaves;
    gb_tree_ladder *lad[TREES] = {NULL};
    assert_true(nl <= TREES);
    for (size_t l = 0; l < nl; l++)
        assert_int_equal(gb_tree_ladder_new(d, &c, temps, 0.2, &lad[l], errs), GB_OK);
    double mc_leaves[NBIN] = {0}, mc_depth[NBIN] = {0}, fw_leaves[NBIN] = {0}, fw_depth[NBIN] = {0},
           mc_share[NBIN] = {0}, fw_share[NBIN] = {0}, mc_var[NBIN] = {0}, fw_var[NBIN] = {0};
    assert_true(pc->p <= NBIN);
    for (int s = 0; s < BURN + LAG * SNAPS; s++) {
        for (size_t l = 0; l < nl; l++)
            assert_int_equal(gb_tree_ladder_sweep(lad[l], r, NULL, 1), GB_OK);
        for (size_t l = 0; s >= BURN && (s - BURN) % LAG == LAG - 1 && l < nl; l++) {
            const gb_forest *f = gb_tree_ladder_cold(lad[l]);
            for (size_t t = 0; t < gb_forest_trees(f); t++) {
                mc_leaves[bin(gb_tree_leaves(f, t), 1)]++;
                mc_depth[bin(gb_tree_depth(f, t), 0)]++;
                long sb = mc_share_bin(f, t);
                if (sb >= 0)
                    mc_share[sb]++;
                const gb_tree_node *root = &f->trees[t].nodes[0];
                if (root->left != GB_TREE_NONE)
                    mc_var[root->var]++;
            }
        }
    }
    size_t *idx = malloc(pc->n * sizeof *idx);
    double *scratch = malloc(2 * pc->n * sizeof *scratch);
    fnode *stack = malloc((2 * pc->n + 2) * sizeof *stack);
    assert_true(idx && scratch && stack);
    for (int k = 0; k < FORWARD;) {
        size_t leaves, depth;
        long sb, rv;
        if (!forward(r, x, pc, idx, scratch, stack, &leaves, &depth, &sb, &rv))
            continue;
        if (rv >= 0)
            fw_var[rv]++;
        if (sb >= 0)
            fw_share[sb]++;
        fw_leaves[bin(leaves, 1)]++;
        fw_depth[bin(depth, 0)]++;
        k++;
    }
    homogeneity("leaves", mc_leaves, fw_leaves);
    homogeneity("depth", mc_depth, fw_depth);
    homogeneity("root share", mc_share, fw_share);
    homogeneity("root split variable", mc_var, fw_var);
    free(idx), free(scratch), free(stack);
    for (size_t l = 0; l < nl; l++)
        gb_tree_ladder_free(lad[l]);
    gb_tree_data_free(d);
    gb_errlist_free(errs);
    free(x);
    gsl_rng_free(r);
}

/* The cases: each checks the sampler's trees against forward draws from the prior.  The names
 * say which path of the cut search (tree_data.c) or the sampler each one exercises. */
typedef struct named_case {
    const char *name;
    unsigned long seed;
    prior_case pc;
} named_case;

/* A bushy prior on tied inputs with min_leaf 1; the tempered case is the same with a ladder. */
#define BUSHY                                                                                      \
    .n = 40, .p = 2, .ml = 1, .levels = 6, .alpha = 0.95, .beta = 0.8, .max_leaves = 9, .trees = 150

static const named_case cases[] = {
    /* BART's prior on continuous inputs, min_leaf 5 (the two-heap path) */
    {"test_prior_bart_defaults",
     101,
     {.n = 60, .p = 3, .ml = 5, .alpha = 0.95, .beta = 2, .max_leaves = 12, .trees = 800}},
    /* the bushy prior (the min/max path), the leaf cap binding */
    {"test_prior_bushy_with_ties", 102, {BUSHY}},
    /* a large minimum leaf (the selection path), where valid cuts run out quickly */
    {"test_prior_large_min_leaf",
     103,
     {.n = 400, .p = 2, .ml = 40, .alpha = 0.95, .beta = 1, .max_leaves = 10, .trees = 150}},
    /* columns that offer very different numbers of cuts, and a constant one (never split on) */
    {"test_prior_mixed_columns",
     104,
     {.n = 60,
      .p = 3,
      .ml = 5,
      .alpha = 0.95,
      .beta = 1,
      .max_leaves = 12,
      .trees = 300,
      .mixed = true}},
    /* the bushy case with every chain a tempering ladder of 4 replicas: without data every
       replica targets the prior, so exchanges (always accepted) must leave replica 0 on it */
    {"test_prior_tempered_ladder", 105, {BUSHY, .temps = 4}},
};
#define NCASES (sizeof cases / sizeof cases[0])

static void test_prior_case(void **state)
{
    const named_case *c = *state;
    run_case(&c->pc, c->seed);
}

int main(void)
{
    gsl_set_error_handler_off();
    struct CMUnitTest tests[NCASES];
    for (size_t i = 0; i < NCASES; i++)
        tests[i] =
            (struct CMUnitTest){cases[i].name, test_prior_case, NULL, NULL, (void *)&cases[i]};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
