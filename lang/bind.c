/* bind.c - data against their declarations: presence, rank, sizes (binding size names from the
 * first array that uses them), int vs real, NaN/inf, declared bounds; and the entry points that
 * run the whole of lowering. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"
#include "size.h"

static int type_is_int(const gb_ast *t)
{
    return strcmp(t->name, "int") == 0;
}

static void elem_name(const gb_node *n, size_t off, char *buf, size_t len)
{
    size_t idx[GB_MAX_RANK];
    for (int k = n->shape.rank; k-- > 0;) {
        idx[k] = off % n->shape.dim[k] + 1;
        off /= n->shape.dim[k];
    }
    size_t used = (size_t)snprintf(buf, len, "%s", n->name);
    for (int k = 0; k < n->shape.rank && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%zu%s", k ? "," : "[", idx[k],
                                 k == n->shape.rank - 1 ? "]" : "");
}

static int bind_one(lowerer *L, scope *sc, size_t i)
{
    gb_node *n = N(L, i);
    const gb_ast *t = L->ns.items[i].decl_type;
    const gb_data_var *v = gb_data_find(L->opts->data, n->name);
    if (!v) {
        gb_error(L->errs, GB_EDATA, n->loc, "data variable '%s' is not in the data", n->name);
        return -1;
    }
    size_t ndims = gb_ast_list_len(t->list);
    if ((int)ndims != v->shape.rank) {
        gb_error(L->errs, GB_EDATA, n->loc, "'%s' is declared with %zu dimension%s but the data "
                 "have %d", n->name, ndims, ndims == 1 ? "" : "s", v->shape.rank);
        gb_error_hint(L->errs, "the value is at %s:%d", v->loc.file, v->loc.line);
        return -1;
    }
    int k = 0;
    for (const gb_ast *d = t->list; d; d = d->next, k++) {
        size_t have = v->shape.dim[k];
        gb_expr *e = elab(L, sc, d);
        if (!e)
            return -1;
        double want;
        if (ceval(L, e, NULL, &want) == CE_OK) {
            const gb_data_var *sv =
                d->kind == GB_AST_NAME ? gb_data_find(L->opts->data, d->name) : NULL;
            if (want != (double)have && sv && sv->shape.rank == 0 &&
                N(L, e->node)->kind == GB_NODE_CONST) {
                /* an undeclared size the data also give as a scalar: name both places */
                gb_error(L->errs, GB_EDATA, d->loc,
                         "'%s' has %zu along dimension %d, but the "
                         "data give %s = %.0f",
                         n->name, have, k + 1, d->name, want);
                gb_error_hint(L->errs, "%s is at %s:%d:%d and %s at %s:%d:%d; they must agree",
                              d->name, sv->loc.file, sv->loc.line, sv->loc.col, n->name,
                              v->loc.file, v->loc.line, v->loc.col);
                return -1;
            }
            if (want != (double)have) {
                gb_error(L->errs, GB_EDATA, d->loc, "'%s' has %zu along dimension %d, but the "
                         "model says %s = %.0f", n->name, have, k + 1,
                         d->kind == GB_AST_NAME ? d->name : "this", want);
                return -1;
            }
        } else if (e->kind == GB_EX_NODE && N(L, e->node)->kind == GB_NODE_CONST) {
            gb_node *sz = N(L, e->node);
            sz->value = malloc(sizeof(double));
            if (!sz->value)
                return L->oom = 1, -1;
            sz->value[0] = (double)have;
            sz->len = 1;
        }
        n->dim_name[k] =
            d->kind == GB_AST_NAME ? gb_arena_strdup(gb_graph_arena(L->g), d->name) : NULL;
    }
    if (type_is_int(t) && v->type != GB_INT) {
        for (size_t j = 0; j < v->len; j++)
            if (v->val[j] != floor(v->val[j])) {
                char el[96];
                n->shape = v->shape;
                elem_name(n, j, el, sizeof el);
                gb_error(L->errs, GB_EDATA, v->loc, "%s is %g, but '%s' is declared int", el,
                         v->val[j], n->name);
                return -1;
            }
    }
    n->shape = v->shape;
    n->type = type_is_int(t) ? GB_INT : GB_REAL;
    n->len = v->len;
    if (gb_size_fits_budget(v->len, sizeof(double)) != 0) {
        gb_error(L->errs, GB_ENOMEM, v->loc, "'%s' is too large for the memory budget", n->name);
        return -1;
    }
    n->value = malloc((v->len ? v->len : 1) * sizeof(double));
    if (!n->value)
        return L->oom = 1, -1;
    memcpy(n->value, v->val, v->len * sizeof(double));
    gb_expr *lo = t->a ? elab(L, sc, t->a) : NULL, *hi = t->b ? elab(L, sc, t->b) : NULL;
    double lov = -INFINITY, hiv = INFINITY;
    if ((t->a && (!lo || ceval(L, lo, NULL, &lov) != CE_OK)) ||
        (t->b && (!hi || ceval(L, hi, NULL, &hiv) != CE_OK))) {
        gb_error(L->errs, GB_ESEMANTIC, t->loc, "the bounds of data must be constants or "
                                                "data scalars");
        return -1;
    }
    n->lower = lo;
    n->upper = hi;
    for (size_t j = 0; j < v->len; j++) {
        double x = v->val[j];
        char el[96];
        if (!isfinite(x) || x < lov || x > hiv) {
            elem_name(n, j, el, sizeof el);
            /* the cell itself when the loader knows where it is written */
            gb_loc at = !isfinite(x) && v->nonfinite_loc.line > 0 && v->nonfinite == j
                            ? v->nonfinite_loc
                            : v->loc;
            if (!isfinite(x))
                gb_error(L->errs, GB_EDATA, at, "%s is %s; data must be finite numbers", el,
                         isnan(x) ? "NaN" : "infinite");
            else
                gb_error(L->errs, GB_EDATA, v->loc, "%s is %g, outside the declared bounds "
                         "[%g, %g]", el, x, lov, hiv);
            return -1;
        }
    }
    return 0;
}

/* An undeclared size (`real[J]` with no `data J`) that the data give as a scalar, as Stan
 * users write them: bound from it, so that arrays of that size are checked against it and a
 * size only parameters use is known.  0, or -1 with an error. */
static int bind_size(lowerer *L, size_t i)
{
    gb_node *n = N(L, i);
    const gb_data_var *v = gb_data_find(L->opts->data, n->name);
    if (!v)
        return 0;
    if (v->shape.rank != 0 || v->val[0] != floor(v->val[0]) || v->val[0] < 0 ||
        !(v->val[0] < 9007199254740992.0)) {
        gb_error(L->errs, GB_EDATA, v->loc,
                 "'%s' is a size in the model, so the data must give "
                 "it as a whole number >= 0",
                 n->name);
        gb_error_hint(L->errs, "it is used as a size at %s:%d", n->loc.file, n->loc.line);
        return -1;
    }
    n->value = malloc(sizeof(double));
    if (!n->value)
        return L->oom = 1, -1;
    n->value[0] = v->val[0];
    n->len = 1;
    return 0;
}

void bind_data_decls(lowerer *L, scope *sc)
{
    for (size_t s = 0; s < sc->syms.len; s++) {
        sym *y = &sc->syms.items[s];
        if (y->kind == SYM_NODE && N(L, y->node)->kind == GB_NODE_CONST && !N(L, y->node)->value &&
            !L->ns.items[y->node].decl_type)
            bind_size(L, y->node);
    }
    /* scalars first: sizes written as data scalars (data N: int) must be known for arrays */
    for (int pass = 0; pass < 2; pass++)
        for (size_t s = 0; s < sc->syms.len; s++) {
            sym *y = &sc->syms.items[s];
            if (y->kind != SYM_NODE || N(L, y->node)->kind == GB_NODE_CONST ||
                N(L, y->node)->kind == GB_NODE_DETERMINISTIC || !L->ns.items[y->node].decl_type ||
                N(L, y->node)->value)
                continue;
            gb_node *n = N(L, y->node);
            if (n->kind != GB_NODE_DATA && !n->observed)
                continue;
            int scalar = L->ns.items[y->node].decl_type->list == NULL;
            if ((pass == 0) == scalar)
                bind_one(L, sc, y->node);
        }
}

/* Depth-first search for a cycle in value dependence; a node may refer to itself only when
 * defined element-wise (earlier elements).  Data and observed nodes have known values, so an
 * edge into them never closes a cycle (alpha = 1 / mean(counts) is fine). */
static int find_cycle(lowerer *L, size_t i, unsigned char *mark)
{
    mark[i] = 1;
    gb_node *n = N(L, i);
    if (n->kind == GB_NODE_DATA || n->kind == GB_NODE_CONST || n->observed) {
        mark[i] = 2; /* a known value: it depends on nothing, whatever its likelihood says */
        return 0;
    }
    for (size_t k = 0; k < n->nparents; k++) {
        size_t p = n->parents[k];
        if (p == i) {
            if (n->ndefs > 0 && n->defs[0].index)
                continue;
            gb_error(L->errs, GB_ESEMANTIC, n->loc, "'%s' depends on itself", n->name);
            return 1;
        }
        if (mark[p] == 1) {
            gb_error(L->errs, GB_ESEMANTIC, n->loc, "cycle: '%s' and '%s' depend on each other",
                     n->name, N(L, p)->name);
            gb_error_hint(L->errs, "a model is a directed acyclic graph");
            return 1;
        }
        if (mark[p] == 0 && find_cycle(L, p, mark))
            return 1;
    }
    mark[i] = 2;
    return 0;
}

static void free_scopes(lowerer *L)
{
    while (L->scopes) {
        scope *s = L->scopes;
        L->scopes = s->next_alloc;
        free(s->syms.items);
        free(s->unroll.items);
        free(s);
    }
    for (size_t i = 0; i < L->ns.len; i++)
        free(L->ns.items[i].stmts.items);
    free(L->ns.items);
    free(L->mods.items);
}

gb_status gb_lower_source(gb_sources *srcs, const gb_source *src, const gb_lower_opts *opts,
                          gb_graph **out, gb_errlist *errs)
{
    static const gb_lower_opts none = {NULL, NULL, NULL};
    lowerer Lv;
    lowerer *L = &Lv;
    memset(L, 0, sizeof *L);
    L->srcs = srcs;
    L->errs = errs;
    L->opts = opts ? opts : &none;
    gb_arena_init(&L->ast_arena);
    L->g = gb_graph_new();
    if (!L->g)
        return gb_error(errs, GB_ENOMEM, (gb_loc){src->name, 0, 0, 0}, "out of memory");
    gb_ast *prog = NULL;
    gb_status st = gb_parse(&L->ast_arena, src->name, src->text, src->len, &prog, errs);
    if (st == GB_OK) {
        scope *top = scope_new(L, NULL, "", -1);
        if (top && !prog->list)
            gb_error(errs, GB_ESEMANTIC, (gb_loc){src->name, 1, 1, 0},
                     "the model is empty: it has no statements");
        if (top && prog->list) {
            pass1(L, top, prog->list, NULL, 0);
            if (L->opts->data && gb_errlist_count(errs) == 0)
                bind_data_decls(L, top);
            unroll_loops(L, top);
            for (size_t i = 0; i < top->syms.len; i++)
                if (top->syms.items[i].kind == SYM_COMPONENT)
                    ensure_component(L, &top->syms.items[i]);
            for (size_t i = 0; i < L->ns.len; i++)
                if (N(L, i)->component < 0)
                    ensure_shaped(L, i, N(L, i)->loc);
        }
        for (size_t i = 0; i < gb_graph_node_count(L->g); i++) {
            gb_node *n = N(L, i);
            size_t len = 1;
            int too_big = 0;
            for (int d = 0; d < n->shape.rank; d++) {
                if (n->shape.dim[d] == GB_DIM_UNKNOWN || len == GB_DIM_UNKNOWN)
                    len = GB_DIM_UNKNOWN;
                else if (gb_size_mul(len, n->shape.dim[d], &len) != 0)
                    too_big = 1;
            }
            /* a node that could never be held in memory is refused now, not by the OOM killer */
            if (too_big || (len != GB_DIM_UNKNOWN && gb_size_fits_budget(len, sizeof(double))))
                gb_error(errs, GB_ENOMEM, n->loc,
                         "'%s' would have more elements than the memory budget allows", n->name);
            if (!n->value)
                n->len = len == GB_DIM_UNKNOWN || too_big ? 0 : len;
        }
        if (!L->oom && L->opts->data && gb_errlist_status(errs) == GB_OK)
            check_defs(L);
        if (!L->oom && gb_errlist_status(errs) == GB_OK && gb_graph_link(L->g) != GB_OK)
            L->oom = 1;
        if (!L->oom && gb_errlist_status(errs) == GB_OK) {
            unsigned char *mark = calloc(L->ns.len + 1, 1);
            if (!mark)
                L->oom = 1;
            for (size_t i = 0; mark && i < L->ns.len; i++)
                if (mark[i] == 0 && find_cycle(L, i, mark))
                    break;
            free(mark);
        }
        if (L->oom)
            gb_error(errs, GB_ENOMEM, (gb_loc){src->name, 0, 0, 0}, "out of memory");
        st = gb_errlist_status(errs);
    }
    free_scopes(L);
    gb_arena_release(&L->ast_arena);
    if (st != GB_OK) {
        gb_graph_free(L->g);
        return st;
    }
    *out = L->g;
    return GB_OK;
}

gb_status gb_lower_file(gb_sources *srcs, const char *path, const gb_lower_opts *opts,
                        gb_graph **out, gb_errlist *errs)
{
    const gb_source *src;
    gb_status st = gb_sources_read(srcs, path, (size_t)64 << 20, 1, &src, errs);
    if (st != GB_OK)
        return st;
    return gb_lower_source(srcs, src, opts, out, errs);
}
