/* ast.h - the abstract syntax tree of a glassbox script.
 *
 * Every node lives in the parser's arena (see arena.h) and is freed with it; nothing after
 * lowering may point into it.  One struct serves every kind; the comment on each kind says which
 * fields it uses.  Lists (arguments, indices, statements, dimensions, parameters) are chained
 * through `next`, first element in `list`.
 */
#ifndef GB_LANG_AST_H
#define GB_LANG_AST_H

#include "arena.h"
#include "op.h"
#include "status.h"

typedef enum gb_ast_kind {
    /* expressions */
    GB_AST_NUM,       /* num, is_int */
    GB_AST_STR,       /* name = the text without quotes */
    GB_AST_NAME,      /* name */
    GB_AST_MEMBER,    /* a.name (component member or module function) */
    GB_AST_INDEX,     /* a[list]; list elements are expressions, GB_AST_RANGE or GB_AST_ALL */
    GB_AST_CALL,      /* a(list); list elements are expressions or GB_AST_NAMED_ARG */
    GB_AST_NAMED_ARG, /* name = a */
    GB_AST_BINOP,     /* a op b; op is a GB_OP_ value */
    GB_AST_UNOP,      /* op a */
    GB_AST_IF,        /* if a then b else c */
    GB_AST_RANGE,     /* a..b */
    GB_AST_ALL,       /* an empty index position: x[i, ] */
    GB_AST_ARRAY,     /* [list] */
    GB_AST_COMPREH,   /* [a for name in b]; b is a GB_AST_RANGE */
    /* types and parameters */
    GB_AST_TYPE,      /* name = base type; a = lower bound, b = upper bound (or NULL);
                         list = dimensions (expressions); is_int = 1 when written with [] */
    GB_AST_PARAM,     /* name : a (GB_AST_TYPE) [= b default] */
    /* statements */
    GB_AST_DATA,      /* data name : a (type) */
    GB_AST_TILDE,     /* a (lhs) [: c type] ~ b (distribution call) [T[d->a, d->b]] */
    GB_AST_ASSIGN,    /* a (lhs) [: c type] = b */
    GB_AST_FOR,       /* for name in a (range) { list } */
    GB_AST_COND,      /* if a { list } [else c]: c is a GB_AST_PROGRAM holding the else
                         statements (an `else if` is one GB_AST_COND among them) */
    GB_AST_MODEL,     /* model name ( b->list params ) { list }  (b is a holder node) */
    GB_AST_IMPORT,    /* import name | import "a->name" as name */
    GB_AST_TRUNC,     /* T[a, b] with either bound possibly NULL */
    GB_AST_CHOICE,    /* marginalise name (op = 1) | sample name (op = -1): the user's choice
                         of summing a discrete parameter out or sampling it */
    GB_AST_PROGRAM    /* list = statements */
} gb_ast_kind;


typedef struct gb_ast gb_ast;
struct gb_ast {
    gb_ast_kind kind;
    gb_loc loc; /* the whole construct; for BINOP the operator's place */
    int op;
    int is_int;
    int depth; /* how deep passes recurse into it, checked against GB_MAX_TERMS */
    int nest;  /* nesting as written (a flat chain a + b + c is 1), against GB_MAX_NESTING */
    double num;
    const char *name;
    gb_ast *a, *b, *c, *d;
    gb_ast *list;
    gb_ast *next;
};

/* Constructors: NULL (and arena->oom set) when out of memory; NULL children are allowed. */
gb_ast *gb_ast_new(gb_arena *ar, gb_ast_kind kind, gb_loc loc);
gb_ast *gb_ast_binop(gb_arena *ar, gb_loc loc, int op, gb_ast *lhs, gb_ast *rhs);
gb_ast *gb_ast_unop(gb_arena *ar, gb_loc loc, int op, gb_ast *arg);
/* Appends x to the list whose first element is head; returns the head (x when head is NULL). */
gb_ast *gb_ast_append(gb_ast *head, gb_ast *x);
size_t gb_ast_list_len(const gb_ast *head);

typedef struct gb_parse_result {
    gb_ast *program; /* NULL when the script had syntax errors */
} gb_parse_result;

/* Parses `len` bytes of `text` (file name `file`, borrowed: must outlive the errors) into an AST
 * in `arena`.  Reports every syntax error it can recover from into errs (capped per file).
 * Returns GB_OK, GB_ESYNTAX or GB_ENOMEM. */
gb_status gb_parse(gb_arena *arena, const char *file, const char *text, size_t len,
                   gb_ast **program, gb_errlist *errs);

/* Nesting limit for expressions and blocks: deeper input gets a located error instead of a stack
 * overflow in the recursive passes after parsing. */
#define GB_MAX_NESTING 200
/* Terms in one expression, counting the links of a flat chain (a + b + ... + z): the passes
 * after parsing recurse once per link, so this bounds their stack (2000 frames of a few hundred
 * bytes each, well inside the 8 MiB default stack, also under ASan). */
#define GB_MAX_TERMS 2000

#endif
