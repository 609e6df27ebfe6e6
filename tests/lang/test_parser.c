/* test_parser.c - the grammar: good programs parse to the expected trees; bad ones give the
 * expected message at the expected place, several per run where recovery allows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "ast_print.h"

/* Parses text; returns the S-expression (malloc'd) or NULL, and leaves errors in *errs. */
static char *parse_sexpr(const char *text, gb_errlist **errs)
{
    gb_arena a;
    gb_arena_init(&a);
    *errs = gb_errlist_new();
    gb_ast *prog = NULL;
    char *out = NULL;
    if (gb_parse(&a, "t.gb", text, strlen(text), &prog, *errs) == GB_OK) {
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);
        gb_ast_print(f, prog);
        fclose(f);
    }
    gb_arena_release(&a);
    return out;
}

static void expect_tree(const char *text, const char *tree)
{
    gb_errlist *errs;
    char *got = parse_sexpr(text, &errs);
    if (!got) {
        const gb_err *e = gb_errlist_get(errs, 0);
        fail_msg("parse failed: %d:%d %s", e ? e->loc.line : 0, e ? e->loc.col : 0,
                 e ? e->msg : "?");
    }
    assert_string_equal(got, tree);
    free(got);
    gb_errlist_free(errs);
}

static void expect_error(const char *text, size_t idx, int line, int col, const char *msg)
{
    gb_errlist *errs;
    char *got = parse_sexpr(text, &errs);
    assert_null(got);
    assert_true(gb_errlist_count(errs) > idx);
    const gb_err *e = gb_errlist_get(errs, idx);
    assert_string_equal(e->msg, msg);
    assert_int_equal(e->loc.line, line);
    assert_int_equal(e->loc.col, col);
    assert_int_equal(e->code, GB_ESYNTAX);
    gb_errlist_free(errs);
}

static void test_parser_reads_changepoint_model(void **state)
{
    (void)state;
    expect_tree("data counts: int[N]\n"
                "alpha = 1 / mean(counts)\n"
                "tau ~ uniform_int(1, N)\n"
                "for i in 1..N {\n"
                "  counts[i] ~ poisson(if i < tau then lambda1 else lambda2)\n"
                "}\n",
                "(program (data counts (type int N)) (= alpha (/ 1 (call mean counts))) "
                "(~ tau (call uniform_int 1 N)) (for i (.. 1 N) (~ ([] counts i) (call poisson "
                "(if (< i tau) lambda1 lambda2)))))");
}

static void test_parser_gives_power_precedence_over_unary_minus(void **state)
{
    (void)state;
    expect_tree("a = -x^2 + b * c @ d\n",
                "(program (= a (+ (neg (^ x 2)) (@ (* b c) d))))");
    expect_tree("a = x ^ y ^ z\n", "(program (= a (^ x (^ y z))))");
    expect_tree("a = p && q || !r == s\n", "(program (= a (|| (&& p q) (== (! r) s))))");
}

static void test_parser_reads_types_bounds_and_shapes(void **state)
{
    (void)state;
    expect_tree("data y: real<lower=0, upper=1>[N, K]\nsigma: real<lower=0> ~ cauchy(0, 1)\n"
                "mu: ordered[2] ~ normal(0, 10)\n",
                "(program (data y (type real <0 1> N K)) (~ sigma (type real <0 _>) (call cauchy "
                "0 1)) (~ mu (type ordered 2) (call normal 0 10)))");
    /* the '>' closing bounds may end a line; a '>' comparison still continues one */
    expect_tree("data K: int<lower=0>\ndata s: real<upper=K>\nx = a >\n  b\n",
                "(program (data K (type int <0 _>)) (data s (type real <_ K>)) (= x (> a b)))");
}

static void test_parser_reads_components_imports_and_named_args(void **state)
{
    (void)state;
    expect_tree("import regression\nimport \"lib/m.gb\" as m\n"
                "model lin(X: real[N, K], s: real = 2.5) {\n  b: real[K] ~ normal(0, s)\n}\n"
                "fit = regression.linear(X, y, scale = 2)\nz = fit.beta[1]\n",
                "(program (import regression) (import m \"lib/m.gb\") (model lin ((param X (type "
                "real N K)) (param s (type real) 2.5r)) (~ b (type real K) (call normal 0 s))) "
                "(= fit (call (. regression linear) X y (scale= 2))) (= z ([] (. fit beta) 1)))");
}

static void test_parser_reads_indices_ranges_and_comprehensions(void **state)
{
    (void)state;
    expect_tree("m = a[g[i], ] + y[2..N] + sum([b[k] * y[t - k] for k in 1..K])\n",
                "(program (= m (+ (+ ([] a ([] g i) :) ([] y (.. 2 N))) (call sum (for (* ([] b "
                "k) ([] y (- t k))) k (.. 1 K))))))");
}

static void test_parser_continues_lines_after_operators_and_in_brackets(void **state)
{
    (void)state;
    expect_tree("a = 1 +\n  2\nb = f(1,\n  2)\nfor i in 1..3 { c[i] ~ normal(0, 1) }\n",
                "(program (= a (+ 1 2)) (= b (call f 1 2)) (for i (.. 1 3) (~ ([] c i) (call "
                "normal 0 1))))");
}

/* if statements: else and else-if, on the line of the closing brace or the next one; an
 * `else` with no `if` before it is an error. */
static void test_parser_reads_if_statements(void **state)
{
    (void)state;
    expect_tree("if p == 0 {\n  y ~ normal(0, 1)\n} else if p == 1 {\n  y ~ normal(1, 1)\n}"
                "\nelse {\n  y ~ normal(2, 1)\n}\nz = 1\n",
                "(program (if (== p 0) (~ y (call normal 0 1)) else (if (== p 1) (~ y (call "
                "normal 1 1)) else (~ y (call normal 2 1)))) (= z 1))");
    expect_tree("if k { a = 1 }\nb = 2\n", "(program (if k (= a 1)) (= b 2))");
    expect_error("a = 1\nelse { b = 2 }\n", 0, 2, 1, "unexpected 'else'");
}

static void test_parser_accepts_missing_final_newline_and_truncation(void **state)
{
    (void)state;
    expect_tree("y ~ normal(0, 1) T[0, ]", "(program (~ y (call normal 0 1) (T 0 _)))");
}

/* `target += e` is two statements: its node set to 0 and observed with density sum(e). */
static void test_parser_desugars_target_add(void **state)
{
    (void)state;
    expect_tree("mu ~ normal(0, 1)\ntarget += -mu^2\n",
                "(program (~ mu (call normal 0 1)) (= target@2:1 0r) "
                "(~ target@2:1 (call target (call sum (neg (^ mu 2))))))");
    expect_error("x += 1\n", 0, 1, 1, "only 'target' takes '+='; 'x' is not the log density");
    expect_error("x + 1\n", 0, 1, 3, "expected '~', '=' or ':' before '+'");
}

static void test_parser_reports_expected_tokens(void **state)
{
    (void)state;
    expect_error("a ~ normal(0 1)\n", 0, 1, 14, "expected ')' or ',' before number '1'");
    expect_error("data x real\n", 0, 1, 8, "expected ':' before name 'real'");
}

static void test_parser_reports_several_errors(void **state)
{
    (void)state;
    const char *text = "a ~ normal(0 1)\nb = 2\nc = * 3\n";
    expect_error(text, 0, 1, 14, "expected ')' or ',' before number '1'");
    expect_error(text, 1, 3, 5, "expected an expression before '*'");
}

static void test_parser_reports_bad_bytes_and_strings(void **state)
{
    (void)state;
    expect_error("a = 3 $ 4\n", 0, 1, 7, "unexpected character '$'");
    expect_error("a = \x01\n", 0, 1, 5, "unexpected character '\\x01'");
    expect_error("import \"abc\n", 0, 1, 8, "unterminated string: missing closing '\"'");
}

static void test_parser_limits_nesting(void **state)
{
    (void)state;
    size_t n = 5000;
    char *text = malloc(2 * n + 16);
    strcpy(text, "a = ");
    size_t k = 4;
    for (size_t i = 0; i < n; i++)
        text[k++] = '(';
    text[k++] = '1';
    for (size_t i = 0; i < n; i++)
        text[k++] = ')';
    text[k++] = '\n';
    text[k] = '\0';
    gb_errlist *errs;
    char *got = parse_sexpr(text, &errs);
    assert_null(got);
    assert_true(gb_errlist_count(errs) >= 1);
    assert_non_null(strstr(gb_errlist_get(errs, 0)->msg, "nested"));
    gb_errlist_free(errs);
    free(text);
}

/* "a = x + x + ... + x" with n terms, in a new string. */
static char *flat_sum(size_t n)
{
    char *text = malloc(4 * n + 16);
    size_t k = (size_t)sprintf(text, "a = x");
    for (size_t i = 1; i < n; i++)
        k += (size_t)sprintf(text + k, " + x");
    strcpy(text + k, "\n");
    return text;
}

static void test_parser_accepts_flat_sum_of_250_terms(void **state)
{
    (void)state;
    char *text = flat_sum(250);
    gb_errlist *errs;
    char *got = parse_sexpr(text, &errs);
    if (!got)
        fail_msg("250 terms: %s", gb_errlist_get(errs, 0)->msg);
    free(got);
    gb_errlist_free(errs);
    free(text);
}

static void test_parser_limits_terms_of_a_flat_chain(void **state)
{
    (void)state;
    char *text = flat_sum(GB_MAX_TERMS + 1);
    gb_errlist *errs;
    char *got = parse_sexpr(text, &errs);
    assert_null(got);
    assert_int_equal(gb_errlist_count(errs), 1);
    assert_string_equal(gb_errlist_get(errs, 0)->msg, "expression of more than 2000 terms");
    gb_errlist_free(errs);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_reads_changepoint_model),
        cmocka_unit_test(test_parser_gives_power_precedence_over_unary_minus),
        cmocka_unit_test(test_parser_reads_types_bounds_and_shapes),
        cmocka_unit_test(test_parser_reads_components_imports_and_named_args),
        cmocka_unit_test(test_parser_reads_indices_ranges_and_comprehensions),
        cmocka_unit_test(test_parser_continues_lines_after_operators_and_in_brackets),
        cmocka_unit_test(test_parser_reads_if_statements),
        cmocka_unit_test(test_parser_desugars_target_add),
        cmocka_unit_test(test_parser_accepts_missing_final_newline_and_truncation),
        cmocka_unit_test(test_parser_reports_expected_tokens),
        cmocka_unit_test(test_parser_reports_several_errors),
        cmocka_unit_test(test_parser_reports_bad_bytes_and_strings),
        cmocka_unit_test(test_parser_limits_nesting),
        cmocka_unit_test(test_parser_accepts_flat_sum_of_250_terms),
        cmocka_unit_test(test_parser_limits_terms_of_a_flat_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
