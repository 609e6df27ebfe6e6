/* lower_recur.c - recursions that run element by element across nodes, as an ARMA model's:
 *   nu[1] = mu + phi * mu          err[1] = y[1] - nu[1]
 *   for t in 2..T { nu[t] = mu + phi * y[t - 1] + theta * err[t - 1]; err[t] = y[t] - nu[t] }
 * Node by node, nu and err depend on each other; element by element they do not: nu[t] reads
 * err one step back, err[t] reads nu at the same step, so computing step by step (nu[t], then
 * err[t]) is well defined.
 *
 * The analysis works on the linked graph.  Strongly connected sets of deterministic nodes
 * (Tarjan's algorithm, iterative) are candidates.  A set is accepted when every member is a
 * vector defined element by element, each def either one element at a constant position or one
 * loop `for t in lo..hi { x[t] = ... }` with the same bounds for every member and the constant
 * positions before lo, and every read of a member inside the set is x[t - k] (k >= 0 constant;
 * at a constant position c, x[c'] with c' <= c).  Reads at the same step (k = 0) must not go
 * round in a circle: that is a real cycle, refused naming both definitions.  Otherwise the
 * reads at the same step order the members, and each def gets the set's group number and its
 * place (constant positions first, by position, then the loops; by that order within a step).
 * Sets of another shape are left to the cycle check in lower.c, which refuses them as before.
 *
 * Owns: its scratch arrays for the call.  Offers: rc_mark_recursions, rc_group.
 */
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"

/* A def's place: a loop over the group's range, or one element at position pos. */
typedef struct rdef {
    int looped;
    long pos;
} rdef;

static int const_long(lowerer *L, const gb_expr *e, long *out)
{
    double v;
    if (!e || gb_expr_const_eval(L->g, e, NULL, &v) != GB_CONST_OK || v != (double)(long)v)
        return -1;
    *out = (long)v;
    return 0;
}

static int def_place(lowerer *L, const gb_def *d, rdef *r)
{
    if (d->nindex != 1 || !d->expr)
        return -1;
    if (d->nloops == 0) {
        r->looped = 0;
        return const_long(L, d->index[0], &r->pos);
    }
    r->looped = 1;
    return d->nloops == 1 && d->index[0]->kind == GB_EX_LOOPVAR && d->index[0]->loopvar == 0 ? 0
                                                                                             : -1;
}

/* Steps back of the index expression e in a def at place r: 0 at the same step. */
static int steps_back(lowerer *L, const rdef *r, const gb_expr *e, long *k)
{
    if (!r->looped) {
        long c;
        if (const_long(L, e, &c) != 0 || c > r->pos)
            return -1;
        *k = r->pos - c;
        return 0;
    }
    if (e->kind == GB_EX_LOOPVAR && e->loopvar == 0) {
        *k = 0;
        return 0;
    }
    if (e->kind == GB_EX_BINOP && e->op == GB_OP_SUB && e->args[0]->kind == GB_EX_LOOPVAR &&
        e->args[0]->loopvar == 0 && const_long(L, e->args[1], k) == 0 && *k >= 1)
        return 0;
    return -1;
}

/* Scratch of one analysis: where each node is in the set under test, and the same-step reads
 * between members. */
typedef struct rctx {
    lowerer *L;
    const size_t *member; /* the set's nodes */
    size_t n;
    long *where;         /* node -> its index in member, or -1 */
    const gb_def **same; /* same[a * n + b]: the def of member b reading member a at its step */
} rctx;

/* Walks e (in def d of member b, at place r): every read of a member must be x[t - k];
 * same-step reads are recorded.  -1 when a read has another shape. */
static int walk(rctx *c, size_t b, const gb_def *d, const rdef *r, const gb_expr *e)
{
    if (!e)
        return 0;
    if (e->kind == GB_EX_NODE && c->where[e->node] >= 0)
        return -1; /* the whole of a member: not element by element */
    if (e->kind == GB_EX_INDEX && e->args[0]->kind == GB_EX_NODE &&
        c->where[e->args[0]->node] >= 0) {
        long k;
        if (e->nargs != 2 || steps_back(c->L, r, e->args[1], &k) != 0)
            return -1;
        size_t a = (size_t)c->where[e->args[0]->node];
        if (k == 0 && a != b)
            c->same[a * c->n + b] = d;
        if (k == 0 && a == b)
            return -1; /* x[t] reading x[t] */
        return walk(c, b, d, r, e->args[1]);
    }
    for (int i = 0; i < e->nargs; i++)
        if (walk(c, b, d, r, e->args[i]) != 0)
            return -1;
    return 0;
}

/* Are a and b the same expression (loop bounds written alike: 2..T)? */
static int same_expr(const gb_expr *a, const gb_expr *b)
{
    if (!a || !b || a->kind != b->kind || a->nargs != b->nargs || a->op != b->op)
        return a == b;
    if ((a->kind == GB_EX_CONST && a->num != b->num) ||
        (a->kind == GB_EX_NODE && a->node != b->node) ||
        (a->kind == GB_EX_LOOPVAR && a->loopvar != b->loopvar))
        return 0;
    for (int i = 0; i < a->nargs; i++)
        if (!same_expr(a->args[i], b->args[i]))
            return 0;
    return 1;
}

/* Checks the set's shape (see the file comment); 0, or -1.  Loop bounds are compared by value
 * when the data fix them, else as written (check without data). */
static int check_shape(rctx *c)
{
    long lo = 0, hi = 0, maxpos = 0;
    int lo_known = 0, have_pos = 0;
    const gb_loop *loop = NULL;
    for (size_t b = 0; b < c->n; b++) {
        const gb_node *n = sc_node(c->L, c->member[b]);
        if (n->kind != GB_NODE_DETERMINISTIC || n->shape.rank != 1 || n->ndefs == 0)
            return -1;
        for (size_t k = 0; k < n->ndefs; k++) {
            const gb_def *d = &n->defs[k];
            rdef r;
            if (def_place(c->L, d, &r) != 0 || walk(c, b, d, &r, d->expr) != 0)
                return -1;
            if (!r.looped) {
                maxpos = have_pos && maxpos > r.pos ? maxpos : r.pos;
                have_pos = 1;
                continue;
            }
            long l = 0, h = 0;
            int known = const_long(c->L, d->loops[0].lo, &l) == 0 &&
                        const_long(c->L, d->loops[0].hi, &h) == 0;
            if (loop &&
                (!same_expr(loop->lo, d->loops[0].lo) || !same_expr(loop->hi, d->loops[0].hi)) &&
                (!known || !lo_known || l != lo || h != hi))
                return -1;
            if (!loop)
                loop = &d->loops[0], lo = l, hi = h, lo_known = known;
        }
    }
    return loop && lo_known && have_pos && maxpos >= lo ? -1 : 0;
}

/* Orders the members by same-step reads (rank[b]); refuses a circle of them. */
static int order_members(rctx *c, long *rank)
{
    size_t n = c->n, placed = 0;
    for (size_t b = 0; b < n; b++)
        rank[b] = -1;
    while (placed < n) {
        size_t pick = n;
        for (size_t b = 0; b < n && pick == n; b++) {
            if (rank[b] >= 0)
                continue;
            int ready = 1;
            for (size_t a = 0; a < n && ready; a++)
                ready = !(c->same[a * n + b] && rank[a] < 0);
            if (ready)
                pick = b;
        }
        if (pick == n)
            break;
        rank[pick] = (long)placed++;
    }
    if (placed == n)
        return 0;
    /* a circle at the same step: name two members on it */
    for (size_t b = 0; b < n; b++)
        for (size_t a = 0; a < n; a++)
            if (rank[a] < 0 && rank[b] < 0 && c->same[a * n + b] && c->same[b * n + a]) {
                const gb_node *na = sc_node(c->L, c->member[a]);
                const gb_node *nb = sc_node(c->L, c->member[b]);
                gb_error(c->L->errs, GB_ESEMANTIC, c->same[a * n + b]->loc,
                         "cycle: '%s' and '%s' depend on each other at the same element", nb->name,
                         na->name);
                gb_error_hint(c->L->errs,
                              "'%s' reads '%s' at the same position here, and '%s' "
                              "reads '%s' at line %d: one of them must read an "
                              "earlier element",
                              nb->name, na->name, na->name, nb->name, c->same[b * n + a]->loc.line);
                return -1;
            }
    return -1;
}

/* Marks the defs of an accepted set with group g and their order; -1 when not accepted (left
 * to the cycle check) or a real cycle (reported). */
static int try_group(rctx *c, int g)
{
    size_t n = c->n;
    long *rank = malloc(n * sizeof *rank);
    c->same = calloc(n * n, sizeof *c->same);
    int rc = -1;
    if (!rank || !c->same) {
        c->L->oom = 1;
    } else if (check_shape(c) == 0 && order_members(c, rank) == 0) {
        long minpos = 0;
        int first = 1;
        for (size_t b = 0; b < n; b++) {
            const gb_node *nd = sc_node(c->L, c->member[b]);
            for (size_t k = 0; k < nd->ndefs; k++)
                if (nd->defs[k].nloops == 0) {
                    long p = 0;
                    const_long(c->L, nd->defs[k].index[0], &p);
                    minpos = first || p < minpos ? p : minpos;
                    first = 0;
                }
        }
        for (size_t b = 0; b < n; b++) {
            gb_node *nd = sc_node(c->L, c->member[b]);
            for (size_t k = 0; k < nd->ndefs; k++) {
                gb_def *d = &nd->defs[k];
                long p = 0;
                if (d->nloops == 0)
                    const_long(c->L, d->index[0], &p);
                /* constant positions by position, then the loops; by rank within a step */
                d->recur_group = g;
                d->recur_order =
                    d->nloops == 0 ? (p - minpos) * (long)n + rank[b] : ((long)1 << 40) + rank[b];
            }
        }
        rc = 0;
    }
    free(rank);
    free(c->same);
    c->same = NULL;
    return rc;
}

/* Tarjan's strongly connected components over the deterministic nodes, without recursion:
 * each frame is a node and the next parent to look at. */
typedef struct frame {
    size_t node, next;
} frame;

typedef struct tarjan {
    size_t *index, *low, *stack, counter, top;
    unsigned char *on;
    frame *frames;
} tarjan;

static int is_det(lowerer *L, size_t i)
{
    return sc_node(L, i)->kind == GB_NODE_DETERMINISTIC;
}

/* Handles one finished component: stack[from .. top). */
static void component(lowerer *L, tarjan *t, size_t from, long *where, int *groups)
{
    size_t n = t->top - from;
    for (size_t k = from; k < t->top; k++)
        t->on[t->stack[k]] = 0;
    if (n < 2)
        return;
    rctx c = {L, t->stack + from, n, where, NULL};
    for (size_t k = 0; k < n; k++)
        where[c.member[k]] = (long)k;
    if (try_group(&c, *groups + 1) == 0)
        (*groups)++;
    for (size_t k = 0; k < n; k++)
        where[c.member[k]] = -1;
}

static void strongconnect(lowerer *L, tarjan *t, size_t v0, long *where, int *groups)
{
    size_t depth = 0;
    t->frames[depth++] = (frame){v0, 0};
    t->index[v0] = t->low[v0] = ++t->counter;
    t->stack[t->top++] = v0;
    t->on[v0] = 1;
    while (depth > 0) {
        frame *f = &t->frames[depth - 1];
        const gb_node *n = sc_node(L, f->node);
        if (f->next < n->nparents) {
            size_t p = n->parents[f->next++];
            if (!is_det(L, p))
                continue;
            if (!t->index[p]) {
                t->index[p] = t->low[p] = ++t->counter;
                t->stack[t->top++] = p;
                t->on[p] = 1;
                t->frames[depth++] = (frame){p, 0};
            } else if (t->on[p] && t->index[p] < t->low[f->node]) {
                t->low[f->node] = t->index[p];
            }
            continue;
        }
        size_t v = f->node;
        depth--;
        if (depth > 0 && t->low[v] < t->low[t->frames[depth - 1].node])
            t->low[t->frames[depth - 1].node] = t->low[v];
        if (t->low[v] == t->index[v]) {
            size_t from = t->top;
            while (t->stack[--from] != v)
                ;
            component(L, t, from, where, groups);
            t->top = from;
        }
    }
}

int rc_group(const gb_node *n)
{
    return n->ndefs > 0 ? n->defs[0].recur_group : 0;
}

gb_status rc_mark_recursions(lowerer *L)
{
    size_t nn = gb_graph_node_count(L->g), n0 = gb_errlist_count(L->errs);
    tarjan t = {0};
    t.index = calloc(nn + 1, sizeof *t.index);
    t.low = calloc(nn + 1, sizeof *t.low);
    t.stack = calloc(nn + 1, sizeof *t.stack);
    t.on = calloc(nn + 1, 1);
    t.frames = calloc(nn + 1, sizeof *t.frames);
    long *where = malloc((nn + 1) * sizeof *where);
    int groups = 0;
    if (!t.index || !t.low || !t.stack || !t.on || !t.frames || !where) {
        L->oom = 1;
    } else {
        for (size_t i = 0; i < nn; i++)
            where[i] = -1;
        for (size_t i = 0; i < nn && !L->oom; i++)
            if (is_det(L, i) && !t.index[i])
                strongconnect(L, &t, i, where, &groups);
    }
    free(t.index);
    free(t.low);
    free(t.stack);
    free(t.on);
    free(t.frames);
    free(where);
    return lw_status(L, n0);
}
