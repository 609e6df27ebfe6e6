/* cli_tree_int.h - what the tree summary (cli_tree.c), the tree diagram (cli_tree_dot.c),
 * partial dependence (cli_tree_pd.c) and the tree command (cli_tree_cmd.c) share: one node's
 * draws gathered from every chain, parsed, with their structure keys. */
#ifndef GB_RUNTIME_CLI_CLI_TREE_INT_H
#define GB_RUNTIME_CLI_CLI_TREE_INT_H

#include <stddef.h>

#include <jansson.h>

#include "cli_tree.h"

/* One node's draws, all chains: per draw its number of leaves, tree key (single trees) and
 * parsed forest. */
typedef struct cli_tree_draws {
    const char *node;
    size_t nchains, ndraws, p;
    double *nleaves; /* the forest's leaves, chain c, draw d at c * ndraws + d: counted from the
                        records for what must work without a tree_leaves node in the model
                        (compare's parameter count); the run's summary reads the draw columns */
    double *used;    /* single tree: draws that split on input j; forest: the sum over draws of
                        input j's share of the splits (the BART packages' inclusion proportion) */
    json_t **forest; /* parsed lines, nchains * ndraws: chain c, draw d at c * ndraws + d */
    char **key;      /* single trees: the structure of each draw */
    int single;
    char *const *names; /* the inputs' names (cli_tree_set_names), np of them, or NULL */
    size_t np;
} cli_tree_draws;

/* Gathers node `node`'s draws from every chain (the shortest chain's count); 0, or -1 when out of
 * memory or a line does not parse.  Free nd with cli_tree_draws_free whatever the result. */
int cli_tree_gather(const cli_tree *t, const char *node, cli_tree_draws *nd);
void cli_tree_draws_free(cli_tree_draws *nd);
/* The names of the node's inputs given to cli_tree_set_names, or NULL. */
char *const *cli_tree_names(const cli_tree *t, const char *node, size_t *p);
/* Input j's name: the data's column name, else "x<j+1>" written into buf. */
const char *cli_tree_input(const cli_tree_draws *nd, size_t j, char *buf, size_t size);
/* Mean and the 5% and 95% quantiles (R's type 7) of v[0 .. n-1], sorting v. */
void cli_tree_describe(double *v, size_t n, double *mean, double *q5, double *q95);
/* The k-th leaf (depth-first, left first) of the tree n; *k counts down. */
const json_t *cli_tree_leaf_at(const json_t *n, size_t *k);
/* A single tree's most visited structure (*visited, with *count draws) and the draw of highest
 * structure posterior (*map; SIZE_MAX when the draws carry no "logpost"); -1 when out of memory. */
int cli_tree_pick(const cli_tree_draws *nd, size_t *visited, size_t *count, size_t *map);
/* The first tree of draw i. */
const json_t *cli_tree_first(const cli_tree_draws *nd, size_t i);
/* The node names the record holds, in the order chain 1 recorded them (n of them, borrowed). */
const char *cli_tree_node_at(const cli_tree *t, size_t i, size_t *n);

#endif
