/* dist_tree.c - the tree priors: distributions whose value is the fitted function of a Bayesian
 * tree or forest on the inputs X (one row per observation), for the tree sampler kind
 * (runtime/sampler/sampler_tree.c) to update.
 *
 *   f: real[N] ~ bart_prior(X, trees, k, sparse)       BART (CGM 2010): sum of `trees` trees,
 *       leaf sd (ymax - ymin) / (2 k sqrt(trees)) from the likelihood's data; sparse = 1: DART
 *   f: real[N] ~ cart_prior(X, alpha, beta, min_leaf, temps)  Bayesian CART (CGM 1998), one
 *       tree; temps > 1: parallel tempering with that many replicas (stdlib/tree_temper.c);
 *       temps may be left out (default 1: no tempering)
 *   F: real[N, K] ~ cart_class_prior(X, alpha, beta, min_leaf, temps)   one tree, class
 *       log-probabilities per row (Dirichlet-multinomial leaves); the likelihood is
 *       categorical_logit(F)
 *   leaves ~ tree_leaves(f), depth ~ tree_depth(f)     the number of leaves (summed over a
 *       forest's trees) and the depth (the deepest tree's) of the tree of f, a latent with one
 *       of the priors above (for F[N, K], pass a row: tree_depth(F[1, ])); scalar summaries of
 *       the tree, as nodes, so they reach the draws, R-hat and ESS like any node
 *
 * The tree structure is not a node: it lives in the sampler's state.  So these have no density
 * in f that a gradient or a slice could use, and lpdf is 0 for valid arguments (-INFINITY for
 * invalid ones): it is never the density of f, which only the tree sampler moves.  Other
 * samplers cannot take such a latent (their can_update would see a density flat in it), which
 * is why the tree kind is asked first.  There is no rng: drawing f needs a forest.  Likewise the
 * statistics' lpdf is 0: the tree sampler sets their values from the forest after each sweep.
 */
#include <math.h>

#include "dist_multi.h"

/* Arguments after X must be scalars (stride 0: the same for every repetition). */
static int valid_int(const gb_arg *a, double lo)
{
    double v = a->val[0];
    return isfinite(v) && v >= lo && v == floor(v);
}

static double bart_prior_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)n, (void)dims, (void)propto;
    double k = a[3].val[0], sparse = a[4].val[0];
    return valid_int(&a[2], 1) && k > 0 && isfinite(k) && (sparse == 0 || sparse == 1) ? 0
                                                                                       : -INFINITY;
}

static double cart_prior_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)n, (void)dims, (void)propto;
    double alpha = a[2].val[0], beta = a[3].val[0];
    /* temps: at most GB_TREE_MAX_REPLICAS (stdlib/tree.h) */
    return alpha > 0 && alpha < 1 && beta >= 0 && isfinite(beta) && valid_int(&a[4], 1) &&
                   valid_int(&a[5], 1) && a[5].val[0] <= 64
               ? 0
               : -INFINITY;
}

#define X_PARAM                                                                                    \
    {                                                                                              \
        "X", GB_REAL, 2, -INFINITY, INFINITY, 0, 0                                                 \
    }
#define SPLIT_PARAMS                                                                               \
    {"alpha", GB_REAL, 0, 0, 1, 1, 1}, {"beta", GB_REAL, 0, 0, INFINITY, 0, 1},                    \
        {"min_leaf", GB_INT, 0, 1, INFINITY, 0, 1},                                                \
    {                                                                                              \
        "temps", GB_INT, 0, 1, 64, 0, 0                                                            \
    }

const gb_dist_ops gb_dist_bart_prior = {
    .name = "bart_prior",
    .nparams = 4,
    .params = {X_PARAM,
               {"trees", GB_INT, 0, 1, INFINITY, 0, 1},
               {"k", GB_REAL, 0, 0, INFINITY, 1, 1},
               {"sparse", GB_INT, 0, 0, 1, 0, 0}},
    .variate_rank = 1,
    .size_param = GB_NO_PARAM,
    .support = {GB_SUPPORT_VECTOR, -INFINITY, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = bart_prior_lpdf,
    .doc = "BART prior on the fitted values f[i] = sum of `trees` regression trees at row i of X "
           "(CGM 2010: split probability 0.95 (1 + depth)^-2, leaf sd (max y - min y) / (2 k "
           "sqrt(trees)), at least 5 rows a leaf); sparse = 1: DART's split-variable prior. "
           "Updated by the tree sampler; f enters y ~ normal(f + ..., sigma) or "
           "y ~ bernoulli(Phi(f + ...))",
    .example = "f: real[N] ~ bart_prior(X, 200, 2, 0)",
};

const gb_dist_ops gb_dist_cart_prior = {
    .name = "cart_prior",
    .nparams = 5,
    .params = {X_PARAM, SPLIT_PARAMS},
    .noptional = 1, /* temps: models written before tempering call it with four */
    .defaults = {[4] = 1},
    .variate_rank = 1,
    .size_param = GB_NO_PARAM,
    .support = {GB_SUPPORT_VECTOR, -INFINITY, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = cart_prior_lpdf,
    .doc = "Bayesian CART prior on the fitted values f[i] of one regression tree at row i of X "
           "(CGM 1998: a node at depth d splits with probability alpha (1 + d)^-beta, at least "
           "min_leaf rows a leaf; temps > 1: that many tempering replicas exchange trees; temps "
           "may be left out, default 1). Updated by the tree sampler; f enters "
           "y ~ normal(f + ..., sigma)",
    .example = "f: real[N] ~ cart_prior(X, 0.95, 2, 5, 8)",
};

const gb_dist_ops gb_dist_cart_class_prior = {
    .name = "cart_class_prior",
    .nparams = 5,
    .params = {X_PARAM, SPLIT_PARAMS},
    .noptional = 1, /* temps: models written before tempering call it with four */
    .defaults = {[4] = 1},
    .variate_rank = 2,
    .size_param = GB_NO_PARAM,
    .support = {GB_SUPPORT_VECTOR, -INFINITY, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = cart_prior_lpdf,
    .doc = "Bayesian CART classification prior: F[i, ] are the log class probabilities of the "
           "leaf of one tree holding row i of X (CGM 1998 split prior as cart_prior; Dirichlet(1) "
           "class probabilities in each leaf). Updated by the tree sampler; "
           "y ~ categorical_logit(F)",
    .example = "F: real[N, K] ~ cart_class_prior(X, 0.95, 2, 5, 8)",
};

/* The tree statistics: no density (the tree sampler sets them), so always 0.  Their support is
 * the real line so that their coordinates are their values (identity transform): a depth of 0
 * would be -infinity on a log scale. */
#define TREE_STAT_SUPPORT                                                                          \
    {                                                                                              \
        GB_SUPPORT_INTERVAL, -INFINITY, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0                      \
    }

static double tree_stat_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)n, (void)a, (void)dims, (void)propto;
    return 0;
}

const gb_dist_ops gb_dist_tree_leaves = {
    .name = "tree_leaves",
    .nparams = 1,
    .params = {{"f", GB_REAL, 1, -INFINITY, INFINITY, 0, 0}},
    .support = TREE_STAT_SUPPORT,
    .lpdf = tree_stat_lpdf,
    .doc = "The number of leaves of the tree of f (a latent with a tree prior; summed over a "
           "BART forest's trees), set by the tree sampler after each sweep: a node, so it has "
           "draws, R-hat and ESS. For F[N, K] ~ cart_class_prior pass a row, F[1, ]",
    .example = "leaves ~ tree_leaves(f)",
};

const gb_dist_ops gb_dist_tree_depth = {
    .name = "tree_depth",
    .nparams = 1,
    .params = {{"f", GB_REAL, 1, -INFINITY, INFINITY, 0, 0}},
    .support = TREE_STAT_SUPPORT,
    .lpdf = tree_stat_lpdf,
    .doc = "The depth of the tree of f (0 for a single leaf; the deepest of a BART forest's "
           "trees), set by the tree sampler after each sweep like tree_leaves",
    .example = "depth ~ tree_depth(f)",
};
