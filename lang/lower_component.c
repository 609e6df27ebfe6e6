/* lower_component.c - instantiating `name = model(args)`: a new scope whose nodes are named
 * "name.node", arguments bound to the caller's nodes (or to new nodes holding the argument's
 * expression), sizes in the parameter types bound from the arguments' shapes.
 *
 * Owns: the instance's scope (linked into L->scopes) and the nodes it creates.
 * Offers: comp_instantiate.
 */
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"

/* Is e an array literal ([16, 8], [[1, 2], [3, 4]])?  Its element count in *len. */
static int const_array_len(const gb_expr *e, size_t *len)
{
    if (e->shape.rank == 0) {
        ++*len;
        return 1;
    }
    if (e->kind != GB_EX_ARRAY)
        return 0;
    for (int i = 0; i < e->nargs; i++)
        if (!const_array_len(e->args[i], len))
            return 0;
    return 1;
}

static int const_array_fill(lowerer *L, const gb_expr *e, double *v, size_t *k)
{
    if (e->shape.rank == 0)
        return cst_eval(L, e, NULL, &v[(*k)++]) == CST_OK ? 0 : -1;
    for (int i = 0; i < e->nargs; i++)
        if (const_array_fill(L, e->args[i], v, k) != 0)
            return -1;
    return 0;
}

/* Size names in a parameter's type (`x: real[N, K]`) bound from the argument's shape, or
 * checked against the value an earlier argument gave them.  0, or -1 (reported). */
static int bind_sizes(lowerer *L, scope *inner, const gb_ast *param, const gb_ast *val,
                      const gb_expr *e)
{
    const gb_ast *t = param->a;
    int k = 0;
    for (const gb_ast *d = t->list; d; d = d->next, k++) {
        if (d->kind != GB_AST_NAME)
            continue;
        sym *s = sc_find(inner, d->name);
        if (!s) {
            size_t i;
            if (sc_new_node(L, inner, d->name, GB_NODE_CONST, d->loc, &i) != GB_OK)
                return -1;
            gb_node *n = sc_node(L, i);
            n->type = GB_INT;
            L->ns.items[i].state = ND_DONE;
            if (e->shape.dim[k] != GB_DIM_UNKNOWN) {
                n->value = malloc(sizeof(double));
                if (!n->value)
                    return L->oom = 1, -1;
                n->value[0] = (double)e->shape.dim[k];
                n->len = 1;
            }
        } else if (s->kind == SYM_NODE) {
            gb_node *n = sc_node(L, s->node);
            if (n->value && n->len == 1 && e->shape.dim[k] != GB_DIM_UNKNOWN &&
                n->value[0] != (double)e->shape.dim[k]) {
                gb_error(L->errs, GB_ESEMANTIC, val->loc,
                         "argument '%s' has %zu along dimension %d, but %s is %.0f from an "
                         "earlier argument", param->name, e->shape.dim[k], k + 1, d->name,
                         n->value[0]);
                return -1;
            }
        }
    }
    return 0;
}

static int bind_param(lowerer *L, scope *inner, const gb_ast *param, const gb_ast *arg_ast,
                      scope *caller)
{
    scope *eval_in = arg_ast ? caller : inner;
    const gb_ast *val = arg_ast ? arg_ast : param->b;
    gb_expr *e = ex_elab(L, eval_in, val);
    if (!e)
        return -1;
    const gb_ast *t = param->a;
    if (strcmp(t->name, "int") == 0 && e->type != GB_INT) {
        gb_error(L->errs, GB_ESEMANTIC, val->loc, "argument '%s' must be an integer",
                 param->name);
        return -1;
    }
    size_t ndims = gb_ast_list_len(t->list);
    if (ndims != (size_t)e->shape.rank) {
        char s1[64];
        gb_error(L->errs, GB_ESEMANTIC, val->loc, "argument '%s' should have %zu dimension%s, "
                 "but this has %s", param->name, ndims, ndims == 1 ? "" : "s",
                 ex_shape_text(&e->shape, s1, sizeof s1));
        return -1;
    }
    if (bind_sizes(L, inner, param, val, e) != 0)
        return -1;
    if (e->kind == GB_EX_NODE) {
        sym s = {.name = param->name, .kind = SYM_NODE, .node = e->node, .loc = param->loc};
        return sc_add(L, inner, s) == GB_OK ? 0 : -1;
    }
    double cv;
    size_t len = 0;
    if (e->shape.rank > 0 && const_array_len(e, &len)) {
        /* an array of constants (layer sizes [16, 8]): a constant node whose elements can be
           read while the graph is built */
        double *v = malloc(len * sizeof(double));
        size_t filled = 0;
        if (!v)
            return L->oom = 1, -1;
        if (const_array_fill(L, e, v, &filled) == 0) {
            size_t c;
            if (sc_new_node(L, inner, param->name, GB_NODE_CONST, param->loc, &c) != GB_OK) {
                free(v);
                return L->oom = 1, -1;
            }
            sc_node(L, c)->value = v;
            sc_node(L, c)->len = len;
            sc_node(L, c)->shape = e->shape;
            sc_node(L, c)->type = e->type;
            L->ns.items[c].state = ND_DONE;
            return 0;
        }
        free(v); /* not all constant: an ordinary node below */
    }
    if (e->shape.rank == 0 && cst_eval(L, e, NULL, &cv) == CST_OK) {
        /* a constant option (a prior scale, a layer size): a constant node */
        size_t c;
        if (sc_new_node(L, inner, param->name, GB_NODE_CONST, param->loc, &c) != GB_OK ||
            !(sc_node(L, c)->value = malloc(sizeof(double))))
            return L->oom = 1, -1;
        sc_node(L, c)->value[0] = cv;
        sc_node(L, c)->len = 1;
        sc_node(L, c)->type = e->type;
        L->ns.items[c].state = ND_DONE;
        return 0;
    }
    size_t i;
    if (sc_new_node(L, inner, param->name, GB_NODE_DETERMINISTIC, param->loc, &i) != GB_OK)
        return -1;
    gb_def *d = gb_graph_add_def(L->g, i);
    if (!d)
        return L->oom = 1, -1;
    d->loc = val->loc;
    d->expr = e;
    sc_node(L, i)->shape = e->shape;
    sc_node(L, i)->type = e->type;
    L->ns.items[i].state = ND_DONE;
    return 0;
}

/* Binds the call's arguments to the model's parameters in the instance's scope: positional,
 * then named, then defaults.  1, or 0 (errors reported). */
static int bind_args(lowerer *L, scope *inner, scope *caller, const gb_ast *model,
                     const gb_ast *call)
{
    const gb_ast *params = model->a;
    size_t np = gb_ast_list_len(params), k = 0;
    const gb_ast *given[64] = {0};
    int ok = np <= 64;
    for (const gb_ast *a = call->list; a && ok; a = a->next, k++) {
        if (a->kind == GB_AST_NAMED_ARG) {
            size_t j = 0;
            const gb_ast *p = params;
            for (; p && strcmp(p->name, a->name) != 0; p = p->next)
                j++;
            if (!p) {
                gb_error(L->errs, GB_ESEMANTIC, a->loc, "model %s has no argument '%s'",
                         model->name, a->name);
                ok = 0;
            } else if (given[j]) {
                gb_error(L->errs, GB_ESEMANTIC, a->loc, "argument '%s' is given twice", a->name);
                ok = 0;
            } else {
                given[j] = a->a;
            }
        } else if (k >= np) {
            gb_error(L->errs, GB_ESEMANTIC, a->loc, "model %s takes %zu argument%s", model->name,
                     np, np == 1 ? "" : "s");
            ok = 0;
        } else {
            given[k] = a;
        }
    }
    k = 0;
    for (const gb_ast *p = params; p && ok; p = p->next, k++) {
        if (!given[k] && !p->b) {
            gb_error(L->errs, GB_ESEMANTIC, call->loc, "model %s needs argument '%s'",
                     model->name, p->name);
            ok = 0;
        } else if (bind_param(L, inner, p, given[k], caller) != 0) {
            ok = 0;
        }
    }
    return ok;
}

gb_status comp_instantiate(lowerer *L, sym *s, sym **out)
{
    if (s->state == COMP_DONE) {
        if (!s->inst)
            return lw_failed(L); /* its error is out already */
        *out = s;
        return GB_OK;
    }
    if (s->state == COMP_BUSY) {
        gb_error(L->errs, GB_ESEMANTIC, s->loc, "component '%s' depends on itself", s->name);
        s->state = COMP_DONE;
        return lw_failed(L);
    }
    s->state = COMP_BUSY;
    const gb_ast *stmt = s->ast, *call = stmt->b;
    /* find the caller's scope: the one holding s */
    scope *caller = NULL;
    for (scope *sc = L->scopes; sc && !caller; sc = sc->next_alloc)
        if (sc->syms.len > 0 && s >= sc->syms.items && s < sc->syms.items + sc->syms.len)
            caller = sc;
    scope *file = NULL;
    const gb_ast *model = caller ? sc_find_model(L, caller, call->a, &file) : NULL;
    if (!model) {
        s->state = COMP_DONE;
        return lw_failed(L);
    }
    /* a model that (through others) calls itself can never finish: no statement is
       conditional, so say so at once instead of unfolding a tree of instances */
    for (const scope *up = caller; up; up = up->caller)
        if (up->model == model) {
            gb_error(L->errs, GB_ESEMANTIC, call->loc, "model '%s' calls itself",
                     call->a->kind == GB_AST_NAME ? call->a->name : s->name);
            gb_error_hint(L->errs, "a component cannot contain an instance of itself");
            s->state = COMP_DONE;
            return lw_failed(L);
        }
    if (gb_graph_component_count(L->g) >= LW_MAX_COMPONENTS) {
        gb_error(L->errs, GB_ESEMANTIC, call->loc,
                 "more than %d component instances: the model is too large", LW_MAX_COMPONENTS);
        s->state = COMP_DONE;
        return lw_failed(L);
    }
    if (caller->inst_depth >= 16) {
        gb_error(L->errs, GB_ESEMANTIC, call->loc, "components nested more than 16 deep "
                                                   "(does a model call itself?)");
        s->state = COMP_DONE;
        return lw_failed(L);
    }
    char *prefix = gb_arena_alloc(gb_graph_arena(L->g),
                                  strlen(caller->prefix) + strlen(s->name) + 2);
    if (!prefix)
        return lw_nomem(L);
    strcpy(prefix, caller->prefix);
    strcat(prefix, s->name);
    char *path = gb_arena_strdup(gb_graph_arena(L->g), prefix);
    strcat(prefix, ".");
    const char *mname = call->a->name; /* NAME or module.MEMBER */
    int comp = gb_graph_add_component(L->g, path ? path : s->name, mname, caller->comp,
                                      s->loc);
    scope *inner = NULL;
    if (sc_new(L, file, prefix, comp, &inner) != GB_OK || comp < 0)
        return lw_nomem(L);
    inner->inst_depth = caller->inst_depth + 1;
    inner->caller = caller;
    inner->model = model;
    int ok = bind_args(L, inner, caller, model, call);
    s->inst = inner;
    if (ok) {
        decl_block(L, inner, model->list, NULL, 0);
        unroll_loops(L, inner);
        /* nested instances first, in the order they are written, so that the graph lists
           layer[1], layer[2], ... in order whichever is used first */
        for (size_t i = 0; i < inner->syms.len; i++)
            if (inner->syms.items[i].kind == SYM_COMPONENT)
                comp_instantiate(L, &inner->syms.items[i], &(sym *){NULL});
        for (size_t i = 0; i < inner->syms.len; i++) {
            sym *m = &inner->syms.items[i];
            if (m->kind == SYM_NODE && sc_node(L, m->node)->component == comp)
                nd_shape(L, m->node, m->loc);
            else if (m->kind == SYM_NODE && L->ns.items[m->node].state >= ND_SHAPED)
                nd_elab_pending(L, m->node);
        }
    }
    s = NULL;
    for (scope *sc = L->scopes; sc && !s; sc = sc->next_alloc)
        for (size_t i = 0; i < sc->syms.len; i++)
            if (sc->syms.items[i].kind == SYM_COMPONENT && sc->syms.items[i].inst == inner)
                s = &sc->syms.items[i];
    if (s)
        s->state = COMP_DONE;
    if (!ok)
        return lw_failed(L);
    if (!s)
        return GB_INTERNAL(L->errs); /* the instance is always in a scope */
    *out = s;
    return GB_OK;
}
