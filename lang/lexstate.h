/* lexstate.h - the state the Flex scanner carries (its `extra`): position, bracket nesting and
 * the previous token, which decide whether a newline ends a statement. */
#ifndef GB_LANG_LEXSTATE_H
#define GB_LANG_LEXSTATE_H

#include <setjmp.h>

#include "arena.h"
#include "status.h"

typedef struct gb_lexer {
    gb_arena *arena;
    gb_errlist *errs;
    const char *file;
    int line, col;  /* position of the next character, 1-based */
    int depth;      /* open ( and [ : newlines inside are not statement ends */
    int last_tok;   /* previous token returned, 0 at the start */
    int type_name;  /* the last token is a name right after ':' (a type: `x: real`) */
    int in_bounds;  /* inside a type's <...>: the next '>' closes it and may end the line */
    int brace_depth;
    int brace_line[16], brace_col[16]; /* where the open { are (the first 16 levels) */
    char text[40];  /* the text of the last token (cut), for "before 'x'" in messages */
    char tok_text[40], prev_text[40]; /* the last token's text and the one before it, for
                                         hints on Stan's syntax (`target +=`, `data {`) */
    int open_line[16], open_col[16]; /* where the outermost open ( and [ are, for hints */
    char bad[8];    /* the bytes of the last invalid character, for the parser's message */
    jmp_buf *fatal; /* where Flex's fatal errors (its allocations failing) jump to: gb_parse */
    void *blocks;   /* every block Flex has allocated and not freed (lexer.l's yyalloc) */
} gb_lexer;

/* Frees the blocks Flex still holds: after yylex_destroy, those a fatal jump stranded. */
void gb_lex_free_blocks(gb_lexer *lx);

#endif
