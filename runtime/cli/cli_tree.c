/* cli_tree.c - what `run` shows of the trees: the tree sampler's record of each kept draw (its
 * forest as one JSON line, sampler.h's gb_sampler_record) is kept per chain, written to
 * STEM_tree.jsonl with --output, and summarised after the draws' table:
 *  - the number of leaves and the depth (summed / deepest over the forest's trees), with R-hat
 *    and ESS across chains like any quantity (diag.h): read from the draw columns of the
 *    model's tree_leaves and tree_depth nodes (cli_tree_cols), the numbers the draws' table
 *    shows, not counted again from the records;
 *  - each input's inclusion proportion: the share of draws whose tree splits on it (one tree),
 *    or its share of the forest's splits averaged over draws (BART, as its packages report);
 *  - for single trees (CART), the most visited tree structure and the maximum-posterior one
 *    (highest structure posterior among the draws, gb_tree_log_posterior), each with how often
 *    it was visited, as if-then rules, each leaf with its posterior over the draws of that
 *    structure: mean and 5% and 95% quantiles of its mean (regression) or of each class
 *    probability (classification).
 * Inputs are named as cli_tree_set_names says (the data's "X_names"), else x1..xP.  The file is
 * read back by cli_tree_load for `glassbox tree` (cli_tree_cmd.c), which shares the gathering
 * of a node's draws (cli_tree_int.h).
 * The JSON layout is the tree library's (stdlib/tree.h, gb_forest_write_json); it is parsed
 * here with jansson.  The summary walks the parsed JSON rather than reading each draw back into
 * a gb_forest (gb_forest_read_json): that would partition every training row for every tree of
 * every draw, O(rows x trees) per draw, where the walk costs O(nodes).  The walks recurse once
 * per tree level: a tree's depth is below its leaf limit (GB_TREE_DEFAULT_MAX_LEAVES = 256), so
 * the recursion is bounded.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_tree.h"
#include "cli_tree_int.h"
#include "diag.h"
#include "drawsout.h"
#include "graph.h"
#include "run.h"
#include "vec.h"

typedef struct record {
    const char *node; /* the model's string */
    char *line;
} record;

typedef GB_VEC(record) record_vec;

typedef struct named {
    const char *node;
    char *const *names; /* borrowed (cli_tree_set_names) */
    size_t p;
} named;

struct cli_tree {
    int nchains;
    record_vec *chain; /* per chain, in draw order */
    int oom;
    named names[CLI_TREE_MAX_NAMED];
    size_t nnamed;
    char **owned; /* node names read from a file (cli_tree_load) */
    size_t nowned;
};

void cli_tree_set_names(cli_tree *t, const char *node, char *const *names, size_t p)
{
    if (t && names && t->nnamed < CLI_TREE_MAX_NAMED)
        t->names[t->nnamed++] = (named){node, names, p};
}

char *const *cli_tree_names(const cli_tree *t, const char *node, size_t *p)
{
    for (size_t i = 0; t && i < t->nnamed; i++)
        if (strcmp(t->names[i].node, node) == 0) {
            *p = t->names[i].p;
            return t->names[i].names;
        }
    return NULL;
}

/* Input j's name: the data's column name, else x1, x2, ... */
const char *cli_tree_input(const cli_tree_draws *nd, size_t j, char *buf, size_t size)
{
    if (nd->names && j < nd->np)
        return nd->names[j];
    snprintf(buf, size, "x%zu", j + 1);
    return buf;
}

cli_tree *cli_tree_new(int nchains)
{
    cli_tree *t = calloc(1, sizeof *t);
    if (t && !(t->chain = calloc((size_t)nchains, sizeof *t->chain))) {
        free(t);
        return NULL;
    }
    if (t)
        t->nchains = nchains;
    return t;
}

void cli_tree_free(cli_tree *t)
{
    if (!t)
        return;
    for (int c = 0; c < t->nchains; c++) {
        for (size_t i = 0; i < t->chain[c].len; i++)
            free(t->chain[c].items[i].line);
        free(t->chain[c].items);
    }
    free(t->chain);
    for (size_t i = 0; i < t->nowned; i++)
        free(t->owned[i]);
    free(t->owned);
    free(t);
}

/* Each chain appends to its own vector only: no lock is needed. */
int cli_tree_record(void *ctx, int chain, const char *node, const char *line)
{
    cli_tree *t = ctx;
    record r = {node, strdup(line)};
    if (!r.line || GB_VEC_PUSH(&t->chain[chain], r) != 0) {
        free(r.line);
        return -1;
    }
    return 0;
}

int cli_tree_empty(const cli_tree *t)
{
    return !t || t->chain[0].len == 0;
}

int cli_tree_write(const cli_tree *t, const char *output)
{
    char *tmp = NULL, *path = gb_drawsout_stem_path(output, "_tree.jsonl");
    FILE *f = path ? gb_drawsout_side_open(path, &tmp) : NULL;
    int bad = !f;
    for (int c = 0; c < t->nchains && !bad; c++) {
        size_t draw = 0;
        for (size_t i = 0; i < t->chain[c].len && !bad; i++) {
            const record *r = &t->chain[c].items[i];
            draw += i == 0 || strcmp(r->node, t->chain[c].items[0].node) == 0;
            /* the library's line is an object: its members follow ours */
            bad = fprintf(f, "{\"chain\":%d,\"draw\":%zu,\"node\":\"%s\",%s", c + 1, draw, r->node,
                          r->line + 1) < 0;
        }
    }
    if (!f || gb_drawsout_side_close(f, tmp, path) != 0 || bad) {
        fprintf(stderr, "glassbox run: error: cannot write %s\n", path ? path : output);
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

/* ---- one draw's forest ---- */

static size_t leaves(const json_t *n)
{
    const json_t *l = json_object_get(n, "left");
    return l ? leaves(l) + leaves(json_object_get(n, "right")) : 1;
}

/* Adds tree n's splits on each input to count[0 .. p-1]. */
static void count_vars(const json_t *n, size_t *count, size_t p)
{
    const json_t *l = json_object_get(n, "left");
    if (!l)
        return;
    json_int_t v = json_integer_value(json_object_get(n, "var"));
    if (v >= 0 && (size_t)v < p)
        count[v]++;
    count_vars(l, count, p);
    count_vars(json_object_get(n, "right"), count, p);
}

/* Appends text to a growing buffer (kept NUL-terminated). */
static int append(char **buf, size_t *len, size_t *cap, const char *text)
{
    size_t k = strlen(text);
    if (*len + k + 1 > *cap) {
        size_t nc = 2 * *cap + k + 64;
        char *nb = realloc(*buf, nc);
        if (!nb)
            return -1;
        *buf = nb, *cap = nc;
    }
    memcpy(*buf + *len, text, k + 1);
    *len += k;
    return 0;
}

/* The structure of a tree as text (splits only, leaf values left out), into a growing buffer. */
static int key_of(const json_t *n, char **buf, size_t *len, size_t *cap)
{
    char piece[64];
    const json_t *l = json_object_get(n, "left");
    if (!l)
        return append(buf, len, cap, "L");
    snprintf(piece, sizeof piece, "(%lld<=%.17g ",
             (long long)json_integer_value(json_object_get(n, "var")),
             json_number_value(json_object_get(n, "le")));
    if (append(buf, len, cap, piece) != 0 || key_of(l, buf, len, cap) != 0 ||
        key_of(json_object_get(n, "right"), buf, len, cap) != 0)
        return -1;
    return append(buf, len, cap, ")");
}

void cli_tree_draws_free(cli_tree_draws *nd)
{
    size_t n = nd->nchains * nd->ndraws;
    for (size_t i = 0; i < n; i++) {
        if (nd->forest)
            json_decref(nd->forest[i]);
        if (nd->key)
            free(nd->key[i]);
    }
    free(nd->nleaves);
    free(nd->used);
    free(nd->forest);
    free(nd->key);
}

/* The widest input index any split names, plus one. */
static size_t inputs_seen(const json_t *n)
{
    const json_t *l = json_object_get(n, "left");
    if (!l)
        return 0;
    size_t v = (size_t)json_integer_value(json_object_get(n, "var")) + 1;
    size_t a = inputs_seen(l), b = inputs_seen(json_object_get(n, "right"));
    return v > a ? (v > b ? v : b) : (a > b ? a : b);
}

/* Reads one draw (index i) of the node into nd. */
static int read_draw(cli_tree_draws *nd, size_t i, const char *line)
{
    json_t *f = json_loads(line, 0, NULL);
    json_t *trees = f ? json_object_get(f, "trees") : NULL;
    if (!trees) {
        json_decref(f);
        return -1;
    }
    nd->forest[i] = f;
    size_t nl = 0, ti;
    json_t *tr;
    json_array_foreach(trees, ti, tr) nl += leaves(tr);
    nd->nleaves[i] = (double)nl;
    nd->single = json_array_size(trees) == 1;
    if (nd->single) {
        size_t len = 0, cap = 0;
        if (key_of(json_array_get(trees, 0), &nd->key[i], &len, &cap) != 0)
            return -1;
    }
    return 0;
}

/* Gathers node `node`'s draws from every chain (the shortest chain's count). */
int cli_tree_gather(const cli_tree *t, const char *node, cli_tree_draws *nd)
{
    memset(nd, 0, sizeof *nd);
    nd->node = node;
    nd->names = cli_tree_names(t, node, &nd->np);
    nd->nchains = (size_t)t->nchains;
    nd->ndraws = SIZE_MAX;
    for (int c = 0; c < t->nchains; c++) {
        size_t k = 0;
        for (size_t i = 0; i < t->chain[c].len; i++)
            k += strcmp(t->chain[c].items[i].node, node) == 0;
        nd->ndraws = k < nd->ndraws ? k : nd->ndraws;
    }
    size_t n = nd->nchains * nd->ndraws;
    if (n == 0)
        return 0;
    nd->nleaves = calloc(n, sizeof *nd->nleaves);
    nd->forest = calloc(n, sizeof *nd->forest);
    nd->key = calloc(n, sizeof *nd->key);
    if (!nd->nleaves || !nd->forest || !nd->key)
        return -1;
    for (int c = 0; c < t->nchains; c++) {
        size_t d = 0;
        for (size_t i = 0; i < t->chain[c].len && d < nd->ndraws; i++) {
            const record *r = &t->chain[c].items[i];
            if (strcmp(r->node, node) == 0 && read_draw(nd, (size_t)c * nd->ndraws + d++, r->line))
                return -1;
        }
    }
    size_t ti;
    json_t *tr;
    for (size_t i = 0; i < n; i++)
        json_array_foreach(json_object_get(nd->forest[i], "trees"), ti, tr)
        {
            size_t s = inputs_seen(tr);
            nd->p = s > nd->p ? s : nd->p;
        }
    if (nd->names && nd->np > nd->p) /* the columns no draw splits on are shown too */
        nd->p = nd->np;
    if (!(nd->used = calloc(nd->p ? nd->p : 1, sizeof *nd->used)))
        return -1;
    size_t *u = calloc(nd->p ? nd->p : 1, sizeof *u);
    if (!u)
        return -1;
    for (size_t i = 0; i < n; i++) {
        memset(u, 0, (nd->p ? nd->p : 1) * sizeof *u);
        size_t tot = 0;
        json_array_foreach(json_object_get(nd->forest[i], "trees"), ti, tr)
            count_vars(tr, u, nd->p);
        for (size_t j = 0; j < nd->p; j++)
            tot += u[j];
        for (size_t j = 0; j < nd->p; j++)
            nd->used[j] += nd->single ? (u[j] > 0) : tot ? (double)u[j] / (double)tot : 0;
    }
    free(u);
    return 0;
}

/* ---- the summary ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean and the 5% and 95% quantiles (R's type 7) of v[0 .. n-1], sorting v. */
void cli_tree_describe(double *v, size_t n, double *mean, double *q5, double *q95)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    *mean = s / (double)n;
    qsort(v, n, sizeof *v, cmp_double);
    double q[2] = {0.05, 0.95}, *o[2] = {q5, q95};
    for (int k = 0; k < 2; k++) {
        double h = (double)(n - 1) * q[k];
        size_t lo = (size_t)floor(h), hi = lo + 1 < n ? lo + 1 : lo;
        *o[k] = v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
    }
}

/* The draw column of tree node `node`'s statistic `dist` (tree_leaves, tree_depth): a node
 * defined by that distribution alone with the tree among its parents, the link the tree sampler
 * follows to set it (sampler_tree.c); SIZE_MAX when the model has none (a scalar's draws are
 * always kept). */
static size_t stat_col(const cli_tree_cols *c, const char *node, const char *dist)
{
    const gb_graph *g = gb_model_graph(c->m);
    size_t tree = gb_graph_find(g, node);
    for (size_t k = GB_NSAMPLER_COLS; k < c->ncols && tree != (size_t)-1; k++) {
        const gb_node *s =
            gb_graph_node(g, gb_model_output_node(c->m, c->col[k - GB_NSAMPLER_COLS]));
        if (s->ndefs != 1 || !s->defs[0].dist || strcmp(s->defs[0].dist->name, dist) != 0)
            continue;
        for (size_t i = 0; i < s->nparents; i++)
            if (s->parents[i] == tree)
                return k;
    }
    return SIZE_MAX;
}

/* The posterior of the tree's statistic `dist`, named `what`, from its draw column. */
static int print_scalar(FILE *out, const char *what, const char *dist, const cli_tree_cols *c,
                        const char *node)
{
    size_t k = c ? stat_col(c, node, dist) : SIZE_MAX;
    if (c && k == SIZE_MAX)
        return fprintf(out, "  %-8s (no draws: add %s ~ %s(%s) to the model)\n", what, what, dist,
                       node) < 0
                   ? -1
                   : 0;
    gb_status st = GB_EUSAGE;
    gb_diag_summary s;
    if (c) {
        const double **ch = malloc(c->nchains * sizeof *ch);
        size_t n = c->nchains * c->ndraws;
        double *v = malloc((n > 0 ? n : 1) * sizeof *v);
        for (size_t j = 0; ch && v && j < c->nchains; j++) {
            ch[j] = v + j * c->ndraws;
            for (size_t i = 0; i < c->ndraws; i++)
                v[j * c->ndraws + i] = c->chains[j][i * c->ncols + k];
        }
        st = ch && v ? gb_diag_summarise(ch, c->nchains, c->ndraws, &s) : GB_ENOMEM;
        free(ch);
        free(v);
    }
    if (st == GB_ENOMEM)
        return -1;
    if (st != GB_OK) /* too few draws for diagnostics */
        return fprintf(out, "  %-8s (too few draws to summarise)\n", what) < 0 ? -1 : 0;
    return fprintf(out,
                   "  %-8s mean %7.3g  5%% %5.3g  50%% %5.3g  95%% %5.3g  rhat %5.3f  "
                   "ess_bulk %5.0f\n",
                   what, s.mean, s.q5, s.q50, s.q95, s.rhat, s.ess_bulk) < 0
               ? -1
               : 0;
}

/* The k-th leaf (depth-first, left first) of the tree n; *k counts down. */
const json_t *cli_tree_leaf_at(const json_t *n, size_t *k)
{
    const json_t *l = json_object_get(n, "left");
    if (!l)
        return (*k)-- == 0 ? n : NULL;
    const json_t *x = cli_tree_leaf_at(l, k);
    return x ? x : cli_tree_leaf_at(json_object_get(n, "right"), k);
}

/* Prints leaf `k` of the most visited structure: its values over the draws `which` (nw). */
static int print_leaf(FILE *out, const cli_tree_draws *nd, const size_t *which, size_t nw, size_t k,
                      double *buf)
{
    size_t kk = k;
    const json_t *first =
        cli_tree_leaf_at(json_array_get(json_object_get(nd->forest[which[0]], "trees"), 0), &kk);
    const json_t *p = json_object_get(first, "p");
    size_t nv = p ? json_array_size(p) : 1;
    int bad = fprintf(out, p ? " then p =" : " then mean =") < 0;
    for (size_t j = 0; j < nv && !bad; j++) {
        for (size_t w = 0; w < nw; w++) {
            kk = k;
            const json_t *lf = cli_tree_leaf_at(
                json_array_get(json_object_get(nd->forest[which[w]], "trees"), 0), &kk);
            buf[w] = p ? json_number_value(json_array_get(json_object_get(lf, "p"), j))
                       : json_number_value(json_object_get(lf, "mu"));
        }
        double mean, q5, q95;
        cli_tree_describe(buf, nw, &mean, &q5, &q95);
        bad = fprintf(out, "%s %.3g [%.3g, %.3g]", j ? "," : "", mean, q5, q95) < 0;
    }
    return bad || fputc('\n', out) == EOF ? -1 : 0;
}

/* The rules of tree n, one line a leaf: the path's conditions, then the leaf's posterior. */
static int print_rules(FILE *out, const cli_tree_draws *nd, const json_t *n, char *path, size_t len,
                       size_t *leaf, const size_t *which, size_t nw, double *buf)
{
    const json_t *l = json_object_get(n, "left");
    if (!l) {
        if (fprintf(out, "    %s%s", len ? "if " : "always", path) < 0)
            return -1;
        return print_leaf(out, nd, which, nw, (*leaf)++, buf);
    }
    char xb[32];
    const char *v =
        cli_tree_input(nd, (size_t)json_integer_value(json_object_get(n, "var")), xb, sizeof xb);
    double le = json_number_value(json_object_get(n, "le"));
    for (int side = 0; side < 2; side++) {
        int k = snprintf(path + len, CLI_TREE_PATH - len, "%s%s %s %.6g", len ? " and " : "", v,
                         side ? ">" : "<=", le);
        if (k < 0 || len + (size_t)k >= CLI_TREE_PATH)
            return -1;
        if (print_rules(out, nd, json_object_get(n, side ? "right" : "left"), path, len + (size_t)k,
                        leaf, which, nw, buf) != 0)
            return -1;
        path[len] = 0;
    }
    return 0;
}

/* The structure of draw `pick`, titled, with its rules: each leaf's posterior over the draws of
 * that same structure. */
static int print_structure(FILE *out, const cli_tree_draws *nd, size_t pick, const char *title)
{
    size_t n = nd->nchains * nd->ndraws, nw = 0, leaf = 0;
    size_t *which = malloc(n * sizeof *which);
    double *buf = malloc(n * sizeof *buf);
    char *path = malloc(CLI_TREE_PATH);
    int rc = -1;
    if (!which || !buf || !path)
        goto done;
    for (size_t i = 0; i < n; i++)
        if (strcmp(nd->key[i], nd->key[pick]) == 0)
            which[nw++] = i;
    path[0] = 0;
    if (fprintf(out,
                "  %s: visited in %zu of %zu draws (%.1f%%); leaf posteriors over those "
                "draws, mean [5%%, 95%%]:\n",
                title, nw, n, 100.0 * (double)nw / (double)n) < 0)
        goto done;
    rc = print_rules(out, nd, json_array_get(json_object_get(nd->forest[pick], "trees"), 0), path,
                     0, &leaf, which, nw, buf);
done:
    free(which);
    free(buf);
    free(path);
    return rc;
}

typedef struct keyed {
    const char *key;
    size_t i;
} keyed;

static int cmp_key(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Sorts the draws by structure key (ties by draw), then counts each run: O(n log n). */
int cli_tree_pick(const cli_tree_draws *nd, size_t *visited, size_t *count, size_t *map)
{
    size_t n = nd->nchains * nd->ndraws;
    keyed *ix = malloc(n * sizeof *ix);
    if (!ix)
        return -1;
    for (size_t i = 0; i < n; i++)
        ix[i] = (keyed){nd->key[i], i};
    qsort(ix, n, sizeof *ix, cmp_key);
    *visited = 0, *count = 0, *map = SIZE_MAX;
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a + 1; b < n && strcmp(ix[a].key, ix[b].key) == 0; b++)
            ;
        /* ix[a] is the run's first draw: ties go to the structure visited first */
        if (b - a > *count || (b - a == *count && ix[a].i < *visited))
            *count = b - a, *visited = ix[a].i;
    }
    free(ix);
    double top = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        const json_t *lp = json_object_get(nd->forest[i], "logpost");
        if (lp && json_number_value(lp) > top)
            top = json_number_value(lp), *map = i;
    }
    return 0;
}

const json_t *cli_tree_first(const cli_tree_draws *nd, size_t i)
{
    return json_array_get(json_object_get(nd->forest[i], "trees"), 0);
}

/* The most visited structure of a single tree, and the one of highest structure posterior
 * (each draw's "logpost", sampler_tree.c). */
static int print_single(FILE *out, const cli_tree_draws *nd)
{
    size_t best, count, top;
    if (cli_tree_pick(nd, &best, &count, &top) != 0 ||
        print_structure(out, nd, best, "most visited tree") != 0)
        return -1;
    if (top == SIZE_MAX)
        return 0;
    double top_lp = json_number_value(json_object_get(nd->forest[top], "logpost"));
    if (strcmp(nd->key[top], nd->key[best]) == 0)
        return fprintf(out, "  maximum-posterior tree: the same (log posterior %.4g)\n", top_lp) < 0
                   ? -1
                   : 0;
    char title[96];
    snprintf(title, sizeof title, "maximum-posterior tree (log posterior %.4g)", top_lp);
    return print_structure(out, nd, top, title);
}

static int print_node(FILE *out, const cli_tree_draws *nd, const cli_tree_cols *cols)
{
    size_t n = nd->nchains * nd->ndraws;
    int bad = nd->names ? fprintf(out, "\ntree %s (%zu draws)\n", nd->node, n) < 0
                        : fprintf(out,
                                  "\ntree %s (%zu draws; inputs x1..x%zu are the columns of "
                                  "its X)\n",
                                  nd->node, n, nd->p) < 0;
    if (bad || print_scalar(out, "leaves", "tree_leaves", cols, nd->node) != 0 ||
        print_scalar(out, "depth", "tree_depth", cols, nd->node) != 0 ||
        fprintf(out, "  inclusion (%s):",
                nd->single ? "share of draws splitting on each input"
                           : "each input's share of the splits, mean over draws") < 0)
        return -1;
    for (size_t j = 0; j < nd->p; j++) {
        char xb[32];
        if (fprintf(out, " %s %.2f", cli_tree_input(nd, j, xb, sizeof xb),
                    nd->used[j] / (double)n) < 0)
            return -1;
    }
    if (fputc('\n', out) == EOF)
        return -1;
    return nd->single ? print_single(out, nd) : 0;
}

int cli_tree_print(const cli_tree *t, const cli_tree_cols *cols, FILE *out)
{
    if (cli_tree_empty(t))
        return 0;
    /* the nodes in the order chain 1 recorded them in its first draw */
    const record_vec *c0 = &t->chain[0];
    for (size_t i = 0; i < c0->len; i++) {
        if (i > 0 && strcmp(c0->items[i].node, c0->items[0].node) == 0)
            break;
        cli_tree_draws nd;
        int rc = cli_tree_gather(t, c0->items[i].node, &nd);
        if (rc == 0 && nd.ndraws > 0)
            rc = print_node(out, &nd, cols);
        cli_tree_draws_free(&nd);
        if (rc != 0)
            return -1;
    }
    return 0;
}

const char *cli_tree_node_at(const cli_tree *t, size_t i, size_t *n)
{
    const record_vec *c0 = &t->chain[0];
    size_t k = 0;
    while (k < c0->len && (k == 0 || strcmp(c0->items[k].node, c0->items[0].node) != 0))
        k++;
    *n = k;
    return i < k ? c0->items[i].node : NULL;
}

/* The node name as the record keeps it: one copy per distinct name, owned by t. */
static const char *own_node(cli_tree *t, const char *node)
{
    for (size_t i = 0; i < t->nowned; i++)
        if (strcmp(t->owned[i], node) == 0)
            return t->owned[i];
    char **grown = realloc(t->owned, (t->nowned + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    t->owned = grown;
    return (t->owned[t->nowned] = strdup(node)) ? t->owned[t->nowned++] : NULL;
}

/* Line `line` of the file: its chain (1..) and node, checked. */
static int parse_record(const char *path, size_t lineno, const char *line, long *chain,
                        json_t **root)
{
    json_error_t jerr;
    *root = json_loads(line, 0, &jerr);
    const json_t *c = json_object_get(*root, "chain"), *n = json_object_get(*root, "node");
    *chain = json_is_integer(c) ? (long)json_integer_value(c) : 0;
    if (*root && *chain >= 1 && *chain <= 1024 && json_is_string(n) &&
        json_is_array(json_object_get(*root, "trees")))
        return 0;
    if (!*root && json_error_code(&jerr) == json_error_out_of_memory)
        fprintf(stderr, "glassbox: error: out of memory reading %s\n", path);
    else
        fprintf(
            stderr,
            "%s:%zu: error: not a tree record {\"chain\":C,\"node\":NAME,\"trees\":[...]}%s%s\n",
            path, lineno, *root ? "" : ": ", *root ? "" : jerr.text);
    return -1;
}

/* A long function: one pass over the file with its cleanup at the end; the line loop reads,
 * checks and records, and split it would pass every one of its buffers around. */
cli_tree *cli_tree_load(const char *cmd, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "glassbox %s: error: cannot read %s: %s\n", cmd, path, strerror(errno));
        return NULL;
    }
    cli_tree *t = NULL;
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int bad = 0;
    for (int pass = 0; pass < 2 && !bad; pass++) { /* 1: count chains; 2: record */
        long nchains = 0;
        rewind(f);
        lineno = 0;
        while (!bad && getline(&line, &cap, f) >= 0) {
            json_t *root;
            long c;
            lineno++;
            if (line[0] == '\n' || line[0] == 0)
                continue;
            if (parse_record(path, lineno, line, &c, &root) != 0) {
                json_decref(root);
                bad = 1;
                break;
            }
            nchains = c > nchains ? c : nchains;
            if (pass == 1) {
                const char *node = own_node(t, json_string_value(json_object_get(root, "node")));
                bad = !node || cli_tree_record(t, (int)c - 1, node, line) != 0;
                if (bad)
                    fprintf(stderr, "glassbox %s: error: out of memory reading %s\n", cmd, path);
            }
            json_decref(root);
        }
        if (!bad && ferror(f)) {
            fprintf(stderr, "glassbox %s: error: cannot read %s: %s\n", cmd, path, strerror(errno));
            bad = 1;
        } else if (!bad && nchains == 0) {
            fprintf(stderr, "glassbox %s: error: %s holds no tree records\n", cmd, path);
            bad = 1;
        } else if (!bad && pass == 0 && !(t = cli_tree_new((int)nchains))) {
            fprintf(stderr, "glassbox %s: error: out of memory reading %s\n", cmd, path);
            bad = 1;
        }
    }
    free(line);
    fclose(f);
    if (bad) {
        cli_tree_free(t);
        return NULL;
    }
    return t;
}
