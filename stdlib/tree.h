/* tree.h - Bayesian CART and BART: the tree core library (no graph or language code).
 *
 * A gb_tree_data holds the design matrix ranked once per column (the split candidates); a
 * gb_forest holds m trees (m = 1 is Bayesian CART, Chipman, George & McCulloch 1998; m > 1 is
 * BART fitted by Bayesian backfitting, Chipman, George & McCulloch 2010), their leaf values and
 * the per-row fit.  One gb_forest_sweep makes one Metropolis-Hastings structure move per tree
 * (grow, prune, change or swap) on the partial residual with the leaf values integrated out, then
 * draws that tree's leaf values.  All buffers are sized when the forest is made: a sweep never
 * allocates.  Work per move is O(rows in the node): each tree keeps its rows partitioned so that
 * every node owns a contiguous range of a row permutation.
 *
 * The tree prior (CGM 1998, section 3): a node at depth d (root 0) splits with probability
 * alpha (1 + d)^-beta; its split variable is uniform over the usable (non-constant) columns, or
 * drawn from DART's sparse Dirichlet weights (Linero 2018) when asked; its split value is uniform
 * over the node's observed values v of that column that keep at least min_leaf rows on each side
 * of the rule "x <= v goes left".  Trees whose splits would break that rule have prior mass zero
 * (the prior is the forward process conditioned on every split being valid).  Each tree has at
 * most max_leaves leaves (a grow beyond it is refused); keep it large enough that the prior
 * rarely reaches it.
 *
 * Errors are values: functions that can fail return gb_status and append located messages
 * (location unknown, {0}: the caller knows the source) to an error list; nothing prints.
 * Row and column numbers in messages count from 1.
 *
 * Ownership: a gb_forest borrows its gb_tree_data, which must outlive it.  Arrays passed in are
 * borrowed for the duration of the call unless said otherwise.
 */
#ifndef GB_STDLIB_TREE_H
#define GB_STDLIB_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "status.h"

/* ---- data and split candidates (tree_data.c) ---- */

typedef struct gb_tree_data gb_tree_data;

/* Ranks the n x p row-major matrix x (copied; x is borrowed only during the call).  Refuses,
 * with a message naming the row and column, a NaN or infinite entry (GB_EDATA, one error per bad
 * entry up to the list's cap), min_leaf == 0 or n < min_leaf (GB_EDATA), and sizes over the
 * memory budget (GB_ENOMEM).  Constant columns are allowed and never split on: ask
 * gb_tree_data_is_constant.  On success *out is a new object the caller frees. */
gb_status gb_tree_data_new(const double *x, size_t n, size_t p, size_t min_leaf, gb_tree_data **out,
                           gb_errlist *errs);
void gb_tree_data_free(gb_tree_data *d);

size_t gb_tree_data_rows(const gb_tree_data *d);
size_t gb_tree_data_cols(const gb_tree_data *d);
size_t gb_tree_data_min_leaf(const gb_tree_data *d);
/* Number of distinct values of column j, and the k-th smallest (k < that number). */
size_t gb_tree_data_n_values(const gb_tree_data *d, size_t j);
double gb_tree_data_value(const gb_tree_data *d, size_t j, size_t k);
/* A column with one distinct value (never split on). */
bool gb_tree_data_is_constant(const gb_tree_data *d, size_t j);
/* Number of non-constant columns: the split variable's prior is uniform over these. */
size_t gb_tree_data_usable_cols(const gb_tree_data *d);
/* Checks class labels for GB_TREE_LEAF_CLASS: each y[i] an integer in 0..K-1.  One GB_EDATA
 * error per bad row (up to the list's cap) naming the row and the value. */
gb_status gb_tree_check_labels(const double *y, size_t n, size_t classes, gb_errlist *errs);

/* ---- configuration ---- */

typedef enum gb_tree_leaf_kind {
    /* mu ~ N(0, tau^2), target ~ N(mu, sigma^2 / w) with sigma KNOWN (passed to each sweep) and
     * optional per-row weights w: BART's backfitting, or CART whose sigma is sampled elsewhere.
     * The prior is centred at 0: shift the target to midrange 0 first (CGM 2010, 2.2.2). */
    GB_TREE_LEAF_NORMAL,
    /* Normal-inverse-gamma: mu ~ N(mu0, sigma^2 / kappa), sigma^2 ~ InvGamma(a, b) shared by all
     * leaves and integrated out of the structure moves; standalone CART regression (m = 1). */
    GB_TREE_LEAF_NIG,
    /* Dirichlet-multinomial over K classes (labels 0..K-1), symmetric concentration; the class
     * probabilities are drawn after each sweep (m = 1). */
    GB_TREE_LEAF_CLASS
} gb_tree_leaf_kind;

typedef struct gb_tree_config {
    size_t trees;       /* m >= 1; NIG and CLASS need m = 1 */
    double alpha, beta; /* split probability alpha (1 + d)^-beta: 0.95, 2 */
    size_t max_leaves;  /* per tree; 0 = min(rows / min_leaf, GB_TREE_DEFAULT_MAX_LEAVES) */
    gb_tree_leaf_kind leaf;
    double tau;            /* NORMAL: leaf prior sd (see gb_tree_bart_tau) */
    double mu0, kappa;     /* NIG: leaf mean prior N(mu0, sigma^2 / kappa) */
    double a, b;           /* NIG: sigma^2 ~ InvGamma(a, b) (see gb_tree_nig_default) */
    size_t classes;        /* CLASS: K >= 2 */
    double concentration;  /* CLASS: symmetric Dirichlet parameter, 1 */
    bool dart;             /* DART's sparse Dirichlet split-variable weights */
    double dart_a, dart_b; /* DART: theta / (theta + rho) ~ Beta(a, b), rho = usable columns;
                              Linero's defaults 0.5 and 1; theta is updated each sweep */
} gb_tree_config;

#define GB_TREE_DEFAULT_MAX_LEAVES 256

/* Defaults for a leaf kind with m trees: alpha 0.95, beta 2, tau 1 (set it from the target with
 * gb_tree_bart_tau), NIG mu0 0 kappa 1/3 a 1.5 b 1.5 (set them with gb_tree_nig_default),
 * concentration 1, DART off with a 0.5, b 1. */
void gb_tree_config_default(gb_tree_config *c, gb_tree_leaf_kind leaf, size_t trees);
/* BART's leaf sd (CGM 2010, section 2.2.1): (ymax - ymin) / (2 k sqrt(m)), k = 2 by default. */
double gb_tree_bart_tau(double ymin, double ymax, double k, size_t trees);
/* CGM 1998's NIG defaults from the target: mu0 = mean(y), kappa = 1/3, a = nu / 2, b = nu lambda
 * / 2 with nu = 3 and lambda chosen so that P(sigma^2 < var(y)) = 0.9. */
void gb_tree_nig_default(gb_tree_config *c, const double *y, size_t n);

/* ---- the forest (tree_forest.c, tree_move.c, tree_leaf.c) ---- */

typedef struct gb_forest gb_forest;

/* A forest of c->trees single-leaf trees with leaf values 0 (NORMAL), mu0 (NIG) or uniform class
 * probabilities (CLASS).  Borrows d (must outlive the forest).  Refuses a bad configuration
 * (GB_EUSAGE with a message) and sizes over the budget (GB_ENOMEM); on failure frees everything
 * and leaves *out untouched. */
gb_status gb_forest_new(const gb_tree_data *d, const gb_tree_config *c, gb_forest **out,
                        gb_errlist *errs);
void gb_forest_free(gb_forest *f);

/* Per-row weights for NORMAL leaves (precision multipliers, > 0): borrowed until replaced; NULL
 * means all 1. */
void gb_forest_set_weights(gb_forest *f, const double *w);

/* One sweep over all trees.  target: n values (NORMAL: the quantity the forest's sum is fitted
 * to, e.g. y minus the rest of the model; NIG: y; CLASS: labels 0..K-1 as doubles, checked:
 * GB_EDATA on a bad one).  sigma: the known noise sd for NORMAL (ignored otherwise).  target ==
 * NULL samples from the prior (likelihood switched off; leaf values drawn from their prior).
 * Returns GB_OK, GB_EDATA, or GB_EUSAGE (sigma not positive and finite); never allocates. */
gb_status gb_forest_sweep(gb_forest *f, gsl_rng *rng, const double *target, double sigma);

/* Albert & Chib (1993) probit augmentation: z[i] ~ N(fit[i], 1) truncated to z > 0 when
 * y[i] == 1 and z <= 0 when y[i] == 0.  Sweep a NORMAL forest on z with sigma = 1. */
void gb_forest_probit_latent(const double *fit, const double *y, size_t n, gsl_rng *rng, double *z);

/* Back to single-leaf trees (a chain's start); the fit becomes the constant leaf value. */
void gb_forest_reset(gb_forest *f);
/* Copies the whole state (trees, leaf values, fit, sigma, DART weights) of src into dst, which
 * must have been made with the same data and configuration (GB_EUSAGE otherwise). */
gb_status gb_forest_copy_state(gb_forest *dst, const gb_forest *src);

/* ---- reading the state ---- */

size_t gb_forest_trees(const gb_forest *f);
/* Per-row fit: n values (NORMAL: the sum over trees; NIG: the leaf mean) or n x K class
 * probabilities, row-major.  Borrowed; valid until the next sweep, reset or copy. */
const double *gb_forest_fit(const gb_forest *f);
/* Predictions at rows x (rows x p, row-major, the same p columns): rows values or rows x K
 * probabilities into out (caller-owned).  GB_EDATA with a message for a NaN entry. */
gb_status gb_forest_predict(const gb_forest *f, const double *x, size_t rows, size_t p, double *out,
                            gb_errlist *errs);
/* NIG: the current draw of sigma; NaN for the other kinds. */
double gb_forest_sigma(const gb_forest *f);
size_t gb_tree_leaves(const gb_forest *f, size_t t);
/* Depth of tree t: 0 for a single leaf. */
size_t gb_tree_depth(const gb_forest *f, size_t t);
/* counts[j] = number of splits on column j over all trees (p entries, caller-owned). */
void gb_forest_var_counts(const gb_forest *f, size_t *counts);
/* DART's current split-variable probabilities (p entries, 0 on constant columns), or NULL. */
const double *gb_forest_dart_weights(const gb_forest *f);
/* Move statistics since creation or the last reset, indexed by gb_tree_move. */
typedef enum gb_tree_move {
    GB_TREE_GROW,
    GB_TREE_PRUNE,
    GB_TREE_CHANGE,
    GB_TREE_SWAP,
    GB_TREE_N_MOVES
} gb_tree_move;
void gb_forest_move_stats(const gb_forest *f, size_t proposed[GB_TREE_N_MOVES],
                          size_t accepted[GB_TREE_N_MOVES]);

/* The log posterior of tree t's structure, up to a constant, with its leaf values integrated
 * out: log prior (split probabilities, split variable, cut counts) + log marginal likelihood of
 * the data given the other trees (NORMAL: target minus the other trees' fit, with the known
 * sigma; NIG, CLASS: target; NULL: the log prior alone).  For choosing the maximum-posterior
 * tree among visited ones.  Uses the forest's scratch buffers (not during a sweep); the state is
 * unchanged. */
double gb_tree_log_posterior(gb_forest *f, size_t t, const double *target, double sigma);
/* Its second part alone: log p(y | T) up to terms equal for every tree on the same target and
 * sigma (0 for target NULL); as gb_tree_log_posterior, scratch buffers, state unchanged. */
double gb_tree_log_lik(gb_forest *f, size_t t, const double *target, double sigma);

/* ---- tempering (tree_temper.c) ---- */

/* Parallel tempering for a single tree (Bayesian CART, whose chains otherwise stay in one mode
 * of tree space): R replicas of a forest of one tree, replica r at inverse temperature b_r on
 * the integrated marginal likelihood, 1 = b_0 > b_1 > ... > b_{R-1} geometric, so replica r
 * targets p(T) p(y | T)^{b_r}.  A sweep moves every replica once, then proposes to exchange
 * the trees of each adjacent pair in turn, accepted with min(1, exp((b_r - b_{r+1})
 * (L_{r+1} - L_r))), L = log p(y | T).  Replica 0 is the chain's state. */
typedef struct gb_tree_ladder gb_tree_ladder;
#define GB_TREE_MAX_REPLICAS 64

/* R = replicas (1 to GB_TREE_MAX_REPLICAS) copies of a forest made as gb_forest_new(d, c) (c->trees
 * must be 1 when R > 1), the hottest at inverse temperature b_min (0 < b_min < 1; ignored for R =
 * 1).  Errors as gb_forest_new (GB_EUSAGE with a message for a bad R or b_min); on failure *out
 * untouched. Borrows d; *out is new, freed with gb_tree_ladder_free. */
gb_status gb_tree_ladder_new(const gb_tree_data *d, const gb_tree_config *c, size_t replicas,
                             double b_min, gb_tree_ladder **out, gb_errlist *errs);
void gb_tree_ladder_free(gb_tree_ladder *l);
/* One sweep of every replica (as gb_forest_sweep, same arguments and errors), then the
 * exchanges.  With R = 1 exactly gb_forest_sweep.  Never allocates. */
gb_status gb_tree_ladder_sweep(gb_tree_ladder *l, gsl_rng *rng, const double *target, double sigma);
/* The chain's forest, replica 0 (borrowed; the ladder owns it). */
gb_forest *gb_tree_ladder_cold(gb_tree_ladder *l);
size_t gb_tree_ladder_replicas(const gb_tree_ladder *l);
/* b_r, r < R. */
double gb_tree_ladder_heat(const gb_tree_ladder *l, size_t r);
/* Exchanges proposed and accepted between replicas r and r + 1 (r + 1 < R). */
void gb_tree_ladder_swap_stats(const gb_tree_ladder *l, size_t r, size_t *proposed,
                               size_t *accepted);

/* ---- output (tree_output.c) ---- */

/* One draw's forest as one JSON line (ending in '\n'):
 *   {"trees":[T, ...]}  with T = {"var":j,"le":value,"left":T,"right":T}  (j 0-based; rows with
 *   x[j] <= value go left) or a leaf {"mu":value} / {"p":[p0, ..., pK-1]}.
 * Every write is checked: GB_EIO on failure. */
gb_status gb_forest_write_json(const gb_forest *f, FILE *out);
/* The reverse (tree_json.c): sets f's trees and leaf values to the forest of one such line
 * (members other than "trees" are ignored), partitions the rows by the rules and recomputes the
 * fit, so predict, fit, rules, key, leaves and depth read that draw.  f must have been made with
 * the data and configuration of the run that wrote the line (its number of trees, leaf kind and
 * classes); a split value le sends the same training rows left as the largest observed value
 * <= le.  Move statistics and DART weights are reset; NIG's sigma is not in the line and is left
 * at its reset value.  GB_EDATA with a message for a line that does not parse or does not fit f
 * (wrong number of trees, a column out of range, a missing member, more nodes than f has room
 * for), GB_ENOMEM; on failure f is reset to single-leaf trees. */
gb_status gb_forest_read_json(gb_forest *f, const char *line, gb_errlist *errs);
/* Tree t as if-then rules, one line per leaf:
 *   "if age <= 30 and income > 2.5 then mu = 1.25" (or "then p = [0.1, 0.9]"; a single leaf:
 *   "always mu = ...").  names: p column names (borrowed), or NULL for x1..xp.  GB_EIO on a
 *   failed write. */
gb_status gb_tree_write_rules(const gb_forest *f, size_t t, const char *const *names, FILE *out);
/* A canonical key of tree t's structure (split variables and split values, not leaf values),
 * equal for equal structures: written like snprintf into buf (size bytes, may be 0), returning
 * the length it needs without the terminating 0. */
size_t gb_tree_key(const gb_forest *f, size_t t, char *buf, size_t size);

#endif
