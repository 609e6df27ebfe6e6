/* ast_print.h - the AST as a one-line S-expression (tests, `glassbox parse`). */
#ifndef GB_LANG_AST_PRINT_H
#define GB_LANG_AST_PRINT_H

#include <stdio.h>

#include "ast.h"

/* Returns 0, or -1 when writing failed. */
int gb_ast_print(FILE *out, const gb_ast *n);

#endif
