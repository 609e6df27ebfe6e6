/* lower.c - the driver of lowering: scopes and imports, the declaration pass that creates a
 * node for every name defined in a scope, then lazy elaboration of each node (its shape first,
 * so element-by-element definitions may refer to earlier elements of themselves), component
 * instantiation, and the final checks (coverage, index ranges, cycles).
 *
 * Lowering is declarative like BUGS: statements may come in any order; a node's definition is
 * elaborated when first needed, and a node needed while its own shape is being worked out is a
 * cycle.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lower_int.h"

gb_node *N(lowerer *L, size_t i)
{
    return gb_graph_node(L->g, i);
}

scope *scope_new(lowerer *L, scope *file, const char *prefix, int comp)
{
    scope *s = calloc(1, sizeof *s);
    if (!s) {
        L->oom = 1;
        return NULL;
    }
    s->file = file ? file : s;
    s->prefix = prefix;
    s->comp = comp;
    s->next_alloc = L->scopes;
    L->scopes = s;
    return s;
}

sym *scope_find(scope *sc, const char *name)
{
    for (size_t i = sc->syms.len; i-- > 0;)
        if (strcmp(sc->syms.items[i].name, name) == 0)
            return &sc->syms.items[i];
    if (sc->file != sc)
        for (size_t i = sc->file->syms.len; i-- > 0;) {
            sym *s = &sc->file->syms.items[i];
            if ((s->kind == SYM_MODEL || s->kind == SYM_MODULE) && strcmp(s->name, name) == 0)
                return s;
        }
    return NULL;
}

sym *scope_add(lowerer *L, scope *sc, sym s)
{
    if (GB_VEC_PUSH(&sc->syms, s) != 0) {
        L->oom = 1;
        return NULL;
    }
    return &sc->syms.items[sc->syms.len - 1];
}

static const char *qualify(lowerer *L, scope *sc, const char *name)
{
    char *q = gb_arena_alloc(gb_graph_arena(L->g), strlen(sc->prefix) + strlen(name) + 1);
    if (!q) {
        L->oom = 1;
        return name;
    }
    strcpy(q, sc->prefix);
    strcat(q, name);
    return q;
}

size_t new_node(lowerer *L, scope *sc, const char *name, gb_node_kind kind, gb_loc loc)
{
    nstate st;
    memset(&st, 0, sizeof st);
    st.sc = sc;
    /* The state first: every node of the graph must have one, even when adding the node is
     * what fails (the passes after an error still walk the graph). */
    if (GB_VEC_PUSH(&L->ns, st) != 0) {
        L->oom = 1;
        return (size_t)-1;
    }
    size_t i = gb_graph_add_node(L->g, qualify(L, sc, name), kind, loc);
    if (i == (size_t)-1) {
        L->ns.len--;
        L->oom = 1;
        return (size_t)-1;
    }
    N(L, i)->component = sc->comp;
    sym s = {.name = name, .kind = SYM_NODE, .node = i, .loc = loc};
    if (!scope_add(L, sc, s))
        return (size_t)-1;
    return i;
}

/* ---- imports ---- */

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Does FOLDER (its first n characters; n == 0: the current folder) hold NAME.gb?  Writes the
 * candidate to path and appends the folder to tried, for the hint that lists every folder
 * searched. */
static int search_folder(const char *folder, int n, const char *name, char path[PATH_MAX],
                         char tried[1024])
{
    size_t used = strlen(tried);
    if (used < 1024)
        snprintf(tried + used, 1024 - used, "%s%.*s", used ? ", " : "", n ? n : 1,
                 n ? folder : ".");
    if (n)
        snprintf(path, PATH_MAX, "%.*s/%s.gb", n, folder, name);
    else
        snprintf(path, PATH_MAX, "%s.gb", name);
    return file_exists(path);
}

static module *load_module(lowerer *L, const gb_ast *imp, const char *from_file)
{
    char path[PATH_MAX], tried[1024] = "";
    int found = 0;
    if (imp->a) { /* import "path.gb" as name: relative to the importing file */
        const char *p = imp->a->name;
        const char *slash = strrchr(from_file, '/');
        if (p[0] == '/' || !slash)
            snprintf(path, sizeof path, "%s", p);
        else
            snprintf(path, sizeof path, "%.*s/%s", (int)(slash - from_file), from_file, p);
        found = file_exists(path);
    } else {
        const char *slash = strrchr(from_file, '/');
        found =
            search_folder(from_file, slash ? (int)(slash - from_file) : 0, imp->name, path, tried);
        for (int k = 0; k < 2 && !found && L->opts; k++) /* GLASSBOX_PATH, then the stdlib */
            for (const char *sp = k ? L->opts->stdlib_dir : L->opts->search_path;
                 !found && sp && *sp; sp += strcspn(sp, ":"), sp += *sp == ':') {
                size_t n = strcspn(sp, ":");
                if (n > 0)
                    found = search_folder(sp, (int)n, imp->name, path, tried);
            }
    }
    if (!found) {
        gb_error(L->errs, GB_ESEMANTIC, imp->loc, "cannot find module '%s'",
                 imp->a ? imp->a->name : imp->name);
        if (imp->a)
            gb_error_hint(L->errs, "the path is relative to the importing script");
        else
            gb_error_hint(L->errs,
                          "looked for %s.gb in %s (the script's folder, GLASSBOX_PATH, "
                          "then the stdlib)",
                          imp->name, tried);
        return NULL;
    }
    for (size_t i = 0; i < L->mods.len; i++)
        if (strcmp(L->mods.items[i]->name, path) == 0)
            return L->mods.items[i];
    const gb_source *src = gb_sources_find(L->srcs, path);
    if (!src) {
        /* the reader's messages are located at `path`, a buffer of this frame: say them again
           at the import statement, which outlives it and is where the user must look */
        gb_loc at = imp->a ? imp->a->loc : imp->loc; /* the path, or the module's name */
        gb_errlist *rd = gb_errlist_new();
        if (!rd)
            return L->oom = 1, NULL;
        gb_status st = gb_sources_read(L->srcs, path, (size_t)64 << 20, 1, &src, rd);
        for (size_t i = 0; i < gb_errlist_count(rd); i++) {
            const gb_err *e = gb_errlist_get(rd, i);
            gb_error(L->errs, e->code, at, "%s", e->msg ? e->msg : "out of memory");
        }
        if (st != GB_OK && gb_errlist_count(rd) == 0)
            gb_error(L->errs, st, at, "cannot read module '%s'", path);
        gb_errlist_free(rd);
        if (st != GB_OK)
            return NULL;
    }
    gb_ast *prog = NULL;
    if (gb_parse(&L->ast_arena, src->name, src->text, src->len, &prog, L->errs) != GB_OK)
        return NULL;
    module *m = gb_arena_alloc(&L->ast_arena, sizeof *m);
    if (!m || GB_VEC_PUSH(&L->mods, m) != 0) {
        L->oom = 1;
        return NULL;
    }
    m->name = src->name;
    m->sc = scope_new(L, NULL, "", -1);
    if (!m->sc)
        return NULL;
    for (const gb_ast *s = prog->list; s; s = s->next)
        if (s->kind != GB_AST_MODEL && s->kind != GB_AST_IMPORT)
            gb_error(L->errs, GB_ESEMANTIC, s->loc,
                     "a module holds only `model` definitions and imports");
    pass1(L, m->sc, prog->list, NULL, 0);
    return m;
}

/* ---- the declaration pass ---- */

static const gb_ast *lhs_root(const gb_ast *lhs)
{
    if (lhs->kind == GB_AST_NAME)
        return lhs;
    if (lhs->kind == GB_AST_INDEX && lhs->a->kind == GB_AST_NAME)
        return lhs->a;
    return NULL;
}

const gb_ast *find_model(lowerer *L, scope *sc, const gb_ast *callee, scope **file)
{
    (void)L;
    if (callee->kind == GB_AST_NAME) {
        sym *s = scope_find(sc, callee->name);
        if (s && s->kind == SYM_MODEL) {
            if (file)
                *file = s->inst;
            return s->ast;
        }
    } else if (callee->kind == GB_AST_MEMBER && callee->a->kind == GB_AST_NAME) {
        sym *s = scope_find(sc, callee->a->name);
        if (s && s->kind == SYM_MODULE && s->mod) {
            sym *m = scope_find(s->mod->sc, callee->name);
            if (m && m->kind == SYM_MODEL) {
                if (file)
                    *file = m->inst;
                return m->ast;
            }
        }
    }
    return NULL;
}

/* Is callee `module.name` for a module imported in sc (loaded or not)? */
static int names_module(scope *sc, const gb_ast *callee)
{
    if (callee->kind != GB_AST_MEMBER || callee->a->kind != GB_AST_NAME)
        return 0;
    sym *s = scope_find(sc, callee->a->name);
    return s && s->kind == SYM_MODULE;
}

int module_call(lowerer *L, scope *sc, const gb_ast *callee)
{
    if (!names_module(sc, callee))
        return 0;
    sym *s = scope_find(sc, callee->a->name);
    if (!s->mod)
        return 1; /* its import was reported */
    for (size_t i = 0; i < gb_errlist_count(L->errs); i++) {
        const gb_loc *at = &gb_errlist_get(L->errs, i)->loc;
        if (at->file == callee->loc.file && at->line == callee->loc.line &&
            at->col == callee->loc.col)
            return 1; /* said already: an unrolled loop meets the call once per iteration */
    }
    gb_error(L->errs, GB_ESEMANTIC, callee->loc, "module '%s' has no model '%s'", s->name,
             callee->name);
    const char *best = NULL;
    size_t bestd = 3;
    for (size_t i = 0; i < s->mod->sc->syms.len; i++) {
        const sym *m = &s->mod->sc->syms.items[i];
        size_t d = m->kind == SYM_MODEL ? edit_distance(callee->name, m->name) : 99;
        if (d < bestd) {
            bestd = d;
            best = m->name;
        }
    }
    if (best)
        gb_error_hint(L->errs, "did you mean '%s.%s'?", s->name, best);
    else
        gb_error_hint(L->errs, "its models are listed in %s", s->mod->name);
    return 1;
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
        if (d->kind == GB_AST_NAME && !scope_find(sc, d->name)) {
            size_t i = new_node(L, sc, d->name, GB_NODE_CONST, d->loc);
            if (i != (size_t)-1) {
                N(L, i)->type = GB_INT;
                L->ns.items[i].state = 4;
            }
        }
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
    if (s->kind == GB_AST_ASSIGN && s->b->kind == GB_AST_CALL &&
        !find_model(L, sc, s->b->a, NULL) && module_call(L, sc, s->b->a)) {
        /* module.model(...) whose module failed to load, or has no such model (said once,
           here): a component that never instantiates, so `fit.x` is not reported again */
        sym c = {.name = root->name, .kind = SYM_COMPONENT, .ast = s, .state = 2, .loc = root->loc};
        if (root != s->a) { /* layer[2] = nosuch.dense(...): one of an array of them */
            if (!scope_find(sc, root->name)) {
                sym fam = {.name = root->name, .kind = SYM_COMPARRAY, .ast = s, .loc = root->loc};
                scope_add(L, sc, fam);
            }
            if (!(c.name = instance_name(L, sc, root->name, s->a->list)))
                return;
        }
        if (!scope_find(sc, c.name))
            scope_add(L, sc, c);
        return;
    }
    if (s->kind == GB_AST_ASSIGN && s->b->kind == GB_AST_CALL &&
        find_model(L, sc, s->b->a, NULL)) {
        /* nloops is 0: a loop holding a component call is unrolled (see pass1) */
        const char *name = root->name;
        sym *old = scope_find(sc, root->name);
        if (root != s->a) {
            /* layer[2] = dense(...): one instance of an array of components */
            if (old && old->kind != SYM_COMPARRAY && old->kind != SYM_MODEL &&
                old->kind != SYM_MODULE) {
                duplicate(L, root, root->name, old);
                return;
            }
            if (!old || old->kind != SYM_COMPARRAY) {
                sym fam = {.name = root->name, .kind = SYM_COMPARRAY, .ast = s, .loc = root->loc};
                if (!scope_add(L, sc, fam))
                    return;
            }
            if (!(name = instance_name(L, sc, root->name, s->a->list)))
                return;
            old = scope_find(sc, name);
        }
        if (old && old->kind != SYM_MODEL && old->kind != SYM_MODULE) {
            duplicate(L, root, name, old);
            return;
        }
        sym c = {.name = name, .kind = SYM_COMPONENT, .ast = s, .loc = root->loc};
        scope_add(L, sc, c);
        return;
    }
    sym *old = scope_find(sc, root->name);
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
        gb_node *n = N(L, old->node);
        nstate *st = &L->ns.items[old->node];
        if (n->kind == GB_NODE_DATA || (n->kind == GB_NODE_STOCHASTIC && n->observed)) {
            if (s->kind == GB_AST_ASSIGN) {
                gb_error(L->errs, GB_ESEMANTIC, s->a->loc, "cannot assign to data '%s'",
                         root->name);
                gb_error_hint(L->errs, "data come from the data file; give a transformed "
                                       "value a new name");
                return;
            }
            if (st->stmts.len > 0 && (!indexed || st->stmts.items[0].ast->a == lhs_root(st->stmts.items[0].ast->a))) {
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
                return;
            }
            n->kind = GB_NODE_STOCHASTIC;
            n->observed = 1;
        } else if (n->kind == GB_NODE_CONST) {
            gb_error(L->errs, GB_ESEMANTIC, root->loc,
                     "'%s' is a size bound from the data; it cannot be defined here", root->name);
            return;
        } else {
            int was_tilde = n->kind == GB_NODE_STOCHASTIC;
            const gb_ast *first = st->stmts.len ? st->stmts.items[0].ast : NULL;
            if (was_tilde != (s->kind == GB_AST_TILDE)) {
                gb_error(L->errs, GB_ESEMANTIC, root->loc,
                         "'%s' is defined with both '~' and '='", root->name);
                if (first)
                    gb_error_hint(L->errs, "the other definition is at line %d", first->loc.line);
                return;
            }
            if (!indexed || !first || first->a == lhs_root(first->a)) {
                duplicate(L, root, root->name, old);
                return;
            }
        }
        node = old->node;
    } else if (old) {
        duplicate(L, root, root->name, old);
        return;
    } else {
        node = new_node(L, sc, root->name,
                        s->kind == GB_AST_TILDE ? GB_NODE_STOCHASTIC : GB_NODE_DETERMINISTIC,
                        root->loc);
        if (node == (size_t)-1)
            return;
        L->ns.items[node].decl_type = s->c;
        add_size_names(L, sc, s->c);
    }
    stmt_ref r;
    memset(&r, 0, sizeof r);
    r.ast = s;
    r.sc = sc;
    r.nloops = nloops;
    for (size_t i = 0; i < nloops; i++)
        r.loops[i] = loops[i];
    if (GB_VEC_PUSH(&L->ns.items[node].stmts, r) != 0)
        L->oom = 1;
}

/* Must a loop over this block be unrolled while the graph is built: does it (or a loop inside
 * it) call a component, or hold an `if` statement (whose condition may read the loop variable)? */
static int needs_unroll(lowerer *L, scope *sc, const gb_ast *list)
{
    for (const gb_ast *s = list; s; s = s->next) {
        if (s->kind == GB_AST_ASSIGN && s->b->kind == GB_AST_CALL &&
            (find_model(L, sc, s->b->a, NULL) || names_module(sc, s->b->a)))
            return 1;
        if (s->kind == GB_AST_COND)
            return 1;
        if (s->kind == GB_AST_FOR && needs_unroll(L, sc, s->list))
            return 1;
    }
    return 0;
}


/* A copy of a statement or expression with the loop variable `var` replaced by the integer v
 * (locations kept, so errors point at what the user wrote).  A nested loop or comprehension
 * over a variable of the same name hides it in its body. */
gb_ast *ast_subst(lowerer *L, const gb_ast *a, const char *var, long v)
{
    if (!a)
        return NULL;
    gb_ast *c = gb_arena_alloc(&L->ast_arena, sizeof *c);
    if (!c) {
        L->oom = 1;
        return NULL;
    }
    *c = *a;
    c->next = NULL;
    if (a->kind == GB_AST_NAME && strcmp(a->name, var) == 0) {
        c->kind = GB_AST_NUM;
        c->num = (double)v;
        c->is_int = 1;
        c->name = NULL;
        return c;
    }
    int hides = (a->kind == GB_AST_FOR || a->kind == GB_AST_COMPREH) && a->name &&
                strcmp(a->name, var) == 0;
    if (a->kind == GB_AST_FOR) { /* for name in a { list } */
        c->a = ast_subst(L, a->a, var, v);
        c->list = hides ? a->list : ast_subst_list(L, a->list, var, v);
        return c;
    }
    if (a->kind == GB_AST_COMPREH) { /* [a for name in b] */
        c->b = ast_subst(L, a->b, var, v);
        c->a = hides ? a->a : ast_subst(L, a->a, var, v);
        return c;
    }
    c->a = ast_subst(L, a->a, var, v);
    c->b = ast_subst(L, a->b, var, v);
    c->c = ast_subst(L, a->c, var, v);
    c->d = ast_subst(L, a->d, var, v);
    c->list = ast_subst_list(L, a->list, var, v);
    return c;
}

gb_ast *ast_subst_list(lowerer *L, const gb_ast *list, const char *var, long v)
{
    gb_ast *head = NULL, *tail = NULL;
    for (const gb_ast *x = list; x; x = x->next) {
        gb_ast *c = ast_subst(L, x, var, v);
        if (!c)
            return NULL;
        if (tail)
            tail->next = c;
        else
            head = c;
        tail = c;
    }
    return head;
}

int build_const(lowerer *L, scope *sc, const gb_ast *a, double *v)
{
    gb_expr *e = elab(L, sc, a);
    if (!e)
        return -1;
    return e->shape.rank == 0 && ceval(L, e, NULL, v) == CE_OK;
}

/* A bound of a loop that creates components: an integer known now. */
static int unroll_bound(lowerer *L, scope *sc, const gb_ast *a, long *out)
{
    double v;
    int k = build_const(L, sc, a, &v);
    if (k < 0)
        return -1;
    if (k == 0 || v != floor(v) || fabs(v) > 1e9) {
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "a loop that creates components needs "
                                                "integer bounds known when the graph is built");
        gb_error_hint(L->errs, L->opts->data ? "use sizes, data or a component's integer options"
                                             : "use sizes, data or a component's integer "
                                               "options, and give the data");
        return -1;
    }
    *out = (long)v;
    return 0;
}

/* The condition of an `if` statement: 1 true, 0 false, -1 (error reported) when it is not a
 * number known while the graph is built. */
static int cond_value(lowerer *L, scope *sc, const gb_ast *a)
{
    double v;
    int k = build_const(L, sc, a, &v);
    if (k < 0)
        return -1;
    if (k == 0) {
        gb_error(L->errs, GB_ESEMANTIC, a->loc, "the condition of an 'if' statement must be "
                                                "known when the graph is built");
        gb_error_hint(L->errs, "it may use data, sizes and a component's options; to choose "
                               "by a parameter, use an if expression: if c then a else b");
        return -1;
    }
    return v != 0;
}

void unroll_loops(lowerer *L, scope *sc)
{
    /* unrolling may add nested loops to the list as it goes */
    for (size_t k = 0; k < sc->unroll.len && !L->oom; k++) {
        const gb_ast *f = sc->unroll.items[k];
        if (f->kind == GB_AST_COND) {
            int which = cond_value(L, sc, f->a);
            if (which > 0)
                pass1(L, sc, f->list, NULL, 0);
            else if (which == 0 && f->c)
                pass1(L, sc, f->c->list, NULL, 0);
            continue;
        }
        long lo, hi;
        if (f->a->kind != GB_AST_RANGE || unroll_bound(L, sc, f->a->a, &lo) != 0 ||
            unroll_bound(L, sc, f->a->b, &hi) != 0)
            continue;
        if (hi >= lo && hi - lo >= MAX_COMPONENTS) {
            gb_error(L->errs, GB_ESEMANTIC, f->a->loc, "a loop that creates components may run "
                                                       "at most %d times", MAX_COMPONENTS);
            continue;
        }
        size_t per = gb_ast_list_len(f->list);
        if (hi >= lo && per * (size_t)(hi - lo + 1) > MAX_UNROLLED - L->unrolled) {
            if (!L->unroll_refused) { /* said once */
                gb_error(L->errs, GB_ESEMANTIC, f->a->loc, "unrolling this loop would make more "
                         "than %d statements: the model is too large", MAX_UNROLLED);
                gb_error_hint(L->errs, "loops that create components or hold 'if' statements "
                                       "are unrolled; write the condition as an if expression "
                                       "instead");
            }
            L->unroll_refused = 1;
            continue;
        }
        if (hi >= lo)
            L->unrolled += per * (size_t)(hi - lo + 1);
        for (long v = lo; v <= hi && !L->oom; v++)
            pass1(L, sc, ast_subst_list(L, f->list, f->name, v), NULL, 0);
    }
    sc->unroll.len = 0;
}

const char *instance_name(lowerer *L, scope *sc, const char *root, const gb_ast *indices)
{
    char buf[256];
    size_t used = (size_t)snprintf(buf, sizeof buf, "%s[", root);
    for (const gb_ast *x = indices; x; x = x->next) {
        double v = 0;
        int k = x->kind == GB_AST_RANGE || x->kind == GB_AST_ALL ? 0 : build_const(L, sc, x, &v);
        if (k < 0)
            return NULL;
        if (k == 0 || v != floor(v) || v < 1 || v > 1e9) {
            gb_error(L->errs, GB_ESEMANTIC, x->loc, "an index of the component array '%s' must "
                                                    "be a positive integer known when the "
                                                    "graph is built", root);
            gb_error_hint(L->errs, "a loop variable may index components only in a loop that "
                                   "creates components (such a loop is unrolled)");
            return NULL;
        }
        used += (size_t)snprintf(buf + used, used < sizeof buf ? sizeof buf - used : 0, "%s%.0f",
                                 x == indices ? "" : ",", v);
    }
    if (used + 2 > sizeof buf) {
        gb_error(L->errs, GB_ESEMANTIC, indices->loc, "the name '%s[...]' is too long", root);
        return NULL;
    }
    strcat(buf, "]");
    char *name = gb_arena_strdup(gb_graph_arena(L->g), buf);
    if (!name)
        L->oom = 1;
    return name;
}

void pass1(lowerer *L, scope *sc, const gb_ast *list, const gb_ast **loops, size_t nloops)
{
    for (const gb_ast *s = list; s; s = s->next) {
        switch (s->kind) {
        case GB_AST_DATA: {
            if (nloops > 0 || sc->comp >= 0) {
                gb_error(L->errs, GB_ESEMANTIC, s->loc,
                         nloops ? "data are declared outside loops"
                                : "a component takes its data as arguments");
                break;
            }
            sym *old = scope_find(sc, s->name);
            if (old) {
                duplicate(L, s, s->name, old);
                break;
            }
            size_t i = new_node(L, sc, s->name, GB_NODE_DATA, s->loc);
            if (i == (size_t)-1)
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
            if (nloops >= MAX_LOOPS) {
                gb_error(L->errs, GB_ESEMANTIC, s->loc, "loops nested more than %d deep",
                         MAX_LOOPS);
                break;
            }
            const gb_ast *inner[MAX_LOOPS];
            for (size_t i = 0; i < nloops; i++)
                inner[i] = loops[i];
            inner[nloops] = s;
            pass1(L, sc, s->list, inner, nloops + 1);
            break;
        }
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
            sym *old = scope_find(sc, s->name);
            if (old) {
                duplicate(L, s, s->name, old);
                break;
            }
            sym m = {.name = s->name, .kind = SYM_MODEL, .ast = s, .inst = sc->file, .loc = s->loc};
            scope_add(L, sc, m);
            break;
        }
        case GB_AST_IMPORT: {
            if (nloops > 0 || sc->comp >= 0) {
                gb_error(L->errs, GB_ESEMANTIC, s->loc, "imports are at the top level");
                break;
            }
            sym *old = scope_find(sc, s->name);
            if (old) {
                duplicate(L, s, s->name, old);
                break;
            }
            /* a module that failed to load is still declared (mod NULL), so that its uses
               are not reported again as unknown names or non-functions */
            sym ms = {.name = s->name,
                      .kind = SYM_MODULE,
                      .mod = load_module(L, s, s->loc.file),
                      .loc = s->loc};
            scope_add(L, sc, ms);
            break;
        }
        default:
            break;
        }
    }
}
