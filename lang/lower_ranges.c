/* lower_ranges.c - coverage and index ranges, checked against the data before any sampling: for
 * each indexed expression whose indices depend only on data, constants and loop variables, every
 * index the loops produce must fall inside the indexed axis (`mu[g[i]]` with a g holding 0 is
 * reported here, with the loop values that produce it, not as a crash later).  A vector of indices
 * (`mu[g]`, `mu[g + 1]`, `mu[[g[i] for i in 1..N]]`) is checked element by element, and so is
 * the body of a comprehension at each value of its variable.  Loops are enumerated;
 * enumeration stops after GB_RANGE_CHECK_LIMIT index evaluations per statement, so a huge loop
 * nest costs a bounded time (its remaining indices are checked at run time).
 * Coverage: every element of a node defined element by element must be defined.
 * Latent indices: a discrete latent read as an index (`mu[k]`, `mu[z[i]]`, `mu[z]`) must have
 * its whole support inside the indexed axis; checked with or without data.
 *
 * Owns: nothing beyond its walk (freed before returning).
 * Offers: rg_check_defs, rg_check_latent_indices.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"

/* Index evaluations per statement; 10^7 takes well under a second. */
#define GB_RANGE_CHECK_LIMIT 10000000L

typedef struct walk {
    lowerer *L;
    const gb_def *d;
    double lv[LW_MAX_LOOPS + 8];
    long budget;
    int reported;
    int ncomp; /* comprehensions entered; their variables are lv[d->nloops ...] */
} walk;

static void loop_text(const walk *w, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < w->d->nloops && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s = %.0f", i ? ", " : " when ",
                                 w->d->loops[i].var, w->lv[i]);
    /* the graph keeps no names for comprehension variables: say which value it had */
    for (int i = 0; i < w->ncomp && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s the comprehension's variable is %.0f",
                                 used ? "," : " when", w->lv[w->d->nloops + (size_t)i]);
}

/* Element k of a vector of integers known now (data, constants, loop variables): CST_OK and
 * *v, or CST_NOTCONST.  Covers what index vectors are written as: a data array, elementwise
 * arithmetic on one, a range, an array literal, a comprehension. */
static int elem_value(walk *w, const gb_expr *e, size_t k, double *v)
{
    if (e->shape.rank == 0)
        return cst_eval(w->L, e, w->lv, v);
    if (e->shape.rank != 1)
        return CST_NOTCONST;
    switch (e->kind) {
    case GB_EX_NODE: {
        const gb_node *n = sc_node(w->L, e->node);
        if (!n->value || k >= n->len)
            return CST_NOTCONST;
        *v = n->value[k];
        return CST_OK;
    }
    case GB_EX_RANGE: {
        double lo;
        if (cst_eval(w->L, e->args[0], w->lv, &lo) != CST_OK)
            return CST_NOTCONST;
        *v = lo + (double)k;
        return CST_OK;
    }
    case GB_EX_ARRAY:
        return k < (size_t)e->nargs ? cst_eval(w->L, e->args[k], w->lv, v) : CST_NOTCONST;
    case GB_EX_COMPREH: {
        double lo;
        if (cst_eval(w->L, e->args[1]->args[0], w->lv, &lo) != CST_OK)
            return CST_NOTCONST;
        w->lv[e->loopvar] = lo + (double)k;
        return cst_eval(w->L, e->args[0], w->lv, v);
    }
    case GB_EX_UNOP: {
        double x;
        if (elem_value(w, e->args[0], k, &x) != CST_OK)
            return CST_NOTCONST;
        *v = e->op == GB_OP_NEG ? -x : e->op == GB_OP_NOT ? (x == 0) : x;
        return CST_OK;
    }
    case GB_EX_BINOP: {
        double x, y;
        if (e->op != GB_OP_ADD && e->op != GB_OP_SUB && e->op != GB_OP_MUL)
            return CST_NOTCONST;
        if (elem_value(w, e->args[0], k, &x) != CST_OK ||
            elem_value(w, e->args[1], k, &y) != CST_OK)
            return CST_NOTCONST;
        *v = e->op == GB_OP_ADD ? x + y : e->op == GB_OP_SUB ? x - y : x * y;
        return CST_OK;
    }
    default:
        return CST_NOTCONST;
    }
}

static void out_of_range(walk *w, const gb_expr *e, const gb_expr *ix, double v, size_t dim,
                         size_t elem)
{
    char where[160], base[256], what[256] = "";
    loop_text(w, where, sizeof where);
    gb_expr_format(w->L->g, w->d, e->args[0], base, sizeof base);
    if (ix->shape.rank == 1) {
        char vec[200];
        gb_expr_format(w->L->g, w->d, ix, vec, sizeof vec);
        snprintf(what, sizeof what, " (element %zu of %s)", elem + 1, vec);
    }
    gb_error(w->L->errs, GB_EDATA, ix->loc, "index %.0f%s is out of range for %s (1..%zu)%s", v,
             what, base, dim, where);
    w->reported = 1;
}

/* ---- a discrete latent as an index: its support must fit the indexed axis ---- */

/* The discrete latent an index reads directly (`k`, `z` as a vector of labels, `z[i]`), or
 * NULL.  Anything computed from one (`z[i] + 1`) is left to the run-time check. */
static const gb_node *index_latent(walk *w, const gb_expr *ix)
{
    if (ix->kind == GB_EX_INDEX && ix->args[0]->kind == GB_EX_NODE)
        ix = ix->args[0];
    if (ix->kind != GB_EX_NODE)
        return NULL;
    const gb_node *n = sc_node(w->L, ix->node);
    return n->kind == GB_NODE_STOCHASTIC && !n->observed && n->type == GB_INT ? n : NULL;
}

/* The support [lo, hi] one definition gives: the distribution's, narrowed by bounds known now
 * (constant arguments, a parameter's length, truncation).  A bound that depends on a loop
 * variable or a parameter stays the distribution's own (often infinite), and is reported only
 * when that is already too wide. */
static void def_support(walk *w, const gb_def *d, double *lo, double *hi)
{
    const gb_support *sp = &d->dist->support;
    double v;
    *lo = sp->lower;
    *hi = sp->upper;
    if (sp->lower_param != GB_NO_PARAM && (size_t)sp->lower_param < d->nargs &&
        cst_eval(w->L, d->args[sp->lower_param], NULL, &v) == CST_OK)
        *lo = v;
    if (sp->upper_param != GB_NO_PARAM && (size_t)sp->upper_param < d->nargs) {
        const gb_expr *a = d->args[sp->upper_param];
        if (sp->upper_param_len) {
            size_t len = a->shape.rank ? a->shape.dim[a->shape.rank - 1] : GB_DIM_UNKNOWN;
            if (len != GB_DIM_UNKNOWN)
                *hi = (double)len;
        } else if (cst_eval(w->L, a, NULL, &v) == CST_OK) {
            *hi = v;
        }
    }
    if (d->trunc_lo && cst_eval(w->L, d->trunc_lo, NULL, &v) == CST_OK && v > *lo)
        *lo = v;
    if (d->trunc_hi && cst_eval(w->L, d->trunc_hi, NULL, &v) == CST_OK && v < *hi)
        *hi = v;
}

/* Reports a latent index whose support is not inside 1..dim: `k ~ uniform_int(1, 5)` read as
 * `mu[k]` with mu of 3 would otherwise have its prior cut to 1..3 without a word.  The error is
 * at the indexing; the hint names the latent's statement. */
static int latent_out_of_range(walk *w, const gb_expr *e, const gb_expr *ix, size_t dim)
{
    const gb_node *n = index_latent(w, ix);
    for (size_t k = 0; n && k < n->ndefs; k++) {
        const gb_def *d = &n->defs[k];
        double lo, hi;
        if (!d->dist)
            continue;
        def_support(w, d, &lo, &hi);
        if (lo >= 1 && hi <= (double)dim)
            continue;
        char base[256], from[64], to[64];
        gb_expr_format(w->L->g, w->d, e->args[0], base, sizeof base);
        snprintf(from, sizeof from, isfinite(lo) ? "%.0f" : "-inf", lo);
        snprintf(to, sizeof to, isfinite(hi) ? "%.0f" : "inf", hi);
        gb_error(w->L->errs, GB_ESEMANTIC, ix->loc,
                 "'%s' indexes %s (1..%zu) but its support is %s..%s", n->name, base, dim, from,
                 to);
        gb_error_hint(w->L->errs,
                      "its support comes from %s:%d:%d ('%s ~ %s(...)'); make it fit 1..%zu: "
                      "values outside would be cut from its prior",
                      d->loc.file ? d->loc.file : "the model", d->loc.line, d->loc.col, n->name,
                      d->dist->name, dim);
        w->reported = 1;
        return 1;
    }
    return 0;
}

/* Every index position inside e (comprehension bodies included) read by a discrete latent. */
static void latent_indices(walk *w, const gb_expr *e)
{
    if (!e || w->reported)
        return;
    for (int i = 0; i < e->nargs; i++)
        latent_indices(w, e->args[i]);
    if (e->kind != GB_EX_INDEX)
        return;
    for (int k = 1; k < e->nargs && !w->reported; k++) {
        size_t dim = e->args[0]->shape.dim[k - 1];
        if (dim != GB_DIM_UNKNOWN && latent_out_of_range(w, e, e->args[k], dim))
            return;
    }
}

/* Checks every index inside e at the current loop values. */
static void check_expr(walk *w, const gb_expr *e)
{
    if (!e || w->reported)
        return;
    if (e->kind == GB_EX_COMPREH) {
        /* the body at each value of the comprehension's own variable */
        double lo, hi;
        if (cst_eval(w->L, e->args[1]->args[0], w->lv, &lo) != CST_OK ||
            cst_eval(w->L, e->args[1]->args[1], w->lv, &hi) != CST_OK)
            return;
        w->ncomp++;
        for (double x = lo; x <= hi && !w->reported && w->budget > 0; x++, w->budget--) {
            w->lv[e->loopvar] = x;
            check_expr(w, e->args[0]);
        }
        w->ncomp--;
        return;
    }
    for (int i = 0; i < e->nargs; i++)
        check_expr(w, e->args[i]);
    if (e->kind != GB_EX_INDEX || w->reported)
        return;
    const gb_shape *bs = &e->args[0]->shape;
    for (int k = 1; k < e->nargs; k++) {
        const gb_expr *ix = e->args[k];
        size_t dim = bs->dim[k - 1];
        if (dim == GB_DIM_UNKNOWN || ix->kind == GB_EX_ALL || ix->kind == GB_EX_RANGE)
            continue; /* a range index is a slice: its ends are checked by the compiler */
        size_t n = ix->shape.rank == 0 ? 1 : ix->shape.dim[0];
        if (ix->shape.rank > 1 || n == GB_DIM_UNKNOWN)
            continue;
        for (size_t j = 0; j < n && w->budget > 0; j++, w->budget--) {
            double v;
            if (elem_value(w, ix, j, &v) != CST_OK)
                break;
            if (!(v >= 1 && v <= (double)dim)) { /* NaN included */
                out_of_range(w, e, ix, v, dim, j);
                return;
            }
        }
    }
}

static void check_def_at(walk *w)
{
    const gb_def *d = w->d;
    for (size_t i = 0; i < d->nindex; i++)
        check_expr(w, d->index[i]);
    check_expr(w, d->expr);
    for (size_t i = 0; i < d->nargs; i++)
        check_expr(w, d->args[i]);
    check_expr(w, d->trunc_lo);
    check_expr(w, d->trunc_hi);
}

static void enumerate(walk *w, size_t depth)
{
    if (w->reported || w->budget <= 0)
        return;
    if (depth == w->d->nloops) {
        w->budget--;
        check_def_at(w);
        return;
    }
    long lo, n = cst_loop_count(w->L, &w->d->loops[depth], w->lv, &lo);
    for (long k = 0; k < n && !w->reported && w->budget > 0; k++) {
        w->lv[depth] = (double)(lo + k);
        enumerate(w, depth + 1);
    }
}

/* ---- coverage: every element of an element-wise variable defined exactly once ---- */

typedef struct cover {
    lowerer *L;
    const gb_node *n;
    const gb_def *d;
    unsigned char *seen;   /* one mark per block (element of the indexed dimensions) */
    double lv[LW_MAX_LOOPS + 8];
    const gb_def **first;  /* def that first defined each block */
    long budget;
    int reported;
} cover;

static void cover_at(cover *c)
{
    size_t off = 0;
    for (size_t k = 0; k < c->d->nindex; k++) {
        double v;
        size_t dim = c->n->shape.dim[k];
        if (gb_expr_const_eval(c->L->g, c->d->index[k], c->lv, &v) != GB_CONST_OK)
            return; /* an index that depends on parameters: not checked here */
        if (!(v >= 1 && v <= (double)dim)) { /* NaN included */
            gb_error(c->L->errs, GB_ESEMANTIC, c->d->index[k]->loc,
                     "index %.0f is out of range for %s (1..%zu)", v, c->n->name, dim);
            c->reported = 1;
            return;
        }
        off = off * dim + (size_t)v - 1;
    }
    if (c->seen[off]) {
        char el[64];
        snprintf(el, sizeof el, "element %zu", off + 1);
        gb_error(c->L->errs, GB_ESEMANTIC, c->d->loc, "%s of '%s' is defined twice", el,
                 c->n->name);
        gb_error_hint(c->L->errs, "it was first defined at line %d", c->first[off]->loc.line);
        c->reported = 1;
        return;
    }
    c->seen[off] = 1;
    c->first[off] = c->d;
}

static void cover_loops(cover *c, size_t depth)
{
    if (c->reported || c->budget <= 0)
        return;
    if (depth == c->d->nloops) {
        c->budget--;
        cover_at(c);
        return;
    }
    long lo, cnt = cst_loop_count(c->L, &c->d->loops[depth], c->lv, &lo);
    for (long k = 0; k < cnt && !c->reported; k++) {
        c->lv[depth] = (double)(lo + k);
        cover_loops(c, depth + 1);
    }
}

static void check_coverage(lowerer *L, size_t i)
{
    const gb_node *n = sc_node(L, i);
    if (n->ndefs == 0 || !n->defs[0].index)
        return;
    size_t blocks = 1;
    for (size_t k = 0; k < n->defs[0].nindex; k++) {
        if (n->shape.dim[k] == GB_DIM_UNKNOWN)
            return;
        blocks *= n->shape.dim[k];
    }
    cover c;
    memset(&c, 0, sizeof c);
    c.L = L;
    c.n = n;
    c.budget = GB_RANGE_CHECK_LIMIT;
    c.seen = calloc(blocks ? blocks : 1, 1);
    c.first = calloc(blocks ? blocks : 1, sizeof *c.first);
    if (!c.seen || !c.first) {
        L->oom = 1;
    } else {
        for (size_t k = 0; k < n->ndefs && !c.reported; k++) {
            c.d = &n->defs[k];
            cover_loops(&c, 0);
        }
        if (!c.reported && c.budget > 0 && !n->observed)
            for (size_t b = 0; b < blocks; b++)
                if (!c.seen[b]) {
                    gb_error(L->errs, GB_ESEMANTIC, n->loc,
                             "element %zu of '%s' is never defined", b + 1, n->name);
                    gb_error_hint(L->errs, "an element-by-element definition must give every "
                                           "element exactly once");
                    break;
                }
    }
    free(c.seen);
    free(c.first);
}

gb_status rg_check_latent_indices(lowerer *L)
{
    size_t n0 = gb_errlist_count(L->errs);
    for (size_t i = 0; i < gb_graph_node_count(L->g); i++) {
        const gb_node *n = sc_node(L, i);
        for (size_t k = 0; k < n->ndefs; k++) {
            walk w;
            memset(&w, 0, sizeof w);
            w.L = L;
            w.d = &n->defs[k];
            for (size_t j = 0; j < w.d->nindex; j++)
                latent_indices(&w, w.d->index[j]);
            latent_indices(&w, w.d->expr);
            for (size_t j = 0; j < w.d->nargs; j++)
                latent_indices(&w, w.d->args[j]);
        }
    }
    return lw_status(L, n0);
}

gb_status rg_check_defs(lowerer *L)
{
    size_t n0 = gb_errlist_count(L->errs);
    for (size_t i = 0; i < gb_graph_node_count(L->g); i++)
        check_coverage(L, i);
    if (gb_errlist_status(L->errs) != GB_OK)
        return lw_status(L, n0);
    for (size_t i = 0; i < gb_graph_node_count(L->g); i++) {
        const gb_node *n = sc_node(L, i);
        for (size_t k = 0; k < n->ndefs; k++) {
            walk w;
            memset(&w, 0, sizeof w);
            w.L = L;
            w.d = &n->defs[k];
            w.budget = GB_RANGE_CHECK_LIMIT;
            enumerate(&w, 0);
        }
    }
    return lw_status(L, n0);
}
