/* lower.h - from a script to the model graph: parse (with imports), resolve names, check
 * types, shapes and arity, bind sizes and check values against the data, and build the graph.
 *
 * Without data (`glassbox check`) sizes stay unknown and only what can be known is checked;
 * with data every shape is concrete and the data are checked against their declarations
 * (missing variables, shape, type, NaN/inf, declared bounds, index ranges).
 */
#ifndef GB_LANG_LOWER_H
#define GB_LANG_LOWER_H

#include "data.h"
#include "graph.h"
#include "source.h"
#include "status.h"

typedef struct gb_lower_opts {
    const gb_data *data;     /* borrowed; NULL: check the model alone */
    const char *search_path; /* GLASSBOX_PATH-style list of folders (':'), may be NULL */
    const char *stdlib_dir;  /* the stdlib folders (':'), searched after search_path, may be
                                NULL */
    int unobserved_ok;       /* nonzero (predict): a data variable that a `~` defines and the
                                data leave out becomes a parameter, shaped by its declaration */
} gb_lower_opts;

/* Reads `path` into srcs (which must outlive errs and the graph's locations), lowers it and
 * writes a new graph to *out (caller frees with gb_graph_free) on success.  Every error found
 * goes into errs; the status is the most severe one. */
gb_status gb_lower_file(gb_sources *srcs, const char *path, const gb_lower_opts *opts,
                        gb_graph **out, gb_errlist *errs);

/* The same for a script already in the registry (tests, fuzzers). */
gb_status gb_lower_source(gb_sources *srcs, const gb_source *src, const gb_lower_opts *opts,
                          gb_graph **out, gb_errlist *errs);

#endif
