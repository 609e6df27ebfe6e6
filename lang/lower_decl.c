/* lower_decl.c - the declaration pass: every statement of a scope creates or extends the node
 * it defines (data, sizes, parameters, deterministic nodes, component instances), so that
 * statements may come in any order; nothing is elaborated yet.  Loops that create components or
 * hold an `if` are put aside to be unrolled (lower_unroll.c) once sizes are known.
 *
 * Owns: the statement lists of each node (L->ns[i].stmts).
 * Offers: decl_block, decl_instance_name.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"

static const gb_ast *lhs_root(const gb_ast *lhs)
{
    if (lhs->kind == GB_AST_NAME)
        return lhs;
    if (lhs->kind == GB_AST_INDEX && lhs->a->kind == GB_AST_NAME)
        return lhs->a;
    return NULL;
}

static void duplicate(lowerer *L, const gb_ast *where, const char *name, const sym *first)
{
    gb_error(L->errs, GB_ESEMANTIC, where->loc, "'%s' is already defined", name);
    if (first->loc.line > 0)
        gb_error_hint(L->errs, "first defined at line %d", first->loc.line);
}

static void add_size_names(lowerer *L, scope *sc, const gb_ast *type)
{
    for (const gb_ast *d = type ? type->list : NULL; d; d = d->next)
        if (d->kind == GB_AST_NAME && !sc_find(sc, d->name)) {
            size_t i;
            if (sc_new_node(L, sc, d->name, GB_NODE_CONST, d->loc, &i) == GB_OK) {
                sc_node(L, i)->type = GB_INT;
                L->ns.items[i].state = ND_DONE;
            }
        }
}

/* `fit = model(...)` or `layer[2] = model(...)`: a component instance, instantiated later
 * (lower_component.c) when first used or at the end. */
static void declare_component(lowerer *L, scope *sc, const gb_ast *s, const gb_ast *root)
{
    if (!sc_find_model(L, sc, s->b->a, NULL)) {
        /* module.model(...) whose module failed to load, or has no such model (said once,
           here): a component that never instantiates, so `fit.x` is not reported again */
        sym c = {.name = root->name,
                 .kind = SYM_COMPONENT,
                 .ast = s,
                 .state = COMP_DONE,
                 .loc = root->loc};
        if (root != s->a) { /* layer[2] = nosuch.dense(...): one of an array of them */
            if (!sc_find(sc, root->name)) {
                sym fam = {.name = root->name, .kind = SYM_COMPARRAY, .ast = s, .loc = root->loc};
                sc_add(L, sc, fam);
            }
            if (decl_instance_name(L, sc, root->name, s->a->list, &c.name) != GB_OK)
                return;
        }
        if (!sc_find(sc, c.name))
            sc_add(L, sc, c);
        return;
    }
    /* nloops is 0: a loop holding a component call is unrolled (see decl_block) */
    const char *name = root->name;
    sym *old = sc_find(sc, root->name);
    if (root != s->a) {
        /* layer[2] = dense(...): one instance of an array of components */
        if (old && old->kind != SYM_COMPARRAY && old->kind != SYM_MODEL &&
            old->kind != SYM_MODULE) {
            duplicate(L, root, root->name, old);
            return;
        }
        if (!old || old->kind != SYM_COMPARRAY) {
            sym fam = {.name = root->name, .kind = SYM_COMPARRAY, .ast = s, .loc = root->loc};
            if (sc_add(L, sc, fam) != GB_OK)
                return;
        }
        if (decl_instance_name(L, sc, root->name, s->a->list, &name) != GB_OK)
            return;
        old = sc_find(sc, name);
    }
    if (old && old->kind != SYM_MODEL && old->kind != SYM_MODULE) {
        duplicate(L, root, name, old);
        return;
    }
    sym c = {.name = name, .kind = SYM_COMPONENT, .ast = s, .loc = root->loc};
    sc_add(L, sc, c);
}

/* Data (or a node already observed) defined a second time: two components, or a component and
 * the script, observing the same data are told so; otherwise it is a duplicate definition. */
static void second_observer(lowerer *L, scope *sc, const gb_ast *root, const sym *old)
{
    const gb_node *n = sc_node(L, old->node);
    const nstate *st = &L->ns.items[old->node];
    const scope *first = st->stmts.items[0].sc;
    if (first != sc && (sc->comp >= 0 || first->comp >= 0)) {
        /* two components (or a component and the script) observe the same data:
           say so where the second is called or written */
        const gb_component *c =
            sc->comp >= 0 ? gb_graph_component(L->g, (size_t)sc->comp) : NULL;
        gb_error(L->errs, GB_ESEMANTIC, c ? c->loc : root->loc,
                 "'%s' would get a second likelihood%s%s%s", n->name,
                 c ? " from component '" : "", c ? c->name : "", c ? "'" : "");
        if (first->comp >= 0)
            gb_error_hint(L->errs, "component '%s' (line %d) already observes it; "
                                   "data can be observed by one statement only",
                          gb_graph_component(L->g, (size_t)first->comp)->name,
                          gb_graph_component(L->g, (size_t)first->comp)->loc.line);
        else
            gb_error_hint(L->errs, "line %d already observes it; data can be "
                                   "observed by one statement only",
                          st->stmts.items[0].ast->loc.line);
        return;
    }
    duplicate(L, root, root->name, old);
}

static void push_stmt(lowerer *L, stmt_list *v, const gb_ast *s, scope *sc, const gb_ast **loops,
                      size_t nloops)
{
    stmt_ref r;
    memset(&r, 0, sizeof r);
    r.ast = s;
    r.sc = sc;
    r.nloops = nloops;
    for (size_t i = 0; i < nloops; i++)
        r.loops[i] = loops[i];
    if (GB_VEC_PUSH(v, r) != 0)
        L->oom = 1;
}

/* Nonzero, with the error, when name is `target`: the log density, which `target += e` adds
 * to (lang/parser.y), is no variable. */
static int is_target(lowerer *L, const char *name, gb_loc loc)
{
    if (strcmp(name, "target") != 0)
        return 0;
    gb_error(L->errs, GB_ESEMANTIC, loc, "'target' is the log density, not a variable");
    gb_error_hint(L->errs, "`target += expr` adds expr to it; give the variable another name");
    return 1;
}

static void declare_def(lowerer *L, scope *sc, const gb_ast *s, const gb_ast **loops,
                        size_t nloops)
{
    const gb_ast *root = lhs_root(s->a);
    const char *op = s->kind == GB_AST_TILDE ? "~" : "=";
    if (!root) {
        gb_error(L->errs, GB_ESEMANTIC, s->a->loc,
                 "the left of '%s' must be a name or an indexed name", op);
        return;
    }
    if (is_target(L, root->name, root->loc))
        return;
    if (s->kind == GB_AST_ASSIGN && s->b->kind == GB_AST_CALL &&
        (sc_find_model(L, sc, s->b->a, NULL) || sc_module_call(L, sc, s->b->a))) {
        declare_component(L, sc, s, root);
        return;
    }
    sym *old = sc_find(sc, root->name);
    if (old && old->kind == SYM_COMPARRAY) {
        duplicate(L, root, root->name, old);
        return;
    }
    int indexed = root != s->a;
    if (s->c && indexed) {
        gb_error(L->errs, GB_ESEMANTIC, s->c->loc,
                 "a type is declared on the whole variable, not on an element");
        return;
    }
    size_t node;
    if (old && old->kind == SYM_NODE) {
        gb_node *n = sc_node(L, old->node);
        nstate *st = &L->ns.items[old->node];
        if (n->kind == GB_NODE_DATA || (n->kind == GB_NODE_STOCHASTIC && n->observed)) {
            if (s->kind == GB_AST_ASSIGN) {
                gb_error(L->errs, GB_ESEMANTIC, s->a->loc, "cannot assign to data '%s'",
                         root->name);
                gb_error_hint(L->errs, "data come from the data file; give a transformed "
                                       "value a new name");
                return;
            }
            if (st->stmts.len > 0 && (!indexed || st->stmts.items[0].ast->a ==
                                                       lhs_root(st->stmts.items[0].ast->a))) {
                second_observer(L, sc, root, old);
                return;
            }
            n->kind = GB_NODE_STOCHASTIC;
            n->observed = 1;
        } else if (n->kind == GB_NODE_CONST) {
            gb_error(L->errs, GB_ESEMANTIC, root->loc,
                     "'%s' is a size bound from the data; it cannot be defined here", root->name);
            return;
        } else {
            if (n->kind == GB_NODE_STOCHASTIC && s->kind == GB_AST_ASSIGN) {
                /* `~` came first, then `=`: the `~`s observe what `=` defines (transformed
                   data; lower_tdata.c refuses it when the `=` reads a parameter) */
                st->obs = st->stmts;
                memset(&st->stmts, 0, sizeof st->stmts);
                n->kind = GB_NODE_DETERMINISTIC;
            }
            int to_obs = s->kind == GB_AST_TILDE && n->kind == GB_NODE_DETERMINISTIC;
            stmt_list *list = to_obs ? &st->obs : &st->stmts;
            const gb_ast *first = list->len ? list->items[0].ast : NULL;
            if (first && (!indexed || first->a == lhs_root(first->a))) {
                duplicate(L, root, root->name, old);
                return;
            }
            if (to_obs) {
                push_stmt(L, &st->obs, s, sc, loops, nloops);
                return;
            }
        }
        node = old->node;
    } else if (old) {
        duplicate(L, root, root->name, old);
        return;
    } else {
        if (sc_new_node(L, sc, root->name,
                        s->kind == GB_AST_TILDE ? GB_NODE_STOCHASTIC : GB_NODE_DETERMINISTIC,
                        root->loc, &node) != GB_OK)
            return;
        L->ns.items[node].decl_type = s->c;
        add_size_names(L, sc, s->c);
    }
    push_stmt(L, &L->ns.items[node].stmts, s, sc, loops, nloops);
}

/* Must a loop over this block be unrolled while the graph is built: does it (or a loop inside
 * it) call a component, or hold an `if` statement (whose condition may read the loop variable)? */
static int needs_unroll(lowerer *L, scope *sc, const gb_ast *list)
{
    for (const gb_ast *s = list; s; s = s->next) {
        if (s->kind == GB_AST_ASSIGN && s->b->kind == GB_AST_CALL &&
            (sc_find_model(L, sc, s->b->a, NULL) || sc_names_module(sc, s->b->a)))
            return 1;
        if (s->kind == GB_AST_COND)
            return 1;
        if (s->kind == GB_AST_FOR && needs_unroll(L, sc, s->list))
            return 1;
    }
    return 0;
}

gb_status decl_instance_name(lowerer *L, scope *sc, const char *root, const gb_ast *indices,
                             const char **out)
{
    char buf[256];
    size_t used = (size_t)snprintf(buf, sizeof buf, "%s[", root);
    for (const gb_ast *x = indices; x; x = x->next) {
        double v = 0;
        int k = 0;
        gb_status st;
        if (x->kind != GB_AST_RANGE && x->kind != GB_AST_ALL &&
            (st = cst_build(L, sc, x, &v, &k)) != GB_OK)
            return st;
        if (k == 0 || v != floor(v) || v < 1 || v > 1e9) {
            gb_error(L->errs, GB_ESEMANTIC, x->loc, "an index of the component array '%s' must "
                                                    "be a positive integer known when the "
                                                    "graph is built", root);
            gb_error_hint(L->errs, "a loop variable may index components only in a loop that "
                                   "creates components (such a loop is unrolled)");
            return GB_ESEMANTIC;
        }
        used += (size_t)snprintf(buf + used, used < sizeof buf ? sizeof buf - used : 0, "%s%.0f",
                                 x == indices ? "" : ",", v);
    }
    if (used + 2 > sizeof buf) {
        return gb_error(L->errs, GB_ESEMANTIC, indices->loc, "the name '%s[...]' is too long",
                        root);
    }
    strcat(buf, "]");
    char *name = gb_arena_strdup(gb_graph_arena(L->g), buf);
    if (!name)
        return lw_nomem(L);
    *out = name;
    return GB_OK;
}

gb_status decl_block(lowerer *L, scope *sc, const gb_ast *list, const gb_ast **loops, size_t nloops)
{
    size_t n0 = gb_errlist_count(L->errs);
    for (const gb_ast *s = list; s; s = s->next) {
        switch (s->kind) {
        case GB_AST_DATA: {
            if (nloops > 0 || sc->comp >= 0) {
                gb_error(L->errs, GB_ESEMANTIC, s->loc,
                         nloops ? "data are declared outside loops"
                                : "a component takes its data as arguments");
                break;
            }
            sym *old = sc_find(sc, s->name);
            if (old) {
                duplicate(L, s, s->name, old);
                break;
            }
            if (is_target(L, s->name, s->loc))
                break;
            size_t i;
            if (sc_new_node(L, sc, s->name, GB_NODE_DATA, s->loc, &i) != GB_OK)
                break;
            L->ns.items[i].decl_type = s->a;
            add_size_names(L, sc, s->a);
            break;
        }
        case GB_AST_TILDE:
        case GB_AST_ASSIGN:
            declare_def(L, sc, s, loops, nloops);
            break;
        case GB_AST_FOR: {
            if (needs_unroll(L, sc, s->list)) {
                /* unrolled when the sizes are bound: each iteration's statements are declared
                   with the loop variable replaced by its value */
                if (GB_VEC_PUSH(&sc->unroll, s) != 0)
                    L->oom = 1;
                break;
            }
            if (nloops >= LW_MAX_LOOPS) {
                gb_error(L->errs, GB_ESEMANTIC, s->loc, "loops nested more than %d deep",
                         LW_MAX_LOOPS);
                break;
            }
            const gb_ast *inner[LW_MAX_LOOPS];
            for (size_t i = 0; i < nloops; i++)
                inner[i] = loops[i];
            inner[nloops] = s;
            decl_block(L, sc, s->list, inner, nloops + 1);
            break;
        }
        case GB_AST_CHOICE:
            if (nloops > 0 || sc->comp >= 0)
                gb_error(L->errs, GB_ESEMANTIC, s->loc,
                         "'@%s %s' is written at the top level, outside loops and components",
                         s->op > 0 ? "marginalise" : "sample", s->name);
            break; /* applied once the graph is built (lower.c) */
        case GB_AST_COND:
            /* decided when the sizes and data are bound (unroll_loops), like the loops that
               need unrolling; a loop holding one is unrolled, so nloops is 0 here */
            if (GB_VEC_PUSH(&sc->unroll, s) != 0)
                L->oom = 1;
            break;
        case GB_AST_MODEL: {
            if (nloops > 0 || sc->comp >= 0) {
                gb_error(L->errs, GB_ESEMANTIC, s->loc, "models are defined at the top level");
                break;
            }
            sym *old = sc_find(sc, s->name);
            if (old) {
                duplicate(L, s, s->name, old);
                break;
            }
            sym m = {.name = s->name, .kind = SYM_MODEL, .ast = s, .inst = sc->file, .loc = s->loc};
            sc_add(L, sc, m);
            break;
        }
        case GB_AST_IMPORT: {
            if (nloops > 0 || sc->comp >= 0) {
                gb_error(L->errs, GB_ESEMANTIC, s->loc, "imports are at the top level");
                break;
            }
            sym *old = sc_find(sc, s->name);
            if (old) {
                duplicate(L, s, s->name, old);
                break;
            }
            /* a module that failed to load is still declared (mod NULL), so that its uses
               are not reported again as unknown names or non-functions */
            module *mod = NULL;
            sc_load_module(L, s, s->loc.file, &mod);
            sym ms = {.name = s->name, .kind = SYM_MODULE, .mod = mod, .loc = s->loc};
            sc_add(L, sc, ms);
            break;
        }
        default:
            break;
        }
    }
    return lw_status(L, n0);
}
