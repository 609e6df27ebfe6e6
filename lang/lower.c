/* lower.c - the driver of lowering, and its entry points gb_lower_file and gb_lower_source.
 *
 * Lowering is declarative like BUGS: statements may come in any order.  The stages, one a file:
 *   lower_scope.c      scopes, nodes and imports
 *   lower_decl.c       the declaration pass: a node for every name a scope defines
 *   lower_unroll.c     loops that create components, unrolled once sizes are known
 *   lower_bind.c       data bound to their declarations, sizes from the data
 *   lower_node.c       lazy elaboration of one node, its shape first, so element-by-element
 *                      definitions may refer to earlier elements of themselves; a node needed
 *                      while its own shape is being worked out is a cycle
 *   lower_expr.c       typing and shaping of expressions
 *   lower_component.c  component instances
 *   lower_const.c      constants known while the graph is built
 *   lower_ranges.c     coverage and index ranges against the data
 *   lower_recur.c      element-wise recursions across nodes, run step by step
 *   lower_tdata.c      a `~` on transformed data (a deterministic node of data) observes it
 *   lower_suggest.c    "did you mean" hints
 * This file runs them in order, then looks for cycles in the finished graph.
 *
 * Owns: the lowerer (scopes, per-node state, the AST arena), freed before returning.
 */
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"
#include "size.h"


/* Depth-first search for a cycle in value dependence; a node may refer to itself only when
 * defined element-wise (earlier elements).  Data and observed nodes have known values, so an
 * edge into them never closes a cycle (alpha = 1 / mean(counts) is fine). */
static int find_cycle(lowerer *L, size_t i, unsigned char *mark)
{
    mark[i] = 1;
    gb_node *n = sc_node(L, i);
    if (n->kind == GB_NODE_DATA || n->kind == GB_NODE_CONST || n->observed) {
        mark[i] = 2; /* a known value: it depends on nothing, whatever its likelihood says */
        return 0;
    }
    for (size_t k = 0; k < n->nparents; k++) {
        size_t p = n->parents[k];
        if (rc_group(n) && rc_group(n) == rc_group(sc_node(L, p)))
            continue; /* a recursion run step by step (lower_recur.c) */
        if (p == i) {
            if (n->ndefs > 0 && n->defs[0].index)
                continue;
            gb_error(L->errs, GB_ESEMANTIC, n->loc, "'%s' depends on itself", n->name);
            return 1;
        }
        if (mark[p] == 1) {
            gb_error(L->errs, GB_ESEMANTIC, n->loc, "cycle: '%s' and '%s' depend on each other",
                     n->name, sc_node(L, p)->name);
            gb_error_hint(L->errs, "a model is a directed acyclic graph");
            return 1;
        }
        if (mark[p] == 0 && find_cycle(L, p, mark))
            return 1;
    }
    mark[i] = 2;
    return 0;
}

gb_status lw_nomem(lowerer *L)
{
    L->oom = 1;
    return GB_ENOMEM;
}

gb_status lw_status(lowerer *L, size_t n0)
{
    if (L->oom)
        return GB_ENOMEM;
    return gb_errlist_count(L->errs) > n0 ? gb_errlist_status(L->errs) : GB_OK;
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
    for (size_t i = 0; i < L->ns.len; i++) {
        free(L->ns.items[i].stmts.items);
        free(L->ns.items[i].obs.items);
    }
    free(L->ns.items);
    free(L->mods.items);
}

/* unobserved_ok (predict): an observed node the data leave out becomes a parameter; a plain
 * data variable they leave out is still an error. */
static void unobserved_to_parameters(lowerer *L)
{
    for (size_t i = 0; i < L->ns.len; i++) {
        gb_node *n = sc_node(L, i);
        if (n->value || gb_data_find(L->opts->data, n->name))
            continue;
        if (n->kind == GB_NODE_STOCHASTIC && n->observed)
            n->observed = 0;
        else if (n->kind == GB_NODE_DATA && L->ns.items[i].decl_type)
            gb_error(L->errs, GB_EDATA, n->loc, "data variable '%s' is not in the data",
                     n->name);
    }
}

/* `marginalise z` / `sample z`: marks the node, which must be a discrete parameter. */
static void apply_choices(lowerer *L, const gb_ast *list)
{
    for (const gb_ast *s = list; s; s = s->next) {
        if (s->kind != GB_AST_CHOICE)
            continue;
        const char *word = s->op > 0 ? "@marginalise" : "@sample";
        size_t i = gb_graph_find(L->g, s->name);
        gb_node *n = i < gb_graph_node_count(L->g) ? sc_node(L, i) : NULL;
        if (!n) {
            gb_error(L->errs, GB_ESEMANTIC, s->loc, "'%s %s': no node is named '%s'", word,
                     s->name, s->name);
        } else if (n->kind != GB_NODE_STOCHASTIC || n->observed || n->type != GB_INT) {
            int cont = n->kind == GB_NODE_STOCHASTIC && !n->observed;
            gb_error(L->errs, GB_ESEMANTIC, s->loc,
                     "'%s %s': '%s' is not a discrete parameter (it is %s)", word, s->name,
                     s->name, cont ? "continuous" : gb_node_kind_name(n));
            gb_error_hint(L->errs, "only integer-valued parameters (`z ~ categorical(w)`) can "
                                   "be summed out of the density or sampled instead");
        } else if (n->marginal != 0) {
            gb_error(L->errs, GB_ESEMANTIC, s->loc, "'%s' is given a choice twice (%s:%d)",
                     s->name, n->marginal_loc.file, n->marginal_loc.line);
        } else {
            n->marginal = s->op;
            n->marginal_loc = s->loc;
        }
    }
}

gb_status gb_lower_source(gb_sources *srcs, const gb_source *src, const gb_lower_opts *opts,
                          gb_graph **out, gb_errlist *errs)
{
    static const gb_lower_opts none = {NULL, NULL, NULL, 0};
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
        scope *top = NULL;
        sc_new(L, NULL, "", -1, &top); /* on failure top stays NULL and L->oom is set */
        if (top && !prog->list)
            gb_error(errs, GB_ESEMANTIC, (gb_loc){src->name, 1, 1, 0},
                     "the model is empty: it has no statements");
        if (top && prog->list) {
            decl_block(L, top, prog->list, NULL, 0);
            if (L->opts->data && gb_errlist_status(errs) == GB_OK) /* notes are no errors */
                bind_data_decls(L, top);
            unroll_loops(L, top);
            for (size_t i = 0; i < top->syms.len; i++)
                if (top->syms.items[i].kind == SYM_COMPONENT)
                    comp_instantiate(L, &top->syms.items[i], &(sym *){NULL});
            if (L->opts->unobserved_ok && L->opts->data)
                unobserved_to_parameters(L);
            for (size_t i = 0; i < L->ns.len; i++)
                if (sc_node(L, i)->component < 0)
                    nd_shape(L, i, sc_node(L, i)->loc);
        }
        for (size_t i = 0; i < gb_graph_node_count(L->g); i++) {
            gb_node *n = sc_node(L, i);
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
        if (!L->oom && gb_errlist_status(errs) == GB_OK)
            rg_check_latent_indices(L);
        if (!L->oom && prog->list && gb_errlist_status(errs) == GB_OK)
            apply_choices(L, prog->list);
        if (!L->oom && L->opts->data && gb_errlist_status(errs) == GB_OK)
            rg_check_defs(L);
        if (!L->oom && gb_errlist_status(errs) == GB_OK && gb_graph_link(L->g) != GB_OK)
            L->oom = 1;
        if (!L->oom && gb_errlist_status(errs) == GB_OK)
            rc_mark_recursions(L);
        if (!L->oom && gb_errlist_status(errs) == GB_OK) {
            unsigned char *mark = calloc(L->ns.len + 1, 1);
            if (!mark)
                L->oom = 1;
            for (size_t i = 0; mark && i < L->ns.len; i++)
                if (mark[i] == 0 && find_cycle(L, i, mark))
                    break;
            free(mark);
        }
        if (!L->oom && gb_errlist_status(errs) == GB_OK)
            td_observe(L);
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
