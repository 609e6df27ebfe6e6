/* lower_scope.c - lowering's names: scopes (one per file, one per component instance), the
 * symbols in them, graph nodes created with their qualified names ("fit.mu"), and imports (a
 * module's file found on the search path, parsed and declared once).
 *
 * Owns: every scope (freed by the driver through L->scopes) and every module.
 * Offers: sc_new, sc_find, sc_add, sc_new_node, sc_node, sc_load_module, sc_find_model,
 * sc_names_module, sc_module_call.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lower_int.h"

gb_node *sc_node(lowerer *L, size_t i)
{
    return gb_graph_node(L->g, i);
}

gb_status sc_new(lowerer *L, scope *file, const char *prefix, int comp, scope **out)
{
    scope *s = calloc(1, sizeof *s);
    if (!s)
        return lw_nomem(L);
    s->file = file ? file : s;
    s->prefix = prefix;
    s->comp = comp;
    s->next_alloc = L->scopes;
    L->scopes = s;
    *out = s;
    return GB_OK;
}

sym *sc_find(scope *sc, const char *name)
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

gb_status sc_add(lowerer *L, scope *sc, sym s)
{
    return GB_VEC_PUSH(&sc->syms, s) != 0 ? lw_nomem(L) : GB_OK;
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

gb_status sc_new_node(lowerer *L, scope *sc, const char *name, gb_node_kind kind, gb_loc loc,
                      size_t *out)
{
    nstate st;
    memset(&st, 0, sizeof st);
    st.sc = sc;
    /* The state first: every node of the graph must have one, even when adding the node is
     * what fails (the passes after an error still walk the graph). */
    if (GB_VEC_PUSH(&L->ns, st) != 0)
        return lw_nomem(L);
    size_t i = gb_graph_add_node(L->g, qualify(L, sc, name), kind, loc);
    if (i == (size_t)-1) {
        L->ns.len--;
        return lw_nomem(L);
    }
    sc_node(L, i)->component = sc->comp;
    sym s = {.name = name, .kind = SYM_NODE, .node = i, .loc = loc};
    if (sc_add(L, sc, s) != GB_OK)
        return GB_ENOMEM;
    *out = i;
    return GB_OK;
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

gb_status sc_load_module(lowerer *L, const gb_ast *imp, const char *from_file, module **out)
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
        return GB_ESEMANTIC;
    }
    for (size_t i = 0; i < L->mods.len; i++)
        if (strcmp(L->mods.items[i]->name, path) == 0) {
            *out = L->mods.items[i];
            return GB_OK;
        }
    const gb_source *src = gb_sources_find(L->srcs, path);
    if (!src) {
        /* the reader's messages are located at `path`, a buffer of this frame: say them again
           at the import statement, which outlives it and is where the user must look */
        gb_loc at = imp->a ? imp->a->loc : imp->loc; /* the path, or the module's name */
        gb_errlist *rd = gb_errlist_new();
        if (!rd)
            return lw_nomem(L);
        gb_status st = gb_sources_read(L->srcs, path, (size_t)64 << 20, 1, &src, rd);
        for (size_t i = 0; i < gb_errlist_count(rd); i++) {
            const gb_err *e = gb_errlist_get(rd, i);
            gb_error(L->errs, e->code, at, "%s", e->msg ? e->msg : "out of memory");
        }
        if (st != GB_OK && gb_errlist_count(rd) == 0)
            gb_error(L->errs, st, at, "cannot read module '%s'", path);
        gb_errlist_free(rd);
        if (st != GB_OK)
            return st;
    }
    gb_ast *prog = NULL;
    gb_status st = gb_parse(&L->ast_arena, src->name, src->text, src->len, &prog, L->errs);
    if (st != GB_OK)
        return st;
    module *m = gb_arena_alloc(&L->ast_arena, sizeof *m);
    if (!m)
        return lw_nomem(L);
    m->name = src->name;
    /* its scope before it is listed: a module found on the list is always whole */
    if (sc_new(L, NULL, "", -1, &m->sc) != GB_OK || GB_VEC_PUSH(&L->mods, m) != 0)
        return lw_nomem(L);
    for (const gb_ast *s = prog->list; s; s = s->next)
        if (s->kind != GB_AST_MODEL && s->kind != GB_AST_IMPORT)
            gb_error(L->errs, GB_ESEMANTIC, s->loc,
                     "a module holds only `model` definitions and imports");
    decl_block(L, m->sc, prog->list, NULL, 0); /* its errors are reported; the module is used */
    *out = m;
    return GB_OK;
}

const gb_ast *sc_find_model(lowerer *L, scope *sc, const gb_ast *callee, scope **file)
{
    (void)L;
    if (callee->kind == GB_AST_NAME) {
        sym *s = sc_find(sc, callee->name);
        if (s && s->kind == SYM_MODEL) {
            if (file)
                *file = s->inst;
            return s->ast;
        }
    } else if (callee->kind == GB_AST_MEMBER && callee->a->kind == GB_AST_NAME) {
        sym *s = sc_find(sc, callee->a->name);
        if (s && s->kind == SYM_MODULE && s->mod) {
            sym *m = sc_find(s->mod->sc, callee->name);
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
int sc_names_module(scope *sc, const gb_ast *callee)
{
    if (callee->kind != GB_AST_MEMBER || callee->a->kind != GB_AST_NAME)
        return 0;
    sym *s = sc_find(sc, callee->a->name);
    return s && s->kind == SYM_MODULE;
}

int sc_module_call(lowerer *L, scope *sc, const gb_ast *callee)
{
    if (!sc_names_module(sc, callee))
        return 0;
    sym *s = sc_find(sc, callee->a->name);
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
        size_t d = m->kind == SYM_MODEL ? sg_edit_distance(callee->name, m->name) : 99;
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
