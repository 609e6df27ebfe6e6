/* test_stancsv.c - runtime/io/stancsv.c: CmdStan-layout files written to temporary files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "near.h"
#include "stancsv.h"

typedef struct tmpfile_ {
    char path[64];
} tmpfile_;

static void write_tmp(tmpfile_ *t, const char *text)
{
    strcpy(t->path, "/tmp/gb_stancsv_XXXXXX");
    int fd = mkstemp(t->path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
}

/* Reads text from a temporary file; the file is removed again before returning. */
static gb_stancsv *read_text(const char *text, tmpfile_ *t, gb_errlist *errs)
{
    write_tmp(t, text);
    gb_stancsv *s = gb_stancsv_read(t->path, errs);
    unlink(t->path);
    return s;
}

/* Asserts that errs holds exactly one error with this code, line, column and message. */
static void expect_error(const gb_errlist *errs, size_t i, gb_status code, int line, int col,
                         const char *msg)
{
    assert_true(gb_errlist_count(errs) > i);
    const gb_err *e = gb_errlist_get(errs, i);
    assert_int_equal(e->code, code);
    assert_int_equal(e->loc.line, line);
    assert_int_equal(e->loc.col, col);
    assert_string_equal(e->msg, msg);
}

static const char cmdstan_file[] =
    "# model = eight_schools\n"
    "# method = sample (Default)\n"
    "lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu,theta[1]\n"
    "# Adaptation terminated\n"
    "# Step size = 0.512\n"
    "# Diagonal elements of inverse mass matrix:\n"
    "# 1.02, 0.98\n"
    "-3.5,0.9,0.512,3,7,0,4.25,1.5,-2e-3\n"
    "\n"
    "-3.25,1,0.512,2,3,1,4,nan,inf\r\n"
    "# \n"
    "#  Elapsed Time: 0.05 seconds (Warm-up)\n"
    "-3,0.8,0.512,3,7,0,5,2.5,-inf"; /* complete last row without a newline */

static void test_stancsv_reads_cmdstan_layout(void **state)
{
    (void)state;
    tmpfile_ t;
    gb_errlist *errs = gb_errlist_new();
    gb_stancsv *s = read_text(cmdstan_file, &t, errs);
    assert_non_null(s);
    assert_int_equal(gb_errlist_count(errs), 0);
    assert_int_equal(gb_stancsv_ncols(s), 9);
    assert_int_equal(gb_stancsv_nrows(s), 3);
    assert_string_equal(gb_stancsv_col_name(s, 0), "lp__");
    assert_string_equal(gb_stancsv_col_name(s, 8), "theta[1]");
    assert_int_equal(gb_stancsv_find_col(s, "energy__"), 6);
    assert_int_equal(gb_stancsv_find_col(s, "sigma"), -1);
    assert_near(gb_stancsv_value(s, 0, 8), -2e-3, 0, 0);
    assert_near(gb_stancsv_value(s, 1, 5), 1, 0, 0);
    assert_true(isnan(gb_stancsv_value(s, 1, 7)));
    assert_true(isinf(gb_stancsv_value(s, 1, 8)) && gb_stancsv_value(s, 1, 8) > 0);
    assert_true(isinf(gb_stancsv_value(s, 2, 8)) && gb_stancsv_value(s, 2, 8) < 0);
    assert_near(gb_stancsv_row(s, 2)[7], 2.5, 0, 0);
    assert_int_equal(gb_stancsv_dropped_line(s), 0);
    assert_int_equal(gb_stancsv_ncomments(s), 8);
    assert_string_equal(gb_stancsv_comment(s, 0), " model = eight_schools");
    assert_string_equal(gb_stancsv_comment(s, 6), " ");
    assert_int_equal(gb_stancsv_comment_line(s, 7), 12);
    assert_int_equal(gb_stancsv_comment_row(s, 7), 2);
    assert_int_equal(gb_stancsv_comment_row(s, 2), 0);
    const int adapt[8] = {0, 0, 1, 1, 1, 1, 0, 0};
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(gb_stancsv_comment_is_adaptation(s, i), adapt[i]);
    assert_near(gb_stancsv_step_size(s), 0.512, 0, 0);
    gb_stancsv_free(s);
    gb_errlist_free(errs);
}

static void test_stancsv_drops_cut_off_last_row(void **state)
{
    (void)state;
    static const char *const texts[] = {"a,b,c\n1,2,3\n4,5", "a,b,c\n1,2,3\n4,5,6.5e",
                                        "a,b,c\n1,2,3\n4,"};
    for (size_t k = 0; k < 3; k++) {
        tmpfile_ t;
        gb_errlist *errs = gb_errlist_new();
        gb_stancsv *s = read_text(texts[k], &t, errs);
        assert_non_null(s);
        assert_int_equal(gb_errlist_count(errs), 0);
        assert_int_equal(gb_stancsv_nrows(s), 1);
        assert_int_equal(gb_stancsv_dropped_line(s), 3);
        assert_near(gb_stancsv_value(s, 0, 2), 3, 0, 0);
        gb_stancsv_free(s);
        gb_errlist_free(errs);
    }
    tmpfile_ t;
    gb_errlist *errs = gb_errlist_new();
    gb_stancsv *s = read_text("# no data rows\na,b\n", &t, errs);
    assert_non_null(s);
    assert_int_equal(gb_stancsv_nrows(s), 0);
    assert_true(isnan(gb_stancsv_step_size(s)));
    gb_stancsv_free(s);
    gb_errlist_free(errs);
}

/* Reads text that must fail, and checks the first error. */
static gb_errlist *read_bad(const char *text, gb_status code, int line, int col, const char *msg)
{
    tmpfile_ t;
    gb_errlist *errs = gb_errlist_new();
    assert_null(read_text(text, &t, errs));
    expect_error(errs, 0, code, line, col, msg);
    assert_string_equal(gb_errlist_get(errs, 0)->loc.file, t.path);
    return errs;
}

static void test_stancsv_reports_ragged_rows(void **state)
{
    (void)state;
    gb_errlist_free(
        read_bad("a,b,c\n1,2,3\n4,5,6,7\n", GB_EDATA, 3, 7, "row has 4 cells, the header has 3"));
    gb_errlist_free(
        read_bad("a,b,c\n1,2\n4,5,6\n", GB_EDATA, 2, 4, "row has 2 cells, the header has 3"));
    /* Too many cells on an unterminated last line is not a cut-off row. */
    gb_errlist_free(read_bad("a,b\n1,2,3", GB_EDATA, 2, 5, "row has 3 cells, the header has 2"));
}

static void test_stancsv_reports_bad_cells(void **state)
{
    (void)state;
    gb_errlist *errs =
        read_bad("a,b,c\n1,x2,3\n", GB_EDATA, 2, 3, "not a number in column 'b': 'x2'");
    assert_int_equal(gb_errlist_get(errs, 0)->loc.end_col, 4);
    gb_errlist_free(errs);
    gb_errlist_free(read_bad("a,b,c\n1, ,3\n", GB_EDATA, 2, 4, "empty cell in column 'b'"));
    gb_errlist_free(
        read_bad("a,b,c\n1,2,3.5.1\n", GB_EDATA, 2, 5, "not a number in column 'c': '3.5.1'"));
    gb_errlist_free(read_bad("a,,c\n", GB_EDATA, 1, 3, "empty column name in the header"));
}

static void test_stancsv_reports_every_bad_row(void **state)
{
    (void)state;
    gb_errlist *errs = read_bad("# c\na,b\n1,2\nq,2\n3,4\n5,6,7\n", GB_EDATA, 4, 1,
                                "not a number in column 'a': 'q'");
    assert_int_equal(gb_errlist_count(errs), 2);
    expect_error(errs, 1, GB_EDATA, 6, 5, "row has 3 cells, the header has 2");
    gb_errlist_free(errs);
}

static void test_stancsv_reports_empty_and_headerless_files(void **state)
{
    (void)state;
    gb_errlist_free(read_bad("", GB_EDATA, 0, 0, "empty file"));
    gb_errlist_free(read_bad("# only\n# comments\n\n", GB_EDATA, 3, 0,
                             "no header row: the file has only comments or blank lines"));
    gb_errlist *errs = gb_errlist_new();
    assert_null(gb_stancsv_read("/nonexistent/dir/draws.csv", errs));
    assert_int_equal(gb_errlist_count(errs), 1);
    assert_int_equal(gb_errlist_get(errs, 0)->code, GB_EIO);
    assert_non_null(strstr(gb_errlist_get(errs, 0)->msg, "cannot open"));
    gb_errlist_free(errs);
}

/* The warmup rows saved with save_warmup are counted from the configuration comments as
 * stansummary, cmdstanpy and rstan count them: ceil(num_warmup / thin). */
static void test_stancsv_counts_saved_warmup_rows(void **state)
{
    (void)state;
    static const struct {
        const char *config;
        size_t want;
    } cases[] = {
        {"#     num_samples = 4\n#     num_warmup = 5\n#     save_warmup = 1\n#     thin = 2\n", 3},
        {"#     num_warmup = 3\n#     save_warmup = true\n#     thin = 1 (Default)\n", 3},
        {"#     num_warmup = 3\n#     save_warmup = 0 (Default)\n", 0},
        {"#     num_warmup = 3\n#     save_warmup = false\n", 0},
        {"# iter=6\n# warmup=2\n# save_warmup=1\n# thin=1\n", 2}, /* rstan's own files */
        {"#     save_warmup = 1\n", 0},                              /* no num_warmup */
        {"#     num_warmup = 2\n#     save_warmup = 1\n", 2},      /* no thin: 1 */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char text[512];
        snprintf(text, sizeof text, "%slp__,mu\n1,1\n2,2\n3,3\n# num_warmup = 9\n4,4\n",
                 cases[k].config);
        gb_errlist *errs = gb_errlist_new();
        tmpfile_ t;
        gb_stancsv *s = read_text(text, &t, errs);
        assert_non_null(s);
        print_message("case %zu\n", k);
        assert_int_equal(gb_stancsv_warmup_rows(s), cases[k].want);
        gb_stancsv_free(s);
        gb_errlist_free(errs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stancsv_reads_cmdstan_layout),
        cmocka_unit_test(test_stancsv_counts_saved_warmup_rows),
        cmocka_unit_test(test_stancsv_drops_cut_off_last_row),
        cmocka_unit_test(test_stancsv_reports_ragged_rows),
        cmocka_unit_test(test_stancsv_reports_bad_cells),
        cmocka_unit_test(test_stancsv_reports_every_bad_row),
        cmocka_unit_test(test_stancsv_reports_empty_and_headerless_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
