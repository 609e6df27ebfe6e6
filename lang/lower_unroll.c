/* lower_unroll.c - loops unrolled while the graph is built: loops that create components or
 * hold an `if` statement are copied once per value of their variable (the variable replaced by
 * the integer) and each copy declared again, once the loop's bounds are known.
 *
 * Owns: nothing beyond the copied ASTs, which live in the AST arena.
 * Offers: unroll_loops, unroll_subst, unroll_subst_list.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower_int.h"

/* A copy of a statement or expression with the loop variable `var` replaced by the integer v
 * (locations kept, so errors point at what the user wrote).  A nested loop or comprehension
 * over a variable of the same name hides it in its body. */
gb_ast *unroll_subst(lowerer *L, const gb_ast *a, const char *var, long v)
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
        c->a = unroll_subst(L, a->a, var, v);
        c->list = hides ? a->list : unroll_subst_list(L, a->list, var, v);
        return c;
    }
    if (a->kind == GB_AST_COMPREH) { /* [a for name in b] */
        c->b = unroll_subst(L, a->b, var, v);
        c->a = hides ? a->a : unroll_subst(L, a->a, var, v);
        return c;
    }
    c->a = unroll_subst(L, a->a, var, v);
    c->b = unroll_subst(L, a->b, var, v);
    c->c = unroll_subst(L, a->c, var, v);
    c->d = unroll_subst(L, a->d, var, v);
    c->list = unroll_subst_list(L, a->list, var, v);
    return c;
}

gb_ast *unroll_subst_list(lowerer *L, const gb_ast *list, const char *var, long v)
{
    gb_ast *head = NULL, *tail = NULL;
    for (const gb_ast *x = list; x; x = x->next) {
        gb_ast *c = unroll_subst(L, x, var, v);
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

/* A bound of a loop that creates components: an integer known now. */
static int unroll_bound(lowerer *L, scope *sc, const gb_ast *a, long *out)
{
    double v;
    int k;
    if (cst_build(L, sc, a, &v, &k) != GB_OK)
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
    int k;
    if (cst_build(L, sc, a, &v, &k) != GB_OK)
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

gb_status unroll_loops(lowerer *L, scope *sc)
{
    size_t n0 = gb_errlist_count(L->errs);
    /* unrolling may add nested loops to the list as it goes */
    for (size_t k = 0; k < sc->unroll.len && !L->oom; k++) {
        const gb_ast *f = sc->unroll.items[k];
        if (f->kind == GB_AST_COND) {
            int which = cond_value(L, sc, f->a);
            if (which > 0)
                decl_block(L, sc, f->list, NULL, 0);
            else if (which == 0 && f->c)
                decl_block(L, sc, f->c->list, NULL, 0);
            continue;
        }
        long lo, hi;
        if (f->a->kind != GB_AST_RANGE || unroll_bound(L, sc, f->a->a, &lo) != 0 ||
            unroll_bound(L, sc, f->a->b, &hi) != 0)
            continue;
        if (hi >= lo && hi - lo >= LW_MAX_COMPONENTS) {
            gb_error(L->errs, GB_ESEMANTIC, f->a->loc, "a loop that creates components may run "
                                                       "at most %d times", LW_MAX_COMPONENTS);
            continue;
        }
        size_t per = gb_ast_list_len(f->list);
        if (hi >= lo && per * (size_t)(hi - lo + 1) > LW_MAX_UNROLLED - L->unrolled) {
            if (!L->unroll_refused) { /* said once */
                gb_error(L->errs, GB_ESEMANTIC, f->a->loc, "unrolling this loop would make more "
                         "than %d statements: the model is too large", LW_MAX_UNROLLED);
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
            decl_block(L, sc, unroll_subst_list(L, f->list, f->name, v), NULL, 0);
    }
    sc->unroll.len = 0;
    return lw_status(L, n0);
}
