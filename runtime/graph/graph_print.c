/* graph_print.c - the graph as JSON (built with jansson, so escaping is right) and as the
 * `inspect` table.  The picture (DOT, SVG, PNG) is graph_dot.c's. */
#include "graph_print.h"

#include <jansson.h>
#include <string.h>

#define DEF_TEXT 512

static json_t *shape_json(const gb_node *n)
{
    json_t *a = json_array();
    for (int k = 0; a && k < n->shape.rank; k++) {
        if (n->shape.dim[k] == GB_DIM_UNKNOWN)
            json_array_append_new(a, n->dim_name[k] ? json_string(n->dim_name[k]) : json_null());
        else
            json_array_append_new(a, json_integer((json_int_t)n->shape.dim[k]));
    }
    return a;
}

static json_t *node_json(const gb_graph *g, size_t i)
{
    const gb_node *n = gb_graph_node(g, i);
    json_t *o = json_object(), *defs = json_array(), *ps = json_array(), *cs = json_array();
    if (!o || !defs || !ps || !cs) {
        json_decref(o);
        json_decref(defs);
        json_decref(ps);
        json_decref(cs);
        return NULL;
    }
    json_object_set_new(o, "name", json_string(n->name));
    json_object_set_new(o, "kind", json_string(gb_node_kind_name(n)));
    json_object_set_new(o, "type", json_string(n->type == GB_INT ? "int" : "real"));
    json_object_set_new(o, "shape", shape_json(n));
    char declared[128];
    gb_type_format(g, n, declared, sizeof declared);
    json_object_set_new(o, "declared_type", json_string(declared));
    const gb_component *c = n->component >= 0 ? gb_graph_component(g, (size_t)n->component) : NULL;
    json_object_set_new(o, "component", c ? json_string(c->name) : json_null());
    for (size_t k = 0; k < n->ndefs; k++) {
        char def[DEF_TEXT];
        gb_def_format(g, &n->defs[k], def, sizeof def);
        json_array_append_new(defs, json_string(def));
    }
    json_object_set_new(o, "definitions", defs);
    if (n->ndefs > 0 && n->defs[0].dist)
        json_object_set_new(o, "distribution", json_string(n->defs[0].dist->name));
    for (size_t k = 0; k < n->nparents; k++)
        json_array_append_new(ps, json_string(gb_graph_node(g, n->parents[k])->name));
    for (size_t k = 0; k < n->nchildren; k++)
        json_array_append_new(cs, json_string(gb_graph_node(g, n->children[k])->name));
    json_object_set_new(o, "parents", ps);
    json_object_set_new(o, "children", cs);
    if (n->kind == GB_NODE_CONST && n->value && n->len == 1)
        json_object_set_new(o, "value", json_real(n->value[0]));
    json_object_set_new(o, "line", json_integer(n->loc.line));
    return o;
}

int gb_graph_write_json(const gb_graph *g, FILE *out)
{
    json_t *root = json_object(), *nodes = json_array(), *comps = json_array();
    int rc = -1;
    if (!root || !nodes || !comps) {
        json_decref(nodes);
        json_decref(comps);
        goto done;
    }
    json_object_set_new(root, "nodes", nodes);
    json_object_set_new(root, "components", comps);
    for (size_t i = 0; i < gb_graph_node_count(g); i++) {
        json_t *n = node_json(g, i);
        if (!n || json_array_append_new(nodes, n) != 0)
            goto done;
    }
    for (size_t c = 0; c < gb_graph_component_count(g); c++) {
        const gb_component *cp = gb_graph_component(g, c);
        json_t *o = json_pack("{s:s, s:s, s:o}", "name", cp->name, "model", cp->model, "parent",
                              cp->parent >= 0
                                  ? json_string(gb_graph_component(g, (size_t)cp->parent)->name)
                                  : json_null());
        if (!o || json_array_append_new(comps, o) != 0)
            goto done;
    }
    rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? 0 : -1;
    fputc('\n', out);
done:
    json_decref(root);
    return rc == 0 && !ferror(out) ? 0 : -1;
}

static void table_rows(const gb_graph *g, int comp, FILE *out)
{
    for (size_t i = 0; i < gb_graph_node_count(g); i++) {
        const gb_node *n = gb_graph_node(g, i);
        if (n->component != comp)
            continue;
        char type[128], def[DEF_TEXT] = "", parents[256] = "";
        gb_type_format(g, n, type, sizeof type);
        if (n->ndefs > 0)
            gb_def_format(g, &n->defs[0], def, sizeof def);
        else if (n->kind == GB_NODE_CONST && n->value && n->len == 1)
            snprintf(def, sizeof def, "= %.15g", n->value[0]);
        else if (n->kind == GB_NODE_CONST && n->value && n->len <= 8) {
            size_t used = (size_t)snprintf(def, sizeof def, "= [");
            for (size_t k = 0; k < n->len && used < sizeof def; k++)
                used += (size_t)snprintf(def + used, sizeof def - used, "%s%.15g",
                                         k ? ", " : "", n->value[k]);
            if (used < sizeof def)
                snprintf(def + used, sizeof def - used, "]");
        } else if (n->kind == GB_NODE_DATA || n->kind == GB_NODE_CONST)
            snprintf(def, sizeof def, "%s", n->value ? "(from data)" : "(no data given)");
        size_t used = 0;
        for (size_t k = 0; k < n->nparents && used < sizeof parents; k++)
            if (n->parents[k] != i)
                used += (size_t)snprintf(parents + used, sizeof parents - used, "%s%s",
                                         used ? ", " : "", gb_graph_node(g, n->parents[k])->name);
        const char *op = n->kind == GB_NODE_STOCHASTIC ? "~ " : n->ndefs ? "= " : "";
        fprintf(out, "  %-22s %-13s %-14s %s%s", n->name, gb_node_kind_name(n), type, op, def);
        if (n->ndefs > 1)
            fprintf(out, "  (+%zu more definitions)", n->ndefs - 1);
        if (parents[0])
            fprintf(out, "   <- %s", parents);
        fputc('\n', out);
    }
}

int gb_graph_write_table(const gb_graph *g, FILE *out)
{
    fprintf(out, "  %-22s %-13s %-14s %s\n", "node", "kind", "type", "definition   <- parents");
    table_rows(g, -1, out);
    for (size_t c = 0; c < gb_graph_component_count(g); c++) {
        const gb_component *cp = gb_graph_component(g, c);
        fprintf(out, "\ncomponent %s = %s (line %d)\n", cp->name, cp->model, cp->loc.line);
        table_rows(g, (int)c, out);
    }
    return ferror(out) ? -1 : 0;
}
