/* cli_predict.c - `glassbox predict MODEL.gb --data train.json --draws RUN.csv... [--new
 * new.json] [--output P.csv]`: the posterior predictive.  The model is lowered again with the
 * new data over the training data (sizes such as N follow the new data); an observed node the
 * new data leave out gets placeholder values of its new size (the training data's first value
 * repeated), since only its shape matters: for every saved draw the parameters are set, the
 * deterministic nodes recomputed and the observed nodes drawn from their distributions into the
 * prediction graph's copy of their data (model/simulate.h).  Without --new: replicates of the
 * training data, for predictive checks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_predict.h"
#include "cli_predict_tree.h"
#include "colname.h"
#include "drawsin.h"
#include "loglik.h"
#include "rng.h"
#include "simulate.h"
#include "size.h"

typedef struct pred {
    cli_session s; /* the training model and data */
    gb_model *m1;
    gb_drawsin *d;
    gb_data *data2; /* the prediction data */
    gb_graph *g2;
    gb_model *m2;
    gb_model_ws *ws2;
    unsigned char *target; /* per node of g2: drawn */
    long *src;             /* per output column of m2: the column of m1 it is set from, or -1 */
    gb_simulate *sim;
    cli_ptree *trees;      /* tree latents, evaluated from each draw's forest */
    cli_predict_cols cols; /* of the output */
} pred;

static void help(void)
{
    puts("usage: glassbox predict MODEL.gb --data FILE... --draws DRAWS.csv [DRAWS.csv]...\n"
         "                       [--new NEW.json] [--output P.csv] [--seed S] [--quiet]\n\n"
         "The posterior predictive: for every saved draw, sets the parameters, takes the new\n"
         "data (sizes such as N may change; the new data give the predictors), recomputes every\n"
         "deterministic node (fit.mu, net.out at the new X) and draws every observed node from\n"
         "its distribution.  Without --new, draws replicates of the training data.  Writes the\n"
         "draws as CmdStan-layout CSV (--output) and prints each drawn element's predictive\n"
         "mean, sd and 5/50/95% quantiles, and class probabilities for integer outcomes with\n"
         "few values.  The same seed gives the same draws.  A tree component's fitted values\n"
         "are each draw's forest (the run's STEM_tree.jsonl, beside the draws) at the new X.\n\n"
         "  --data FILE    the training data, as given to run (repeatable)\n"
         "  --draws FILE.. the draws files of run, one per chain (up to the next option)\n"
         "  --new FILE     new data: values here replace the training data's; observed nodes\n"
         "                 may be left out (they are drawn either way)\n"
         "  --output FILE  write the predictive draws\n"
         "  --seed S       the random seed (default 20261125)\n"
         "  --quiet        print no summary");
}

static void pred_free(pred *p)
{
    cli_predict_cols_free(&p->cols);
    cli_ptree_free(p->trees);
    gb_simulate_free(p->sim);
    free(p->src);
    free(p->target);
    gb_model_ws_free(p->ws2);
    gb_model_free(p->m2);
    gb_graph_free(p->g2);
    gb_data_free(p->data2);
    gb_drawsin_free(p->d);
    gb_model_free(p->m1);
    cli_session_free(&p->s);
}

static int observed_in(const gb_graph *g, const char *name)
{
    size_t i = gb_graph_find(g, name);
    return i != (size_t)-1 && gb_node_is_observed(gb_graph_node(g, i));
}

/* Labels of an observed integer node in the new data that the training data never had. */
static gb_status check_labels(const pred *p, const gb_data_var *nv, gb_errlist *errs)
{
    const gb_data_var *tv = gb_data_find(p->s.data, nv->name);
    size_t i = gb_graph_find(p->s.graph, nv->name);
    const gb_node *n = gb_graph_node(p->s.graph, i);
    if (!tv || n->type != GB_INT || n->ndefs == 0)
        return GB_OK;
    const gb_support *sp = &n->defs[0].dist->support;
    if (!sp->upper_param_len) /* classes 1..K: categorical, ordered_logistic, ... */
        return GB_OK;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t e = 0; e < tv->len; e++)
        lo = fmin(lo, tv->val[e]), hi = fmax(hi, tv->val[e]);
    for (size_t e = 0; e < nv->len; e++)
        if (nv->val[e] < lo || nv->val[e] > hi) {
            gb_error(errs, GB_EDATA, nv->loc,
                     "label %g of '%s' (element %zu) is not one of the training classes "
                     "(%g..%g)",
                     nv->val[e], nv->name, e + 1, lo, hi);
            gb_error_hint(errs, "a model fitted without this class cannot predict it");
            return GB_EDATA;
        }
    return GB_OK;
}

/* The size named `name` in the new data nd: a scalar of that name, or the extent of a data
 * variable declared with it; else the training graph's. */
static size_t new_size(const pred *p, const gb_data *nd, const char *name, size_t old)
{
    const gb_data_var *v = gb_data_find(nd, name);
    if (v && v->shape.rank == 0 && v->len == 1 && v->val[0] >= 0)
        return (size_t)v->val[0];
    for (size_t i = 0; i < gb_graph_node_count(p->s.graph); i++) {
        const gb_node *n = gb_graph_node(p->s.graph, i);
        const gb_data_var *w = gb_data_find(nd, n->name);
        for (int k = 0; w && k < n->shape.rank && k < w->shape.rank; k++)
            if (n->dim_name[k] && strcmp(n->dim_name[k], name) == 0)
                return w->shape.dim[k];
    }
    return old;
}

/* Is `name` a size the new data give through the extent of a variable declared with it? */
static int size_in_new(const pred *p, const gb_data *nd, const char *name)
{
    for (size_t i = 0; i < gb_graph_node_count(p->s.graph); i++) {
        const gb_node *n = gb_graph_node(p->s.graph, i);
        const gb_data_var *w = gb_data_find(nd, n->name);
        for (int k = 0; w && k < n->shape.rank; k++)
            if (n->dim_name[k] && strcmp(n->dim_name[k], name) == 0)
                return 1;
    }
    return 0;
}

/* Values for observed node n, which the new data leave out: its new shape, filled with the
 * training data's first value (one the declaration accepts). */
static gb_status placeholder(pred *p, const gb_data *nd, const gb_node *n)
{
    const gb_data_var *tv = gb_data_find(p->s.data, n->name);
    gb_data_var v;
    memset(&v, 0, sizeof v);
    v.name = n->name;
    v.loc = n->loc;
    v.type = n->type;
    v.shape = n->shape;
    v.len = 1;
    for (int k = 0; k < n->shape.rank; k++) {
        if (n->dim_name[k])
            v.shape.dim[k] = new_size(p, nd, n->dim_name[k], n->shape.dim[k]);
        if (gb_size_mul(v.len, v.shape.dim[k], &v.len) != 0)
            return gb_error(p->s.errs, GB_ENOMEM, n->loc, "'%s' is too large", n->name);
    }
    if (gb_size_fits_budget(v.len, sizeof(double)) != 0)
        return gb_error(p->s.errs, GB_ENOMEM, n->loc, "'%s' is too large", n->name);
    v.val = malloc((v.len ? v.len : 1) * sizeof *v.val);
    if (!v.val)
        return gb_error(p->s.errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    for (size_t e = 0; e < v.len; e++)
        v.val[e] = tv && tv->len ? tv->val[0] : 0;
    gb_status st = gb_data_add_copy(p->data2, &v, p->s.errs);
    free(v.val);
    return st;
}

/* The prediction data: the new file's variables, then the training data's others; an observed
 * node the new file leaves out gets placeholder values of its new size. */
static gb_status make_data(pred *p, const cli_opts *o)
{
    gb_errlist *errs = p->s.errs;
    gb_data *nd = gb_data_new();
    p->data2 = gb_data_new();
    if (!nd || !p->data2) {
        gb_data_free(nd);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    }
    gb_status st = GB_OK;
    if (o->newdata)
        st = gb_data_load_file(nd, p->s.srcs, o->newdata, errs);
    for (size_t i = 0; st == GB_OK && i < gb_data_count(nd); i++) {
        const gb_data_var *v = gb_data_get(nd, i);
        if (observed_in(p->s.graph, v->name))
            st = check_labels(p, v, errs);
        if (st == GB_OK)
            st = gb_data_add_copy(p->data2, v, errs);
    }
    for (size_t i = 0; st == GB_OK && i < gb_data_count(p->s.data); i++) {
        const gb_data_var *v = gb_data_get(p->s.data, i);
        if (!gb_data_find(nd, v->name) && !(o->newdata && observed_in(p->s.graph, v->name)) &&
            !size_in_new(p, nd, v->name)) /* N: the new X's rows, not the training's N */
            st = gb_data_add_copy(p->data2, v, errs);
    }
    for (size_t i = 0; st == GB_OK && i < gb_graph_node_count(p->s.graph); i++) {
        const gb_node *n = gb_graph_node(p->s.graph, i);
        if (gb_node_is_observed(n) && !gb_data_find(p->data2, n->name))
            st = placeholder(p, nd, n);
    }
    gb_data_free(nd);
    return st;
}

/* Which output columns of m2 come from the draws, and which nodes are drawn: every observed
 * node, by name observed in the training graph too. */
static gb_status map_columns(pred *p)
{
    const gb_graph *g1 = p->s.graph;
    size_t nn = gb_graph_node_count(p->g2), nc = gb_model_output_size(p->m2);
    p->target = calloc(nn ? nn : 1, 1);
    p->src = malloc((nc ? nc : 1) * sizeof *p->src);
    if (!p->target || !p->src)
        return gb_error(p->s.errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    for (size_t i = 0; i < nn; i++) {
        const gb_node *n = gb_graph_node(p->g2, i);
        size_t j = gb_graph_find(g1, n->name);
        const gb_node *n1 = j == (size_t)-1 ? NULL : gb_graph_node(g1, j);
        if (gb_node_is_observed(n)) { /* a `target +=` term has no variate to draw */
            p->target[i] = !gb_node_is_target_term(n);
            continue;
        }
        if (!gb_node_is_parameter(n) || cli_ptree_has(p->trees, n->name))
            continue; /* a tree latent's values come from its forest (cli_predict_tree.c) */
        if (!n1 || !gb_node_is_parameter(n1))
            return gb_error(p->s.errs, GB_ESEMANTIC, n->loc,
                            "'%s' is a parameter only with the new data: its value is missing "
                            "there",
                            n->name);
        if (n1->len != n->len) {
            gb_error(p->s.errs, GB_ESEMANTIC, n->loc,
                     "parameter '%s' has %zu elements in the draws but %zu with the new data",
                     n->name, n1->len, n->len);
            gb_error_hint(p->s.errs, "a parameter sized by the data (one per observation) "
                                     "cannot be carried to new observations");
            return GB_ESEMANTIC;
        }
    }
    size_t n1c = gb_model_output_size(p->m1);
    for (size_t c = 0; c < nc; c++) {
        p->src[c] = -1;
        const char *name = gb_model_output_name(p->m2, c);
        for (size_t k = 0; k < n1c && p->src[c] < 0; k++)
            if (strcmp(gb_model_output_name(p->m1, k), name) == 0)
                p->src[c] = (long)k;
    }
    return GB_OK;
}

static gb_status setup(pred *p, const cli_opts *o)
{
    gb_errlist *errs = p->s.errs;
    gb_status st = gb_model_compile(p->s.graph, &p->m1, errs);
    if (st == GB_OK &&
        !(p->d = gb_drawsin_read(p->m1, o->draws_files, (size_t)o->ndraws_files, errs)))
        st = gb_errlist_status(errs);
    if (st == GB_OK)
        st = make_data(p, o);
    if (st == GB_OK)
        st = cli_lower(&p->s, o->model, p->data2, &p->g2);
    if (st == GB_OK)
        st = cli_ptree_compile(p->g2, &p->m2, errs);
    if (st == GB_OK && !(p->ws2 = gb_model_ws_new(p->m2)))
        st = gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    if (st == GB_OK)
        st = cli_ptree_new(o, &p->s, p->m1, p->m2, p->data2, p->d, &p->trees);
    if (st == GB_OK)
        st = map_columns(p);
    if (st == GB_OK)
        st = gb_simulate_new(p->m2, p->target, &p->sim, errs);
    if (st == GB_OK && cli_predict_cols_make(p->m2, p->target, &p->cols) != 0)
        st = gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    return st;
}

/* Predictive draws into a new S x ncols matrix, from saved draws 0, step, 2 step, ... (S of
 * them); NULL after printing why. */
static double *simulate_rows(pred *p, unsigned long seed, size_t S, size_t step)
{
    size_t nc = gb_model_output_size(p->m2), cells;
    size_t n1 = gb_model_output_size(p->m1), nout = p->cols.n;
    double *row1 = malloc((n1 + 1) * sizeof *row1), *row2 = malloc((nc + 1) * sizeof *row2);
    double *out = NULL;
    gsl_rng *r = gb_rng_new(seed, 0);
    if (gb_size_mul(S, nout, &cells) == 0 && gb_size_fits_budget(cells, sizeof(double)) == 0)
        out = malloc((cells ? cells : 1) * sizeof *out);
    if (!row1 || !row2 || !out || !r) {
        fputs("glassbox predict: error: out of memory (the predictive draws do not fit the "
              "memory budget)\n",
              stderr);
        free(out), out = NULL;
    }
    for (size_t k = 0; out && k < S; k++) {
        gb_drawsin_row(p->d, k * step, row1);
        for (size_t c = 0; c < nc; c++)
            row2[c] = p->src[c] >= 0 ? row1[p->src[c]] : NAN;
        if (cli_ptree_fill(p->trees, k * step, row2, p->s.errs) != GB_OK) {
            for (size_t e = 0; e < gb_errlist_count(p->s.errs); e++)
                fprintf(stderr, "glassbox predict: error: draw %zu: %s\n", k * step + 1,
                        gb_errlist_get(p->s.errs, e)->msg);
            free(out), out = NULL;
            break;
        }
        gb_loglik_set_values(p->m2, p->ws2, row2);
        size_t bad = 0;
        if (gb_simulate_draw(p->sim, p->ws2, r, &bad) != GB_OK) {
            size_t row;
            const char *path = gb_drawsin_where(p->d, k * step, &row);
            const gb_node *n = gb_graph_node(p->g2, bad);
            fprintf(stderr,
                    "glassbox predict: error: %s: draw %zu: '%s' could not be drawn "
                    "(its distribution's arguments are invalid at this draw, or no "
                    "value within its bounds was found)\n",
                    path, row, n->name);
            free(out), out = NULL;
            break;
        }
        cli_predict_cols_fill(&p->cols, p->ws2, out + k * nout);
    }
    gb_rng_free(r);
    free(row1);
    free(row2);
    return out;
}

static int run_predict(pred *p, const cli_opts *o)
{
    double *draws = simulate_rows(p, o->seed, gb_drawsin_count(p->d), 1);
    if (!draws)
        return GB_EXIT_MODEL;
    size_t S = gb_drawsin_count(p->d);
    int rc = GB_EXIT_OK;
    cli_predict_out w = {o->model, o->data, o->ndata, o->newdata, o->seed};
    if (o->output && cli_predict_write(&w, o->output, &p->cols, draws, S) != 0) {
        fprintf(stderr, "glassbox predict: error: cannot write %s\n", o->output);
        rc = GB_EXIT_MODEL;
    }
    if (!o->quiet && cli_predict_summary(&p->cols, draws, S, stdout) != 0) {
        fputs("glassbox predict: error: out of memory making the summary\n", stderr);
        rc = GB_EXIT_MODEL;
    }
    free(draws);
    return rc;
}

int cli_predict(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, 2, "predict",
                       "data,draws,draws-files,new,output,seed,quiet,memory", &o);
    if (rc || o.help) {
        if (o.help)
            help();
        return rc;
    }
    if (o.ndraws_files == 0) {
        fputs("glassbox predict: error: no draws given: --draws FILE [FILE]...\n", stderr);
        return GB_EXIT_USAGE;
    }
    pred p;
    memset(&p, 0, sizeof p);
    rc = cli_load(&o, &p.s, 1);
    if (rc == GB_EXIT_OK)
        rc = cli_report(p.s.errs, p.s.srcs, setup(&p, &o));
    if (rc == GB_EXIT_OK)
        rc = run_predict(&p, &o);
    pred_free(&p);
    return cli_finish_output(stdout, "predict", rc);
}

int cli_predict_ppc(const cli_opts *o, size_t maxrep, cli_ppc *out)
{
    memset(out, 0, sizeof *out);
    pred p;
    memset(&p, 0, sizeof p);
    cli_opts po = *o;
    po.newdata = NULL; /* replicates of the training data */
    int rc = cli_load(&po, &p.s, 1);
    if (rc == GB_EXIT_OK)
        rc = cli_report(p.s.errs, p.s.srcs, setup(&p, &po));
    size_t S = rc == GB_EXIT_OK ? gb_drawsin_count(p.d) : 0;
    size_t nrep = S < maxrep ? S : maxrep, step = nrep ? S / nrep : 1;
    double *draws = nrep ? simulate_rows(&p, o->seed, nrep, step) : NULL;
    if (rc == GB_EXIT_OK && nrep && !draws)
        rc = GB_EXIT_MODEL;
    /* the observed nodes' columns come first, a node's elements together */
    for (size_t c = 0; rc == GB_EXIT_OK && c < p.cols.nobs && out->n < CLI_PPC_MAX;) {
        size_t node = p.cols.node[c], len = 0;
        while (c + len < p.cols.nobs && p.cols.node[c + len] == node)
            len++;
        size_t at = gb_graph_find(p.s.graph, gb_graph_node(p.g2, node)->name);
        if (at == (size_t)-1) { /* not in the training graph: nothing to compare with */
            c += len;
            continue;
        }
        const gb_node *n = gb_graph_node(p.s.graph, at);
        cli_ppc_node *q = &out->node[out->n];
        q->obs = malloc(len * sizeof *q->obs);
        q->rep = malloc(len * nrep * sizeof *q->rep);
        q->name = strdup(n->name);
        out->n++;
        if (!q->obs || !q->rep || !q->name || !n->value || n->len != len) {
            rc = n->value && n->len == len ? cli_report(NULL, NULL, GB_ENOMEM) : GB_EXIT_OK;
            out->n--; /* a node whose data do not line up with its replicates is left out */
            free(q->obs), free(q->rep), free((char *)q->name);
            memset(q, 0, sizeof *q);
        } else {
            memcpy(q->obs, n->value, len * sizeof *q->obs);
            for (size_t r = 0; r < nrep; r++)
                for (size_t i = 0; i < len; i++)
                    q->rep[r * len + i] = draws[r * p.cols.n + c + i];
            q->n = len;
            q->nrep = nrep;
        }
        c += len;
    }
    free(draws);
    pred_free(&p);
    if (rc != GB_EXIT_OK)
        cli_ppc_free(out);
    return rc;
}

void cli_ppc_free(cli_ppc *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free((char *)p->node[i].name);
        free(p->node[i].obs);
        free(p->node[i].rep);
    }
    memset(p, 0, sizeof *p);
}
