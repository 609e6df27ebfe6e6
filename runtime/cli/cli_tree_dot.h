/* cli_tree_dot.h - a tree structure as a Graphviz diagram (cli_tree_dot.c says what it shows). */
#ifndef GB_RUNTIME_CLI_CLI_TREE_DOT_H
#define GB_RUNTIME_CLI_CLI_TREE_DOT_H

#include <stdio.h>

#include "cli_tree_int.h"
#include "cli_tree_x.h"

/* Writes the DOT text of single-tree draw `pick`'s structure, titled ("most visited tree"), each
 * leaf over the draws of that structure, n counted on x's rows (x may be NULL: n = 0).  0, or -1
 * when out of memory or a write failed. */
int cli_tree_dot(FILE *out, const cli_tree_draws *nd, size_t pick, const cli_tree_x *x,
                 const char *title);
/* The SVG of each single tree's most visited structure in t, one after another (for the HTML
 * report); *svg NULL when t holds no single tree.  GB_OK, GB_ENOMEM, or GB_EINTERNAL with
 * Graphviz's message in err. */
gb_status cli_tree_svg(const cli_tree *t, const cli_tree_xs *xs, char **svg, char *err,
                       size_t errlen);

#endif
