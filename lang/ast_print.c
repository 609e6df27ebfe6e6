/* ast_print.c - writes an AST as an S-expression, one line, for tests and `glassbox parse`. */
#include <stdio.h>

#include "ast.h"
#include "ast_print.h"
#include "graph.h" /* gb_op_text */

static void put(FILE *out, const gb_ast *n);

static void put_list(FILE *out, const gb_ast *n)
{
    for (; n; n = n->next) {
        fputc(' ', out);
        put(out, n);
    }
}

/* One case per AST kind, each a few lines: a long function (over 100 lines), but a reader looks
 * up one kind, and the switch is clearer whole than split by arbitrary groups of kinds. */
static void put(FILE *out, const gb_ast *n)
{
    if (!n) {
        fputs("_", out);
        return;
    }
    switch (n->kind) {
    case GB_AST_NUM:
        fprintf(out, n->is_int ? "%.17g" : "%.17gr", n->num);
        break;
    case GB_AST_STR:
        fprintf(out, "\"%s\"", n->name);
        break;
    case GB_AST_NAME:
        fputs(n->name, out);
        break;
    case GB_AST_MEMBER:
        fputs("(. ", out);
        put(out, n->a);
        fprintf(out, " %s)", n->name);
        break;
    case GB_AST_INDEX:
        fputs("([] ", out);
        put(out, n->a);
        put_list(out, n->list);
        fputc(')', out);
        break;
    case GB_AST_CALL:
        fputs("(call ", out);
        put(out, n->a);
        put_list(out, n->list);
        fputc(')', out);
        break;
    case GB_AST_NAMED_ARG:
        fprintf(out, "(%s= ", n->name);
        put(out, n->a);
        fputc(')', out);
        break;
    case GB_AST_BINOP:
        fprintf(out, "(%s ", gb_op_text(n->op));
        put(out, n->a);
        fputc(' ', out);
        put(out, n->b);
        fputc(')', out);
        break;
    case GB_AST_UNOP:
        fprintf(out, "(%s ", n->op == GB_OP_NEG ? "neg" : gb_op_text(n->op));
        put(out, n->a);
        fputc(')', out);
        break;
    case GB_AST_IF:
        fputs("(if ", out);
        put(out, n->a);
        fputc(' ', out);
        put(out, n->b);
        fputc(' ', out);
        put(out, n->c);
        fputc(')', out);
        break;
    case GB_AST_RANGE:
        fputs("(.. ", out);
        put(out, n->a);
        fputc(' ', out);
        put(out, n->b);
        fputc(')', out);
        break;
    case GB_AST_ALL:
        fputs(":", out);
        break;
    case GB_AST_ARRAY:
        fputs("(array", out);
        put_list(out, n->list);
        fputc(')', out);
        break;
    case GB_AST_COMPREH:
        fputs("(for ", out);
        put(out, n->a);
        fprintf(out, " %s ", n->name);
        put(out, n->b);
        fputc(')', out);
        break;
    case GB_AST_TYPE:
        fprintf(out, "(type %s", n->name ? n->name : "?");
        if (n->a || n->b) {
            fputs(" <", out);
            put(out, n->a);
            fputc(' ', out);
            put(out, n->b);
            fputc('>', out);
        }
        put_list(out, n->list);
        fputc(')', out);
        break;
    case GB_AST_PARAM:
        fprintf(out, "(param %s ", n->name);
        put(out, n->a);
        if (n->b) {
            fputc(' ', out);
            put(out, n->b);
        }
        fputc(')', out);
        break;
    case GB_AST_DATA:
        fprintf(out, "(data %s ", n->name);
        put(out, n->a);
        fputc(')', out);
        break;
    case GB_AST_TILDE:
    case GB_AST_ASSIGN:
        fputs(n->kind == GB_AST_TILDE ? "(~ " : "(= ", out);
        put(out, n->a);
        if (n->c) {
            fputc(' ', out);
            put(out, n->c);
        }
        fputc(' ', out);
        put(out, n->b);
        if (n->d) {
            fputc(' ', out);
            put(out, n->d);
        }
        fputc(')', out);
        break;
    case GB_AST_TRUNC:
        fputs("(T ", out);
        put(out, n->a);
        fputc(' ', out);
        put(out, n->b);
        fputc(')', out);
        break;
    case GB_AST_FOR:
        fprintf(out, "(for %s ", n->name);
        put(out, n->a);
        put_list(out, n->list);
        fputc(')', out);
        break;
    case GB_AST_COND:
        fputs("(if ", out);
        put(out, n->a);
        put_list(out, n->list);
        if (n->c) {
            fputs(" else", out);
            put_list(out, n->c->list);
        }
        fputc(')', out);
        break;
    case GB_AST_MODEL:
        fprintf(out, "(model %s (", n->name);
        for (const gb_ast *q = n->a; q; q = q->next) {
            put(out, q);
            if (q->next)
                fputc(' ', out);
        }
        fputc(')', out);
        put_list(out, n->list);
        fputc(')', out);
        break;
    case GB_AST_CHOICE:
        fprintf(out, "(%s %s)", n->op > 0 ? "marginalise" : "sample", n->name);
        break;
    case GB_AST_IMPORT:
        fprintf(out, "(import %s", n->name);
        if (n->a)
            fprintf(out, " \"%s\"", n->a->name);
        fputc(')', out);
        break;
    case GB_AST_PROGRAM:
        fputs("(program", out);
        put_list(out, n->list);
        fputc(')', out);
        break;
    }
}

int gb_ast_print(FILE *out, const gb_ast *n)
{
    put(out, n);
    return ferror(out) ? -1 : 0;
}
