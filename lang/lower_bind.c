/* lower_bind.c - data against their declarations: presence, rank, sizes (binding size names
 * from the first array that uses them), int vs real, NaN/inf, declared bounds.
 *
 * Owns: the values it copies from the data into data and size nodes (in the graph).
 * Offers: bind_data_decls.
 */
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

/* The data's extent along each declared dimension: checked against a size already known, or
 * binding a size name the data give first (`data y: real[N]` binds N).  0, or -1 (reported). */
static int bind_dims(lowerer *L, scope *sc, gb_node *n, const gb_ast *t, const gb_data_var *v)
{
    int k = 0;
    for (const gb_ast *d = t->list; d; d = d->next, k++) {
        size_t have = v->shape.dim[k];
        gb_expr *e = ex_elab(L, sc, d);
        if (!e)
            return -1;
        double want;
        if (cst_eval(L, e, NULL, &want) == CST_OK) {
            const gb_data_var *sv =
                d->kind == GB_AST_NAME ? gb_data_find(L->opts->data, d->name) : NULL;
            if (want != (double)have && sv && sv->shape.rank == 0 &&
                sc_node(L, e->node)->kind == GB_NODE_CONST) {
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
        } else if (e->kind == GB_EX_NODE && sc_node(L, e->node)->kind == GB_NODE_CONST) {
            gb_node *sz = sc_node(L, e->node);
            sz->value = malloc(sizeof(double));
            if (!sz->value)
                return L->oom = 1, -1;
            sz->value[0] = (double)have;
            sz->len = 1;
        }
        n->dim_name[k] =
            d->kind == GB_AST_NAME ? gb_arena_strdup(gb_graph_arena(L->g), d->name) : NULL;
    }
    return 0;
}

static int bind_one(lowerer *L, scope *sc, size_t i)
{
    gb_node *n = sc_node(L, i);
    const gb_ast *t = L->ns.items[i].decl_type;
    const gb_data_var *v = gb_data_find(L->opts->data, n->name);
    if (!v && L->opts->unobserved_ok)
        return 0; /* decided once components are instantiated (gb_lower_source) */
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
    if (bind_dims(L, sc, n, t, v) != 0)
        return -1;
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
    gb_expr *lo = t->a ? ex_elab(L, sc, t->a) : NULL, *hi = t->b ? ex_elab(L, sc, t->b) : NULL;
    double lov = -INFINITY, hiv = INFINITY;
    if ((t->a && (!lo || cst_eval(L, lo, NULL, &lov) != CST_OK)) ||
        (t->b && (!hi || cst_eval(L, hi, NULL, &hiv) != CST_OK))) {
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
    gb_node *n = sc_node(L, i);
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

gb_status bind_data_decls(lowerer *L, scope *sc)
{
    size_t n0 = gb_errlist_count(L->errs);
    for (size_t s = 0; s < sc->syms.len; s++) {
        sym *y = &sc->syms.items[s];
        if (y->kind == SYM_NODE && sc_node(L, y->node)->kind == GB_NODE_CONST &&
            !sc_node(L, y->node)->value && !L->ns.items[y->node].decl_type)
            bind_size(L, y->node);
    }
    /* scalars first: sizes written as data scalars (data N: int) must be known for arrays */
    for (int pass = 0; pass < 2; pass++)
        for (size_t s = 0; s < sc->syms.len; s++) {
            sym *y = &sc->syms.items[s];
            if (y->kind != SYM_NODE || sc_node(L, y->node)->kind == GB_NODE_CONST ||
                sc_node(L, y->node)->kind == GB_NODE_DETERMINISTIC ||
                !L->ns.items[y->node].decl_type || sc_node(L, y->node)->value)
                continue;
            gb_node *n = sc_node(L, y->node);
            if (n->kind != GB_NODE_DATA && !n->observed)
                continue;
            int scalar = L->ns.items[y->node].decl_type->list == NULL;
            if ((pass == 0) == scalar)
                bind_one(L, sc, y->node);
        }
    return lw_status(L, n0);
}
