/* graph_dot.c - the model graph as a picture, in Graphviz's DOT language.
 *
 * The conventions are those of the BUGS/JAGS literature and PyMC's model_to_graphviz, so a
 * reader who knows one knows this one:
 *   - data are boxes, constants (options, sizes) dashed boxes;
 *   - parameters are ellipses, observed nodes shaded ellipses, deterministic nodes dashed ones;
 *   - a component is a labelled cluster ("fit = linear");
 *   - a plate (a rectangle labelled with its size, bottom right) holds the nodes that share a
 *     leading dimension, so a loop or a vector statement shows its shape.  Only the leading
 *     dimension makes a plate: a matrix X[N, K] sits on the N plate, which is how a reader
 *     thinks of "one row per observation".
 *
 * Two things would mislead if drawn plainly, and are drawn otherwise:
 *   - A prior scaled by the data (alpha = 1 / mean(counts); beta ~ normal(0, sd(y))) makes an
 *     edge from an observed node back up to its own ancestor: counts -> alpha -> lambda ->
 *     counts reads as a cycle, though the model's factorisation has none (the data are fixed
 *     numbers there).  Such an edge is dotted and grey and does not take part in the layout.
 *   - A size that no statement reads as a value (J, only a dimension) would be an isolated box;
 *     sizes are listed under the legend instead.
 * A legend explains every shape and edge style that the picture uses. */
#include "graph_dot.h"

#include <stdlib.h>
#include <string.h>

#define DEF_TEXT 512

static void esc(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
}

/* A size: an integer scalar of data or constants that no node reads as a value. */
static int is_lone_size(const gb_node *n)
{
    return (n->kind == GB_NODE_DATA || n->kind == GB_NODE_CONST) && n->shape.rank == 0 &&
           n->nchildren == 0;
}

static const char *node_style(const gb_node *n)
{
    switch (n->kind) {
    case GB_NODE_DATA:
        return "shape=box, style=filled, fillcolor=\"#eeeeee\"";
    case GB_NODE_CONST:
        return "shape=box, style=dashed";
    case GB_NODE_DETERMINISTIC:
        return "shape=ellipse, style=dashed";
    case GB_NODE_STOCHASTIC:
        break;
    }
    return n->observed ? "shape=ellipse, style=filled, fillcolor=\"#cccccc\"" : "shape=ellipse";
}

static void dot_node(const gb_graph *g, const gb_dot_opts *o, size_t i, FILE *out, int indent)
{
    const gb_node *n = gb_graph_node(g, i);
    char shape[96], def[DEF_TEXT] = "";
    gb_shape_format(n, shape, sizeof shape);
    if (n->ndefs > 0)
        gb_def_format(g, &n->defs[0], def, sizeof def);
    fprintf(out, "%*s\"", indent, "");
    esc(out, n->name);
    fprintf(out, "\" [%s, label=\"", node_style(n));
    esc(out, n->name);
    if (n->constraint != GB_CON_NONE || n->lower || n->upper) {
        char type[128]; /* a declared constraint or bounds: the type as written */
        gb_type_format(g, n, type, sizeof type);
        fputs(": ", out);
        esc(out, type);
    } else {
        esc(out, shape);
    }
    if (n->kind == GB_NODE_CONST && n->value && n->len == 1)
        fprintf(out, " = %.15g", n->value[0]);
    if (def[0]) {
        fputs(n->kind == GB_NODE_STOCHASTIC ? "\\n~ " : "\\n= ", out);
        esc(out, def);
        if (n->ndefs > 1)
            fprintf(out, "\\n(+%zu more)", n->ndefs - 1);
    }
    if (o && o->note && o->note[i]) {
        fputs("\\n", out);
        esc(out, o->note[i]);
    }
    fputs("\"];\n", out);
}

/* The plate a node sits on: its leading dimension as the script names it ("N"); a dimension
 * the script left unnamed (theta[8] = mu + tau * eta) joins the plate of the one named
 * dimension of that size, when there is exactly one; else its size.  "" for a scalar. */
static void plate_key(const gb_graph *g, const gb_node *n, char *buf, size_t len)
{
    buf[0] = '\0';
    if (n->shape.rank == 0)
        return;
    if (n->dim_name[0]) {
        snprintf(buf, len, "%s", n->dim_name[0]);
        return;
    }
    if (n->shape.dim[0] == GB_DIM_UNKNOWN) {
        snprintf(buf, len, "?");
        return;
    }
    const char *named = NULL;
    for (size_t i = 0; i < gb_graph_node_count(g); i++) {
        const gb_node *m = gb_graph_node(g, i);
        if (m->shape.rank > 0 && m->dim_name[0] && m->shape.dim[0] == n->shape.dim[0]) {
            if (named && strcmp(named, m->dim_name[0]) != 0) {
                named = NULL; /* two names for this size: which one is meant is not known */
                break;
            }
            named = m->dim_name[0];
        }
    }
    if (named)
        snprintf(buf, len, "%s", named);
    else
        snprintf(buf, len, "%zu", n->shape.dim[0]);
}

/* The nodes of component comp (-1: top level): scalars first, then one plate per leading
 * dimension, in the order the nodes were declared. */
static void dot_members(const gb_graph *g, const gb_dot_opts *o, int comp, FILE *out, int indent)
{
    size_t nn = gb_graph_node_count(g);
    for (size_t i = 0; i < nn; i++) {
        const gb_node *n = gb_graph_node(g, i);
        if (n->component == comp && n->shape.rank == 0 && !is_lone_size(n))
            dot_node(g, o, i, out, indent);
    }
    for (size_t i = 0; i < nn; i++) {
        const gb_node *n = gb_graph_node(g, i);
        char key[64], other[64];
        if (n->component != comp || n->shape.rank == 0)
            continue;
        plate_key(g, n, key, sizeof key);
        int seen = 0; /* an earlier node opened this plate already */
        for (size_t j = 0; j < i && !seen; j++) {
            const gb_node *m = gb_graph_node(g, j);
            if (m->component == comp && m->shape.rank > 0) {
                plate_key(g, m, other, sizeof other);
                seen = strcmp(key, other) == 0;
            }
        }
        if (seen)
            continue;
        fprintf(out, "%*ssubgraph \"cluster_plate_%d_%zu\" {\n", indent, "", comp, i);
        fprintf(out, "%*s  label=\"", indent, "");
        esc(out, key);
        fprintf(out, "\"; labeljust=r; labelloc=b; style=solid; color=\"#777777\";\n");
        for (size_t j = i; j < nn; j++) {
            const gb_node *m = gb_graph_node(g, j);
            if (m->component == comp && m->shape.rank > 0) {
                plate_key(g, m, other, sizeof other);
                if (strcmp(key, other) == 0)
                    dot_node(g, o, j, out, indent + 2);
            }
        }
        fprintf(out, "%*s}\n", indent, "");
    }
}

static void dot_cluster(const gb_graph *g, const gb_dot_opts *o, int comp, FILE *out, int indent)
{
    for (size_t c = 0; c < gb_graph_component_count(g); c++) {
        const gb_component *cp = gb_graph_component(g, c);
        if (cp->parent != comp)
            continue;
        fprintf(out, "%*ssubgraph \"cluster_%zu\" {\n%*s  label=\"", indent, "", c, indent, "");
        esc(out, cp->name);
        fputs(" = ", out);
        esc(out, cp->model);
        fprintf(out, "\";\n%*s  style=\"rounded,filled\"; fillcolor=\"#f4f6fb\";\n", indent, "");
        dot_members(g, o, (int)c, out, indent + 2);
        dot_cluster(g, o, (int)c, out, indent + 2);
        fprintf(out, "%*s}\n", indent, "");
    }
}

/* Is `target` an ancestor of `from` (reached by following parents)?  seen has one byte per
 * node; the walk is iterative, so a deep chain of nodes cannot exhaust the stack. */
static int reaches(const gb_graph *g, size_t from, size_t target, unsigned char *seen,
                   size_t *stack)
{
    size_t nn = gb_graph_node_count(g), top = 0;
    memset(seen, 0, nn);
    stack[top++] = from;
    seen[from] = 1;
    while (top > 0) {
        const gb_node *n = gb_graph_node(g, stack[--top]);
        for (size_t k = 0; k < n->nparents; k++) {
            size_t p = n->parents[k];
            if (p == target)
                return 1;
            if (!seen[p]) {
                seen[p] = 1;
                stack[top++] = p;
            }
        }
    }
    return 0;
}

/* An edge that exists only because a prior or a deterministic node reads the observed values:
 * from an observed node to one of its own ancestors. */
static int is_data_scaling(const gb_graph *g, size_t parent, size_t child, unsigned char *seen,
                           size_t *stack)
{
    return gb_node_is_observed(gb_graph_node(g, parent)) &&
           reaches(g, parent, child, seen, stack);
}

/* The legend: one sample of every node kind and edge style present. */
static void dot_legend(const gb_graph *g, int kinds[5], int scaled, FILE *out)
{
    static const char *const names[5] = {"data", "constant", "parameter", "observed",
                                         "deterministic"};
    static const char *const styles[5] = {
        "shape=box, style=filled, fillcolor=\"#eeeeee\"", "shape=box, style=dashed",
        "shape=ellipse", "shape=ellipse, style=filled, fillcolor=\"#cccccc\"",
        "shape=ellipse, style=dashed"};
    fputs("  subgraph \"cluster_legend\" {\n    label=\"legend\"; style=dotted; fontsize=10;\n"
          "    node [fontsize=10, height=0.3];\n",
          out);
    const char *prev = NULL; /* invisible edges stack the samples in one column */
    for (int k = 0; k < 5; k++) {
        if (!kinds[k])
            continue;
        fprintf(out, "    \"legend_%s\" [%s, label=\"%s\"];\n", names[k], styles[k], names[k]);
        if (prev)
            fprintf(out, "    \"legend_%s\" -> \"legend_%s\" [style=invis];\n", prev, names[k]);
        prev = names[k];
    }
    fputs("    \"legend_dep_a\" [shape=point, width=0.05];\n"
          "    \"legend_dep_b\" [shape=plaintext, label=\"depends on\"];\n"
          "    \"legend_dep_a\" -> \"legend_dep_b\";\n",
          out);
    if (scaled)
        fputs("    \"legend_scaled_a\" [shape=point, width=0.05];\n"
              "    \"legend_scaled_b\" [shape=plaintext, label=\"prior scaled by the data\\n"
              "(reads the observed values;\\nnot a dependence of the model)\"];\n"
              "    \"legend_scaled_a\" -> \"legend_scaled_b\" [style=dotted, color=\"#888888\"];\n",
              out);
    /* the sizes, which are not drawn as nodes */
    int any = 0;
    for (size_t i = 0; i < gb_graph_node_count(g); i++) {
        const gb_node *n = gb_graph_node(g, i);
        if (!is_lone_size(n))
            continue;
        if (!any)
            fputs("    \"legend_sizes\" [shape=plaintext, label=\"sizes:", out);
        fputs(any ? ", " : " ", out);
        any = 1;
        esc(out, n->name);
        if (n->value && n->len == 1)
            fprintf(out, " = %.15g", n->value[0]);
    }
    if (any)
        fputs("\"];\n", out);
    fputs("  }\n", out);
}

int gb_graph_write_dot_with(const gb_graph *g, const gb_dot_opts *o, FILE *out)
{
    size_t nn = gb_graph_node_count(g);
    unsigned char *seen = malloc(nn ? nn : 1);
    size_t *stack = malloc((nn ? nn : 1) * sizeof *stack);
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return -1;
    }
    fputs("digraph model {\n  rankdir=TB;\n  node [fontname=\"Helvetica\"];\n"
          "  edge [color=\"#333333\"];\n",
          out);
    dot_members(g, o, -1, out, 2);
    dot_cluster(g, o, -1, out, 2);
    int kinds[5] = {0}, scaled = 0;
    for (size_t i = 0; i < nn; i++) {
        const gb_node *n = gb_graph_node(g, i);
        if (is_lone_size(n))
            continue;
        int k = n->kind == GB_NODE_DATA            ? 0
                : n->kind == GB_NODE_CONST         ? 1
                : n->kind == GB_NODE_DETERMINISTIC ? 4
                : n->observed                      ? 3
                                                   : 2;
        kinds[k] = 1;
        for (size_t j = 0; j < n->nparents; j++) {
            size_t p = n->parents[j];
            if (p == i)
                continue;
            fputs("  \"", out);
            esc(out, gb_graph_node(g, p)->name);
            fputs("\" -> \"", out);
            esc(out, n->name);
            if (is_data_scaling(g, p, i, seen, stack)) {
                fputs("\" [style=dotted, color=\"#888888\", constraint=false];\n", out);
                scaled = 1;
            } else {
                fputs("\";\n", out);
            }
        }
    }
    if (!o || o->legend)
        dot_legend(g, kinds, scaled, out);
    fputs("}\n", out);
    free(seen);
    free(stack);
    return ferror(out) ? -1 : 0;
}

int gb_graph_write_dot(const gb_graph *g, FILE *out)
{
    return gb_graph_write_dot_with(g, NULL, out);
}
