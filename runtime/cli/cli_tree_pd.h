/* cli_tree_pd.h - partial dependence of a tree's prediction on one input (cli_tree_pd.c). */
#ifndef GB_RUNTIME_CLI_CLI_TREE_PD_H
#define GB_RUNTIME_CLI_CLI_TREE_PD_H

#include <stdio.h>

#include "cli_tree_int.h"
#include "cli_tree_x.h"

/* Prints the table for column col (0-based) of x over `grid` quantiles of it: one row per grid
 * value, the posterior mean and 90% interval of the average prediction (each class probability
 * for a classifier).  GB_OK, GB_EIO (a write failed), or an error in errs (GB_ENOMEM, or GB_EDATA
 * when a draw's forest does not fit X). */
gb_status cli_tree_pd(FILE *out, const cli_tree_draws *nd, const cli_tree_x *x, size_t col,
                      size_t grid, gb_errlist *errs);

#endif
