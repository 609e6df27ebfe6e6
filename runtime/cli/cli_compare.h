/* cli_compare.h - what compare's two ways of scoring share: cli_compare.c (PSIS-LOO and a test
 * set) and cli_compare_kfold.c (K-fold cross-validation).  Only runtime/cli uses it. */
#ifndef GB_RUNTIME_CLI_CLI_COMPARE_H
#define GB_RUNTIME_CLI_CLI_COMPARE_H

#include <stddef.h>

#include "cli.h"
#include "run.h"

/* The held-out scores of one model on one set of rows. */
typedef struct cli_cmp_scores {
    double *lpd;  /* pointwise log predictive density, n (owned) */
    size_t n;
    double hits;  /* rows whose most probable class is the true one; NAN: not a class outcome */
    double sse;   /* sum over rows of (posterior mean prediction - y)^2; NAN for a class outcome */
} cli_cmp_scores;

/* Fits the model of graph g: samples it with o's settings, or with map its MAP as the one draw
 * (optimize.h, 4 starts, o's seed).  *m, *d and *rec (the trees' forests of each kept draw,
 * cli_tree.h; NULL for a MAP) are new (the caller frees them with gb_model_free, gb_draws_free
 * and cli_tree_free) on success; errors in errs. */
struct cli_tree;
gb_status cli_cmp_fit(const cli_opts *o, int map, const gb_graph *g, gb_model **m,
                      gb_draws **d, struct cli_tree **rec, gb_errlist *errs);

/* Scores the draws d of model m (fitted on training data whose outcome variable is train) on
 * the data of session t, lowered as to->model: sc gets the pointwise held-out density, and the
 * hits of a class outcome (an integer with 2 to 64 values in the training data) or the squared
 * errors of any other outcome.  The posterior mean prediction is the mean over draws of a
 * replicate drawn from the outcome's distribution (seeded by to->seed).  t's graph may be
 * lowered again; t's data come back unchanged.  A tree's fitted values at the test rows come
 * from the forests rec recorded (cli_predict_tree.h).  Errors in t->errs; free sc->lpd either
 * way. */
gb_status cli_cmp_score(const cli_opts *to, cli_session *t, const gb_data_var *train,
                        const gb_model *m, const gb_draws *d, const struct cli_tree *rec,
                        cli_cmp_scores *sc);

/* The outcome: the data variable named outcome, or by default the first observed node's;
 * NULL when there is none. */
const char *cli_cmp_outcome(const gb_graph *g, const gb_data *data, const char *outcome);
/* "net: weights and activations (multiclass)", or "plain model: ..." into buf. */
void cli_cmp_describe(const gb_graph *g, char *buf, size_t cap);
/* The params column: each latent's elements, except a tree's fitted values (one per row and
 * output, which no one would call parameters): a tree counts the posterior mean number of its
 * leaves (summed over a forest's trees) times the free values of a leaf, 1 for a mean and K - 1
 * for K class probabilities, from the forests rec recorded (borrowed, may be NULL).  NAN when a
 * tree has no record (no forest was recorded: not expected, printed as -); -1 when out of
 * memory. */
double cli_cmp_count_params(const gb_model *m, const struct cli_tree *rec);
/* Prints the params column (" %7s": an integer count as such, a tree's mean to 0.1, NAN as -). */
void cli_cmp_print_params(double n);
/* The classes of an integer outcome (sorted, at most CLI_CMP_MAX_CLASSES) into cls; 0 when the
 * outcome is not integer or has more. */
#define CLI_CMP_MAX_CLASSES 64
size_t cli_cmp_classes(const gb_data_var *v, double *cls);

#define CLI_CMP_MAX_MODELS 16
/* compare --kfold K: fits every model K times and prints the K-fold table; an exit code. */
int cli_compare_kfold(const cli_opts *o, const char *const *models, int nmodels,
                      const char *outcome, int map, long K);

#endif
