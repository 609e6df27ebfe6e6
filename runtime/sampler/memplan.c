/* memplan.c - the memory a run will take, estimated from the graph (see memplan.h).
 *
 * Owns nothing past a call: one array of per-node figures and one queue, freed before return.
 * Every figure is in bytes with saturating arithmetic, so a loop of 10^12 iterations gives
 * "more than the budget", never a wrapped-around small number.
 */
#include "memplan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nuts.h"
#include "run.h"
#include "size.h"

/* sizeof(qstate) in stream.c: 7 doubles and three P-square estimators of 15 doubles each. */
#define STREAM_BYTES ((7 + 3 * 15) * sizeof(double))
/* Enumerating the iterations of loops whose bounds depend on outer loops stops here; the count
 * so far is then a lower bound (compilation enumerates them all anyway). */
#define MAX_ENUMERATED 100000000UL

typedef struct part {
    size_t model, chain, draws; /* bytes once, per chain running, stored */
} part;

static size_t sat_add(size_t a, size_t b)
{
    return b > SIZE_MAX - a ? SIZE_MAX : a + b;
}

static size_t sat_mul(size_t a, size_t b)
{
    return a != 0 && b > SIZE_MAX / a ? SIZE_MAX : a * b;
}

static size_t shape_len(const gb_shape *s)
{
    size_t n = 1;
    for (int d = 0; d < s->rank; d++)
        n = s->dim[d] == GB_DIM_UNKNOWN ? 0 : sat_mul(n, s->dim[d]);
    return n;
}

static int refers_to_loopvar(const gb_expr *e)
{
    if (!e)
        return 0;
    if (e->kind == GB_EX_LOOPVAR)
        return 1;
    for (int i = 0; i < e->nargs; i++)
        if (refers_to_loopvar(e->args[i]))
            return 1;
    return 0;
}

/* Iterations of the loops from depth on, given the outer values; stops at *budget. */
static size_t enumerate(const gb_graph *g, const gb_def *d, size_t depth, double *lv,
                        size_t *budget)
{
    if (depth == d->nloops)
        return 1;
    long lo, cnt = gb_loop_count(g, &d->loops[depth], lv, &lo);
    size_t n = 0;
    for (long k = 0; k<cnt && * budget> 0; k++, (*budget)--) {
        lv[depth] = (double)(lo + k);
        n = sat_add(n, enumerate(g, d, depth + 1, lv, budget));
    }
    return n;
}

/* A definition's iterations: the product of the loop counts when no bound depends on an outer
 * loop (the common case, without enumerating 10^9 iterations), else enumerated. */
static size_t def_batch(const gb_graph *g, const gb_def *d)
{
    double lv[GB_MAX_LOOPS] = {0};
    size_t n = 1;
    if (d->nloops > GB_MAX_LOOPS)
        return 0;
    for (size_t k = 0; k < d->nloops; k++)
        if (refers_to_loopvar(d->loops[k].lo) || refers_to_loopvar(d->loops[k].hi)) {
            size_t budget = MAX_ENUMERATED;
            return enumerate(g, d, 0, lv, &budget);
        }
    for (size_t k = 0; k < d->nloops; k++) {
        long lo, cnt = gb_loop_count(g, &d->loops[k], lv, &lo);
        n = sat_mul(n, cnt > 0 ? (size_t)cnt : 0);
    }
    return n;
}

/* Doubles of the intermediate values of e (value and adjoint each), batched over the loop
 * iterations when they depend on a loop variable.  Sets *batched when e does. */
static size_t expr_doubles(const gb_expr *e, size_t batch, int *batched)
{
    *batched = 0;
    if (!e)
        return 0;
    size_t n = 0;
    for (int i = 0; i < e->nargs; i++) {
        int b;
        n = sat_add(n, expr_doubles(e->args[i], batch, &b));
        *batched |= b;
    }
    switch (e->kind) {
    case GB_EX_LOOPVAR:
        *batched = 1;
        return n;
    case GB_EX_CONST:
    case GB_EX_NODE:
    case GB_EX_ALL:
        return n;
    default:
        return sat_add(n, sat_mul(2 * shape_len(&e->shape), *batched ? batch : 1));
    }
}

/* Loop indices (once) and intermediate values (per chain) of node i's definitions. */
static void add_defs(const gb_graph *g, const gb_node *n, part *p)
{
    for (size_t k = 0; k < n->ndefs; k++) {
        const gb_def *d = &n->defs[k];
        size_t batch = def_batch(g, d), t = 0;
        int b;
        p->model = sat_add(p->model, sat_mul(batch, d->nloops * sizeof(double)));
        t = sat_add(t, expr_doubles(d->expr, batch, &b));
        for (size_t a = 0; a < d->nargs; a++)
            t = sat_add(t, expr_doubles(d->args[a], batch, &b));
        if (d->nindex > 0) /* the elements the left side names, gathered */
            t = sat_add(t, sat_mul(2, batch));
        p->chain = sat_add(p->chain, sat_mul(t, sizeof(double)));
    }
}

/* Marks the deterministic nodes whose value depends on a parameter (breadth first along the
 * children, no recursion); the others are computed once at compilation.  -1: out of memory. */
static int mark_varying(const gb_graph *g, unsigned char *varies)
{
    size_t nn = gb_graph_node_count(g), head = 0, tail = 0;
    size_t *queue = malloc((nn ? nn : 1) * sizeof *queue);
    if (!queue)
        return -1;
    for (size_t i = 0; i < nn; i++)
        if (gb_node_is_parameter(gb_graph_node(g, i))) {
            varies[i] = 1;
            queue[tail++] = i;
        }
    while (head < tail) {
        const gb_node *n = gb_graph_node(g, queue[head++]);
        for (size_t k = 0; k < n->nchildren; k++) {
            size_t c = n->children[k];
            if (!varies[c] && gb_graph_node(g, c)->kind == GB_NODE_DETERMINISTIC) {
                varies[c] = 1;
                queue[tail++] = c;
            }
        }
    }
    free(queue);
    return 0;
}

/* A column name per element: two table entries and the string's malloc chunk (glibc's smallest
 * is 32 bytes), plus the row and value buffers each chain keeps. */
static void add_columns(const gb_node *n, const gb_memplan_config *cfg, part *p)
{
    size_t name = strlen(n->name) + 1 + 8;
    for (int d = 0; d < n->shape.rank; d++)
        name += 1 + (size_t)snprintf(NULL, 0, "%zu", n->shape.dim[d]);
    name = name < 32 ? 32 : (name + 15) / 16 * 16;
    p->model = sat_add(p->model, sat_mul(n->len, 2 * sizeof(size_t) + name));
    p->chain = sat_add(p->chain, sat_mul(n->len, 2 * sizeof(double)));
    int kept = n->kind != GB_NODE_DETERMINISTIC || n->len <= GB_MEMPLAN_STREAM_ABOVE;
    size_t per = kept ? sat_mul(cfg->draws, sizeof(double)) : STREAM_BYTES;
    p->draws = sat_add(p->draws, sat_mul(sat_mul(n->len, cfg->chains), per));
}

/* The NUTS coordinates' work space per chain (trajectory vectors, metric, and the metric
 * estimator's dim x dim when dense), shared among the continuous parameters by size. */
static void add_nuts(const gb_graph *g, const gb_memplan_config *cfg, part *parts)
{
    size_t nn = gb_graph_node_count(g), dim = 0, work;
    for (size_t i = 0; i < nn; i++) {
        const gb_node *n = gb_graph_node(g, i);
        if (gb_node_is_parameter(n) && n->type == GB_REAL)
            dim = sat_add(dim, n->len);
    }
    if (dim == 0)
        return;
    if (gb_nuts_work_size(dim, cfg->max_depth, cfg->dense, &work) != 0)
        work = SIZE_MAX;
    work = sat_add(work, sat_mul(dim, cfg->dense ? dim + 2 : 2)); /* adapt.c's estimator */
    work = sat_mul(work, sizeof(double));
    for (size_t i = 0; i < nn; i++) {
        const gb_node *n = gb_graph_node(g, i);
        if (gb_node_is_parameter(n) && n->type == GB_REAL) {
            double share = (double)n->len / (double)dim * (double)work;
            size_t b = share >= (double)SIZE_MAX ? SIZE_MAX : (size_t)share;
            parts[i].chain = sat_add(parts[i].chain, b);
        }
    }
}

static size_t part_total(const part *p, const gb_memplan_config *cfg)
{
    return sat_add(sat_add(p->model, sat_mul(p->chain, cfg->parallel ? cfg->parallel : 1)),
                   p->draws);
}

gb_status gb_memplan_estimate(const gb_graph *g, const gb_memplan_config *cfg, gb_memplan *out)
{
    size_t nn = gb_graph_node_count(g);
    part *parts = calloc(nn ? nn : 1, sizeof *parts);
    unsigned char *varies = calloc(nn ? nn : 1, 1);
    if (!parts || !varies || mark_varying(g, varies) != 0) {
        free(parts);
        free(varies);
        return GB_ENOMEM;
    }
    for (size_t i = 0; i < nn; i++) {
        const gb_node *n = gb_graph_node(g, i);
        part *p = &parts[i];
        if (n->kind == GB_NODE_DATA || n->kind == GB_NODE_CONST)
            continue;
        add_defs(g, n, p);
        if (gb_node_is_parameter(n) || (n->kind == GB_NODE_DETERMINISTIC && varies[i])) {
            /* value and adjoint; a continuous parameter also has its unconstrained coordinate,
               its gradient and the chain's copy of theta */
            size_t per = gb_node_is_parameter(n) && n->type == GB_REAL ? 5 : 2;
            p->chain = sat_add(p->chain, sat_mul(n->len, per * sizeof(double)));
            add_columns(n, cfg, p);
        } else if (n->kind == GB_NODE_DETERMINISTIC) { /* folded: its values, kept once */
            p->chain = sat_add(p->chain, sat_mul(n->len, 2 * sizeof(double)));
            p->model = sat_add(p->model, sat_mul(n->len, sizeof(double)));
        }
    }
    add_nuts(g, cfg, parts);
    gb_memplan r = {0, 0, 0, 0, (size_t)-1, 0};
    r.draws = sat_mul(sat_mul(cfg->chains, cfg->draws), GB_NSAMPLER_COLS * sizeof(double));
    for (size_t i = 0; i < nn; i++) {
        r.model = sat_add(r.model, parts[i].model);
        r.per_chain = sat_add(r.per_chain, parts[i].chain);
        r.draws = sat_add(r.draws, parts[i].draws);
        size_t t = part_total(&parts[i], cfg);
        if (t > r.top_bytes) {
            r.top = i;
            r.top_bytes = t;
        }
    }
    part all = {r.model, r.per_chain, r.draws};
    r.total = part_total(&all, cfg);
    free(parts);
    free(varies);
    *out = r;
    return GB_OK;
}

const char *gb_memplan_format(size_t bytes, char *buf, size_t len)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%zu B", bytes);
    else
        snprintf(buf, len, "%.1f %s", v, unit[u]);
    return buf;
}

gb_status gb_memplan_check(const gb_graph *g, const gb_memplan_config *cfg, size_t budget,
                           gb_errlist *errs)
{
    gb_memplan p;
    if (gb_memplan_estimate(g, cfg, &p) != GB_OK)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory estimating the memory");
    if (p.total <= budget)
        return GB_OK;
    char need[32], lim[32], top[32], a[32], b[32], c[32];
    const gb_node *n = p.top != (size_t)-1 ? gb_graph_node(g, p.top) : NULL;
    gb_error(errs, GB_ENOMEM, n ? n->loc : (gb_loc){0},
             "sampling this model needs about %s of memory, more than the budget of %s",
             gb_memplan_format(p.total, need, sizeof need),
             gb_memplan_format(budget, lim, sizeof lim));
    size_t par = cfg->parallel ? cfg->parallel : 1;
    /* the cheapest way out of what weighs most: stored draws, or chains side by side */
    const char *way = p.draws > p.model && p.draws > sat_mul(p.per_chain, par)
                          ? ", --draws N stores fewer draws"
                      : par > 1 ? ", --threads 1 runs one chain at a time"
                                : "";
    if (n)
        gb_error_hint(errs,
                      "'%s' (%zu elements) needs %s of it; in all: %s for the compiled model, "
                      "%s of work space per chain x %zu chain%s at once, %s of stored draws; "
                      "--memory SIZE sets the budget%s",
                      n->name, n->len, gb_memplan_format(p.top_bytes, top, sizeof top),
                      gb_memplan_format(p.model, a, sizeof a),
                      gb_memplan_format(p.per_chain, b, sizeof b), par, par == 1 ? "" : "s",
                      gb_memplan_format(p.draws, c, sizeof c), way);
    return GB_ENOMEM;
}
