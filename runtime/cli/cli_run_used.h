/* cli_run_used.h - which of a run's draws its summary uses (cli_run.c): after an interruption
 * the chains may have made different numbers of draws, and the diagnostics need the same number
 * from each chain; the trees' summary reads its leaves and depth from the same draws. */
#ifndef GB_RUNTIME_CLI_CLI_RUN_USED_H
#define GB_RUNTIME_CLI_CLI_RUN_USED_H

#include <stddef.h>

#include "cli_tree.h"
#include "model.h"
#include "run.h"

/* Fewer draws than this in every chain: no summary. */
#define CLI_USED_MIN 4

/* The draws per chain the summary uses: the n that makes (chains with at least n draws) x n
 * largest, n >= min (ties: more chains), so one short chain does not cut the others to its
 * length.  0 when no chain has min draws. */
size_t cli_used_length(const gb_draws *d, size_t min);
/* Says on stderr which draws the summary uses when it cannot use them all (n from
 * cli_used_length). */
void cli_used_say(const gb_draws *d, size_t n);
/* The chains with at least n draws (*used of them), each read to its n-th: a new array of
 * pointers into d (the caller frees the array); NULL when out of memory. */
const double **cli_used_chains(const gb_draws *d, size_t n, int *used);
/* The summary's draws for the trees' summary: c->chains from cli_used_chains (the caller frees
 * it; NULL when there are too few draws); -1 when out of memory. */
int cli_used_tree_cols(const gb_model *m, const gb_draws *d, cli_tree_cols *c);

#endif
