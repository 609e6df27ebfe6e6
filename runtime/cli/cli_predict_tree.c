/* cli_predict_tree.c - tree latents in `predict` (cli_predict_tree.h says why).  Per tree node:
 * the training X and the new X (cli_tree_xs_find on both models), one forest made on the
 * training X, and the node's records gathered from every chain (cli_tree_gather, draw c *
 * ndraws + d, the order in which gb_drawsin reads one file per chain).  Each saved draw's forest
 * is read back (gb_forest_read_json) and evaluated at the new X (gb_forest_predict); the work is
 * one parse and one partition of the training rows per draw and tree node, as in partial
 * dependence (cli_tree_pd.c).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_predict_tree.h"
#include "cli_tree.h"
#include "cli_tree_int.h"
#include "cli_tree_x.h"
#include "drawsout.h"
#include "sampler_registry.h"
#include "tree.h"

extern const gb_sampler_ops gb_sampler_tree; /* sampler_tree.c */

#define CLI_PTREE_KINDS 16

typedef struct ptnode {
    const cli_tree_x *x1, *x2; /* training and new inputs */
    cli_tree_draws nd;
    gb_tree_data *data;
    gb_forest *f;
    size_t col0; /* the node's first output column of m2 */
    double *pred; /* x2 rows x K */
} ptnode;

struct cli_ptree {
    cli_tree_xs xs1, xs2;
    const cli_tree *rec;
    cli_tree *owned; /* rec when read from a file here */
    ptnode *node;
    size_t n;
};

void cli_ptree_free(cli_ptree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        cli_tree_draws_free(&t->node[i].nd);
        gb_forest_free(t->node[i].f);
        gb_tree_data_free(t->node[i].data);
        free(t->node[i].pred);
    }
    free(t->node);
    cli_tree_free(t->owned);
    cli_tree_xs_free(&t->xs1);
    cli_tree_xs_free(&t->xs2);
    free(t);
}

int cli_ptree_has(const cli_ptree *t, const char *name)
{
    for (size_t i = 0; t && i < t->n; i++)
        if (strcmp(t->node[i].x1->node, name) == 0)
            return 1;
    return 0;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* STEM_tree.jsonl beside the first draws file: RUN_2.csv -> RUN_tree.jsonl when RUN_2_tree.jsonl
 * is not there (run --output RUN.csv writes RUN_1.csv .. RUN_N.csv for N chains). */
static char *records_path(const char *draws)
{
    char *p = gb_drawsout_stem_path(draws, "_tree.jsonl");
    if (!p || exists(p))
        return p;
    size_t n = strlen(p) - strlen("_tree.jsonl"), k = n;
    while (k > 0 && p[k - 1] >= '0' && p[k - 1] <= '9')
        k--;
    if (k < n && k > 0 && p[k - 1] == '_')
        memmove(p + k - 1, p + n, strlen(p + n) + 1);
    return p;
}

/* The data variable of data2 holding x2's values, for locating an error; or NULL. */
static const gb_data_var *find_var(const gb_data *d, const cli_tree_x *x)
{
    for (size_t i = 0; i < gb_data_count(d); i++) {
        const gb_data_var *v = gb_data_get(d, i);
        if (v->len == x->rows * x->cols && memcmp(v->val, x->x, v->len * sizeof *v->val) == 0)
            return v;
    }
    return NULL;
}

static gb_status node_setup(cli_ptree *t, ptnode *pn, const gb_model *m2, const gb_data *data2,
                            size_t ndraws, gb_errlist *errs)
{
    const cli_tree_x *x1 = pn->x1, *x2 = pn->x2;
    if (x2->cols != x1->cols) {
        const gb_data_var *v = find_var(data2, x2);
        gb_error(errs, GB_EDATA, v ? v->loc : (gb_loc){0},
                 "the new inputs of tree '%s' have %zu columns, but it was fitted on %zu",
                 x1->node, x2->cols, x1->cols);
        gb_error_hint(errs, "the new X needs the training X's columns, in the same order");
        return GB_EDATA;
    }
    if (cli_tree_gather(t->rec, x1->node, &pn->nd) != 0)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0},
                        "out of memory, or a record of tree '%s' does not parse", x1->node);
    size_t n = pn->nd.nchains * pn->nd.ndraws;
    if (n != ndraws)
        return gb_error(errs, GB_EDATA, (gb_loc){0},
                        "the tree records hold %zu draws of '%s', the draws files %zu: they "
                        "are not from the same run",
                        n, x1->node, ndraws);
    size_t k = x1->classes ? x1->classes : 1, nc = gb_model_output_size(m2);
    const gb_graph *g2 = gb_model_graph(m2);
    pn->col0 = SIZE_MAX;
    for (size_t c = 0; c < nc && pn->col0 == SIZE_MAX; c++)
        if (strcmp(gb_graph_node(g2, gb_model_output_node(m2, c))->name, x1->node) == 0)
            pn->col0 = c;
    if (pn->col0 == SIZE_MAX || pn->col0 + x2->rows * k > nc)
        return GB_OK; /* not an output column: nothing to set */
    if (!(pn->pred = malloc((x2->rows ? x2->rows : 1) * k * sizeof *pn->pred)))
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    gb_tree_config c;
    gb_tree_config_default(&c, x1->classes ? GB_TREE_LEAF_CLASS : GB_TREE_LEAF_NORMAL,
                           json_array_size(json_object_get(pn->nd.forest[0], "trees")));
    c.classes = x1->classes ? x1->classes : 2;
    c.max_leaves = x1->rows < GB_TREE_DEFAULT_MAX_LEAVES ? x1->rows : GB_TREE_DEFAULT_MAX_LEAVES;
    gb_status st = gb_tree_data_new(x1->x, x1->rows, x1->cols, 1, &pn->data, errs);
    if (st == GB_OK)
        st = gb_forest_new(pn->data, &c, &pn->f, errs);
    return st;
}

static gb_status make(const cli_session *s, const gb_model *m2, const gb_data *data2,
                      size_t ndraws, cli_ptree *t)
{
    for (size_t i = 0; i < t->xs1.n; i++) {
        ptnode *pn = &t->node[t->n];
        pn->x1 = &t->xs1.items[i];
        pn->x2 = cli_tree_xs_get(&t->xs2, pn->x1->node);
        if (!pn->x2)
            continue;
        t->n++;
        gb_status st = node_setup(t, pn, m2, data2, ndraws, s->errs);
        if (st != GB_OK)
            return st;
    }
    return GB_OK;
}

/* *out with the tree inputs of m1 and m2 found; GB_OK with *out NULL when m1 has no tree. */
static gb_status start(const cli_opts *o, const cli_session *s, const gb_model *m1,
                       const gb_model *m2, cli_ptree **out)
{
    *out = NULL;
    cli_ptree *t = calloc(1, sizeof *t);
    if (!t)
        return gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    gb_status st = cli_tree_xs_find(o, s, m1, &t->xs1);
    if (st == GB_OK)
        st = cli_tree_xs_find(o, s, m2, &t->xs2);
    if (st == GB_OK && t->xs1.n && !(t->node = calloc(t->xs1.n, sizeof *t->node)))
        st = gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    if (st != GB_OK || t->xs1.n == 0) {
        cli_ptree_free(t);
        return st;
    }
    *out = t;
    return GB_OK;
}

/* Every tree's new X is its training X (predictive replicates, the report's checks). */
static int same_x(const cli_ptree *t)
{
    for (size_t i = 0; i < t->xs1.n; i++) {
        const cli_tree_x *x1 = &t->xs1.items[i], *x2 = cli_tree_xs_get(&t->xs2, x1->node);
        if (!x2 || x2->rows != x1->rows || x2->cols != x1->cols ||
            memcmp(x2->x, x1->x, x1->rows * x1->cols * sizeof *x1->x) != 0)
            return 0;
    }
    return 1;
}

gb_status cli_ptree_new(const cli_opts *o, const cli_session *s, const gb_model *m1,
                        const gb_model *m2, const gb_data *data2, const gb_drawsin *d,
                        cli_ptree **out)
{
    gb_status st = start(o, s, m1, m2, out);
    cli_ptree *t = *out;
    if (st != GB_OK || !t)
        return st;
    char *path = records_path(o->draws_files[0]);
    if (!path)
        return gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    if (!exists(path) && same_x(t)) { /* the draws' own columns hold the fitted values */
        free(path);
        cli_ptree_free(t);
        *out = NULL;
        return GB_OK;
    }
    if (!exists(path)) {
        gb_error(s->errs, GB_EDATA, (gb_loc){0},
                 "'%s' is a tree, whose draws are forests: %s, written by run --output, is "
                 "missing",
                 t->xs1.items[0].node, path);
        gb_error_hint(s->errs, "keep the run's STEM_tree.jsonl beside its draws files");
        free(path);
        return GB_EDATA;
    }
    t->rec = t->owned = cli_tree_load("predict", path); /* prints why it failed */
    free(path);
    if (!t->rec)
        return GB_EDATA;
    return make(s, m2, data2, gb_drawsin_count(d), t);
}

gb_status cli_ptree_with(const cli_opts *o, const cli_session *s, const gb_model *m1,
                         const gb_model *m2, const cli_tree *rec, size_t ndraws,
                         cli_ptree **out)
{
    gb_status st = start(o, s, m1, m2, out);
    if (st != GB_OK || !*out)
        return st;
    if (!rec || cli_tree_empty(rec))
        return gb_error(s->errs, GB_EDATA, (gb_loc){0},
                        "'%s' is a tree, but its forests were not recorded",
                        (*out)->xs1.items[0].node);
    (*out)->rec = rec;
    return make(s, m2, s->data, ndraws, *out);
}

gb_status cli_ptree_fill(cli_ptree *t, size_t k, double *row2, gb_errlist *errs)
{
    for (size_t i = 0; t && i < t->n; i++) {
        ptnode *pn = &t->node[i];
        if (!pn->f)
            continue;
        char *line = json_dumps(pn->nd.forest[k], JSON_COMPACT);
        if (!line)
            return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
        gb_status st = gb_forest_read_json(pn->f, line, errs);
        free(line);
        if (st == GB_OK)
            st = gb_forest_predict(pn->f, pn->x2->x, pn->x2->rows, pn->x2->cols, pn->pred, errs);
        if (st != GB_OK)
            return st;
        size_t len = pn->x2->rows * (pn->x1->classes ? pn->x1->classes : 1);
        for (size_t e = 0; e < len; e++)
            row2[pn->col0 + e] = pn->x1->classes ? log(pn->pred[e]) : pn->pred[e];
    }
    return GB_OK;
}

gb_status cli_ptree_compile(const gb_graph *g, gb_model **out, gb_errlist *errs)
{
    static gb_sampler_ops tree; /* static: the model borrows its kinds for its lifetime */
    static const gb_sampler_ops *kinds[CLI_PTREE_KINDS];
    size_t n;
    const gb_sampler_ops *const *reg = gb_sampler_registry_kinds(&n);
    if (n > CLI_PTREE_KINDS)
        return gb_model_compile(g, out, errs);
    tree = gb_sampler_tree;
    tree.check = NULL;
    for (size_t i = 0; i < n; i++)
        kinds[i] = reg[i] == &gb_sampler_tree ? &tree : reg[i];
    return gb_model_compile_with(g, kinds, n, out, errs);
}
