/* ranges.c - index ranges checked against the data before any sampling: for each indexed
 * expression whose indices depend only on data, constants and loop variables, every index the
 * loops produce must fall inside the indexed axis (`mu[g[i]]` with a g holding 0 is reported
 * here, with the loop values that produce it, not as a crash later).  Loops are enumerated;
 * enumeration stops after GB_RANGE_CHECK_LIMIT index evaluations per statement, so a huge loop
 * nest costs a bounded time (its remaining indices are checked at run time). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"

/* Index evaluations per statement; 10^7 takes well under a second. */
#define GB_RANGE_CHECK_LIMIT 10000000L

typedef struct walk {
    lowerer *L;
    const gb_def *d;
    double lv[MAX_LOOPS + 8];
    long budget;
    int reported;
} walk;

static void loop_text(const walk *w, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < w->d->nloops && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s = %.0f", i ? ", " : " when ",
                                 w->d->loops[i].var, w->lv[i]);
}

/* Checks every scalar index inside e at the current loop values. */
static void check_expr(walk *w, const gb_expr *e)
{
    if (!e || w->reported)
        return;
    if (e->kind == GB_EX_COMPREH)
        return; /* its own loop variable is not enumerated here */
    for (int i = 0; i < e->nargs; i++)
        check_expr(w, e->args[i]);
    if (e->kind != GB_EX_INDEX || w->reported)
        return;
    const gb_shape *bs = &e->args[0]->shape;
    for (int k = 1; k < e->nargs; k++) {
        const gb_expr *ix = e->args[k];
        size_t dim = bs->dim[k - 1];
        double v;
        if (dim == GB_DIM_UNKNOWN || ix->shape.rank != 0 ||
            ceval(w->L, ix, w->lv, &v) != CE_OK)
            continue;
        if (!(v >= 1 && v <= (double)dim)) { /* NaN included */
            char where[160], base[256];
            loop_text(w, where, sizeof where);
            gb_expr_format(w->L->g, w->d, e->args[0], base, sizeof base);
            gb_error(w->L->errs, GB_EDATA, ix->loc, "index %.0f is out of range for %s (1..%zu)%s",
                     v, base, dim, where);
            w->reported = 1;
            return;
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
    long lo, n = loop_count(w->L, &w->d->loops[depth], w->lv, &lo);
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
    double lv[MAX_LOOPS + 8];
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
    long lo, cnt = loop_count(c->L, &c->d->loops[depth], c->lv, &lo);
    for (long k = 0; k < cnt && !c->reported; k++) {
        c->lv[depth] = (double)(lo + k);
        cover_loops(c, depth + 1);
    }
}

static void check_coverage(lowerer *L, size_t i)
{
    const gb_node *n = N(L, i);
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

void check_defs(lowerer *L)
{
    for (size_t i = 0; i < gb_graph_node_count(L->g); i++)
        check_coverage(L, i);
    if (gb_errlist_status(L->errs) != GB_OK)
        return;
    for (size_t i = 0; i < gb_graph_node_count(L->g); i++) {
        const gb_node *n = N(L, i);
        for (size_t k = 0; k < n->ndefs; k++) {
            walk w;
            memset(&w, 0, sizeof w);
            w.L = L;
            w.d = &n->defs[k];
            w.budget = GB_RANGE_CHECK_LIMIT;
            enumerate(&w, 0);
        }
    }
}
