/* cli_compare.c - `glassbox compare A.gb B.gb ... --data D [--test T | --kfold K]`: samples every
 * model with the same settings and prints one table: PSIS-LOO (psis.h) with paired differences
 * against the best model as loo_compare, the held-out log predictive density and accuracy or
 * RMSE on a test set (heldout.h), the number of parameters and what can be read off each model.
 * --kfold is cli_compare_kfold.c's.
 *
 * Held-out density: the test data are lowered into the same model (sizes such as N may differ),
 * every draw's parameters are set in it by name, and each test observation's log density is
 * averaged over draws as log mean exp.  Accuracy (integer outcomes): the test model is lowered
 * again once per training class c with the outcome set to c, giving p(y_i = c | data) the same
 * way; the predicted class is the most probable one.  RMSE (other outcomes): the test model with
 * the outcome drawn by its distribution's rng (simulate.h) at every draw; the posterior mean
 * prediction of a row is the mean of those replicates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_compare.h"
#include "cli_predict_tree.h"
#include "cli_tree.h"
#include "cli_tree_int.h"
#include "cli_flags.h"
#include "heldout.h"
#include "loglik.h"
#include "optimize.h"
#include "psis.h"
#include "rng.h"
#include "run.h"
#include "simulate.h"

#define MAX_MODELS CLI_CMP_MAX_MODELS
/* Replicates of the outcome averaged, at least, into the posterior mean prediction: few draws
 * (a MAP's one) are each drawn from several times, so the mean's Monte Carlo error is about
 * the outcome's sd / 63. */
#define RMSE_REPLICATES 4000
#define MAX_CLASSES CLI_CMP_MAX_CLASSES /* integer outcomes with more values are not classes */

typedef struct fitted {
    const char *path;
    gb_psis_result loo;
    double *elpd_i; /* pointwise elpd_loo, N */
    size_t n;
    double nparams; /* cli_cmp_count_params */
    double lpd_test;
    size_t ntest;
    double acc;  /* NAN: no accuracy */
    double rmse; /* NAN: no RMSE */
    char readable[200];
} fitted;

static void help(void)
{
    puts(
        "usage: glassbox compare A.gb B.gb ... --data FILE [--test FILE | --kfold K]\n"
        "                        [--outcome NAME] [--map]\n"
        "                        [--chains 4] [--warmup 400] [--draws 1000] [--seed S]\n\n"
        "Samples every model with the same settings and data and prints one table:\n"
        "  elpd_loo, se     PSIS-LOO expected log predictive density and its standard error\n"
        "  elpd_diff, se_diff  against the best model, paired over observations (loo_compare)\n"
        "  p_loo            effective number of parameters; k>0.7: observations whose Pareto\n"
        "                   k-hat is above 0.7 (PSIS-LOO is unreliable for them)\n"
        "  lpd_test         with --test: sum over test observations of the log of the mean over\n"
        "                   draws of the predictive density\n"
        "  accuracy         with --test and an integer outcome: share of test rows whose most\n"
        "                   probable class (among the training data's values) is the true one\n"
        "  rmse             with --test and any other outcome: root mean square error of the\n"
        "                   posterior mean prediction (the mean of replicates over draws)\n"
        "  params           number of parameter elements; a tree counts its posterior mean\n"
        "                   leaves times a leaf's free values (1, or K - 1 class probabilities)\n"
        "  readable         what can be read off the model (its components)\n"
        "--outcome NAME names the outcome data variable (default: the observed node's name).\n"
        "--kfold K: instead of LOO and a test set, fits every model K times, each on the rows\n"
        "outside one fold (seeded; stratified by class, or by blocks of the sorted outcome; the\n"
        "same folds for every model), and prints elpd_kfold (the held-out lpd summed over\n"
        "rows), se, elpd_diff, se_diff, accuracy or rmse, params and readable.\n"
        "--map fits each model by its MAP (optimize: BFGS from 4 starts, no Jacobian) instead\n"
        "of sampling: the test columns then score that one point, and the LOO columns are -.");
}

static int default_threads(long chains)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return (int)(chains < cores ? chains : cores < 1 ? 1 : cores);
}

/* What a stdlib component shows, by the model it instantiates (stdlib/mlp.gb, regression.gb,
 * and the tree component's). */
static const char *component_reading(const char *model)
{
    static const char *const mlp[] = {"regressor", "classifier", "multiclass", "dense", NULL};
    static const char *const reg[] = {
        "linear", "robust", "logistic", "poisson", "varying_intercepts", "varying_slopes", NULL};
    const char *base = strrchr(model, '.') ? strrchr(model, '.') + 1 : model;
    for (int i = 0; mlp[i]; i++)
        if (strcmp(base, mlp[i]) == 0)
            return "weights and activations";
    for (int i = 0; reg[i]; i++)
        if (strcmp(base, reg[i]) == 0)
            return "coefficients";
    return strstr(model, "tree") ? "rules and leaves" : "its nodes";
}

/* Whether a node of component `comp` has a tree prior: tree.classifier and mlp.classifier share
 * the model name "classifier". */
static int has_tree(const gb_graph *g, const char *comp)
{
    size_t len = strlen(comp);
    for (size_t i = 0; i < gb_graph_node_count(g); i++) {
        const gb_node *n = gb_graph_node(g, i);
        if (strncmp(n->name, comp, len) == 0 && n->name[len] == '.' && n->ndefs == 1 &&
            n->defs[0].dist && strstr(n->defs[0].dist->name, "art") &&
            strstr(n->defs[0].dist->name, "_prior"))
            return 1; /* cart_prior, cart_class_prior, bart_prior */
    }
    return 0;
}

/* "net: weights and activations (multiclass)", one entry per top-level component, or "plain
 * model" when there is none: every node is the user's own. */
void cli_cmp_describe(const gb_graph *g, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < gb_graph_component_count(g); i++) {
        const gb_component *c = gb_graph_component(g, i);
        if (c->parent != -1)
            continue;
        int k = snprintf(buf + used, cap - used, "%s%s: %s (%s)", used ? "; " : "", c->name,
                         has_tree(g, c->name) ? "rules and leaves" : component_reading(c->model),
                         c->model);
        if (k < 0 || (size_t)k >= cap - used)
            break;
        used += (size_t)k;
    }
    if (!used)
        snprintf(buf, cap, "plain model: every node, by name");
}

/* Tree node `node`'s posterior mean leaves times a leaf's free values (0 for a node the tree
 * sampler keeps without a forest: a tree's leaves or depth); NAN without records, -1 when out of
 * memory. */
static double tree_params(const cli_tree *rec, const char *node)
{
    cli_tree_draws nd;
    double r = NAN;
    if (!rec || cli_tree_empty(rec))
        return NAN;
    if (cli_tree_gather(rec, node, &nd) != 0) {
        cli_tree_draws_free(&nd);
        return -1;
    }
    size_t n = nd.nchains * nd.ndraws, k = 0;
    const json_t *leaf = n ? cli_tree_leaf_at(cli_tree_first(&nd, 0), &k) : NULL;
    if (!n) /* no forest of its own: a statistic of a tree (t.leaves, t.depth), no parameter */
        r = 0;
    else if (leaf) {
        const json_t *p = json_object_get(leaf, "p"); /* class probabilities: a simplex */
        double free_values = p && json_array_size(p) > 0 ? (double)json_array_size(p) - 1 : 1;
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += nd.nleaves[i];
        r = sum / (double)n * free_values;
    }
    cli_tree_draws_free(&nd);
    return r;
}

double cli_cmp_count_params(const gb_model *m, const cli_tree *rec)
{
    double n = 0;
    for (size_t k = 0; k < gb_model_latent_count(m); k++) {
        const gb_node *node = gb_graph_node(gb_model_graph(m), gb_model_latent_node(m, k));
        if (strcmp(gb_model_latent_kind(m, k)->name, "tree") != 0) {
            n += (double)node->len;
            continue;
        }
        double t = tree_params(rec, node->name);
        if (t < 0)
            return -1;
        n += t; /* NAN stays NAN */
    }
    return n;
}

void cli_cmp_print_params(double n)
{
    if (isnan(n))
        printf(" %7s", "-");
    else if (n == floor(n))
        printf(" %7.0f", n);
    else
        printf(" %7.1f", n);
}

static size_t total_draws(const gb_draws *d)
{
    size_t s = 0;
    for (int c = 0; c < d->nchains; c++)
        s += d->filled[c];
    return s;
}

/* Per output column of mt: the column of m holding the same parameter's draws, or -1 for
 * columns that are not parameters.  Fails (GB_EDATA) when a parameter of mt has no column. */
static gb_status column_map(const gb_model *mt, const gb_model *m, const cli_ptree *pt,
                            long *map, gb_errlist *errs)
{
    const gb_graph *g = gb_model_graph(mt);
    size_t nm = gb_model_output_size(m);
    for (size_t k = 0; k < gb_model_output_size(mt); k++) {
        map[k] = -1;
        const gb_node *n = gb_graph_node(g, gb_model_output_node(mt, k));
        if (!gb_node_is_parameter(n) || cli_ptree_has(pt, n->name))
            continue; /* a tree's fitted values come from its forests: cli_ptree_fill */
        const char *name = gb_model_output_name(mt, k);
        for (size_t j = 0; j < nm && map[k] < 0; j++)
            if (strcmp(gb_model_output_name(m, j), name) == 0)
                map[k] = (long)j;
        if (map[k] < 0)
            return gb_error(errs, GB_EDATA, n->loc,
                            "'%s' has no draws to predict the test data "
                            "with: its size depends on the data, and the test data change it",
                            name);
    }
    return GB_OK;
}

/* The S x N log-likelihood matrix of mt's observations at every draw of d (made by a model
 * whose output column map[j] is mt's column j; map NULL: by mt itself).  A new array, or NULL
 * (errors in errs). */
static double *ll_matrix(const gb_model *mt, const gb_draws *d, const long *map,
                         cli_ptree *pt, size_t *N, gb_errlist *errs)
{
    gb_model_ws *ws = gb_model_ws_new(mt);
    gb_loglik *l = NULL;
    size_t S = total_draws(d), nt = gb_model_output_size(mt);
    double *row = malloc((nt ? nt : 1) * sizeof *row), *ll = NULL;
    gb_status st = ws && row ? gb_loglik_new(mt, ws, &l, errs) : GB_ENOMEM;
    if (st == GB_OK) {
        *N = gb_loglik_count(l);
        size_t cells = S * *N; /* S draws in memory already, N observations: both small */
        ll = malloc((cells ? cells : 1) * sizeof *ll);
    }
    for (int c = 0, s = 0; ll && st == GB_OK && c < d->nchains; c++)
        for (size_t k = 0; k < d->filled[c]; k++, s++) {
            const double *src = d->rows + ((size_t)c * d->ndraws + k) * d->ncols + GB_NSAMPLER_COLS;
            for (size_t j = 0; j < nt; j++)
                row[j] = !map ? src[j] : map[j] >= 0 ? src[map[j]] : NAN;
            if ((st = cli_ptree_fill(pt, (size_t)s, row, errs)) != GB_OK) {
                free(ll), ll = NULL;
                break;
            }
            gb_loglik_set_values(mt, ws, row);
            gb_loglik_eval(l, ws, ll + (size_t)s * *N);
        }
    if (st == GB_OK && !ll)
        st = GB_ENOMEM;
    if (st == GB_ENOMEM && gb_errlist_count(errs) == 0)
        gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    gb_loglik_free(l);
    gb_model_ws_free(ws);
    free(row);
    return st == GB_OK ? ll : (free(ll), NULL);
}

/* The tree latents of mt, evaluated from the forests rec recorded while fitting m (*pt NULL
 * when there are none, or no record: a MAP). */
static gb_status tree_values(const cli_opts *to, cli_session *t, const gb_model *m,
                             const gb_model *mt, const cli_tree *rec, const gb_draws *d,
                             cli_ptree **pt)
{
    *pt = NULL;
    return rec ? cli_ptree_with(to, t, m, mt, rec, total_draws(d), pt) : GB_OK;
}

/* Held-out pointwise lpd of the test session's current graph into *lpd (a new array, N in *n). */
static gb_status test_lpd(const cli_opts *to, cli_session *t, const gb_model *m,
                          const gb_draws *d, const cli_tree *rec, double **lpd, size_t *n)
{
    gb_model *mt = NULL;
    cli_ptree *pt = NULL;
    gb_status st = cli_ptree_compile(t->graph, &mt, t->errs);
    long *map = st == GB_OK ? malloc((gb_model_output_size(mt) + 1) * sizeof *map) : NULL;
    if (st == GB_OK && !map)
        st = gb_error(t->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    if (st == GB_OK)
        st = tree_values(to, t, m, mt, rec, d, &pt);
    if (st == GB_OK)
        st = column_map(mt, m, pt, map, t->errs);
    double *ll = st == GB_OK ? ll_matrix(mt, d, map, pt, n, t->errs) : NULL;
    if (st == GB_OK && !ll)
        st = gb_errlist_status(t->errs) ? gb_errlist_status(t->errs) : GB_ENOMEM;
    if (st == GB_OK && !(*lpd = malloc((*n ? *n : 1) * sizeof **lpd)))
        st = gb_error(t->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    if (st == GB_OK)
        gb_heldout_lpd(ll, total_draws(d), *n, *lpd);
    cli_ptree_free(pt);
    free(ll);
    free(map);
    gb_model_free(mt);
    return st;
}

/* The classes: the distinct values of the training data. */
size_t cli_cmp_classes(const gb_data_var *v, double *cls)
{
    size_t nc = 0;
    if (v->type != GB_INT)
        return 0;
    for (size_t i = 0; i < v->len; i++) {
        size_t j = 0;
        while (j < nc && cls[j] != v->val[i])
            j++;
        if (j == nc) {
            if (nc == MAX_CLASSES)
                return 0;
            cls[nc++] = v->val[i];
        }
    }
    for (size_t i = 1; i < nc; i++) /* insertion sort: a few classes */
        for (size_t j = i; j > 0 && cls[j - 1] > cls[j]; j--) {
            double x = cls[j];
            cls[j] = cls[j - 1];
            cls[j - 1] = x;
        }
    return nc;
}

const char *cli_cmp_outcome(const gb_graph *g, const gb_data *data, const char *outcome)
{
    if (outcome)
        return gb_data_find(data, outcome) ? outcome : NULL;
    for (size_t i = 0; i < gb_graph_node_count(g); i++) {
        const gb_node *n = gb_graph_node(g, i);
        if (gb_node_is_observed(n) && gb_data_find(data, n->name))
            return n->name;
    }
    return NULL;
}

/* Accuracy on the test session t: p(y_i = c) for each training class c, from the test model
 * lowered with every outcome set to c; truth: the outcome's test values.  sc->hits stays NAN
 * when the outcome is not a class label. */
static gb_status accuracy(const cli_opts *to, cli_session *t, const gb_data_var *train,
                          const gb_model *m, const gb_draws *d, const cli_tree *rec,
                          cli_cmp_scores *sc)
{
    double cls[MAX_CLASSES];
    size_t nc = cli_cmp_classes(train, cls);
    const gb_data_var *v = gb_data_find(t->data, train->name);
    if (nc < 2 || !v || v->len != sc->n)
        return GB_OK;
    for (size_t i = 0; i < v->len; i++) {
        size_t c = 0;
        while (c < nc && cls[c] != v->val[i])
            c++;
        if (c == nc)
            return gb_error(t->errs, GB_EDATA, v->loc,
                            "the test label %g (element %zu of '%s') "
                            "is not among the training data's values (%g to %g)",
                            v->val[i], i + 1, v->name, cls[0], cls[nc - 1]);
    }
    double *truth = malloc(v->len * sizeof *truth), *P = calloc(v->len * nc, sizeof *P);
    gb_status st = truth && P ? GB_OK : gb_error(t->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    if (st == GB_OK)
        memcpy(truth, v->val, v->len * sizeof *truth);
    for (size_t c = 0; st == GB_OK && c < nc; c++) {
        for (size_t i = 0; i < v->len; i++)
            v->val[i] = cls[c];
        double *lp = NULL;
        size_t n = 0;
        if (cli_relower(to, t) != GB_EXIT_OK)
            st = GB_EDATA;
        if (st == GB_OK)
            st = test_lpd(to, t, m, d, rec, &lp, &n);
        for (size_t i = 0; st == GB_OK && i < v->len && n == v->len; i++)
            P[i * nc + c] = exp(lp[i]);
        free(lp);
    }
    size_t hits = 0;
    for (size_t i = 0; st == GB_OK && i < v->len; i++) {
        size_t best = 0;
        for (size_t c = 1; c < nc; c++)
            best = P[i * nc + c] > P[i * nc + best] ? c : best;
        hits += cls[best] == truth[i];
    }
    if (st == GB_OK)
        sc->hits = (double)hits;
    if (truth)
        memcpy(v->val, truth, v->len * sizeof *truth);
    free(truth);
    free(P);
    return st;
}

/* The squared errors of the posterior mean prediction of the outcome v (a node of t's graph,
 * whose values simulating overwrites: t's graph is used up) against v's values: the mean of
 * replicates drawn at every draw (RMSE_REPLICATES in all, at least). */
static gb_status squared_errors(const cli_opts *to, cli_session *t, const gb_data_var *v,
                                const gb_model *m, const gb_draws *d, const cli_tree *rec,
                                cli_cmp_scores *sc)
{
    size_t node = gb_graph_find(t->graph, v->name), S = total_draws(d);
    size_t reps = S ? (RMSE_REPLICATES + S - 1) / S : 1; /* a MAP's one draw: many replicates */
    const gb_node *n = node == (size_t)-1 ? NULL : gb_graph_node(t->graph, node);
    if (!n || !gb_node_is_observed(n) || n->len != v->len || S == 0)
        return GB_OK;
    gb_model *mt = NULL;
    gb_simulate *sim = NULL;
    gb_model_ws *ws = NULL;
    cli_ptree *pt = NULL;
    gsl_rng *r = gb_rng_new(to->seed, 0);
    size_t nn = gb_graph_node_count(t->graph), nt = 0;
    unsigned char *target = calloc(nn, 1);
    double *row = NULL, *mean = calloc(v->len ? v->len : 1, sizeof *mean);
    long *map = NULL;
    gb_status st = cli_ptree_compile(t->graph, &mt, t->errs);
    if (st == GB_OK) {
        nt = gb_model_output_size(mt);
        map = malloc((nt + 1) * sizeof *map);
        row = malloc((nt + 1) * sizeof *row);
        ws = gb_model_ws_new(mt);
        if (!map || !row || !ws || !r || !target || !mean)
            st = gb_error(t->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    }
    if (st == GB_OK)
        st = tree_values(to, t, m, mt, rec, d, &pt);
    if (st == GB_OK)
        st = column_map(mt, m, pt, map, t->errs);
    if (st == GB_OK) {
        target[node] = 1;
        st = gb_simulate_new(mt, target, &sim, t->errs);
    }
    for (int c = 0, s = 0; st == GB_OK && c < d->nchains; c++)
        for (size_t k = 0; st == GB_OK && k < d->filled[c]; k++, s++) {
            const double *src = d->rows + ((size_t)c * d->ndraws + k) * d->ncols + GB_NSAMPLER_COLS;
            for (size_t j = 0; j < nt; j++)
                row[j] = map[j] >= 0 ? src[map[j]] : NAN;
            if ((st = cli_ptree_fill(pt, (size_t)s, row, t->errs)) != GB_OK)
                break;
            gb_loglik_set_values(mt, ws, row);
            for (size_t rep = 0; st == GB_OK && rep < reps; rep++) {
                size_t bad = 0;
                if (gb_simulate_draw(sim, ws, r, &bad) != GB_OK)
                    st = gb_error(t->errs, GB_ENUMERIC, gb_graph_node(t->graph, bad)->loc,
                                  "'%s' could not be drawn to predict the test rows (its "
                                  "distribution's arguments are invalid at a draw)",
                                  gb_graph_node(t->graph, bad)->name);
                for (size_t i = 0; st == GB_OK && i < v->len; i++)
                    mean[i] += n->value[i] / (double)(S * reps);
            }
        }
    if (st == GB_OK) {
        sc->sse = 0;
        for (size_t i = 0; i < v->len; i++)
            sc->sse += (mean[i] - v->val[i]) * (mean[i] - v->val[i]);
    }
    gb_simulate_free(sim);
    cli_ptree_free(pt);
    gb_model_ws_free(ws);
    gb_model_free(mt);
    gb_rng_free(r);
    free(target);
    free(row);
    free(mean);
    free(map);
    return st;
}

gb_status cli_cmp_score(const cli_opts *to, cli_session *t, const gb_data_var *train,
                        const gb_model *m, const gb_draws *d, const cli_tree *rec,
                        cli_cmp_scores *sc)
{
    sc->lpd = NULL;
    sc->n = 0;
    sc->hits = sc->sse = NAN;
    gb_status st = test_lpd(to, t, m, d, rec, &sc->lpd, &sc->n);
    double cls[MAX_CLASSES];
    const gb_data_var *v = train ? gb_data_find(t->data, train->name) : NULL;
    if (st != GB_OK || !v || v->len != sc->n)
        return st;
    if (cli_cmp_classes(train, cls) >= 2)
        return accuracy(to, t, train, m, d, rec, sc);
    return squared_errors(to, t, v, m, d, rec, sc);
}

/* The test numbers of model f (sampled as m, draws d, training session s). */
static int score_test(const cli_opts *o, const char *test, const char *outcome, cli_session *s,
                      const gb_model *m, const gb_draws *d, const cli_tree *rec, fitted *f)
{
    cli_opts to = *o;
    to.model = f->path;
    to.data[0] = test;
    to.ndata = 1;
    cli_session t;
    int rc = cli_load(&to, &t, 1);
    if (rc != GB_EXIT_OK) {
        cli_session_free(&t);
        return rc;
    }
    const char *name = cli_cmp_outcome(s->graph, s->data, outcome);
    const gb_data_var *train = name ? gb_data_find(s->data, name) : NULL;
    gb_status st = GB_OK;
    if (outcome && !train)
        st = gb_error(t.errs, GB_EUSAGE, (gb_loc){0}, "--outcome %s: no such data variable",
                      outcome);
    cli_cmp_scores sc = {NULL, 0, NAN, NAN};
    if (st == GB_OK)
        st = cli_cmp_score(&to, &t, train, m, d, rec, &sc);
    if (st == GB_OK) {
        f->ntest = sc.n;
        f->lpd_test = 0;
        for (size_t i = 0; i < sc.n; i++)
            f->lpd_test += sc.lpd[i];
        f->acc = sc.n ? sc.hits / (double)sc.n : NAN;
        f->rmse = sc.n ? sqrt(sc.sse / (double)sc.n) : NAN;
    }
    free(sc.lpd);
    rc = st == GB_OK ? GB_EXIT_OK : cli_report(t.errs, t.srcs, st);
    cli_session_free(&t);
    return rc;
}

/* --map: the MAP (optimize.h, 4 starts, the run's seed) as the one draw of a new *out;
 * sampler columns are 0. */
static gb_status map_draw(const gb_model *m, const cli_opts *o, gb_draws **out, gb_errlist *errs)
{
    gb_optimize_config cfg = {.starts = 4, .seed = o->seed, .init_radius = 2, .max_iter = 2000};
    gb_optimize_result *r = NULL;
    gb_status st = gb_optimize_check(m, errs);
    if (st == GB_OK)
        st = gb_optimize_run(m, &cfg, &r, errs);
    size_t nm = gb_model_output_size(m);
    gb_model_ws *ws = st == GB_OK ? gb_model_ws_new(m) : NULL;
    gb_draws *d = st == GB_OK ? calloc(1, sizeof *d) : NULL;
    if (d) {
        d->nchains = 1;
        d->ndraws = 1;
        d->ncols = GB_NSAMPLER_COLS + nm;
        d->rows = calloc(d->ncols, sizeof *d->rows);
        d->filled = calloc(1, sizeof *d->filled);
    }
    if (st == GB_OK && (!ws || !d || !d->rows || !d->filled))
        st = gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    if (st == GB_OK) {
        gb_model_logp(m, ws, r->theta, NULL);
        gb_model_values(m, ws, r->theta, d->rows + GB_NSAMPLER_COLS);
        d->rows[GB_COL_LP] = r->lp;
        d->filled[0] = 1;
        *out = d;
    } else {
        gb_draws_free(d);
    }
    gb_model_ws_free(ws);
    gb_optimize_result_free(r);
    return st;
}

gb_status cli_cmp_fit(const cli_opts *o, int map, const gb_graph *g, gb_model **m,
                      gb_draws **d, cli_tree **rec, gb_errlist *errs)
{
    gb_run_config cfg = {.chains = (int)o->chains,
                         .warmup = (int)o->warmup,
                         .draws = (int)o->draws,
                         .threads = default_threads(o->chains),
                         .max_depth = (int)o->max_depth,
                         .seed = o->seed,
                         .adapt_delta = o->adapt_delta,
                         .adapt_fisher = strcmp(o->adapt, "fisher") == 0,
                         .init_radius = 2};
    gb_model *mm = NULL;
    gb_draws *dd = NULL;
    *rec = NULL;
    if (!map) { /* the trees' forests of each kept draw, to predict the test rows with */
        if (!(*rec = cli_tree_new(cfg.chains)))
            return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
        cfg.record = cli_tree_record;
        cfg.record_ctx = *rec;
    }
    gb_status st = gb_model_compile(g, &mm, errs);
    if (st == GB_OK)
        st = map ? map_draw(mm, o, &dd, errs) : gb_run(mm, &cfg, NULL, NULL, &dd, errs);
    if (st != GB_OK) { /* gb_run hands back the draws made also when a record failed */
        gb_draws_free(dd);
        gb_model_free(mm);
        cli_tree_free(*rec), *rec = NULL;
        return st;
    }
    *m = mm;
    *d = dd;
    return GB_OK;
}

/* Samples one model (or, with map, finds its MAP), then its LOO (not for a MAP: one point has
 * no leave-one-out posterior) and test numbers into f.  Returns an exit code. */
static int fit_one(const cli_opts *o, const char *test, const char *outcome, int map, fitted *f)
{
    cli_opts mo = *o;
    mo.model = f->path;
    cli_session s;
    int rc = cli_load(&mo, &s, 1);
    gb_model *m = NULL;
    gb_draws *d = NULL;
    cli_tree *rec = NULL;
    double *ll = NULL;
    if (rc != GB_EXIT_OK)
        goto out;
    gb_status st = cli_cmp_fit(o, map, s.graph, &m, &d, &rec, s.errs);
    if (st == GB_OK && map) {
        f->loo.elpd_loo = NAN;
    } else if (st == GB_OK && !(ll = ll_matrix(m, d, NULL, NULL, &f->n, s.errs))) {
        st = GB_ENOMEM;
    } else if (st == GB_OK && !(f->elpd_i = malloc((f->n ? f->n : 1) * sizeof *f->elpd_i))) {
        st = gb_error(s.errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    } else if (st == GB_OK) {
        st = gb_psis_loo(ll, total_draws(d), f->n, &f->loo, NULL, f->elpd_i, NULL);
    }
    if (st != GB_OK) {
        rc = cli_report(s.errs, s.srcs, st);
        goto out;
    }
    f->nparams = cli_cmp_count_params(m, rec);
    if (f->nparams < 0) {
        rc = cli_report(s.errs, s.srcs, gb_error(s.errs, GB_ENOMEM, (gb_loc){0}, "out of memory"));
        goto out;
    }
    if (f->nparams == 0) /* every draw is the same point: LOO is exact, k-hat meaningless */
        f->loo.n_ok = f->loo.n_bad = f->loo.n_very_bad = 0;
    cli_cmp_describe(s.graph, f->readable, sizeof f->readable);
    if (test)
        rc = score_test(o, test, outcome, &s, m, d, rec, f);
out:
    cli_tree_free(rec);
    free(ll);
    gb_draws_free(d);
    gb_model_free(m);
    cli_session_free(&s);
    return rc;
}

static void print_table(const fitted *f, int nf, int has_test)
{
    int best = 0;
    for (int i = 1; i < nf; i++)
        best = f[i].loo.elpd_loo > f[best].loo.elpd_loo || isnan(f[best].loo.elpd_loo) ? i : best;
    int w = 5;
    for (int i = 0; i < nf; i++)
        w = (int)strlen(f[i].path) > w ? (int)strlen(f[i].path) : w;
    printf("%-*s %9s %7s %9s %7s %7s %6s", w, "model", "elpd_loo", "se", "elpd_diff", "se_diff",
           "p_loo", "k>0.7");
    if (has_test)
        printf(" %9s %8s %8s", "lpd_test", "accuracy", "rmse");
    printf(" %7s  %s\n", "params", "readable");
    for (int i = 0; i < nf; i++) {
        double se_diff = 0, diff = 0;
        if (i != best && f[i].n == f[best].n && f[i].elpd_i && f[best].elpd_i)
            diff = gb_heldout_diff(f[i].elpd_i, f[best].elpd_i, f[i].n, &se_diff);
        if (isnan(f[i].loo.elpd_loo)) /* a MAP: no LOO */
            printf("%-*s %9s %7s %9s %7s %7s %6s", w, f[i].path, "-", "-", "-", "-", "-", "-");
        else
            printf("%-*s %9.2f %7.2f %9.2f %7.2f %7.2f %6zu", w, f[i].path, f[i].loo.elpd_loo,
                   f[i].loo.se_elpd_loo, diff, se_diff, f[i].loo.p_loo,
                   f[i].loo.n_bad + f[i].loo.n_very_bad);
        if (has_test) {
            printf(" %9.2f", f[i].lpd_test);
            if (isnan(f[i].acc))
                printf(" %8s", "-");
            else
                printf(" %8.3f", f[i].acc);
            if (isnan(f[i].rmse))
                printf(" %8s", "-");
            else
                printf(" %8.4g", f[i].rmse);
        }
        cli_cmp_print_params(f[i].nparams);
        printf("  %s\n", f[i].readable);
    }
    for (int i = 0; i < nf; i++)
        if (f[i].loo.n_bad + f[i].loo.n_very_bad > 0)
            fprintf(stderr,
                    "glassbox compare: warning: %s: %zu observations have Pareto k-hat "
                    "above 0.7: its elpd_loo is unreliable (use --test, or K-fold)\n",
                    f[i].path, f[i].loo.n_bad + f[i].loo.n_very_bad);
}

int cli_compare(int argc, char **argv)
{
    const char *test = NULL, *outcome = NULL;
    const char *models[MAX_MODELS];
    int nmodels = 0;
    int map = cli_take_switch(&argc, argv, 2, "map");
    long kfold = 0;
    int rc = cli_take_string(&argc, argv, 2, "compare", "test", &test);
    if (!rc)
        rc = cli_take_count(&argc, argv, 2, "compare", "kfold", 2, 1000000, &kfold);
    if (!rc)
        rc = cli_take_string(&argc, argv, 2, "compare", "outcome", &outcome);
    /* the model files: every argument before the first flag but one stays for cli_parse */
    while (!rc && argc > 3 && argv[2][0] != '-' && argv[3][0] != '-') {
        if (nmodels == MAX_MODELS - 1) {
            fprintf(stderr, "glassbox compare: error: at most %d models\n", MAX_MODELS);
            return GB_EXIT_USAGE;
        }
        models[nmodels++] = argv[2];
        memmove(&argv[2], &argv[3], (size_t)(argc - 3) * sizeof *argv);
        argc--;
    }
    cli_opts o;
    if (!rc)
        rc = cli_parse(argc, argv, 2, "compare", "data,chains,warmup,draws,seed,memory", &o);
    if (rc || o.help) {
        if (!rc)
            help();
        return rc;
    }
    models[nmodels++] = o.model;
    if (nmodels < 2 || o.ndata == 0) {
        fprintf(stderr, "glassbox compare: error: %s\nrun 'glassbox compare --help' for usage\n",
                nmodels < 2 ? "give two or more models" : "the data are needed: --data FILE");
        return GB_EXIT_USAGE;
    }
    if (kfold && test) {
        fputs("glassbox compare: error: --kfold and --test are two ways of holding out data: "
              "give one\nrun 'glassbox compare --help' for usage\n",
              stderr);
        return GB_EXIT_USAGE;
    }
    if (kfold)
        return cli_finish_output(stdout, "compare",
                                 cli_compare_kfold(&o, models, nmodels, outcome, map, kfold));
    fitted f[MAX_MODELS];
    memset(f, 0, sizeof f);
    for (int i = 0; rc == GB_EXIT_OK && i < nmodels; i++) {
        f[i].path = models[i];
        f[i].acc = f[i].rmse = NAN;
        rc = fit_one(&o, test, outcome, map, &f[i]);
    }
    if (rc == GB_EXIT_OK)
        print_table(f, nmodels, test != NULL);
    for (int i = 0; i < nmodels; i++)
        free(f[i].elpd_i);
    return cli_finish_output(stdout, "compare", rc);
}
