/* cli_tree_dot.c - one tree structure as a Graphviz diagram (DOT text; cli_tree_cmd.c and the
 * HTML report render it with graph_render.c's in-process Graphviz).
 *
 * Each split shows its rule ("petal_length <= 2.45") and its posterior support: the share of
 * all draws whose tree has the same split at the same place (the same rules on the way from the
 * root, then this rule).  Each leaf shows the training rows that reach it (n) and its posterior
 * over the draws of this same structure: class probabilities, or the mean with its 90%
 * interval.  The walks recurse once per tree level, bounded like cli_tree.c's by the leaf limit
 * (GB_TREE_DEFAULT_MAX_LEAVES); CLI_TREE_DOT_DEPTH bounds the path kept for the support.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli_tree_dot.h"
#include "graph_dot.h"

#define CLI_TREE_DOT_DEPTH 256

typedef struct step {
    json_int_t var;
    double le;
    int right; /* the side taken below this split */
} step;

typedef struct dot {
    FILE *out;
    const cli_tree_draws *nd;
    const cli_tree_x *x;
    const size_t *which; /* the draws of the drawn structure */
    size_t nw, n;        /* nw of n draws */
    double *buf;         /* n doubles */
    size_t leaf, id;     /* leaves and nodes written so far */
    step path[CLI_TREE_DOT_DEPTH];
    int bad;
} dot;

static void put(dot *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(dot *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (!d->bad && vfprintf(d->out, fmt, ap) < 0)
        d->bad = 1;
    va_end(ap);
}

/* Text for a DOT label: quotes and backslashes escaped. */
static void put_escaped(dot *d, const char *s)
{
    for (; *s; s++)
        put(d, "%s%c", *s == '"' || *s == '\\' ? "\\" : "", *s);
}

/* Does draw i's tree split by rule (var, le) after the path's depth steps? */
static int has_split(const dot *d, size_t i, size_t depth, json_int_t var, double le)
{
    const json_t *n = cli_tree_first(d->nd, i);
    for (size_t k = 0; k <= depth; k++) {
        const json_t *v = json_object_get(n, "var");
        json_int_t want = k < depth ? d->path[k].var : var;
        double wle = k < depth ? d->path[k].le : le;
        if (!v || json_integer_value(v) != want ||
            json_number_value(json_object_get(n, "le")) != wle)
            return 0;
        if (k < depth)
            n = json_object_get(n, d->path[k].right ? "right" : "left");
    }
    return 1;
}

/* Training rows reaching the leaf at the end of the path. */
static size_t rows_at(const dot *d, size_t depth)
{
    size_t count = 0;
    for (size_t i = 0; d->x && i < d->x->rows; i++) {
        const double *row = d->x->x + i * d->x->cols;
        size_t k = 0;
        while (k < depth && (row[d->path[k].var] <= d->path[k].le) != d->path[k].right)
            k++;
        count += k == depth;
    }
    return count;
}

static void put_leaf(dot *d, size_t id, size_t depth, const json_t *first)
{
    const json_t *p = json_object_get(first, "p");
    size_t nv = p ? json_array_size(p) : 1;
    put(d, "  n%zu [shape=box, style=\"rounded,filled\", fillcolor=\"#eef4ea\", label=\"", id);
    for (size_t j = 0; j < nv; j++) {
        for (size_t w = 0; w < d->nw; w++) {
            size_t kk = d->leaf;
            const json_t *lf = cli_tree_leaf_at(cli_tree_first(d->nd, d->which[w]), &kk);
            d->buf[w] = p ? json_number_value(json_array_get(json_object_get(lf, "p"), j))
                          : json_number_value(json_object_get(lf, "mu"));
        }
        double mean, q5, q95;
        cli_tree_describe(d->buf, d->nw, &mean, &q5, &q95);
        if (p)
            put(d, "p%zu = %.2f [%.2f, %.2f]\\n", j + 1, mean, q5, q95);
        else
            put(d, "mean %.3g [%.3g, %.3g]\\n", mean, q5, q95);
    }
    put(d, "n = %zu\"];\n", rows_at(d, depth));
    d->leaf++;
}

/* Writes node n (id d->id) and its subtree; returns its id. */
static size_t put_node(dot *d, const json_t *n, size_t depth)
{
    size_t id = d->id++;
    const json_t *l = json_object_get(n, "left");
    if (!l || depth >= CLI_TREE_DOT_DEPTH) {
        size_t kk = d->leaf;
        put_leaf(d, id, depth, cli_tree_leaf_at(cli_tree_first(d->nd, d->which[0]), &kk));
        return id;
    }
    json_int_t var = json_integer_value(json_object_get(n, "var"));
    double le = json_number_value(json_object_get(n, "le"));
    size_t has = 0;
    for (size_t i = 0; i < d->n; i++)
        has += (size_t)has_split(d, i, depth, var, le);
    char xb[32];
    put(d, "  n%zu [shape=ellipse, label=\"", id);
    put_escaped(d, cli_tree_input(d->nd, (size_t)var, xb, sizeof xb));
    put(d, " <= %.6g\\nsupport %.2f\"];\n", le, (double)has / (double)d->n);
    for (int side = 0; side < 2; side++) {
        d->path[depth] = (step){var, le, side};
        size_t child = put_node(d, json_object_get(n, side ? "right" : "left"), depth + 1);
        put(d, "  n%zu -> n%zu [label=\"%s\"];\n", id, child, side ? "no" : "yes");
    }
    return id;
}

int cli_tree_dot(FILE *out, const cli_tree_draws *nd, size_t pick, const cli_tree_x *x,
                 const char *title)
{
    size_t n = nd->nchains * nd->ndraws;
    dot d = {.out = out, .nd = nd, .x = x, .n = n};
    size_t *which = malloc(n * sizeof *which);
    d.buf = malloc(n * sizeof *d.buf);
    if (!which || !d.buf) {
        free(which);
        free(d.buf);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(nd->key[i], nd->key[pick]) == 0)
            which[d.nw++] = i;
    d.which = which;
    put(&d, "digraph tree {\n  graph [labelloc=t, label=\"");
    put_escaped(&d, nd->node);
    put(&d,
        ": %s, visited in %zu of %zu draws (%.1f%%)\\nsplits: rule and support (share of "
        "all draws with that split there); leaves: posterior mean [5%%, 95%%] over the "
        "draws of this tree, n training rows\"];\n  node [fontname=\"Helvetica\"];\n",
        title, d.nw, n, 100.0 * (double)d.nw / (double)n);
    put_node(&d, cli_tree_first(nd, pick), 0);
    put(&d, "}\n");
    free(which);
    free(d.buf);
    return d.bad ? -1 : 0;
}

/* The most visited structure of one single tree node as SVG, appended to mem. */
static gb_status node_svg(const cli_tree *t, const cli_tree_xs *xs, const char *node, FILE *mem,
                          char *err, size_t errlen)
{
    cli_tree_draws nd;
    size_t best, count, map;
    char *text = NULL, *img = NULL;
    size_t len = 0, imglen = 0;
    gb_status st = GB_ENOMEM;
    if (cli_tree_gather(t, node, &nd) != 0)
        goto done;
    st = GB_OK;
    if (nd.ndraws == 0 || !nd.single)
        goto done;
    st = GB_ENOMEM;
    FILE *dm = cli_tree_pick(&nd, &best, &count, &map) == 0 ? open_memstream(&text, &len) : NULL;
    if (!dm)
        goto done;
    int bad = cli_tree_dot(dm, &nd, best, cli_tree_xs_get(xs, node), "most visited tree");
    if ((fclose(dm) != 0) + bad)
        goto done;
    st = gb_graph_render(text, len, "svg", &img, &imglen, err, errlen);
    if (st == GB_OK) { /* inlined in HTML: without the XML prolog */
        size_t at = 0;
        while (at + 4 <= imglen && memcmp(img + at, "<svg", 4) != 0)
            at++;
        size_t k = at + 4 <= imglen ? imglen - at : 0;
        if (k && fwrite(img + at, 1, k, mem) != k)
            st = GB_ENOMEM;
    }
done:
    cli_tree_draws_free(&nd);
    free(text);
    free(img);
    return st;
}

gb_status cli_tree_svg(const cli_tree *t, const cli_tree_xs *xs, char **svg, char *err,
                       size_t errlen)
{
    *svg = NULL;
    if (cli_tree_empty(t))
        return GB_OK;
    size_t len = 0, nn;
    FILE *mem = open_memstream(svg, &len);
    if (!mem)
        return GB_ENOMEM;
    gb_status st = GB_OK;
    cli_tree_node_at(t, 0, &nn);
    for (size_t i = 0; i < nn && st == GB_OK; i++)
        st = node_svg(t, xs, cli_tree_node_at(t, i, &nn), mem, err, errlen);
    if ((fclose(mem) != 0 && st == GB_OK) || (st == GB_OK && len == 0)) {
        free(*svg);
        *svg = NULL;
        return len == 0 ? GB_OK : GB_ENOMEM;
    }
    if (st != GB_OK) {
        free(*svg);
        *svg = NULL;
    }
    return st;
}
