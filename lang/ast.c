/* ast.c - constructors for AST nodes (all in the arena) and small list helpers. */
#include "ast.h"

gb_ast *gb_ast_new(gb_arena *ar, gb_ast_kind kind, gb_loc loc)
{
    gb_ast *n = gb_arena_alloc(ar, sizeof *n);
    if (n) {
        n->kind = kind;
        n->loc = loc;
    }
    return n;
}

gb_ast *gb_ast_binop(gb_arena *ar, gb_loc loc, int op, gb_ast *lhs, gb_ast *rhs)
{
    gb_ast *n = gb_ast_new(ar, GB_AST_BINOP, loc);
    if (n) {
        n->op = op;
        n->a = lhs;
        n->b = rhs;
    }
    return n;
}

gb_ast *gb_ast_unop(gb_arena *ar, gb_loc loc, int op, gb_ast *arg)
{
    gb_ast *n = gb_ast_new(ar, GB_AST_UNOP, loc);
    if (n) {
        n->op = op;
        n->a = arg;
    }
    return n;
}

gb_ast *gb_ast_append(gb_ast *head, gb_ast *x)
{
    if (!head)
        return x;
    if (!x)
        return head;
    gb_ast *p = head;
    while (p->next)
        p = p->next;
    p->next = x;
    return head;
}

size_t gb_ast_list_len(const gb_ast *head)
{
    size_t n = 0;
    for (; head; head = head->next)
        n++;
    return n;
}

