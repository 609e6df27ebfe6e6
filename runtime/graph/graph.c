/* graph.c - nodes, defs, components and the parent/child links of the model graph.
 *
 * Nodes sit in one growable array (a pointer from gb_graph_node is valid until the next node is
 * added); names, expressions and loops live in the graph's arena; def, parent and child arrays
 * are malloc'd per node.
 */
#include "graph.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

struct gb_graph {
    gb_arena arena;
    GB_VEC(gb_node) nodes;
    GB_VEC(gb_component) comps;
};

gb_graph *gb_graph_new(void)
{
    gb_graph *g = calloc(1, sizeof *g);
    if (g)
        gb_arena_init(&g->arena);
    return g;
}

void gb_graph_free(gb_graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->nodes.len; i++) {
        gb_node *n = &g->nodes.items[i];
        free(n->defs);
        free(n->parents);
        free(n->children);
        free(n->value);
    }
    free(g->nodes.items);
    free(g->comps.items);
    gb_arena_release(&g->arena);
    free(g);
}

gb_arena *gb_graph_arena(gb_graph *g)
{
    return &g->arena;
}

size_t gb_graph_add_node(gb_graph *g, const char *name, gb_node_kind kind, gb_loc loc)
{
    gb_node n;
    memset(&n, 0, sizeof n);
    n.name = gb_arena_strdup(&g->arena, name);
    n.kind = kind;
    n.loc = loc;
    n.component = -1;
    if (!n.name || GB_VEC_PUSH(&g->nodes, n) != 0)
        return (size_t)-1;
    return g->nodes.len - 1;
}

int gb_graph_add_component(gb_graph *g, const char *name, const char *model, int parent,
                           gb_loc loc)
{
    gb_component c = {gb_arena_strdup(&g->arena, name), gb_arena_strdup(&g->arena, model),
                      parent, loc};
    if (!c.name || !c.model || GB_VEC_PUSH(&g->comps, c) != 0)
        return -1;
    return (int)g->comps.len - 1;
}

gb_def *gb_graph_add_def(gb_graph *g, size_t i)
{
    gb_node *n = &g->nodes.items[i];
    gb_def *d = n->defs;
    /* the capacity is the next power of two: doubling keeps element-by-element definitions
       (one def per unrolled statement) linear */
    if (n->ndefs == 0 || (n->ndefs & (n->ndefs - 1)) == 0) {
        size_t cap = n->ndefs ? 2 * n->ndefs : 1;
        if (cap > SIZE_MAX / sizeof *d || !(d = realloc(n->defs, cap * sizeof *d)))
            return NULL;
        n->defs = d;
    }
    memset(&d[n->ndefs], 0, sizeof *d);
    return &d[n->ndefs++];
}

size_t gb_graph_node_count(const gb_graph *g)
{
    return g->nodes.len;
}

gb_node *gb_graph_node(const gb_graph *g, size_t i)
{
    return i < g->nodes.len ? &g->nodes.items[i] : NULL;
}

size_t gb_graph_find(const gb_graph *g, const char *name)
{
    for (size_t i = 0; i < g->nodes.len; i++)
        if (strcmp(g->nodes.items[i].name, name) == 0)
            return i;
    return (size_t)-1;
}

size_t gb_graph_component_count(const gb_graph *g)
{
    return g->comps.len;
}

const gb_component *gb_graph_component(const gb_graph *g, size_t i)
{
    return i < g->comps.len ? &g->comps.items[i] : NULL;
}

typedef GB_VEC(size_t) idvec;

static int add_unique(idvec *v, size_t x)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i] == x)
            return 0;
    return GB_VEC_PUSH(v, x);
}

static int collect(const gb_expr *e, idvec *out)
{
    if (!e)
        return 0;
    if (e->kind == GB_EX_NODE && add_unique(out, e->node) != 0)
        return -1;
    for (int i = 0; i < e->nargs; i++)
        if (collect(e->args[i], out) != 0)
            return -1;
    return 0;
}

static int collect_def(const gb_def *d, idvec *out)
{
    int rc = collect(d->expr, out) | collect(d->trunc_lo, out) | collect(d->trunc_hi, out);
    for (size_t i = 0; i < d->nargs; i++)
        rc |= collect(d->args[i], out);
    for (size_t i = 0; i < d->nindex; i++)
        rc |= collect(d->index[i], out);
    for (size_t i = 0; i < d->nloops; i++)
        rc |= collect(d->loops[i].lo, out) | collect(d->loops[i].hi, out);
    return rc;
}

gb_status gb_graph_link(gb_graph *g)
{
    for (size_t i = 0; i < g->nodes.len; i++) {
        gb_node *n = &g->nodes.items[i];
        free(n->parents);
        free(n->children);
        n->parents = n->children = NULL;
        n->nparents = n->nchildren = 0;
    }
    for (size_t i = 0; i < g->nodes.len; i++) {
        gb_node *n = &g->nodes.items[i];
        idvec ps = {0};
        int rc = collect(n->lower, &ps) | collect(n->upper, &ps);
        for (size_t k = 0; k < n->ndefs; k++)
            rc |= collect_def(&n->defs[k], &ps);
        if (rc != 0) {
            free(ps.items);
            return GB_ENOMEM;
        }
        n->parents = ps.items;
        n->nparents = ps.len;
    }
    for (size_t i = 0; i < g->nodes.len; i++) {
        gb_node *n = &g->nodes.items[i];
        for (size_t k = 0; k < n->nparents; k++) {
            gb_node *p = &g->nodes.items[n->parents[k]];
            size_t *c = realloc(p->children, (p->nchildren + 1) * sizeof *c);
            if (!c)
                return GB_ENOMEM;
            c[p->nchildren++] = i;
            p->children = c;
        }
    }
    return GB_OK;
}

int gb_node_is_observed(const gb_node *n)
{
    return n->kind == GB_NODE_STOCHASTIC && n->observed;
}

int gb_node_is_parameter(const gb_node *n)
{
    return n->kind == GB_NODE_STOCHASTIC && !n->observed;
}

int gb_node_is_target_term(const gb_node *n)
{
    for (size_t d = 0; d < n->ndefs; d++)
        if (n->defs[d].dist && n->defs[d].dist->is_target)
            return 1;
    return 0;
}

const char *gb_node_kind_name(const gb_node *n)
{
    switch (n->kind) {
    case GB_NODE_DATA:
        return "data";
    case GB_NODE_CONST:
        return "constant";
    case GB_NODE_STOCHASTIC:
        return n->observed ? "observed" : "parameter";
    case GB_NODE_DETERMINISTIC:
        return "deterministic";
    }
    return "?";
}

char *gb_node_element_name(const gb_node *n, size_t e, int vrank)
{
    char buf[512];
    size_t used = (size_t)snprintf(buf, sizeof buf, "%s", n->name);
    size_t idx[GB_MAX_RANK], rem = e;
    for (int d = n->shape.rank; d-- > 0;) {
        idx[d] = rem % n->shape.dim[d] + 1;
        rem /= n->shape.dim[d];
    }
    for (int d = 0; d < n->shape.rank - vrank && used < sizeof buf; d++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, ".%zu", idx[d]);
    return gb_strdup(buf);
}
