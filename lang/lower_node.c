/* lower_node.c - elaboration of one node, lazily when first needed: its shape and type first
 * (from the data, the declared type, or the left sides of element-by-element definitions, so
 * those may refer to earlier elements of themselves), then each statement into a gb_def with
 * its loops, distribution statements checked against their arguments and declared types.
 *
 * A node moves through the states of nd_state (lower_int.h); one asked for while it is being
 * shaped depends on itself.
 *
 * Owns: the defs it adds to each node (in the graph).
 * Offers: nd_shape, nd_elab_pending.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dists.h"
#include "lower_int.h"
#include "shape.h"

typedef struct saved_loops {
    size_t n;
    const char *var[LW_MAX_LOOPS + 8];
    gb_expr *lo[LW_MAX_LOOPS + 8], *hi[LW_MAX_LOOPS + 8];
} saved_loops;

static void save_loops(lowerer *L, saved_loops *s)
{
    s->n = L->nloops;
    for (size_t i = 0; i < L->nloops; i++) {
        s->var[i] = L->loopvar[i];
        s->lo[i] = L->looplo[i];
        s->hi[i] = L->loophi[i];
    }
    L->nloops = 0;
}

static void restore_loops(lowerer *L, const saved_loops *s)
{
    L->nloops = s->n;
    for (size_t i = 0; i < s->n; i++) {
        L->loopvar[i] = s->var[i];
        L->looplo[i] = s->lo[i];
        L->loophi[i] = s->hi[i];
    }
}

/* Enters the loops of a statement; returns 0, or -1 when a range failed to elaborate. */
static int enter_loops(lowerer *L, const stmt_ref *r)
{
    L->nloops = 0;
    for (size_t i = 0; i < r->nloops; i++) {
        const gb_ast *f = r->loops[i];
        gb_expr *lo = ex_elab(L, r->sc, f->a->a), *hi = ex_elab(L, r->sc, f->a->b);
        if (!lo || !hi)
            return -1;
        if (lo->type != GB_INT || hi->type != GB_INT || lo->shape.rank || hi->shape.rank) {
            gb_error(L->errs, GB_ESEMANTIC, f->a->loc, "a loop runs over a range of integers");
            return -1;
        }
        L->loopvar[i] = f->name;
        L->looplo[i] = lo;
        L->loophi[i] = hi;
        L->nloops++;
    }
    return 0;
}

static gb_loop *copy_loops(lowerer *L)
{
    if (L->nloops == 0)
        return NULL;
    gb_loop *lp = gb_arena_alloc(gb_graph_arena(L->g), L->nloops * sizeof *lp);
    if (!lp) {
        L->oom = 1;
        return NULL;
    }
    for (size_t i = 0; i < L->nloops; i++) {
        lp[i].var = gb_arena_strdup(gb_graph_arena(L->g), L->loopvar[i]);
        lp[i].lo = L->looplo[i];
        lp[i].hi = L->loophi[i];
    }
    return lp;
}

/* Shape from a declared type: real[N, K], ordered[K], cholesky_factor_corr[K] (K x K). */
static int type_shape(lowerer *L, scope *sc, const gb_ast *t, gb_node *n)
{
    static const struct {
        const char *name;
        gb_constraint_kind con;
        int square;
    } kinds[] = {{"real", GB_CON_NONE, 0},
                 {"int", GB_CON_NONE, 0},
                 {"vector", GB_CON_NONE, 0},
                 {"ordered", GB_CON_ORDERED, 0},
                 {"positive_ordered", GB_CON_POSITIVE_ORDERED, 0},
                 {"simplex", GB_CON_SIMPLEX, 0},
                 {"cholesky_factor_corr", GB_CON_CHOLESKY_CORR, 1},
                 {"cholesky_factor_cov", GB_CON_CHOLESKY_COV, 1},
                 {"corr_matrix", GB_CON_CORR, 1},
                 {"cov_matrix", GB_CON_COV, 1}};
    size_t k = 0, nk = sizeof kinds / sizeof kinds[0];
    while (k < nk && strcmp(kinds[k].name, t->name) != 0)
        k++;
    if (k == nk) {
        gb_error(L->errs, GB_ESEMANTIC, t->loc, "unknown type '%s'", t->name);
        const char *best = NULL;
        size_t bd = 3;
        for (size_t i = 0; i < nk; i++) {
            size_t d = sg_edit_distance(t->name, kinds[i].name);
            if (d < bd) {
                bd = d;
                best = kinds[i].name;
            }
        }
        if (best)
            gb_error_hint(L->errs, "did you mean '%s'?", best);
        else
            gb_error_hint(L->errs, "types are int, real, ordered, positive_ordered, simplex, "
                                   "cholesky_factor_corr, cholesky_factor_cov, corr_matrix, "
                                   "cov_matrix");
        return -1;
    }
    if (n->kind == GB_NODE_DATA && kinds[k].con != GB_CON_NONE) {
        gb_error(L->errs, GB_ESEMANTIC, t->loc, "data are declared int or real");
        return -1;
    }
    n->constraint = kinds[k].con;
    n->type = strcmp(t->name, "int") == 0 ? GB_INT : GB_REAL;
    size_t ndims = gb_ast_list_len(t->list);
    if (kinds[k].con != GB_CON_NONE && ndims != 1) {
        gb_error(L->errs, GB_ESEMANTIC, t->loc, "%s takes one size: %s[K]", t->name, t->name);
        return -1;
    }
    if (ndims > GB_MAX_RANK) {
        gb_error(L->errs, GB_ESEMANTIC, t->loc, "arrays have at most %d dimensions", GB_MAX_RANK);
        return -1;
    }
    n->shape.rank = 0;
    for (const gb_ast *d = t->list; d; d = d->next) {
        gb_expr *e = ex_elab(L, sc, d);
        if (!e)
            return -1;
        if (e->type != GB_INT || e->shape.rank != 0) {
            gb_error(L->errs, GB_ESEMANTIC, d->loc, "a size must be an integer scalar");
            return -1;
        }
        double v;
        size_t dim = GB_DIM_UNKNOWN;
        if (cst_eval(L, e, NULL, &v) == CST_OK) {
            if (v < 0) {
                gb_error(L->errs, GB_ESEMANTIC, d->loc, "a size cannot be negative (it is %.0f)",
                         v);
                return -1;
            }
            if (!(v < 9007199254740992.0)) { /* infinite or NaN (1/0), or beyond 2^53 */
                gb_error(L->errs, GB_ESEMANTIC, d->loc, "a size must be a finite whole number");
                return -1;
            }
            dim = (size_t)v;
        }
        n->dim_name[n->shape.rank] =
            d->kind == GB_AST_NAME ? gb_arena_strdup(gb_graph_arena(L->g), d->name) : NULL;
        n->shape.dim[n->shape.rank++] = dim;
    }
    if (kinds[k].square) {
        n->shape.rank = 2;
        n->shape.dim[1] = n->shape.dim[0];
        n->dim_name[1] = n->dim_name[0];
    }
    if (t->a && !(n->lower = ex_elab(L, sc, t->a)))
        return -1;
    if (t->b && !(n->upper = ex_elab(L, sc, t->b)))
        return -1;
    return 0;
}

/* Extent of an element-wise definition along each indexed axis (largest index it can take). */
static void lhs_extent(lowerer *L, gb_def *d, gb_shape *ext)
{
    ext->rank = (int)d->nindex;
    for (size_t k = 0; k < d->nindex; k++) {
        const gb_expr *ix = d->index[k];
        double v;
        size_t best = GB_DIM_UNKNOWN;
        if (cst_eval(L, ix, NULL, &v) == CST_OK) {
            best = v >= 1 && v < 9007199254740992.0 ? (size_t)v : 0; /* NaN, inf: unknown */
        } else if (d->nloops > 0) {
            /* evaluate at the loops' upper ends (indices are increasing in their loop vars) */
            double lv[LW_MAX_LOOPS + 8];
            int ok = 1;
            for (size_t i = 0; i < d->nloops && ok; i++)
                ok = cst_eval(L, d->loops[i].hi, lv, &lv[i]) == CST_OK;
            if (ok && cst_eval(L, ix, lv, &v) == CST_OK)
                best = v >= 1 && v < 9007199254740992.0 ? (size_t)v : 0; /* NaN, inf: unknown */
        }
        ext->dim[k] = best;
    }
}

static int elab_dist(lowerer *L, const stmt_ref *r, gb_def *d, size_t node);

/* Elaborates one statement of node `node` into a def; the loop context is the statement's. */
static int elab_stmt(lowerer *L, size_t node, const stmt_ref *r)
{
    const gb_ast *s = r->ast;
    if (enter_loops(L, r) != 0)
        return -1;
    gb_def *d = gb_graph_add_def(L->g, node);
    if (!d) {
        L->oom = 1;
        return -1;
    }
    d->loc = s->loc;
    d->nloops = L->nloops;
    d->loops = copy_loops(L);
    if (s->a->kind == GB_AST_INDEX) {
        size_t ni = gb_ast_list_len(s->a->list);
        d->index = gb_arena_alloc(gb_graph_arena(L->g), ni * sizeof *d->index);
        if (!d->index)
            return L->oom = 1, -1;
        d->nindex = ni;
        size_t k = 0;
        for (const gb_ast *ix = s->a->list; ix; ix = ix->next, k++) {
            gb_expr *e = ex_elab(L, r->sc, ix);
            if (!e)
                return -1;
            if (e->type != GB_INT || e->shape.rank > 1 || ix->kind == GB_AST_ALL) {
                gb_error(L->errs, GB_ESEMANTIC, ix->loc,
                         "an index on the left must be an integer or a range");
                return -1;
            }
            d->index[k] = e;
        }
    }
    if (s->kind == GB_AST_ASSIGN) {
        d->expr = ex_elab(L, r->sc, s->b);
        return d->expr ? 0 : -1;
    }
    return elab_dist(L, r, d, node);
}

/* `T[lower, upper]` after a distribution: its bounds, for a scalar distribution with a CDF. */
static int elab_trunc(lowerer *L, const stmt_ref *r, gb_def *d)
{
    const gb_ast *s = r->ast;
    if (strcmp(s->d->name, "T") != 0) {
        gb_error(L->errs, GB_ESEMANTIC, s->d->loc, "expected T[lower, upper] after the "
                                                   "distribution");
        return -1;
    }
    if (d->dist->variate_rank != 0 || (!d->dist->lcdf && !d->dist->lccdf)) {
        gb_error(L->errs, GB_ESEMANTIC, s->d->loc,
                 "%s cannot be truncated: it has no closed-form CDF", d->dist->name);
        return -1;
    }
    if ((s->d->a && !(d->trunc_lo = ex_elab(L, r->sc, s->d->a))) ||
        (s->d->b && !(d->trunc_hi = ex_elab(L, r->sc, s->d->b))))
        return -1;
    return 0;
}

/* "takes 2 arguments" or, with optional parameters, "takes 4 to 5 arguments". */
static void arity_text(const gb_dist_ops *dist, char *buf, size_t len)
{
    int lo = dist->nparams - dist->noptional;
    if (dist->noptional == 0)
        snprintf(buf, len, "%s takes %d argument%s", dist->name, lo, lo == 1 ? "" : "s");
    else
        snprintf(buf, len, "%s takes %d to %d arguments", dist->name, lo, dist->nparams);
}

static int too_many_args(lowerer *L, const gb_ast *call, const gb_dist_ops *dist, size_t given)
{
    char head[96];
    arity_text(dist, head, sizeof head);
    gb_error(L->errs, GB_ESEMANTIC, call->loc, "%s, got %zu", head, given);
    return -1;
}

/* A parameter of the distribution left without an argument: an optional one takes its default
 * (a constant at the call); a required one is an error that lists the parameters. */
static int missing_args(lowerer *L, const gb_ast *call, const gb_def *d, size_t given)
{
    const gb_dist_ops *dist = d->dist;
    int first_optional = dist->nparams - dist->noptional;
    for (int i = first_optional; i < dist->nparams; i++) {
        if (d->args[i])
            continue;
        gb_expr *e = ex_new(L, GB_EX_CONST, call->loc, 0);
        if (!e)
            return -1;
        e->num = dist->defaults[i];
        e->type = dist->params[i].type;
        d->args[i] = e;
    }
    for (int i = 0; i < dist->nparams; i++)
        if (!d->args[i]) {
            char list[160] = "", head[96];
            for (int j = 0; j < dist->nparams; j++) {
                size_t used = strlen(list);
                snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                         dist->params[j].name);
                used = strlen(list);
                if (j >= first_optional)
                    snprintf(list + used, sizeof list - used, " = %g", dist->defaults[j]);
            }
            arity_text(dist, head, sizeof head);
            gb_error(L->errs, GB_ESEMANTIC, call->loc, "%s (%s), got %zu", head, list, given);
            return -1;
        }
    return 0;
}

static int elab_dist(lowerer *L, const stmt_ref *r, gb_def *d, size_t node)
{
    const gb_ast *s = r->ast, *call = s->b;
    if (call->kind != GB_AST_CALL || call->a->kind != GB_AST_NAME) {
        gb_error(L->errs, GB_ESEMANTIC, call->loc,
                 "the right of '~' must be a distribution, like normal(0, 1)");
        return -1;
    }
    /* `target += e` (parser.y): only its node, whose name users cannot write, reaches the
       distribution of the log density's terms */
    const gb_dist_ops *dist = strncmp(gb_graph_node(L->g, node)->name, "target@", 7) == 0 &&
                                      strcmp(call->a->name, "target") == 0
                                  ? &gb_dist_target
                                  : gb_dist_find(call->a->name);
    if (!dist) {
        gb_error(L->errs, GB_ESEMANTIC, call->a->loc, "unknown distribution '%s'",
                 call->a->name);
        if (gb_func_find(call->a->name))
            gb_error_hint(L->errs, "'%s' is a function; '~' takes a distribution",
                          call->a->name);
        else
            sg_suggest(L, r->sc, call->a->name, 1, 0);
        return -1;
    }
    d->dist = dist;
    d->nargs = (size_t)dist->nparams;
    d->args = gb_arena_alloc(gb_graph_arena(L->g), (d->nargs + 1) * sizeof *d->args);
    if (!d->args)
        return L->oom = 1, -1;
    size_t given = gb_ast_list_len(call->list), k = 0;
    int ok = 1, named = 0;
    if (given > (size_t)dist->nparams)
        return too_many_args(L, call, dist, given);
    for (const gb_ast *a = call->list; a; a = a->next, k++) {
        size_t slot = k;
        const gb_ast *val = a;
        if (a->kind == GB_AST_NAMED_ARG) {
            named = 1;
            for (slot = 0; slot < (size_t)dist->nparams; slot++)
                if (strcmp(dist->params[slot].name, a->name) == 0)
                    break;
            if (slot == (size_t)dist->nparams) {
                gb_error(L->errs, GB_ESEMANTIC, a->loc, "%s has no parameter '%s'", dist->name,
                         a->name);
                ok = 0;
                continue;
            }
            val = a->a;
        } else if (named) {
            gb_error(L->errs, GB_ESEMANTIC, a->loc,
                     "positional arguments come before named ones");
            ok = 0;
            continue;
        }
        if (d->args[slot]) {
            gb_error(L->errs, GB_ESEMANTIC, a->loc, "%s's parameter '%s' is given twice",
                     dist->name, dist->params[slot].name);
            ok = 0;
            continue;
        }
        gb_expr *e = ex_elab(L, r->sc, val);
        if (!e) {
            ok = 0;
            continue;
        }
        const gb_param_info *pi = &dist->params[slot];
        if (pi->type == GB_INT && e->type != GB_INT) {
            gb_error(L->errs, GB_ESEMANTIC, val->loc,
                     "%s's parameter '%s' must be an integer, but this is real", dist->name,
                     pi->name);
            ok = 0;
        } else if (e->shape.rank < pi->rank) {
            gb_error(L->errs, GB_ESEMANTIC, val->loc, "%s's parameter '%s' must be a %s",
                     dist->name, pi->name, pi->rank == 1 ? "vector" : "matrix");
            ok = 0;
        }
        d->args[slot] = e;
    }
    if (ok && missing_args(L, call, d, given) != 0)
        ok = 0;
    if (!ok)
        return -1;
    if (s->d && elab_trunc(L, r, d) != 0)
        return -1;
    /* the variate's type against the node's */
    const gb_node *n = sc_node(L, node);
    if (dist->variate_type == GB_INT && n->type == GB_REAL &&
        (n->kind == GB_NODE_DATA || n->observed)) {
        gb_error(L->errs, GB_ESEMANTIC, s->loc,
                 "%s is a distribution over integers, but '%s' is declared real", dist->name,
                 n->name);
        gb_error_hint(L->errs, "declare it `data %s: int[...]`, or use a continuous "
                               "distribution", n->name);
        return -1;
    }
    return 0;
}

/* The shape a whole-node `~` gives: the arguments broadcast (univariate), or the size
 * parameter's trailing dimensions (multivariate). */
/* Distributions whose variate's size only a declared type can give (lkj_corr_cholesky). */
static int size_from_type(const gb_dist_ops *dist)
{
    return dist->variate_rank > 0 && dist->size_param == GB_NO_PARAM && !strstr(dist->name, "_glm");
}

static int dist_shape(lowerer *L, const gb_def *d, gb_shape *out)
{
    const gb_dist_ops *dist = d->dist;
    gb_shape s = {0, {0}};
    for (size_t i = 0; i < d->nargs; i++) {
        gb_shape lead = d->args[i]->shape;
        lead.rank -= dist->params[i].rank;
        if (gb_shape_broadcast(&s, &lead, &s) != 0) {
            char s1[64];
            gb_error(L->errs, GB_ESEMANTIC, d->args[i]->loc,
                     "argument '%s' has %s, which does not match the other arguments",
                     dist->params[i].name, ex_shape_text(&d->args[i]->shape, s1, sizeof s1));
            return -1;
        }
    }
    if (dist->variate_rank == 1 && dist->size_param == GB_NO_PARAM && strstr(dist->name, "_glm")) {
        /* the GLM shortcuts: y has one element per row of x (their first argument) */
        s.dim[s.rank++] = d->args[0]->shape.rank == 2 ? d->args[0]->shape.dim[0] : GB_DIM_UNKNOWN;
    } else if (dist->variate_rank > 0 && dist->size_param != GB_NO_PARAM) {
        const gb_expr *sp = d->args[dist->size_param];
        int pr = dist->params[dist->size_param].rank;
        for (int i = 0; i < dist->variate_rank && s.rank < GB_MAX_RANK; i++)
            s.dim[s.rank++] = sp->shape.dim[sp->shape.rank - pr + i];
    } else if (dist->variate_rank > 0) {
        gb_error(L->errs, GB_ESEMANTIC, d->loc,
                 "the size of a %s variable comes from its declared type", dist->name);
        gb_error_hint(L->errs, "for example  L: cholesky_factor_corr[K] ~ %s(2)", dist->name);
        return -1;
    }
    *out = s;
    return 0;
}

/* Node i and its state, fetched afresh: elaborating may add nodes and move both arrays. */
#define ST (&L->ns.items[i])
#define NN sc_node(L, i)

/* The shape of a node defined element by element (`z[1] ~ ...`, `for t in 2..N { z[t] ~ ...}`):
 * the extent of the left sides' indices; its type from the first statement.  1, or 0 (error
 * reported). */
static int shape_elementwise(lowerer *L, size_t i)
{
    int ok = 1;
    NN->type = GB_REAL;
    gb_shape ext = {0, {0}};
    for (size_t k = 0; k < ST->stmts.len && ok; k++) {
        const stmt_ref *r = &ST->stmts.items[k];
        if (enter_loops(L, r) != 0) {
            ok = 0;
            break;
        }
        gb_def tmp;
        memset(&tmp, 0, sizeof tmp);
        tmp.nloops = L->nloops;
        gb_loop lp[LW_MAX_LOOPS + 8];
        for (size_t q = 0; q < L->nloops; q++) {
            lp[q].var = L->loopvar[q];
            lp[q].lo = L->looplo[q];
            lp[q].hi = L->loophi[q];
        }
        tmp.loops = lp;
        size_t ni = gb_ast_list_len(r->ast->a->list);
        gb_expr *ix[GB_MAX_RANK];
        if (ni > GB_MAX_RANK) {
            gb_error(L->errs, GB_ESEMANTIC, r->ast->a->loc, "too many indices");
            ok = 0;
            break;
        }
        size_t q = 0;
        for (const gb_ast *x = r->ast->a->list; x && ok; x = x->next, q++)
            ok = (ix[q] = ex_elab(L, r->sc, x)) != NULL;
        if (!ok)
            break;
        tmp.index = ix;
        tmp.nindex = ni;
        gb_shape e;
        lhs_extent(L, &tmp, &e);
        if (k == 0)
            ext = e;
        else if (e.rank != ext.rank) {
            gb_error(L->errs, GB_ESEMANTIC, r->ast->a->loc,
                     "'%s' is indexed with %d indices here but %d elsewhere", NN->name,
                     e.rank, ext.rank);
            ok = 0;
        } else {
            for (int a = 0; a < e.rank; a++)
                if (e.dim[a] == GB_DIM_UNKNOWN || ext.dim[a] == GB_DIM_UNKNOWN)
                    ext.dim[a] = GB_DIM_UNKNOWN;
                else if (e.dim[a] > ext.dim[a])
                    ext.dim[a] = e.dim[a];
        }
    }
    L->nloops = 0;
    NN->shape = ext;
    if (NN->kind == GB_NODE_STOCHASTIC && ok) {
        const gb_ast *call = ST->stmts.items[0].ast->b;
        const gb_dist_ops *dd = call->kind == GB_AST_CALL && call->a->kind == GB_AST_NAME
                                    ? gb_dist_find(call->a->name)
                                    : NULL;
        if (dd)
            NN->type = dd->variate_type;
    }
    return ok;
}

/* After the statements are elaborated: a whole-node definition gives the node its shape and
 * type; declared and observed shapes are checked against the distribution's arguments.  1, or 0
 * (error reported). */
static int settle_type(lowerer *L, size_t i)
{
    int ok = 1;
    if (ST->state == ND_SHAPING && NN->ndefs == 1 && !NN->defs[0].index &&
        !(ST->decl_type && NN->defs[0].dist)) {
        const gb_def *d = &NN->defs[0];
        if (d->expr) {
            NN->shape = d->expr->shape;
            NN->type = d->expr->type;
        } else if (dist_shape(L, d, &NN->shape) == 0) {
            NN->type = d->dist->variate_type;
        } else {
            ok = 0;
        }
    } else if (NN->kind == GB_NODE_STOCHASTIC && NN->ndefs > 0 && ST->decl_type) {
        const gb_def *d = &NN->defs[0];
        if (d->dist->variate_type == GB_REAL && NN->type == GB_INT) {
            gb_error(L->errs, GB_ESEMANTIC, ST->decl_type->loc,
                     "'%s' is declared int, but %s is a continuous distribution", NN->name,
                     d->dist->name);
            ok = 0;
        }
        NN->type = d->dist->variate_type;
        gb_shape ds;
        if (ok && !d->index && !size_from_type(d->dist) && dist_shape(L, d, &ds) == 0) {
            gb_shape b;
            if (gb_shape_broadcast(&NN->shape, &ds, &b) != 0 || b.rank != NN->shape.rank) {
                char s1[64], s2[64];
                gb_error(L->errs, GB_ESEMANTIC, d->loc,
                         "'%s' is declared with %s but its distribution's arguments have %s",
                         NN->name, ex_shape_text(&NN->shape, s1, sizeof s1),
                         ex_shape_text(&ds, s2, sizeof s2));
                ok = 0;
            }
        }
    }
    if (ok && NN->kind == GB_NODE_DETERMINISTIC && NN->ndefs > 0 && NN->defs[0].index) {
        int all_int = 1;
        for (size_t k = 0; k < NN->ndefs; k++)
            all_int &= NN->defs[k].expr->type == GB_INT;
        NN->type = all_int ? GB_INT : GB_REAL;
    }
    if (ok && NN->observed && NN->ndefs > 0 && !NN->defs[0].index) {
        gb_shape ds, b;
        if (dist_shape(L, &NN->defs[0], &ds) == 0 &&
            (gb_shape_broadcast(&NN->shape, &ds, &b) != 0 || b.rank != NN->shape.rank)) {
            char s1[64], s2[64];
            gb_error(L->errs, GB_ESEMANTIC, NN->defs[0].loc,
                     "'%s' has %s but its distribution's arguments have %s", NN->name,
                     ex_shape_text(&NN->shape, s1, sizeof s1), ex_shape_text(&ds, s2, sizeof s2));
            ok = 0;
        }
    }
    return ok;
}

gb_status nd_shape(lowerer *L, size_t i, gb_loc use)
{
    if (ST->state >= ND_SHAPED) /* a failed node too: its error is out already */
        return GB_OK;
    if (ST->state == ND_SHAPING) {
        gb_error(L->errs, GB_ESEMANTIC, use, "'%s' depends on itself", sc_node(L, i)->name);
        gb_error_hint(L->errs, "a model is a directed acyclic graph: follow the definitions "
                               "from line %d", sc_node(L, i)->loc.line);
        ST->state = ND_FAILED;
        return GB_ESEMANTIC;
    }
    saved_loops saved;
    save_loops(L, &saved);
    ST->state = ND_SHAPING;
    int ok = 1;
    scope *sc = ST->sc;
    if (NN->kind == GB_NODE_DATA || (NN->kind == GB_NODE_STOCHASTIC && NN->observed)) {
        /* shape and type come from the data, or from the declaration when there are none */
        if (!NN->value && ST->decl_type)
            ok = type_shape(L, sc, ST->decl_type, NN) == 0;
        ST->state = ND_SHAPED;
    } else if (ST->decl_type) {
        ok = type_shape(L, sc, ST->decl_type, NN) == 0;
        if (ok && NN->type == GB_INT && NN->kind == GB_NODE_STOCHASTIC) {
            /* the distribution decides; a declared int is checked against it below */
        }
        ST->state = ND_SHAPED;
    } else if (ST->stmts.len > 0 && ST->stmts.items[0].ast->a->kind == GB_AST_INDEX) {
        ok = shape_elementwise(L, i);
        ST->state = ND_SHAPED;
    }
    /* elaborate every statement */
    if (ok) {
        if (ST->state != ND_SHAPED)
            ST->state = ND_SHAPING; /* a whole-node definition: its shape needs its right side */
        else
            ST->state = ND_ELABORATING;
        for (size_t k = 0; k < ST->stmts.len; k++) {
            ST->stmts.items[k].done = 1;
            if (elab_stmt(L, i, &ST->stmts.items[k]) != 0)
                ok = 0;
        }
        L->nloops = 0;
    }
    if (ok)
        ok = settle_type(L, i);
    restore_loops(L, &saved);
    ST->state = ok ? ND_DONE : ND_FAILED;
    return ok ? GB_OK : lw_failed(L);
}

gb_status nd_elab_pending(lowerer *L, size_t i)
{
    int ok = 1;
    saved_loops saved;
    save_loops(L, &saved);
    for (size_t k = 0; k < ST->stmts.len; k++)
        if (!ST->stmts.items[k].done) {
            ST->stmts.items[k].done = 1;
            if (elab_stmt(L, i, &ST->stmts.items[k]) != 0)
                ok = 0;
        }
    restore_loops(L, &saved);
    return ok ? GB_OK : lw_failed(L);
}

gb_status nd_observe(lowerer *L, size_t i)
{
    gb_status st = nd_elab_pending(L, i);
    if (st == GB_OK && !settle_type(L, i))
        st = lw_failed(L);
    return st;
}
