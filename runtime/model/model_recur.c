/* model_recur.c - the value order of the nodes (parents first), and the order of the defs of an
 * element-wise recursion across nodes (gb_def.recur_group, set by lang/lower_recur.c: an ARMA
 * model's nu[t] reads err[t - 1], err[t] reads nu[t]).
 *
 * The members of a recursion group read each other, so no order of whole nodes is right; they
 * are placed together where the last of them falls in a depth-first value order (by then every
 * parent outside the group has its place), and model_compile.c compiles their defs together in
 * recur_order: the single elements first, then the loops, which run item by item as one
 * sequence (nu[t], err[t], nu[t + 1], ...).
 */
#include <stdlib.h>

#include "model_int.h"

static int group_of(const gb_node *n)
{
    return n->ndefs > 0 ? n->defs[0].recur_group : 0;
}

static void visit(const gb_graph *g, size_t i, unsigned char *mark, size_t *order, size_t *n)
{
    if (mark[i])
        return;
    mark[i] = 1;
    const gb_node *nd = gb_graph_node(g, i);
    int known = nd->kind == GB_NODE_DATA || nd->kind == GB_NODE_CONST || nd->observed;
    for (size_t k = 0; !known && k < nd->nparents; k++)
        if (nd->parents[k] != i)
            visit(g, nd->parents[k], mark, order, n);
    order[(*n)++] = i;
}

gb_status gb_model_value_order(const gb_graph *g, size_t *topo)
{
    size_t nn = gb_graph_node_count(g), n = 0;
    int ngroups = 0;
    unsigned char *mark = calloc(nn ? nn : 1, 1);
    if (!mark)
        return GB_ENOMEM;
    for (size_t i = 0; i < nn; i++)
        visit(g, i, mark, topo, &n);
    free(mark);
    for (size_t i = 0; i < nn; i++) {
        int gi = group_of(gb_graph_node(g, i));
        ngroups = gi > ngroups ? gi : ngroups;
    }
    if (ngroups == 0)
        return GB_OK;
    /* each group where its last member is, members in their value order */
    size_t *last = calloc((size_t)ngroups + 1, sizeof *last), *out = malloc(nn * sizeof *out);
    if (!last || !out) {
        free(last);
        free(out);
        return GB_ENOMEM;
    }
    for (size_t t = 0; t < nn; t++)
        last[group_of(gb_graph_node(g, topo[t]))] = t;
    size_t k = 0;
    for (size_t t = 0; t < nn; t++) {
        int gt = group_of(gb_graph_node(g, topo[t]));
        if (gt == 0)
            out[k++] = topo[t];
        else if (last[gt] == t)
            for (size_t u = 0; u <= t; u++)
                if (group_of(gb_graph_node(g, topo[u])) == gt)
                    out[k++] = topo[u];
    }
    for (size_t t = 0; t < nn; t++)
        topo[t] = out[t];
    free(last);
    free(out);
    return GB_OK;
}

static const gb_def *def_of(const gb_graph *g, const gb_recur_def *r)
{
    return &gb_graph_node(g, r->node)->defs[r->def];
}

gb_status gb_model_recur_defs(const gb_graph *g, int group, gb_recur_def **out, size_t *n)
{
    size_t count = 0, nn = gb_graph_node_count(g);
    for (size_t i = 0; i < nn; i++)
        if (group_of(gb_graph_node(g, i)) == group)
            count += gb_graph_node(g, i)->ndefs;
    gb_recur_def *r = malloc((count ? count : 1) * sizeof *r);
    if (!r)
        return GB_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < nn; i++)
        if (group_of(gb_graph_node(g, i)) == group)
            for (size_t d = 0; d < gb_graph_node(g, i)->ndefs; d++)
                r[k++] = (gb_recur_def){i, d};
    /* insertion sort by recur_order: a group has a handful of defs */
    for (size_t a = 1; a < count; a++)
        for (size_t b = a;
             b > 0 && def_of(g, &r[b - 1])->recur_order > def_of(g, &r[b])->recur_order; b--) {
            gb_recur_def t = r[b];
            r[b] = r[b - 1];
            r[b - 1] = t;
        }
    *out = r;
    *n = count;
    return GB_OK;
}
