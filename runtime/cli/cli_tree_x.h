/* cli_tree_x.h - the inputs X of a model's tree nodes (the data the tree prior was given) and
 * their column names, for the tree summary, the diagram and partial dependence.
 *
 * Column names come from a JSON data file: beside the matrix "X", an array of strings
 * "X_names": ["sepal_length", ...] with one name per column (the data reader skips such arrays,
 * data_json.c).  The tree's X is matched to the data variable holding the same values.  CSV data
 * and data without the array give x1, x2, ... */
#ifndef GB_RUNTIME_CLI_CLI_TREE_X_H
#define GB_RUNTIME_CLI_CLI_TREE_X_H

#include <stddef.h>

#include "cli.h"

typedef struct cli_tree_x {
    const char *node; /* the tree latent's name ("t.f"), the graph's */
    const double *x;  /* rows x cols, row-major, borrowed from the model */
    size_t rows, cols;
    size_t classes;  /* classification trees: K; else 0 */
    const char *var; /* the data variable X is, or NULL */
    char **names;    /* cols names, or NULL */
} cli_tree_x;

typedef struct cli_tree_xs {
    cli_tree_x *items;
    size_t n;
} cli_tree_xs;

/* The inputs of each tree latent of m (models, data and files of o and s).  GB_OK, GB_ENOMEM, or
 * GB_EDATA with a message naming the file when an "X_names" array's length is not X's column
 * count.  Free with cli_tree_xs_free whatever the result. */
gb_status cli_tree_xs_find(const cli_opts *o, const cli_session *s, const gb_model *m,
                           cli_tree_xs *out);
void cli_tree_xs_free(cli_tree_xs *xs);
/* The entry of node, or NULL. */
const cli_tree_x *cli_tree_xs_get(const cli_tree_xs *xs, const char *node);

#endif
