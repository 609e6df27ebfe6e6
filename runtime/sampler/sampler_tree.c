/* sampler_tree.c - the tree sampler kind: latents with a tree prior (bart_prior, cart_prior,
 * cart_class_prior: stdlib/dist_tree.c), updated by one sweep of the tree core library
 * (stdlib/tree.h) per iteration on what the rest of the model leaves to explain.
 *
 * The latent f reaches the data in one of three forms, found exactly by model_link.c:
 *  - y ~ normal(f + o, sigma): Bayesian backfitting (CGM 2010, section 3.1) on the partial
 *    residual y - o with known sigma, o and sigma being the current values of the other terms;
 *    a per-row sigma becomes per-row precision weights;
 *  - y ~ bernoulli(Phi(f + o)): Albert & Chib's (1993) augmentation, z ~ N(f + o, 1) truncated
 *    by y, then backfitting on z - o with sigma 1 (CGM 2010, section 4);
 *  - y ~ categorical_logit(F): one tree with Dirichlet-multinomial leaves (CGM 1998), F its log
 *    class probabilities.
 * So the tree alternates with the other kinds (NUTS for beta and sigma in
 * mu = f + X2 @ beta): a Gibbs step of f given the rest.  The forest is the chain's state (its
 * structure is not a node); f is written into the latent's coordinates (identity transform).
 *
 * The leaf prior scales follow CGM 2010: sd (max y - min y) / (2 k sqrt(m)) for regression, 3 /
 * (k sqrt(m)) on the probit scale; cart_prior uses k = 2.  BART and CART leaves need at least
 * GB_TREE_BART_MIN_LEAF rows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tree.h"

extern const gb_sampler_ops gb_sampler_tree;

/* Rows a BART leaf keeps at least (bart_prior has no argument for it): dbarts' default node
 * size is 5. */
#define GB_TREE_BART_MIN_LEAF 5
/* cart_prior's leaf scale k (CGM 2010's default, applied to one tree). */
#define GB_TREE_CART_K 2.0
/* The hottest replica's inverse temperature when cart_prior's temps > 1 (tree_temper.c): on
 * iris (150 rows, 3 classes) b = 0.2 with 8 replicas gave adjacent exchange rates 0.6-0.8 and
 * leaf-count R-hat <= 1.05 over seeds 1-4, where 0.1 or 0.03 left R-hat up to 1.16 and 1.26:
 * hotter rungs spread 8 replicas too thin.  A likelihood p(y | T)^0.2 is that of a fifth of the
 * data, enough for a tree to lose or gain a split freely. */
#define GB_TREE_HOT 0.2

typedef enum prior_kind {
    PRIOR_BART,
    PRIOR_CART,
    PRIOR_CLASS,
    PRIOR_LEAVES, /* the statistics tree_leaves(f), tree_depth(f): set from f's forest */
    PRIOR_DEPTH,
    PRIOR_NONE
} prior_kind;

static prior_kind prior_of(const gb_model *m, size_t k)
{
    const gb_node *n = gb_graph_node(gb_model_graph(m), gb_model_latent_node(m, k));
    if (n->ndefs != 1 || n->defs[0].nindex != 0)
        return PRIOR_NONE;
    const char *d = n->defs[0].dist->name;
    return strcmp(d, "bart_prior") == 0         ? PRIOR_BART
           : strcmp(d, "cart_prior") == 0       ? PRIOR_CART
           : strcmp(d, "cart_class_prior") == 0 ? PRIOR_CLASS
           : strcmp(d, "tree_leaves") == 0      ? PRIOR_LEAVES
           : strcmp(d, "tree_depth") == 0       ? PRIOR_DEPTH
                                                : PRIOR_NONE;
}

static int is_stat(prior_kind p)
{
    return p == PRIOR_LEAVES || p == PRIOR_DEPTH;
}

/* The latent whose tree the statistic latent k describes: the parent of k with a tree prior;
 * (size_t)-1 when there is none. */
static size_t stat_tree(const gb_model *m, size_t k)
{
    const gb_graph *g = gb_model_graph(m);
    const gb_node *n = gb_graph_node(g, gb_model_latent_node(m, k));
    for (size_t j = 0; j < gb_model_latent_count(m); j++)
        for (size_t i = 0; i < n->nparents; i++)
            if (n->parents[i] == gb_model_latent_node(m, j) && !is_stat(prior_of(m, j)) &&
                prior_of(m, j) != PRIOR_NONE)
                return j;
    return (size_t)-1;
}

static int tree_can_update(const gb_model *m, size_t k, const char **why)
{
    switch (prior_of(m, k)) {
    case PRIOR_BART:
        *why = "tree prior (BART): Bayesian backfitting of every tree on the partial residual";
        return 1;
    case PRIOR_CART:
    case PRIOR_CLASS:
        *why = "tree prior (Bayesian CART): grow, prune and change moves with the leaf values "
               "integrated out, then the leaves drawn; temps > 1: parallel tempering, "
               "replicas with the likelihood's power 1 down to 0.2 exchange trees each sweep";
        return 1;
    case PRIOR_LEAVES:
    case PRIOR_DEPTH:
        *why = "tree statistic: read from the tree of its argument after each sweep";
        return 1;
    default:
        return 0;
    }
}

/* What the check and every chain read once: the link and the fixed inputs. */
typedef struct tree_setup {
    prior_kind prior;
    gb_model_link link;
    const double *x, *y;
    size_t rows, cols, classes;
    gb_tree_config cfg;
    size_t min_leaf, temps; /* temps: tempering replicas (1: none) */
} tree_setup;

static double fixed_scalar(const gb_model *m, const gb_model_link *l, int i, int *ok)
{
    size_t len, cols;
    const double *v = gb_model_link_fixed(m, l, i, &len, &cols);
    if (!v || len != 1) {
        *ok = 0;
        return NAN;
    }
    return v[0];
}

/* The configuration from the prior's arguments (checked by its lpdf's rules) and the data; 0
 * when an argument is not a fixed scalar. */
static int setup_config(const gb_model *m, tree_setup *s)
{
    int ok = 1;
    if (s->prior == PRIOR_BART) {
        size_t m_trees = (size_t)fixed_scalar(m, &s->link, 2, &ok);
        double k = fixed_scalar(m, &s->link, 3, &ok);
        gb_tree_config_default(&s->cfg, GB_TREE_LEAF_NORMAL, m_trees);
        s->cfg.dart = fixed_scalar(m, &s->link, 4, &ok) == 1;
        s->min_leaf = GB_TREE_BART_MIN_LEAF;
        s->temps = 1;
        s->cfg.tau = k; /* scaled below */
    } else {
        gb_tree_config_default(
            &s->cfg, s->prior == PRIOR_CLASS ? GB_TREE_LEAF_CLASS : GB_TREE_LEAF_NORMAL, 1);
        s->cfg.alpha = fixed_scalar(m, &s->link, 2, &ok);
        s->cfg.beta = fixed_scalar(m, &s->link, 3, &ok);
        s->min_leaf = (size_t)fixed_scalar(m, &s->link, 4, &ok);
        double temps = fixed_scalar(m, &s->link, 5, &ok);
        /* out of range: 0, which the ladder refuses with its message (no cast of a huge value) */
        s->temps = temps >= 1 && temps <= GB_TREE_MAX_REPLICAS ? (size_t)temps : 0;
        s->cfg.tau = GB_TREE_CART_K;
        s->cfg.classes = s->classes;
    }
    if (s->link.kind == GB_LINK_PROBIT) {
        s->cfg.tau = gb_tree_bart_tau(-3, 3, s->cfg.tau, s->cfg.trees);
    } else if (s->link.kind == GB_LINK_NORMAL) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < s->rows; i++) {
            lo = fmin(lo, s->y[i]);
            hi = fmax(hi, s->y[i]);
        }
        s->cfg.tau = gb_tree_bart_tau(lo, hi, s->cfg.tau, s->cfg.trees);
        if (!(s->cfg.tau > 0)) /* a constant y: any positive scale will do */
            s->cfg.tau = 1;
    }
    return ok;
}

/* Fills s for latent k; reports what does not fit into errs (at the prior's definition). */
static gb_status setup(const gb_model *m, size_t k, tree_setup *s, gb_errlist *errs)
{
    memset(s, 0, sizeof *s);
    s->prior = prior_of(m, k);
    const gb_node *n = gb_graph_node(gb_model_graph(m), gb_model_latent_node(m, k));
    const char *why = NULL;
    gb_loc loc = n->defs[0].loc;
    if (!gb_model_latent_link(m, k, &s->link, &why)) {
        gb_error(errs, GB_ESEMANTIC, loc, "'%s' has a tree prior, but %s", n->name, why);
        gb_error_hint(errs, "a tree's fitted values f enter the model as y ~ normal(f + ..., "
                            "sigma) or y ~ bernoulli(Phi(f + ...)) (bart_prior, cart_prior), or "
                            "y ~ categorical_logit(F) (cart_class_prior), with y data");
        return GB_ESEMANTIC;
    }
    int want_class = s->prior == PRIOR_CLASS, is_class = s->link.kind == GB_LINK_CATEGORICAL;
    if (want_class != is_class) {
        gb_error(errs, GB_ESEMANTIC, loc, "'%s' has a %s, but its likelihood is %s", n->name,
                 want_class ? "classification tree prior" : "regression tree prior",
                 is_class ? "categorical_logit" : "normal or bernoulli");
        gb_error_hint(errs,
                      "cart_class_prior goes with y ~ categorical_logit(F); bart_prior "
                      "and cart_prior with normal(f + ..., sigma) or bernoulli(Phi(f + ...))");
        return GB_ESEMANTIC;
    }
    size_t len, ylen, one;
    s->x = gb_model_link_fixed(m, &s->link, 1, &len, &s->cols);
    s->y = gb_model_link_fixed(m, &s->link, 0, &ylen, &one);
    if (!s->x || !s->y) {
        gb_error(errs, GB_ESEMANTIC, loc, "the %s of the tree prior of '%s' must be data",
                 !s->x ? "inputs X" : "likelihood's variate", n->name);
        return GB_ESEMANTIC;
    }
    s->classes = is_class ? s->link.classes : 0;
    s->rows = ylen;
    if (s->cols == 0 || len / s->cols != s->rows) {
        gb_error(errs, GB_ESEMANTIC, loc,
                 "the inputs X of the tree prior of '%s' have %zu rows, but its data have %zu",
                 n->name, s->cols ? len / s->cols : 0, s->rows);
        return GB_ESEMANTIC;
    }
    if (!setup_config(m, s))
        return gb_error(errs, GB_ESEMANTIC, loc,
                        "the arguments of the tree prior of '%s' after X must be data or "
                        "constants, one number each",
                        n->name);
    if (s->temps == 0) {
        gb_error(errs, GB_ESEMANTIC, loc,
                 "the tree prior of '%s' asks for a number of tempering replicas (temps) outside "
                 "1..%d",
                 n->name, GB_TREE_MAX_REPLICAS);
        gb_error_hint(errs, "temps = 1 turns tempering off; tree.classifier's default is 8");
        return GB_ESEMANTIC;
    }
    return GB_OK;
}

/* Copies the tree library's messages (located nowhere) to the prior's definition. */
static gb_status relocate(gb_errlist *from, gb_errlist *to, gb_loc loc, const char *name)
{
    gb_status st = gb_errlist_status(from);
    for (size_t i = 0; i < gb_errlist_count(from); i++) {
        const gb_err *e = gb_errlist_get(from, i);
        gb_error(to, e->code, loc, "the tree of '%s': %s", name, e->msg);
        if (e->hint)
            gb_error_hint(to, "%s", e->hint);
    }
    return st;
}

/* Labels 1..K of the language as the library's 0..K-1 (into out, rows doubles); each label
 * outside 1..K reported in the language's terms, naming the data variable. */
static gb_status to_labels(const tree_setup *s, const char *yname, double *out, gb_errlist *errs)
{
    gb_status st = GB_OK;
    for (size_t i = 0; i < s->rows; i++) {
        double v = s->y[i];
        if (!(v >= 1 && v <= (double)s->classes && v == floor(v)))
            st = gb_error(errs, GB_EDATA, (gb_loc){0},
                          "%s[%zu] is %g, but a class label must be an integer in 1..%zu", yname,
                          i + 1, v, s->classes);
        out[i] = v - 1;
    }
    return st;
}

/* The data and tempering ladder (one forest when temps is 1) of a setup; labels (rows doubles,
 * classifier only) receive the labels. */
static gb_status build(const gb_model *m, const tree_setup *s, gb_tree_data **d, gb_tree_ladder **l,
                       double *labels, gb_errlist *errs)
{
    gb_status st = gb_tree_data_new(s->x, s->rows, s->cols, s->min_leaf, d, errs);
    if (st == GB_OK && labels) {
        const gb_graph *g = gb_model_graph(m);
        st = to_labels(s, gb_graph_node(g, gb_model_link_variate(m, &s->link))->name, labels, errs);
    }
    if (st == GB_OK)
        st = gb_tree_ladder_new(*d, &s->cfg, s->temps, GB_TREE_HOT, l, errs);
    return st;
}

/* A statistic's argument must be a latent with a tree prior. */
static gb_status stat_check(const gb_model *m, size_t k, gb_errlist *errs)
{
    if (stat_tree(m, k) != (size_t)-1)
        return GB_OK;
    const gb_node *n = gb_graph_node(gb_model_graph(m), gb_model_latent_node(m, k));
    gb_error(errs, GB_ESEMANTIC, n->defs[0].loc,
             "'%s' is a tree statistic (%s), but its argument is not a latent with a tree prior",
             n->name, n->defs[0].dist->name);
    gb_error_hint(errs, "pass the fitted values of a tree, e.g. f: real[N] ~ cart_prior(X, 0.95, "
                        "2, 5) and leaves ~ tree_leaves(f)");
    return GB_ESEMANTIC;
}

/* A note for each constant column of X (allowed, never split on: issue #19), at the declaration
 * of the node X names when it is one (the user's data, also through a component), else at the
 * prior.  GB_ENOMEM when a note could not be kept (the list remembers that). */
static gb_status note_constant(const gb_model *m, const gb_node *n, const gb_tree_data *d,
                               gb_errlist *errs)
{
    const gb_graph *g = gb_model_graph(m);
    const gb_expr *x = n->defs[0].args[0];
    const gb_node *xn = x->kind == GB_EX_NODE ? gb_graph_node(g, x->node) : NULL;
    gb_loc loc = xn ? xn->loc : n->defs[0].loc;
    for (size_t j = 0; j < gb_tree_data_cols(d); j++)
        if (gb_tree_data_is_constant(d, j))
            gb_note(errs, loc, "column %zu of %s is constant; the tree of '%s' never splits on it",
                    j + 1, xn ? xn->name : "X", n->name);
    return gb_errlist_status(errs) == GB_ENOMEM ? GB_ENOMEM : GB_OK;
}

static gb_status tree_check(const gb_model *m, size_t k, gb_errlist *errs)
{
    if (is_stat(prior_of(m, k)))
        return stat_check(m, k, errs);
    tree_setup s;
    gb_status st = setup(m, k, &s, errs);
    if (st != GB_OK)
        return st;
    const gb_node *n = gb_graph_node(gb_model_graph(m), gb_model_latent_node(m, k));
    gb_errlist *local = gb_errlist_new();
    double *labels = s.classes ? malloc(s.rows * sizeof *labels) : NULL;
    if (!local || (s.classes && !labels)) {
        gb_errlist_free(local);
        free(labels);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory checking a tree's data");
    }
    gb_tree_data *d = NULL;
    gb_tree_ladder *f = NULL;
    build(m, &s, &d, &f, labels, local);
    st = relocate(local, errs, n->defs[0].loc, n->name);
    if (st == GB_OK)
        st = note_constant(m, n, d, errs);
    gb_tree_ladder_free(f);
    gb_tree_data_free(d);
    gb_errlist_free(local);
    free(labels);
    return st;
}

/* One tree latent of a chain. */
typedef struct tree_latent {
    size_t k;
    tree_setup s;
    gb_tree_data *data;
    gb_tree_ladder *ladder;
    gb_forest *forest;           /* the ladder's replica 0, borrowed */
    double *offset, *target, *w; /* rows each; w: per-row precision weights (or NULL) */
    double sigma;                /* of the last sweep */
} tree_latent;

/* A statistic latent: its coordinate k, which one, and the tree_latent it reads (index in t). */
typedef struct tree_stat {
    size_t k, tree;
    prior_kind what;
} tree_stat;

typedef struct tree_state {
    const gb_model *m;
    size_t n, nstat;
    tree_latent *t;
    tree_stat *stat;
    gb_sampler_record record; /* with its context and the chain's index; NULL: none */
    void *record_ctx;
    int chain;
    char *line; /* the record's text, and its buffer's size (open_memstream's) */
    size_t line_size;
} tree_state;

static void tree_state_free(void *state)
{
    tree_state *s = state;
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        gb_tree_ladder_free(s->t[i].ladder);
        gb_tree_data_free(s->t[i].data);
        free(s->t[i].offset);
        free(s->t[i].target);
        free(s->t[i].w);
    }
    free(s->t);
    free(s->stat);
    free(s->line);
    free(s);
}

static gb_status latent_new(const gb_model *m, size_t k, tree_latent *t, gb_errlist *errs)
{
    t->k = k;
    gb_status st = setup(m, k, &t->s, errs);
    if (st != GB_OK)
        return st;
    size_t r = t->s.rows;
    t->offset = calloc(r ? r : 1, sizeof *t->offset);
    t->target = calloc(r ? r : 1, sizeof *t->target);
    t->w = calloc(r ? r : 1, sizeof *t->w);
    if (!t->offset || !t->target || !t->w)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory creating a tree sampler");
    st = build(m, &t->s, &t->data, &t->ladder, t->s.classes ? t->target : NULL, errs);
    if (st == GB_OK)
        t->forest = gb_tree_ladder_cold(t->ladder);
    return st;
}

static gb_status stat_new(const gb_model *m, size_t k, const tree_state *s, tree_stat *out,
                          gb_errlist *errs)
{
    size_t tk = stat_tree(m, k);
    out->k = k;
    out->what = prior_of(m, k);
    for (size_t i = 0; i < s->n; i++)
        if (s->t[i].k == tk) {
            out->tree = i;
            return GB_OK;
        }
    return GB_INTERNAL(errs); /* the check refused a statistic without a tree */
}

static gb_status tree_state_new(const gb_model *m, const gb_sampler_config *cfg, void **state,
                                gb_errlist *errs)
{
    tree_state *s = calloc(1, sizeof *s);
    size_t n = 0;
    for (size_t k = 0; k < gb_model_latent_count(m); k++)
        n += gb_model_latent_kind(m, k) == &gb_sampler_tree;
    if (s) {
        s->m = m;
        s->t = calloc(n ? n : 1, sizeof *s->t);
        s->stat = calloc(n ? n : 1, sizeof *s->stat);
        s->record = cfg->record;
        s->record_ctx = cfg->record_ctx;
        s->chain = cfg->chain;
    }
    if (!s || !s->t || !s->stat) {
        tree_state_free(s);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory creating a tree sampler");
    }
    gb_status st = GB_OK;
    for (size_t k = 0; k < gb_model_latent_count(m) && st == GB_OK; k++)
        if (gb_model_latent_kind(m, k) == &gb_sampler_tree && !is_stat(prior_of(m, k)))
            st = latent_new(m, k, &s->t[s->n++], errs);
    for (size_t k = 0; k < gb_model_latent_count(m) && st == GB_OK; k++)
        if (gb_model_latent_kind(m, k) == &gb_sampler_tree && is_stat(prior_of(m, k)))
            st = stat_new(m, k, s, &s->stat[s->nstat++], errs);
    if (st != GB_OK) {
        tree_state_free(s);
        return st;
    }
    *state = s;
    return GB_OK;
}

/* The target and sigma of a regression or probit sweep, from the rest of the model. */
static gb_status residual(const gb_model *m, gb_model_ws *ws, tree_latent *t, gsl_rng *r,
                          double *sigma)
{
    gb_model_link_data ld;
    gb_status st = gb_model_link_eval(m, ws, &t->s.link, t->offset, &ld);
    if (st != GB_OK)
        return st;
    size_t n = t->s.rows;
    const double *f = gb_forest_fit(t->forest);
    if (t->s.link.kind == GB_LINK_PROBIT) {
        for (size_t i = 0; i < n; i++)
            t->w[i] = f[i] + t->offset[i]; /* the probit's mean, then z */
        gb_forest_probit_latent(t->w, ld.y, n, r, t->target);
        for (size_t i = 0; i < n; i++)
            t->target[i] -= t->offset[i];
        gb_forest_set_weights(t->forest, NULL);
        *sigma = 1;
        return GB_OK;
    }
    for (size_t i = 0; i < n; i++)
        t->target[i] = ld.y[i] - t->offset[i];
    if (ld.sigma_stride == 0) {
        gb_forest_set_weights(t->forest, NULL);
        *sigma = ld.sigma[0];
        return GB_OK;
    }
    for (size_t i = 0; i < n; i++)
        t->w[i] = 1 / (ld.sigma[i] * ld.sigma[i]);
    gb_forest_set_weights(t->forest, t->w);
    *sigma = 1;
    return GB_OK;
}

/* Writes the forest's fit into the latent's coordinates (log probabilities for classes). */
static void write_fit(const gb_model *m, gb_model_ws *ws, const tree_latent *t)
{
    double *x = gb_model_ws_coords(m, ws, t->k);
    const double *f = gb_forest_fit(t->forest);
    size_t len = t->s.link.n;
    if (t->s.link.kind == GB_LINK_CATEGORICAL)
        for (size_t i = 0; i < len; i++)
            x[i] = log(f[i]);
    else
        memcpy(x, f, len * sizeof *x);
}

/* Writes the statistics of tree latent i into their coordinates: leaves summed over the
 * forest's trees, the deepest tree's depth. */
static void write_stats(const tree_state *s, gb_model_ws *ws, size_t i)
{
    size_t wanted = 0;
    for (size_t j = 0; j < s->nstat; j++)
        wanted += s->stat[j].tree == i;
    if (!wanted) /* the depth walks every tree's nodes: only when asked */
        return;
    const gb_forest *f = s->t[i].forest;
    size_t leaves = 0, depth = 0;
    for (size_t j = 0; j < gb_forest_trees(f); j++) {
        size_t d = gb_tree_depth(f, j);
        leaves += gb_tree_leaves(f, j);
        depth = d > depth ? d : depth;
    }
    for (size_t j = 0; j < s->nstat; j++)
        if (s->stat[j].tree == i)
            gb_model_ws_coords(s->m, ws, s->stat[j].k)[0] =
                (double)(s->stat[j].what == PRIOR_LEAVES ? leaves : depth);
}

/* Hands the forest of t, as one JSON line, to the run's listener. */
static gb_status record(tree_state *s, const tree_latent *t)
{
    free(s->line); /* open_memstream makes its own buffer */
    s->line = NULL;
    FILE *mem = open_memstream(&s->line, &s->line_size);
    if (!mem)
        return GB_ENOMEM;
    gb_status st = GB_OK;
    /* a single tree's structure posterior, for the maximum-posterior tree; then the library's
       object's members */
    if (gb_forest_trees(t->forest) == 1 &&
        fprintf(mem, "{\"logpost\":%.17g,",
                gb_tree_log_posterior(t->forest, 0, t->target, t->sigma)) < 0)
        st = GB_EIO;
    long at = ftell(mem);
    if (st == GB_OK)
        st = gb_forest_write_json(t->forest, mem);
    if (fclose(mem) != 0 && st == GB_OK)
        st = GB_ENOMEM;
    if (st != GB_OK)
        return st;
    if (at > 1) /* drop the library's opening brace: ours is already there */
        memmove(s->line + at, s->line + at + 1, strlen(s->line + at + 1) + 1);
    const gb_node *n = gb_graph_node(gb_model_graph(s->m), gb_model_latent_node(s->m, t->k));
    return s->record(s->record_ctx, s->chain, n->name, s->line) == 0 ? GB_OK : GB_ENOMEM;
}

static gb_status tree_step(void *state, gb_model_ws *ws, gsl_rng *r, double *theta, int warmup,
                           const char **fail)
{
    (void)theta;
    tree_state *s = state;
    for (size_t i = 0; i < s->n; i++) {
        tree_latent *t = &s->t[i];
        double sigma = 1;
        gb_status st = GB_OK;
        if (t->s.link.kind != GB_LINK_CATEGORICAL)
            st = residual(s->m, ws, t, r, &sigma);
        if (st != GB_OK) {
            *fail = "the rest of the model could not be evaluated for the tree's residual";
            return st;
        }
        if (!(sigma > 0 && isfinite(sigma))) {
            *fail = "the tree's likelihood has a sigma that is not positive and finite";
            return GB_ENUMERIC;
        }
        t->sigma = sigma;
        st = gb_tree_ladder_sweep(t->ladder, r, t->target, sigma);
        if (st != GB_OK) {
            *fail = "a tree sweep failed";
            return st;
        }
        write_fit(s->m, ws, t);
        write_stats(s, ws, i);
        gb_model_ws_set_changed(ws);
        gb_model_ws_refresh(s->m, ws);
        if (!warmup && s->record && (st = record(s, t)) != GB_OK) {
            *fail = "out of memory recording the draw's trees";
            return st;
        }
    }
    return GB_OK;
}

/* A CART prior's tempering as this model sets it (its temps argument, a constant once the
 * model compiled): on, with how many replicas, or off.  The link was found when the model
 * compiled (tree_check), so failing to find it now can only be for want of memory. */
static int tree_detail(const gb_model *m, size_t k, char *buf, size_t len)
{
    prior_kind p = prior_of(m, k);
    gb_model_link link;
    const char *why = NULL;
    if (p != PRIOR_CART && p != PRIOR_CLASS)
        return 0;
    if (!gb_model_latent_link(m, k, &link, &why))
        return -1;
    int ok = 1;
    double temps = fixed_scalar(m, &link, 5, &ok);
    if (!ok)
        return 0;
    if (temps > 1)
        snprintf(buf, len, "tempering on: %.0f replicas at inverse temperatures 1 down to %g",
                 temps, GB_TREE_HOT);
    else
        snprintf(buf, len, "tempering off: one tree, no replicas");
    return 1;
}

const gb_sampler_ops gb_sampler_tree = {
    .name = "tree",
    .can_update = tree_can_update,
    .state_new = tree_state_new,
    .step = tree_step,
    .state_free = tree_state_free,
    .check = tree_check,
    .detail = tree_detail,
};
