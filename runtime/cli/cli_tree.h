/* cli_tree.h - the trees' records of a run (the tree sampler's forest per kept draw): kept in
 * memory per chain, written to OUTPUT's stem + "_tree.jsonl", and summarised after the draws'
 * table (cli_tree.c says what the summary shows). */
#ifndef GB_RUNTIME_CLI_CLI_TREE_H
#define GB_RUNTIME_CLI_CLI_TREE_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

/* Room for one leaf's conditions in the rules. */
#define CLI_TREE_PATH 4096
/* Tree nodes of a model whose inputs can be named. */
#define CLI_TREE_MAX_NAMED 16

typedef struct cli_tree cli_tree;

/* A new, empty record of nchains chains (NULL when out of memory); freed by cli_tree_free,
 * which accepts NULL. */
cli_tree *cli_tree_new(int nchains);
void cli_tree_free(cli_tree *t);
/* The gb_sampler_record (sampler.h) to hand the run, with the cli_tree as its context: copies
 * the line; -1 when out of memory.  Each chain writes only its own records. */
int cli_tree_record(void *ctx, int chain, const char *node, const char *line);
/* No tree recorded anything (t may be NULL). */
int cli_tree_empty(const cli_tree *t);
/* Writes every record as one JSON line {"chain":c,"draw":d,"node":"t.f","trees":[...]} to
 * OUTPUT's stem + "_tree.jsonl", whole or not at all; 0, or -1 after a message on stderr. */
int cli_tree_write(const cli_tree *t, const char *output);
/* Names node's p inputs in the summary (borrowed: they must outlive t); without it, or beyond
 * CLI_TREE_MAX_NAMED nodes, the inputs are x1..xp.  Accepts t or names NULL. */
void cli_tree_set_names(cli_tree *t, const char *node, char *const *names, size_t p);
/* Reads a STEM_tree.jsonl file back (each line's "chain" says whose it is); NULL after a message
 * on stderr naming cmd and the file's line. */
cli_tree *cli_tree_load(const char *cmd, const char *path);
/* The run's draws as its summary uses them (all borrowed): chains[c] holds ndraws rows of ncols
 * values; draw column k >= GB_NSAMPLER_COLS (run.h) is model output column col[k -
 * GB_NSAMPLER_COLS] of m.  A tree's number of leaves and depth are the draw columns of its
 * tree_leaves and tree_depth nodes, so the tree summary reads them here, as the draws' table
 * does: one source for both. */
typedef struct cli_tree_cols {
    const gb_model *m;
    const size_t *col;
    size_t ncols;
    const double *const *chains;
    size_t nchains, ndraws;
} cli_tree_cols;
/* Prints each tree's summary, its leaves and depth from cols (NULL: too few draws to
 * summarise); -1 when out of memory or a write failed. */
int cli_tree_print(const cli_tree *t, const cli_tree_cols *cols, FILE *out);

#endif
