/* cli_compare_kfold.c - `glassbox compare A.gb B.gb ... --data D --kfold K`: K-fold
 * cross-validation.  Every model is fitted K times, each time on the rows outside one fold,
 * in-process as compare --test does (cli_cmp_fit), and the held-out rows of the fold are scored
 * on the draws (cli_cmp_score): log of the mean density over draws, class hits or squared
 * errors.  The table has elpd_kfold = sum of the pointwise held-out lpd, its se sqrt(n) sd,
 * paired diff and se_diff against the best model (heldout.h), accuracy or RMSE.
 *
 * Rows: the outcome (--outcome, else the first observed node) is declared with a leading size
 * named in the model (`data y: real[N]`); every data variable whose leading dimension the model
 * names the same is split by rows, and the size itself (N, when the data give it) becomes the
 * part's row count.  A model whose outcome has no such size is refused: it has no rows.
 *
 * Folds depend only on the outcome's values, K and --seed, so they are the same for every
 * model.  A class outcome (an integer with 2 to 64 values): each class's rows are shuffled and
 * dealt to the folds in turn, the classes one after another, so each class is spread evenly.
 * Any other outcome: rows sorted by value (the first element of a row) are cut into blocks of K
 * neighbours and each block's rows go to the K folds in a random order, so every fold spans
 * the outcome's whole range (stratified by sorted-outcome blocks). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>

#include "cli.h"
#include "cli_compare.h"
#include "cli_tree.h"
#include "heldout.h"
#include "rng.h"

typedef struct kf_fitted {
    const char *path;
    double *elpd_i; /* pointwise held-out lpd: fold 1's observations, then fold 2's, ... */
    size_t n, cap;
    double hits, sse; /* summed over folds; NAN when not computed */
    size_t nout;      /* held-out outcome values they count */
    double nparams;   /* cli_cmp_count_params, of the first fold's fit */
    char readable[200];
} kf_fitted;

/* The rows being split: the outcome and the size that counts them. */
typedef struct kf_rows {
    const char *outcome; /* data variable (a copy of the first model's, owned) */
    char size[64];       /* the size's name in the model ("N") */
    size_t n;            /* rows */
    int classes;         /* the outcome is a class label */
    size_t *fold;        /* fold of each row, n */
} kf_rows;

static void help_kfold_rows(gb_errlist *errs)
{
    gb_error_hint(errs, "K-fold splits the rows of the outcome, which the model declares with "
                        "a size named in the data, such as 'data y: real[N]'");
}

/* The outcome of session s and the size naming its rows into r (r->fold untouched). */
static gb_status find_rows(cli_session *s, const char *outcome, kf_rows *r)
{
    const char *name = cli_cmp_outcome(s->graph, s->data, outcome);
    if (!name) {
        gb_error(s->errs, GB_EUSAGE, (gb_loc){0},
                 outcome ? "--outcome %s: no such data variable"
                         : "the model has no observed data: there are no rows to split%s",
                 outcome ? outcome : "");
        return GB_EUSAGE;
    }
    size_t i = gb_graph_find(s->graph, name);
    const gb_node *n = i == (size_t)-1 ? NULL : gb_graph_node(s->graph, i);
    const gb_data_var *v = gb_data_find(s->data, name);
    if (!n || n->shape.rank < 1 || !n->dim_name[0] || v->shape.rank < 1 ||
        strlen(n->dim_name[0]) >= sizeof r->size) {
        gb_error(s->errs, GB_EUSAGE, n ? n->loc : v->loc,
                 "'%s' has no rows to split: its leading size is not named in the model", name);
        help_kfold_rows(s->errs);
        return GB_EUSAGE;
    }
    r->outcome = name;
    strcpy(r->size, n->dim_name[0]);
    r->n = v->shape.dim[0];
    double cls[CLI_CMP_MAX_CLASSES];
    r->classes = cli_cmp_classes(v, cls) >= 2;
    return GB_OK;
}

/* qsort's comparison has no context argument: the outcome and ranks it orders by. */
static const double *kf_val;
static const size_t *kf_rank;
static size_t kf_rowlen;

/* Row order by the outcome (a row's first element), ties by a random rank. */
static int by_outcome(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double x = kf_val[i * kf_rowlen], y = kf_val[j * kf_rowlen];
    return x < y ? -1 : x > y ? 1 : (kf_rank[i] > kf_rank[j]) - (kf_rank[i] < kf_rank[j]);
}

/* A class with fewer than K rows gets a note; one with a single row is refused (held out, no
 * training fold has it).  order: the rows sorted by class. */
static gb_status check_classes(const gb_data_var *v, const size_t *order, size_t n, long K,
                               gb_errlist *errs)
{
    for (size_t i = 0; i < n;) {
        double c = v->val[order[i] * kf_rowlen];
        size_t e = i;
        while (e < n && v->val[order[e] * kf_rowlen] == c)
            e++;
        if (e - i == 1)
            return gb_error(errs, GB_EDATA, v->loc,
                            "class %g of '%s' has a single row: when it is held out no "
                            "training fold has that class",
                            c, v->name);
        if (e - i < (size_t)K)
            fprintf(stderr,
                    "glassbox compare: note: class %g of '%s' has %zu rows, fewer than the "
                    "%ld folds: some folds hold out none of it\n",
                    c, v->name, e - i, K);
        i = e;
    }
    return GB_OK;
}

/* Assigns r->fold (a new array) from the outcome v's values: see the file's comment. */
static gb_status make_folds(const gb_data_var *v, long K, unsigned long seed, kf_rows *r,
                            gb_errlist *errs)
{
    if ((size_t)K > r->n)
        return gb_error(errs, GB_EUSAGE, v->loc,
                        "--kfold %ld: '%s' has only %zu rows, fewer than the folds", K, v->name,
                        r->n);
    size_t k = (size_t)K, *order = malloc(r->n * sizeof *order);
    size_t *rank = malloc(r->n * sizeof *rank), *perm = malloc(k * sizeof *perm);
    size_t *fold = malloc(r->n * sizeof *fold);
    gsl_rng *g = gb_rng_new(seed, 0);
    gb_status st = order && rank && perm && fold && g
                       ? GB_OK
                       : gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    for (size_t i = 0; st == GB_OK && i < r->n; i++)
        order[i] = i;
    if (st == GB_OK) {
        gsl_ran_shuffle(g, order, r->n, sizeof *order);
        for (size_t i = 0; i < r->n; i++)
            rank[order[i]] = i;
        kf_val = v->val;
        kf_rank = rank;
        kf_rowlen = v->len / r->n;
        qsort(order, r->n, sizeof *order, by_outcome);
        if (r->classes)
            st = check_classes(v, order, r->n, K, errs);
    }
    /* blocks of K neighbours in that order: classes are dealt to the folds in turn (position
       mod K), other outcomes' blocks in a random order of the folds */
    for (size_t b = 0; st == GB_OK && b < r->n; b += k) {
        for (size_t j = 0; j < k; j++)
            perm[j] = j;
        if (!r->classes)
            gsl_ran_shuffle(g, perm, k, sizeof *perm);
        for (size_t j = 0; j < k && b + j < r->n; j++)
            fold[order[b + j]] = perm[j];
    }
    free(order);
    free(rank);
    free(perm);
    gb_rng_free(g);
    if (st == GB_OK)
        r->fold = fold;
    else
        free(fold);
    return st;
}

/* Whether data variable v is split by rows: the model names its leading size r->size. */
static int is_split(const gb_graph *g, const gb_data_var *v, const kf_rows *r)
{
    size_t i = gb_graph_find(g, v->name);
    const gb_node *n = i == (size_t)-1 ? NULL : gb_graph_node(g, i);
    return n && n->shape.rank >= 1 && n->dim_name[0] && strcmp(n->dim_name[0], r->size) == 0 &&
           v->shape.rank >= 1 && v->shape.dim[0] == r->n;
}

/* The data of one part into a new *out: the rows in fold k (test) or outside it (train). */
static gb_status part_data(const cli_session *s, const kf_rows *r, size_t k, int test,
                           gb_data **out)
{
    size_t rows = 0;
    for (size_t i = 0; i < r->n; i++)
        rows += (r->fold[i] == k) == test;
    gb_data *d = gb_data_new();
    double nrows = (double)rows;
    gb_status st = d ? GB_OK : gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    for (size_t j = 0; st == GB_OK && j < gb_data_count(s->data); j++) {
        const gb_data_var *v = gb_data_get(s->data, j);
        gb_data_var w = *v;
        double *val = NULL;
        if (is_split(s->graph, v, r)) {
            size_t rowlen = v->len / r->n;
            w.shape.dim[0] = rows;
            w.len = rows * rowlen;
            w.nonfinite = 0;
            w.nonfinite_loc.line = 0;
            if (!(val = malloc((w.len ? w.len : 1) * sizeof *val))) {
                st = gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
                break;
            }
            for (size_t i = 0, o = 0; i < r->n; i++)
                if ((r->fold[i] == k) == test)
                    memcpy(val + rowlen * o++, v->val + rowlen * i, rowlen * sizeof *val);
            w.val = val;
        } else if (v->shape.rank == 0 && strcmp(v->name, r->size) == 0) {
            w.val = &nrows;
        }
        st = gb_data_add_copy(d, &w, s->errs);
        free(val);
    }
    if (st == GB_OK)
        *out = d;
    else
        gb_data_free(d);
    return st;
}

/* A session on the data of one part: its own data and graph, s's sources and errors. */
static gb_status part_session(cli_session *s, const char *model, gb_data *data, cli_session *p)
{
    p->srcs = s->srcs;
    p->errs = s->errs;
    p->data = data;
    p->graph = NULL;
    return cli_lower(s, model, data, &p->graph);
}

static void part_free(cli_session *p)
{
    gb_graph_free(p->graph);
    gb_data_free(p->data);
    memset(p, 0, sizeof *p);
}

/* Fits f's model on the rows outside fold k and scores the rows in it into f. */
static gb_status one_fold(const cli_opts *o, int map, cli_session *s, const kf_rows *r,
                          size_t k, kf_fitted *f)
{
    cli_session tr = {0}, te = {0};
    gb_data *dtr = NULL, *dte = NULL;
    gb_model *m = NULL;
    gb_draws *d = NULL;
    cli_tree *rec = NULL;
    cli_cmp_scores sc = {NULL, 0, NAN, NAN};
    gb_status st = part_data(s, r, k, 0, &dtr);
    if (st == GB_OK && (st = part_data(s, r, k, 1, &dte)) != GB_OK)
        gb_data_free(dtr);
    if (st == GB_OK) {
        st = part_session(s, f->path, dtr, &tr);
        gb_status st2 = part_session(s, f->path, dte, &te);
        st = st ? st : st2;
    }
    if (st == GB_OK)
        st = cli_cmp_fit(o, map, tr.graph, &m, &d, &rec, s->errs);
    if (st == GB_OK) {
        cli_opts to = *o;
        to.model = f->path;
        st = cli_cmp_score(&to, &te, gb_data_find(tr.data, r->outcome), m, d, rec, &sc);
    }
    if (st == GB_OK && f->nparams == 0) /* the first fold's (a model without any: each fold's) */
        f->nparams = cli_cmp_count_params(m, rec);
    if (st == GB_OK && f->nparams < 0)
        st = gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    if (st == GB_OK && f->n + sc.n > f->cap) {
        size_t cap = 2 * (f->n + sc.n);
        double *p = realloc(f->elpd_i, cap * sizeof *p);
        if (!p)
            st = gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
        else
            f->elpd_i = p, f->cap = cap;
    }
    if (st == GB_OK) {
        memcpy(f->elpd_i + f->n, sc.lpd, sc.n * sizeof *sc.lpd);
        f->n += sc.n;
    }
    if (st == GB_OK) {
        f->nout += gb_data_find(te.data, r->outcome)->len;
        f->hits += isnan(sc.hits) ? 0 : sc.hits;
        f->sse += isnan(sc.sse) ? 0 : sc.sse;
        if (isnan(sc.hits))
            f->hits = NAN;
        if (isnan(sc.sse))
            f->sse = NAN;
    }
    free(sc.lpd);
    gb_draws_free(d);
    cli_tree_free(rec);
    gb_model_free(m);
    part_free(&tr);
    part_free(&te);
    return st;
}

/* Loads f's model, checks that its rows are the first model's (r->fold set) or makes the folds
 * (r->fold NULL), and fits and scores every fold.  An exit code, errors printed. */
static int fit_model(const cli_opts *o, const char *outcome, int map, long K, kf_rows *r,
                     kf_fitted *f)
{
    cli_opts mo = *o;
    mo.model = f->path;
    cli_session s;
    int rc = cli_load(&mo, &s, 1);
    if (rc != GB_EXIT_OK) {
        cli_session_free(&s);
        return rc;
    }
    kf_rows mine = {0};
    gb_status st = find_rows(&s, outcome, &mine);
    if (st == GB_OK && r->fold && (strcmp(mine.outcome, r->outcome) != 0 || mine.n != r->n))
        st = gb_error(s.errs, GB_EUSAGE, (gb_loc){0},
                      "%s predicts '%s' (%zu rows) but the first model '%s' (%zu rows): "
                      "K-fold compares models on the same rows; name one with --outcome",
                      f->path, mine.outcome, mine.n, r->outcome, r->n);
    if (st == GB_OK && !r->fold) {
        char *name = strdup(mine.outcome);
        mine.outcome = name;
        *r = mine;
        st = name ? make_folds(gb_data_find(s.data, name), K, o->seed, r, s.errs)
                  : gb_error(s.errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    } else if (st == GB_OK) {
        strcpy(r->size, mine.size); /* this model may name the size otherwise */
    }
    for (size_t k = 0; st == GB_OK && k < (size_t)K; k++)
        st = one_fold(o, map, &s, r, k, f);
    if (st == GB_OK)
        cli_cmp_describe(s.graph, f->readable, sizeof f->readable);
    rc = st == GB_OK ? GB_EXIT_OK : cli_report(s.errs, s.srcs, st);
    cli_session_free(&s);
    return rc;
}

static void print_table(const kf_fitted *f, int nf, const kf_rows *r, long K, const cli_opts *o)
{
    double elpd[CLI_CMP_MAX_MODELS], se[CLI_CMP_MAX_MODELS];
    int best = 0, w = 5;
    for (int i = 0; i < nf; i++) {
        elpd[i] = 0;
        for (size_t j = 0; j < f[i].n; j++)
            elpd[i] += f[i].elpd_i[j];
        se[i] = f[i].n > 1 ? sqrt((double)f[i].n * gsl_stats_variance(f[i].elpd_i, 1, f[i].n))
                           : 0;
        best = elpd[i] > elpd[best] ? i : best;
        w = (int)strlen(f[i].path) > w ? (int)strlen(f[i].path) : w;
    }
    printf("%-*s %10s %7s %9s %7s %8s %8s %7s  %s\n", w, "model", "elpd_kfold", "se",
           "elpd_diff", "se_diff", "accuracy", "rmse", "params", "readable");
    for (int i = 0; i < nf; i++) {
        double se_diff = 0, diff = 0;
        if (i != best && f[i].n == f[best].n)
            diff = gb_heldout_diff(f[i].elpd_i, f[best].elpd_i, f[i].n, &se_diff);
        printf("%-*s %10.2f %7.2f", w, f[i].path, elpd[i], se[i]);
        if (i == best || f[i].n == f[best].n)
            printf(" %9.2f %7.2f", diff, se_diff);
        else
            printf(" %9s %7s", "-", "-");
        if (isnan(f[i].hits) || !f[i].nout)
            printf(" %8s", "-");
        else
            printf(" %8.3f", f[i].hits / (double)f[i].nout);
        if (isnan(f[i].sse) || !f[i].nout)
            printf(" %8s", "-");
        else
            printf(" %8.4g", sqrt(f[i].sse / (double)f[i].nout));
        cli_cmp_print_params(f[i].nparams);
        printf("  %s\n", f[i].readable);
    }
    printf("%ld-fold cross-validation of %zu rows of '%s', folds %s, seed %lu\n", K, r->n,
           r->outcome, r->classes ? "stratified by class" : "stratified by sorted-outcome blocks",
           o->seed);
}

int cli_compare_kfold(const cli_opts *o, const char *const *models, int nmodels,
                      const char *outcome, int map, long K)
{
    kf_fitted f[CLI_CMP_MAX_MODELS];
    kf_rows r = {0};
    int rc = GB_EXIT_OK;
    memset(f, 0, sizeof f);
    for (int i = 0; rc == GB_EXIT_OK && i < nmodels && i < CLI_CMP_MAX_MODELS; i++) {
        f[i].path = models[i];
        rc = fit_model(o, outcome, map, K, &r, &f[i]);
    }
    if (rc == GB_EXIT_OK)
        print_table(f, nmodels, &r, K, o);
    for (int i = 0; i < nmodels && i < CLI_CMP_MAX_MODELS; i++)
        free(f[i].elpd_i);
    free(r.fold);
    free((char *)r.outcome);
    return rc;
}
