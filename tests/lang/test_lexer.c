/* test_lexer.c - tokens and layout: columns in characters, tabs, newlines that end statements
 * and those that do not, and the bytes that start no token. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "ast.h"
#include "parser.h"
#include "lexer.h"

typedef struct tok {
    int kind, line, col, end_col;
} tok;

/* Scans text into at most max tokens (end of file included); returns how many. */
static int scan(const char *text, tok *out, int max)
{
    gb_arena a;
    gb_arena_init(&a);
    gb_lexer lx;
    memset(&lx, 0, sizeof lx);
    lx.arena = &a;
    lx.line = lx.col = 1;
    yyscan_t sc;
    assert_int_equal(yylex_init_extra(&lx, &sc), 0);
    YY_BUFFER_STATE b = yy_scan_bytes(text, (int)strlen(text), sc);
    int n = 0;
    for (; n < max; n++) {
        YYSTYPE v;
        YYLTYPE l;
        int k = yylex(&v, &l, sc);
        out[n] = (tok){k, l.first_line, l.first_column, l.last_column};
        if (k == END_OF_FILE) {
            n++;
            break;
        }
    }
    yy_delete_buffer(b, sc);
    yylex_destroy(sc);
    gb_arena_release(&a);
    return n;
}

static void test_lexer_counts_columns_in_characters(void **state)
{
    (void)state;
    tok t[16];
    int n = scan("# é comment\nab = 12.5e3\n", t, 16);
    assert_int_equal(n, 5); /* name = number newline eof */
    assert_int_equal(t[0].kind, NAME);
    assert_int_equal(t[0].line, 2);
    assert_int_equal(t[0].col, 1);
    assert_int_equal(t[0].end_col, 3);
    assert_int_equal(t[2].kind, NUMBER);
    assert_int_equal(t[2].col, 6);
    /* a multi-byte character is one column */
    n = scan("\"é\" x\n", t, 16);
    assert_int_equal(t[1].kind, NAME);
    assert_int_equal(t[1].col, 5);
}

static void test_lexer_reports_column_of_bad_byte(void **state)
{
    (void)state;
    tok t[16];
    scan("a = \tb $\n", t, 16);
    assert_int_equal(t[3].kind, INVALID);
    assert_int_equal(t[3].col, 8);
}

static void test_lexer_drops_newlines_inside_brackets_and_after_operators(void **state)
{
    (void)state;
    tok t[32];
    int n = scan("f(1,\n 2) +\n 3\n\n\nx\n", t, 32);
    int newlines = 0;
    for (int i = 0; i < n; i++)
        newlines += t[i].kind == NEWLINE;
    assert_int_equal(newlines, 2); /* after 3 (the blank lines collapse), after x */
}

static void test_lexer_closes_statement_before_brace_and_at_end(void **state)
{
    (void)state;
    tok t[32];
    int n = scan("{ a = 1 }", t, 32);
    /* { a = 1 NEWLINE } NEWLINE EOF */
    assert_int_equal(n, 8);
    assert_int_equal(t[4].kind, NEWLINE);
    assert_int_equal(t[5].kind, RBRACE);
    assert_int_equal(t[5].col, 9);
    assert_int_equal(t[6].kind, NEWLINE);
    assert_int_equal(t[7].kind, END_OF_FILE);
}

static void test_lexer_tells_ranges_from_reals(void **state)
{
    (void)state;
    tok t[16];
    int n = scan("1..N 1.5 .5\n", t, 16);
    assert_int_equal(n, 7);
    assert_int_equal(t[0].kind, NUMBER);
    assert_int_equal(t[1].kind, DOTDOT);
    assert_int_equal(t[2].kind, NAME);
    assert_int_equal(t[3].kind, NUMBER);
    assert_int_equal(t[4].kind, NUMBER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lexer_counts_columns_in_characters),
        cmocka_unit_test(test_lexer_reports_column_of_bad_byte),
        cmocka_unit_test(test_lexer_drops_newlines_inside_brackets_and_after_operators),
        cmocka_unit_test(test_lexer_closes_statement_before_brace_and_at_end),
        cmocka_unit_test(test_lexer_tells_ranges_from_reals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
