/* parser.y - the grammar of the glassbox language (Bison 3.8: pure, locations, LAC, custom
 * error messages).
 *
 * A program is a list of newline-terminated statements: `data` declarations, `~` and `=`
 * statements, `for` loops, `model` component definitions and `import`s.  Expressions have
 * explicit precedence levels (lowest first): if-then-else, ||, &&, comparisons (non-associative),
 * + -, * / % @, unary - + !, ^ (right-associative, binds tighter than unary minus, so -x^2 is
 * -(x^2)), then postfix call, index and member access.  Ranges `a..b` appear only in for
 * headers, indices and comprehensions.  Type bounds `real<lower=0>` take additive expressions
 * so that `>` closes them.
 *
 * Errors: "expected X, Y or Z" is built from the LAC-corrected list of expected tokens; a
 * statement that fails to parse is skipped up to its newline so later errors are reported too.
 */
%require "3.8"
%define api.pure full
%define parse.error custom
%define parse.lac full
%locations
%expect 0

%code requires {
#include "ast.h"
#include "lexstate.h"
typedef void *yyscan_t;
typedef struct gb_parser {
    gb_arena *arena;
    gb_errlist *errs;
    const char *file;
    gb_ast *program;
    int nerrors;
    const gb_lexer *lx; /* for the text of an invalid character */
} gb_parser;
}

%code provides {
int yylex(YYSTYPE *yylval_param, YYLTYPE *yylloc_param, yyscan_t yyscanner);
}

%param {yyscan_t scanner}
%parse-param {gb_parser *p}

%union {
    gb_ast *ast;
    char *str;
    struct {
        double value;
        int is_int;
    } num;
}

%code {
#include <stdio.h>
#include <string.h>

static gb_loc mkloc(const gb_parser *p, YYLTYPE l)
{
    gb_loc g = {p->file, l.first_line, l.first_column,
                l.last_line == l.first_line ? l.last_column : l.first_column + 1};
    return g;
}

static void yyerror(YYLTYPE *l, yyscan_t scanner, gb_parser *p, const char *msg);

/* Two measures of an expression, each with its limit (see ast.h): `depth` is how deep the
 * passes after parsing recurse (every node adds one), `nest` is how deeply it is nested as
 * written (brackets, calls, operands inside operands); a left-associative chain such as
 * a + b + ... + z deepens the recursion by one per term but is not nested. */
typedef struct sizes {
    int depth, nest;
} sizes;

static sizes size_of(const gb_ast *a)
{
    return a ? (sizes){a->depth, a->nest} : (sizes){0, 0};
}

static sizes size_max(sizes x, sizes y)
{
    return (sizes){x.depth > y.depth ? x.depth : y.depth, x.nest > y.nest ? x.nest : y.nest};
}

static sizes list_size(const gb_ast *list)
{
    sizes m = {0, 0};
    for (; list; list = list->next)
        m = size_max(m, size_of(list));
    return m;
}

/* Gives n one level more than `kids` and reports (once per expression) a limit passed. */
static gb_ast *grow(gb_parser *p, gb_ast *n, sizes kids)
{
    if (!n)
        return NULL;
    n->depth = kids.depth + 1;
    n->nest = kids.nest + 1;
    if (n->nest == GB_MAX_NESTING + 1) {
        gb_error(p->errs, GB_ESYNTAX, n->loc, "expression nested more than %d levels deep",
                 GB_MAX_NESTING);
        p->nerrors++;
    } else if (n->depth == GB_MAX_TERMS && n->nest <= GB_MAX_NESTING) {
        /* a chain of k operators has k + 1 terms */
        gb_error(p->errs, GB_ESYNTAX, n->loc, "expression of more than %d terms", GB_MAX_TERMS);
        gb_error_hint(p->errs, "split it into named parts, or sum an array: sum(x)");
        p->nerrors++;
    }
    return n;
}

static gb_ast *nest(gb_parser *p, gb_ast *n, const gb_ast *x, const gb_ast *y)
{
    return grow(p, n, size_max(size_of(x), size_of(y)));
}

/* A left-associative operator: its left operand continues the chain, only its right one is
 * nested (a + b + c is as flat as a + b; a + (b + c) is nested). */
static gb_ast *chain(gb_parser *p, gb_ast *n, const gb_ast *lhs, const gb_ast *rhs)
{
    sizes l = size_of(lhs), r = size_of(rhs);
    sizes k = {l.depth > r.depth ? l.depth : r.depth, l.nest - 1 > r.nest ? l.nest - 1 : r.nest};
    return grow(p, n, k);
}

#define NEW(kind, l) gb_ast_new(p->arena, (kind), mkloc(p, (l)))

/* `target += e` (Stan's statement) as the two statements that give it a node of its own:
 * `target@LINE:COL = 0.0` and `target@LINE:COL ~ target(sum(e))`, where the distribution
 * `target` (stdlib/dist_target.c) has log density its argument whatever the variate.  The node
 * is observed, like data, so every sampler sees the term as a factor of what it reads; the '@'
 * keeps its name out of users' reach.  NULL (and an error) when the name is not `target`. */
static gb_ast *target_add(gb_parser *p, const char *name, YYLTYPE ln, YYLTYPE lop, gb_ast *e)
{
    if (strcmp(name, "target") != 0) {
        gb_error(p->errs, GB_ESYNTAX, mkloc(p, ln), "only 'target' takes '+='; '%s' is not "
                 "the log density", name);
        gb_error_hint(p->errs, "`target += expr` adds expr to the log density; a variable is "
                               "defined once: %s = ...", name);
        p->nerrors++;
        return NULL;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "target@%d:%d", ln.first_line, ln.first_column);
    const char *node = gb_arena_strdup(p->arena, buf);
    gb_ast *lhs1 = NEW(GB_AST_NAME, ln), *lhs2 = NEW(GB_AST_NAME, ln), *zero = NEW(GB_AST_NUM, ln);
    gb_ast *set = NEW(GB_AST_ASSIGN, lop), *add = NEW(GB_AST_TILDE, lop);
    gb_ast *dist = NEW(GB_AST_NAME, lop), *sum = NEW(GB_AST_NAME, ln);
    gb_ast *call = NEW(GB_AST_CALL, lop), *scall = NEW(GB_AST_CALL, ln);
    if (!node || !lhs1 || !lhs2 || !zero || !set || !add || !dist || !sum || !call || !scall ||
        !e)
        return NULL;
    sum->loc = scall->loc = call->loc = e->loc; /* errors in e point at e */
    lhs1->name = lhs2->name = node;
    zero->num = 0;
    set->a = lhs1;
    set->b = zero;
    sum->name = "sum";
    scall->a = sum;
    scall->list = e;
    dist->name = "target";
    call->a = dist;
    call->list = grow(p, scall, size_of(e));
    add->a = lhs2;
    add->b = grow(p, call, size_of(call->list));
    set->next = add;
    return set;
}
}

%token END_OF_FILE 0 "end of file"
%token NEWLINE "newline"
%token DATA "data" MODEL "model" IMPORT "import" AS "as" FOR "for" IN "in"
%token IF "if" THEN "then" ELSE "else"
%token <str> NAME "name"
%token <num> NUMBER "number"
%token <str> STRING "string"
%token <str> BADSTRING "unterminated string"
%token <str> INVALID "invalid character"
%token LPAREN "(" RPAREN ")" LBRACKET "[" RBRACKET "]" LBRACE "{" RBRACE "}"
%token TILDE "~" ASSIGN "=" EQ "==" NE "!=" LT "<" LE "<=" GT ">" GE ">="
%token AND "&&" OR "||" NOT "!" PLUS "+" MINUS "-" STAR "*" SLASH "/" PERCENT "%"
%token AT "@" CARET "^" DOTDOT ".." DOT "." COMMA "," COLON ":" PLUSEQ "+="

%type <ast> stmts stmt simple type bounds bound dims dims_opt params params_opt param
%type <ast> expr or_expr and_expr cmp_expr add_expr mul_expr unary pow_expr postfix primary
%type <ast> range indices index args args_opt arg exprs trunc trunc_opt bound_value lhs type_opt
%type <ast> block cond

%%

program:
    stmts "end of file"     { p->program = NEW(GB_AST_PROGRAM, @1); if (p->program) p->program->list = $1; }
  ;

stmts:
    %empty                  { $$ = NULL; }
  | stmts stmt              { $$ = gb_ast_append($1, $2); }
  | stmts NEWLINE           { $$ = $1; }
  ;

stmt:
    simple NEWLINE          { $$ = $1; }
  | error NEWLINE           { $$ = NULL; yyerrok; }
  ;

block:
    "{" stmts "}"           { $$ = $2; }
  ;

simple:
    "data" NAME ":" type    {
        $$ = NEW(GB_AST_DATA, @2);
        if ($$) { $$->name = $2; $$->a = $4; }
    }
  | lhs type_opt "~" expr trunc_opt {
        $$ = NEW(GB_AST_TILDE, @3);
        if ($$) { $$->a = $1; $$->c = $2; $$->b = $4; $$->d = $5; }
    }
  | NAME "+=" expr          { $$ = target_add(p, $1, @1, @2, $3); }
  | lhs type_opt "=" expr   {
        $$ = NEW(GB_AST_ASSIGN, @3);
        if ($$) { $$->a = $1; $$->c = $2; $$->b = $4; }
    }
  | "for" NAME "in" range block {
        $$ = NEW(GB_AST_FOR, @2);
        if ($$) { $$->name = $2; $$->a = $4; $$->list = $5; }
    }
  | cond                    { $$ = $1; }
  | "model" NAME "(" params_opt ")" block {
        $$ = NEW(GB_AST_MODEL, @2);
        if ($$) { $$->name = $2; $$->a = $4; $$->list = $6; }
    }
  | "@" NAME NAME           {
        /* `@marginalise z` / `@sample z`: an annotation, so no name is taken from users */
        int op = strcmp($2, "marginalise") == 0 || strcmp($2, "marginalize") == 0 ? 1
                 : strcmp($2, "sample") == 0                                       ? -1
                                                                                   : 0;
        $$ = NULL;
        if (op == 0) {
            gb_error(p->errs, GB_ESYNTAX, mkloc(p, @2), "unknown annotation '@%s'", $2);
            gb_error_hint(p->errs, "'@marginalise NAME' sums a discrete parameter out, "
                                   "'@sample NAME' keeps it sampled");
            p->nerrors++;
        } else if (($$ = NEW(GB_AST_CHOICE, @3))) {
            $$->name = $3;
            $$->op = op;
        }
    }
  | "import" NAME           {
        $$ = NEW(GB_AST_IMPORT, @2);
        if ($$) $$->name = $2;
    }
  | "import" STRING "as" NAME {
        $$ = NEW(GB_AST_IMPORT, @4);
        gb_ast *path = NEW(GB_AST_STR, @2);
        if ($$ && path) { path->name = $2; $$->name = $4; $$->a = path; }
    }
  ;

/* if COND { ... } [else { ... } | else if ...]: the condition is known when the graph is built */
cond:
    "if" expr block         {
        $$ = NEW(GB_AST_COND, @1);
        if ($$) { $$->a = $2; $$->list = $3; }
    }
  | "if" expr block "else" block {
        $$ = NEW(GB_AST_COND, @1);
        gb_ast *e = NEW(GB_AST_PROGRAM, @4);
        if ($$ && e) { $$->a = $2; $$->list = $3; e->list = $5; $$->c = e; }
    }
  | "if" expr block "else" cond {
        $$ = NEW(GB_AST_COND, @1);
        gb_ast *e = NEW(GB_AST_PROGRAM, @4);
        if ($$ && e) { $$->a = $2; $$->list = $3; e->list = $5; $$->c = e; }
    }
  ;

lhs:
    postfix                 { $$ = $1; }
  ;

type_opt:
    %empty                  { $$ = NULL; }
  | ":" type                { $$ = $2; }
  ;

type:
    NAME dims_opt           {
        $$ = NEW(GB_AST_TYPE, @1);
        if ($$) { $$->name = $1; $$->list = $2; $$->is_int = $2 != NULL; }
    }
  | NAME "<" bounds ">" dims_opt {
        $$ = $3;
        if ($$) { $$->loc = mkloc(p, @1); $$->name = $1; $$->list = $5; $$->is_int = $5 != NULL; }
    }
  ;

bounds:
    bound                   { $$ = $1; }
  | bounds "," bound        {
        $$ = $1;
        if ($$ && $3) {
            /* merge: the second bound fills the slot the first left empty */
            if ($3->a) { if ($$->a) { gb_error(p->errs, GB_ESYNTAX, $3->loc, "lower bound given twice"); p->nerrors++; } $$->a = $3->a; }
            if ($3->b) { if ($$->b) { gb_error(p->errs, GB_ESYNTAX, $3->loc, "upper bound given twice"); p->nerrors++; } $$->b = $3->b; }
        }
    }
  ;

bound:
    NAME "=" bound_value    {
        $$ = NEW(GB_AST_TYPE, @1);
        if ($$) {
            if (strcmp($1, "lower") == 0) $$->a = $3;
            else if (strcmp($1, "upper") == 0) $$->b = $3;
            else {
                gb_error(p->errs, GB_ESYNTAX, mkloc(p, @1), "unknown bound '%s'", $1);
                gb_error_hint(p->errs, "bounds are written <lower=L>, <upper=U> or <lower=L, upper=U>");
                p->nerrors++;
            }
        }
    }
  ;

bound_value:
    add_expr                { $$ = $1; }
  ;

dims_opt:
    %empty                  { $$ = NULL; }
  | "[" dims "]"            { $$ = $2; }
  ;

dims:
    add_expr                { $$ = $1; }
  | dims "," add_expr       { $$ = gb_ast_append($1, $3); }
  ;

params_opt:
    %empty                  { $$ = NULL; }
  | params                  { $$ = $1; }
  ;

params:
    param                   { $$ = $1; }
  | params "," param        { $$ = gb_ast_append($1, $3); }
  ;

param:
    NAME ":" type           {
        $$ = NEW(GB_AST_PARAM, @1);
        if ($$) { $$->name = $1; $$->a = $3; }
    }
  | NAME ":" type "=" expr  {
        $$ = NEW(GB_AST_PARAM, @1);
        if ($$) { $$->name = $1; $$->a = $3; $$->b = $5; }
    }
  ;

trunc_opt:
    %empty                  { $$ = NULL; }
  | trunc                   { $$ = $1; }
  ;

trunc:
    NAME "[" expr "," expr "]" {
        $$ = NEW(GB_AST_TRUNC, @1);
        if ($$) { $$->name = $1; $$->a = $3; $$->b = $5; }
    }
  | NAME "[" "," expr "]"   {
        $$ = NEW(GB_AST_TRUNC, @1);
        if ($$) { $$->name = $1; $$->b = $4; }
    }
  | NAME "[" expr "," "]"   {
        $$ = NEW(GB_AST_TRUNC, @1);
        if ($$) { $$->name = $1; $$->a = $3; }
    }
  ;

range:
    add_expr ".." add_expr  {
        $$ = nest(p, NEW(GB_AST_RANGE, @2), $1, $3);
        if ($$) { $$->a = $1; $$->b = $3; $$->loc = mkloc(p, @$); }
    }
  ;

expr:
    "if" expr "then" expr "else" expr {
        $$ = grow(p, NEW(GB_AST_IF, @1), size_max(size_max(size_of($2), size_of($4)), size_of($6)));
        if ($$) { $$->a = $2; $$->b = $4; $$->c = $6; }
    }
  | or_expr                 { $$ = $1; }
  ;

or_expr:
    or_expr "||" and_expr   { $$ = chain(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_OR, $1, $3), $1, $3); }
  | and_expr                { $$ = $1; }
  ;

and_expr:
    and_expr "&&" cmp_expr  { $$ = chain(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_AND, $1, $3), $1, $3); }
  | cmp_expr                { $$ = $1; }
  ;

cmp_expr:
    add_expr "==" add_expr  { $$ = nest(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_EQ, $1, $3), $1, $3); }
  | add_expr "!=" add_expr  { $$ = nest(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_NE, $1, $3), $1, $3); }
  | add_expr "<" add_expr   { $$ = nest(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_LT, $1, $3), $1, $3); }
  | add_expr "<=" add_expr  { $$ = nest(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_LE, $1, $3), $1, $3); }
  | add_expr ">" add_expr   { $$ = nest(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_GT, $1, $3), $1, $3); }
  | add_expr ">=" add_expr  { $$ = nest(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_GE, $1, $3), $1, $3); }
  | add_expr                { $$ = $1; }
  ;

add_expr:
    add_expr "+" mul_expr   { $$ = chain(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_ADD, $1, $3), $1, $3); }
  | add_expr "-" mul_expr   { $$ = chain(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_SUB, $1, $3), $1, $3); }
  | mul_expr                { $$ = $1; }
  ;

mul_expr:
    mul_expr "*" unary      { $$ = chain(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_MUL, $1, $3), $1, $3); }
  | mul_expr "/" unary      { $$ = chain(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_DIV, $1, $3), $1, $3); }
  | mul_expr "%" unary      { $$ = chain(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_MOD, $1, $3), $1, $3); }
  | mul_expr "@" unary      { $$ = chain(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_MATMUL, $1, $3), $1, $3); }
  | unary                   { $$ = $1; }
  ;

unary:
    "-" unary               { $$ = nest(p, gb_ast_unop(p->arena, mkloc(p, @1), GB_OP_NEG, $2), $2, NULL); }
  | "+" unary               { $$ = nest(p, gb_ast_unop(p->arena, mkloc(p, @1), GB_OP_PLUS, $2), $2, NULL); }
  | "!" unary               { $$ = nest(p, gb_ast_unop(p->arena, mkloc(p, @1), GB_OP_NOT, $2), $2, NULL); }
  | pow_expr                { $$ = $1; }
  ;

pow_expr:
    postfix "^" unary       { $$ = nest(p, gb_ast_binop(p->arena, mkloc(p, @2), GB_OP_POW, $1, $3), $1, $3); }
  | postfix                 { $$ = $1; }
  ;

postfix:
    primary                 { $$ = $1; }
  | postfix "[" indices "]" {
        $$ = grow(p, NEW(GB_AST_INDEX, @2), size_max(size_of($1), list_size($3)));
        if ($$) { $$->a = $1; $$->list = $3; $$->loc = mkloc(p, @$); }
    }
  | postfix "(" args_opt ")" {
        $$ = grow(p, NEW(GB_AST_CALL, @1), size_max(size_of($1), list_size($3)));
        if ($$) { $$->a = $1; $$->list = $3; $$->loc = mkloc(p, @$); }
    }
  | postfix "." NAME        {
        $$ = nest(p, NEW(GB_AST_MEMBER, @3), $1, NULL);
        if ($$) { $$->a = $1; $$->name = $3; $$->loc = mkloc(p, @$); }
    }
  ;

primary:
    NUMBER                  {
        $$ = NEW(GB_AST_NUM, @1);
        if ($$) { $$->num = $1.value; $$->is_int = $1.is_int; }
    }
  | NAME                    { $$ = NEW(GB_AST_NAME, @1); if ($$) $$->name = $1; }
  | STRING                  { $$ = NEW(GB_AST_STR, @1); if ($$) $$->name = $1; }
  | "(" expr ")"            { $$ = grow(p, $2, size_of($2)); }
  | "[" exprs "]"           {
        $$ = grow(p, NEW(GB_AST_ARRAY, @$), list_size($2));
        if ($$) $$->list = $2;
    }
  | "[" expr "for" NAME "in" range "]" {
        $$ = nest(p, NEW(GB_AST_COMPREH, @$), $2, $6);
        if ($$) { $$->a = $2; $$->name = $4; $$->b = $6; }
    }
  ;

exprs:
    expr                    { $$ = $1; }
  | exprs "," expr          { $$ = gb_ast_append($1, $3); }
  ;

indices:
    index                   { $$ = $1; }
  | indices "," index       { $$ = gb_ast_append($1, $3); }
  ;

index:
    %empty                  { $$ = NEW(GB_AST_ALL, @$); }
  | expr                    { $$ = $1; }
  | range                   { $$ = $1; }
  ;

args_opt:
    %empty                  { $$ = NULL; }
  | args                    { $$ = $1; }
  ;

args:
    arg                     { $$ = $1; }
  | args "," arg            { $$ = gb_ast_append($1, $3); }
  ;

arg:
    expr                    { $$ = $1; }
  | NAME "=" expr           {
        $$ = NEW(GB_AST_NAMED_ARG, @1);
        if ($$) { $$->name = $1; $$->a = $3; }
        if ($$ && $3) { $$->depth = $3->depth; $$->nest = $3->nest; }
    }
  ;

%%

/* Bison calls this only for stack exhaustion (syntax errors go through the custom reporter). */
static void yyerror(YYLTYPE *l, yyscan_t scanner, gb_parser *p, const char *msg)
{
    (void)scanner;
    if (strstr(msg, "exhausted"))
        gb_error(p->errs, GB_ESYNTAX, mkloc(p, *l),
                 "the script is nested too deeply to parse (the limit is %d levels)",
                 GB_MAX_NESTING);
    else
        gb_error(p->errs, GB_ESYNTAX, mkloc(p, *l), "%s", msg);
    p->nerrors++;
}

/* A token's name for messages: punctuation and keywords in single quotes ('~', 'then'),
 * categories bare (name, number, newline, end of file). */
static const char *tok_text(yysymbol_kind_t k, char *buf, size_t len)
{
    const char *s = yysymbol_name(k);
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"') {
        s++;
        n -= 2;
    }
    int category = k == YYSYMBOL_NAME || k == YYSYMBOL_NUMBER || k == YYSYMBOL_STRING ||
                   k == YYSYMBOL_NEWLINE || k == YYSYMBOL_YYEOF ||
                   k == YYSYMBOL_BADSTRING || k == YYSYMBOL_INVALID;
    if (category && k == YYSYMBOL_NEWLINE)
        snprintf(buf, len, "end of line");
    else if (category)
        snprintf(buf, len, "%.*s", (int)n, s);
    else
        snprintf(buf, len, "'%.*s'", (int)n, s);
    return buf;
}

/* Shows a bad character: printable UTF-8 as itself in quotes, anything else as \xNN. */
static void describe_bad(const char *bad, char *out, size_t len)
{
    const unsigned char *b = (const unsigned char *)bad;
    if (b[0] >= 0x21 && b[0] < 0x7f) {
        snprintf(out, len, "'%c'", b[0]);
    } else if (b[0] >= 0xC2 && b[0] <= 0xF4 && b[1] != 0) {
        snprintf(out, len, "'%s' (only ASCII is allowed outside comments and strings)", bad);
    } else {
        snprintf(out, len, "'\\x%02X'", b[0]);
    }
}

/* Tokens that merely continue an expression; left out of "expected" lists, which then name
 * what would close or separate (',' or ')') rather than every operator. */
static int is_continuation(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_PLUS: case YYSYMBOL_MINUS: case YYSYMBOL_STAR: case YYSYMBOL_SLASH:
    case YYSYMBOL_PERCENT: case YYSYMBOL_AT: case YYSYMBOL_CARET: case YYSYMBOL_EQ:
    case YYSYMBOL_NE: case YYSYMBOL_LT: case YYSYMBOL_LE: case YYSYMBOL_GT: case YYSYMBOL_GE:
    case YYSYMBOL_AND: case YYSYMBOL_OR: case YYSYMBOL_LBRACKET: case YYSYMBOL_LPAREN:
    case YYSYMBOL_DOT: case YYSYMBOL_NOT:
        return 1;
    default:
        return 0;
    }
}

/* Tokens that can begin an expression; named together as "an expression" in messages. */
static int is_expr_start(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_NAME: case YYSYMBOL_NUMBER: case YYSYMBOL_STRING: case YYSYMBOL_IF:
    case YYSYMBOL_LPAREN: case YYSYMBOL_LBRACKET: case YYSYMBOL_MINUS: case YYSYMBOL_PLUS:
    case YYSYMBOL_NOT:
        return 1;
    default:
        return 0;
    }
}

/* A hint when the tokens look like Stan's syntax (the token before the error, then the one
 * that failed): glassbox writes the same thing another way.  NULL when they do not. */
static const char *stan_syntax_hint(const gb_lexer *lx, yysymbol_kind_t got)
{
    static const char *const types[] = {"real", "int", "vector", "row_vector", "matrix",
                                        "simplex", "ordered", "array", "cov_matrix",
                                        "corr_matrix", "cholesky_factor_corr", NULL};
    const char *prev = lx->prev_text;
    if (got == YYSYMBOL_INVALID && strcmp(lx->bad, ";") == 0)
        return "glassbox ends a statement at the end of its line: drop the ';'";
    if (got == YYSYMBOL_INVALID && strcmp(lx->bad, "|") == 0)
        return "glassbox has no `normal_lpdf(y | mu, sigma)`: write y ~ normal(mu, sigma), or "
               "`target +=` the density written out";
    if (strcmp(prev, "data") == 0 && got == YYSYMBOL_LBRACE)
        return "glassbox writes Stan's data block as one line per input: data N: int, "
               "data y: real[N]";
    if ((strcmp(prev, "parameters") == 0 || strcmp(prev, "functions") == 0) &&
        got == YYSYMBOL_LBRACE)
        return "glassbox has no blocks: write statements at the top level, a parameter with its "
               "prior: mu ~ normal(0, 1)";
    if (strcmp(prev, "model") == 0 && got == YYSYMBOL_LBRACE)
        return "glassbox has no model block: write its statements at the top level (`model "
               "NAME(args) { ... }` defines a component)";
    if ((strcmp(prev, "transformed") == 0 || strcmp(prev, "generated") == 0) &&
        (got == YYSYMBOL_DATA || got == YYSYMBOL_NAME))
        return "glassbox has no blocks: a transformed value is a line of its own, "
               "sigma2 = sigma^2, computed with every draw";
    if (got == YYSYMBOL_NAME || got == YYSYMBOL_LT || got == YYSYMBOL_LBRACKET)
        for (int i = 0; types[i]; i++)
            if (strcmp(prev, types[i]) == 0)
                return "glassbox writes the type after the name: mu: real ~ normal(0, 1), "
                       "data N: int, data y: real[N]";
    return NULL;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner, gb_parser *p)
{
    (void)scanner;
    enum { MAX_EXPECTED = 64, MAX_SHOWN = 5 };
    yysymbol_kind_t all[MAX_EXPECTED], shown[MAX_EXPECTED];
    int n_all = yypcontext_expected_tokens(ctx, all, MAX_EXPECTED), n = 0;
    int expr_start = 0;
    for (int i = 0; i < n_all; i++)
        expr_start += all[i] == YYSYMBOL_NAME || all[i] == YYSYMBOL_NUMBER;
    for (int i = 0; i < n_all; i++) {
        if (n_all > MAX_SHOWN && is_continuation(all[i]) &&
            !(expr_start == 2 && is_expr_start(all[i])))
            continue;
        if (expr_start == 2 && is_expr_start(all[i])) {
            if (all[i] != YYSYMBOL_NAME)
                continue; /* the whole group is named once, as "an expression" */
        }
        if (all[i] == YYSYMBOL_PLUSEQ && (!p->lx || strcmp(p->lx->prev_text, "target") != 0))
            continue; /* only `target +=` exists: not worth naming after other names */
        shown[n++] = all[i];
    }
    yysymbol_kind_t got = yypcontext_token(ctx);
    gb_loc loc = mkloc(p, *yypcontext_location(ctx));
    p->nerrors++;
    if (got == YYSYMBOL_BADSTRING)
        return gb_error(p->errs, GB_ESYNTAX, loc, "unterminated string: missing closing '\"'"), 0;
    const char *stan = p->lx ? stan_syntax_hint(p->lx, got) : NULL;
    if (got == YYSYMBOL_INVALID) {
        char bad[64];
        describe_bad(p->lx ? p->lx->bad : "", bad, sizeof bad);
        gb_error(p->errs, GB_ESYNTAX, loc, "unexpected character %s", bad);
        if (stan)
            gb_error_hint(p->errs, "%s", stan);
        return 0;
    }
    const gb_lexer *lx = p->lx;
    if (got == YYSYMBOL_YYEOF && lx && lx->brace_depth > 0 && lx->brace_depth <= 16) {
        /* the end of the file inside a block: the brace that is not closed is the news */
        int k = lx->brace_depth - 1;
        gb_loc at = {p->file, lx->brace_line[k], lx->brace_col[k], lx->brace_col[k] + 1};
        gb_error(p->errs, GB_ESYNTAX, at, "this '{' is never closed");
        gb_error_hint(p->errs, "the file ends at line %d before its '}'", loc.line);
        return 0;
    }
    char gotbuf[160], t[64];
    tok_text(got, t, sizeof t);
    if ((got == YYSYMBOL_NAME || got == YYSYMBOL_NUMBER) && p->lx)
        snprintf(gotbuf, sizeof gotbuf, "%s '%s'", t, p->lx->text);
    else
        snprintf(gotbuf, sizeof gotbuf, "%s", t);
    if (n > 0 && n <= MAX_SHOWN) {
        char what[512];
        size_t used = 0;
        what[0] = '\0';
        for (int i = 0; i < n; i++) {
            const char *sep = i == 0 ? "" : (i == n - 1 ? " or " : ", ");
            const char *txt = expr_start == 2 && shown[i] == YYSYMBOL_NAME
                                  ? "an expression"
                                  : tok_text(shown[i], t, sizeof t);
            int w = snprintf(what + used, sizeof what - used, "%s%s", sep, txt);
            if (w < 0 || (size_t)w >= sizeof what - used)
                break;
            used += (size_t)w;
        }
        gb_error(p->errs, GB_ESYNTAX, loc, "expected %s before %s", what, gotbuf);
    } else {
        gb_error(p->errs, GB_ESYNTAX, loc, "unexpected %s", gotbuf);
    }
    if (stan)
        gb_error_hint(p->errs, "%s", stan);
    else if (p->lx && p->lx->depth > 0 && p->lx->open_line[0] < loc.line)
        gb_error_hint(p->errs, "the bracket opened at line %d, column %d is not closed",
                      p->lx->open_line[0], p->lx->open_col[0]);
    return 0;
}
