/* cli_predict_tree.h - tree components in `predict` (cli_predict_tree.c): a tree latent (t.f,
 * t.logp) is sized by the training rows and its value comes from the tree sampler's forest, not
 * from the graph, so its draws columns cannot be carried to new X.  Instead each saved draw's
 * forest (the run's STEM_tree.jsonl) is rebuilt on the training X and evaluated at the new X. */
#ifndef GB_RUNTIME_CLI_CLI_PREDICT_TREE_H
#define GB_RUNTIME_CLI_CLI_PREDICT_TREE_H

#include <stddef.h>

#include "cli.h"
#include "drawsin.h"

typedef struct cli_ptree cli_ptree;

/* The tree latents of m1 (the training model) and their counterparts in m2 (the prediction
 * model), with the records read from the file beside o's first draws file (STEM_tree.jsonl,
 * STEM without a trailing _N chain number) when m1 has any tree latent.  *out is NULL when
 * there is none, or when that file is missing and every new X is the training X (the draws'
 * own columns then hold the fitted values).  GB_EDATA (located at the new X) when the new X's column count differs from
 * the training X's, or when the records do not match the draws; errors go to s->errs.  Free
 * with cli_ptree_free whatever the result. */
gb_status cli_ptree_new(const cli_opts *o, const cli_session *s, const gb_model *m1,
                        const gb_model *m2, const gb_data *data2, const gb_drawsin *d,
                        cli_ptree **out);
/* The same for compare, with the records of the run made in-process (rec, borrowed: it must
 * outlive *out; ndraws draws in chain order); the new X is located in s->data. */
struct cli_tree;
gb_status cli_ptree_with(const cli_opts *o, const cli_session *s, const gb_model *m1,
                         const gb_model *m2, const struct cli_tree *rec, size_t ndraws,
                         cli_ptree **out);
void cli_ptree_free(cli_ptree *t);
/* Whether `name` is a tree latent handled here (t may be NULL). */
int cli_ptree_has(const cli_ptree *t, const char *name);
/* Sets the tree latents' columns of m2's output row row2 to saved draw k's forests evaluated at
 * the new X (class probabilities as their logs).  GB_OK, or an error in errs. */
gb_status cli_ptree_fill(cli_ptree *t, size_t k, double *row2, gb_errlist *errs);

/* gb_model_compile for a prediction model, which is never sampled: the tree kind's check (it
 * fits a tree to the data: at least min_leaf rows, notes on constant columns) is left out, so
 * new X may have a single row. */
gb_status cli_ptree_compile(const gb_graph *g, gb_model **out, gb_errlist *errs);

#endif
