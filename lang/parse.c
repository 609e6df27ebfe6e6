/* parse.c - gb_parse: runs the Flex scanner and the Bison parser over one text. */
#include <setjmp.h>
#include <string.h>

#include "ast.h"
#include "parser.h"
#include "lexer.h"

gb_status gb_parse(gb_arena *arena, const char *file, const char *text, size_t len,
                   gb_ast **program, gb_errlist *errs)
{
    gb_lexer lx;
    memset(&lx, 0, sizeof lx);
    lx.arena = arena;
    lx.errs = errs;
    lx.file = file;
    lx.line = 1;
    lx.col = 1;
    gb_parser p = {arena, errs, file, NULL, 0, &lx};
    yyscan_t scanner;
    if (yylex_init_extra(&lx, &scanner) != 0)
        return gb_error(errs, GB_ENOMEM, (gb_loc){file, 0, 0, 0}, "out of memory");
    /* Flex scans a buffer in place when it ends in two NULs; the copy lives in the arena.  After
     * a fatal jump out of Flex, the scanner and any block Flex had not linked in yet are freed
     * below. */
    char *copy = gb_arena_alloc(arena, len + 2);
    volatile int rc = 2;
    jmp_buf fatal;
    lx.fatal = &fatal;
    if (copy && setjmp(fatal) == 0) {
        memcpy(copy, text, len);
        copy[len] = copy[len + 1] = '\0';
        YY_BUFFER_STATE buf = yy_scan_buffer(copy, len + 2, scanner);
        rc = yyparse(scanner, &p);
        yy_delete_buffer(buf, scanner);
    }
    yylex_destroy(scanner);
    gb_lex_free_blocks(&lx);
    if (rc == 2 && !arena->oom && p.nerrors > 0)
        return GB_ESYNTAX; /* parser stack exhausted: reported by yyerror */
    if (arena->oom || rc == 2)
        return gb_error(errs, GB_ENOMEM, (gb_loc){file, 0, 0, 0}, "out of memory parsing");
    if (rc != 0 || p.nerrors > 0 || !p.program)
        return GB_ESYNTAX;
    *program = p.program;
    return GB_OK;
}
