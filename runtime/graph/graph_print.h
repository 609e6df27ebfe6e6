/* graph_print.h - the model graph written for people and tools (the picture is graph_dot.h's):
 * JSON (every node with kind, type, shape, definition, parents, children),
 * and the `inspect` table grouped by component.  Each returns 0, or -1 when writing failed. */
#ifndef GB_RUNTIME_GRAPH_GRAPH_PRINT_H
#define GB_RUNTIME_GRAPH_GRAPH_PRINT_H

#include <stdio.h>

#include "graph.h"

int gb_graph_write_json(const gb_graph *g, FILE *out);
int gb_graph_write_table(const gb_graph *g, FILE *out);

#endif
