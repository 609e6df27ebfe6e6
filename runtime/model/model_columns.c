/* model_columns.c - the output columns of a compiled model: one per scalar of every parameter
 * and of every deterministic node that depends on one, named in CmdStan's style ("beta.1",
 * "X.2.3"), in graph order.
 */
#include <stdlib.h>

#include "model_int.h"
#include "size.h"

/* Whether a node gets output columns: parameters, and deterministic nodes that depend on one. */
static int has_columns(const gb_model *m, size_t i)
{
    const gb_node *n = gb_graph_node(m->g, i);
    if (n->kind == GB_NODE_STOCHASTIC)
        return !n->observed;
    return n->kind == GB_NODE_DETERMINISTIC && !m->fixed[i];
}

gb_status gb_model_make_columns(gb_model *m)
{
    size_t total = 0;
    for (size_t i = 0; i < gb_graph_node_count(m->g); i++)
        if (has_columns(m, i))
            total += gb_graph_node(m->g, i)->len;
    /* a name per column: two table entries and at least glibc's smallest chunk (32 bytes) */
    if (gb_size_fits_budget(total, sizeof(char *) + sizeof(size_t) + 32) != 0)
        return GB_ENOMEM;
    m->colname = calloc(total ? total : 1, sizeof(char *));
    m->colnode = calloc(total ? total : 1, sizeof(size_t));
    if (!m->colname || !m->colnode)
        return GB_ENOMEM;
    for (size_t i = 0; i < gb_graph_node_count(m->g); i++) {
        const gb_node *n = gb_graph_node(m->g, i);
        if (!has_columns(m, i))
            continue;
        for (size_t e = 0; e < n->len; e++) {
            m->colname[m->ncols] = gb_node_element_name(n, e, 0);
            m->colnode[m->ncols] = i;
            if (!m->colname[m->ncols])
                return GB_ENOMEM;
            m->ncols++;
        }
    }
    return GB_OK;
}

size_t gb_model_output_size(const gb_model *m)
{
    return m->ncols;
}

const char *gb_model_output_name(const gb_model *m, size_t col)
{
    return m->colname[col];
}

size_t gb_model_output_node(const gb_model *m, size_t col)
{
    return m->colnode[col];
}
