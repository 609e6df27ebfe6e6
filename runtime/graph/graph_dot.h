/* graph_dot.h - the model graph as a picture in Graphviz's DOT language (conventions in
 * graph_dot.c), and rendered to SVG or PNG through Graphviz's own library (graph_render.c). */
#ifndef GB_RUNTIME_GRAPH_GRAPH_DOT_H
#define GB_RUNTIME_GRAPH_GRAPH_DOT_H

#include <stddef.h>
#include <stdio.h>

#include "graph.h"

typedef struct gb_dot_opts {
    /* One extra label line per node (indexed like the graph's nodes; a NULL entry adds none),
       e.g. a posterior summary after a run; NULL for none. */
    const char *const *note;
    int legend; /* draw the legend (a NULL gb_dot_opts draws it too) */
} gb_dot_opts;

/* Writes the DOT text; returns 0, or -1 when writing failed or memory ran out. */
int gb_graph_write_dot_with(const gb_graph *g, const gb_dot_opts *o, FILE *out);
int gb_graph_write_dot(const gb_graph *g, FILE *out);

/* Lays out DOT text with Graphviz's dot engine and renders it as `format` ("svg" or "png").
 * Returns GB_OK with *out (malloc'd, *outlen bytes, the caller frees), GB_ENOMEM, or
 * GB_EINTERNAL with Graphviz's own message in err (the text came from gb_graph_write_dot, so
 * a layout failure is ours, not the user's). */
gb_status gb_graph_render(const char *dot, size_t len, const char *format, char **out,
                          size_t *outlen, char *err, size_t errlen);

#endif
