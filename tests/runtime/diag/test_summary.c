/* test_summary.c - runtime/diag/summary.c: the table, sampler statistics and warnings, captured with
 * open_memstream; write failures through /dev/full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "diag.h"
#include "summary.h"

#define NDRAWS 100
#define NCOLS 6

static const char *const names[NCOLS] = {"lp__",        "accept_stat__", "treedepth__",
                                         "divergent__", "energy__",      "mu"};

static unsigned long lcg_state;

static double lcg(void)
{
    lcg_state = (48271 * lcg_state) % 2147483647;
    return (double)lcg_state / 2147483647.0;
}

/* Two chains: mu iid uniform, 2 divergences and 3 transitions at depth 10 in chain 1; chain 2's
 * energy is a random walk (E-BFMI far below 0.3), chain 1's is iid (E-BFMI near 2). */
static void make_draws(double *rows[2])
{
    lcg_state = 2718;
    double walk = 0;
    for (int c = 0; c < 2; c++) {
        rows[c] = calloc(NDRAWS * NCOLS, sizeof(double));
        assert_non_null(rows[c]);
        for (size_t i = 0; i < NDRAWS; i++) {
            double *r = rows[c] + i * NCOLS;
            walk += lcg() - 0.5;
            r[0] = -lcg();
            r[1] = lcg();
            r[2] = (c == 0 && i < 3) ? 10 : 3;
            r[3] = (c == 0 && (i == 10 || i == 20)) ? 1 : 0;
            r[4] = c == 0 ? lcg() : walk;
            r[5] = lcg();
        }
    }
}

static char *print_to_string(double *rows[2], gb_status *st)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    *st = gb_summary_print(f, names, NCOLS, (const double *const *)rows, 2, NDRAWS, 10, 2);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void test_summary_prints_table_stats_and_warnings(void **state)
{
    (void)state;
    double *rows[2];
    make_draws(rows);
    gb_status st;
    char *text = print_to_string(rows, &st);
    assert_int_equal(st, GB_OK);
    print_message("%s", text);
    assert_non_null(strstr(text, "name"));
    assert_non_null(strstr(text, "ess_tail"));
    assert_non_null(strstr(text, "\nlp__ "));
    assert_non_null(strstr(text, "\nmu "));
    assert_null(strstr(text, "\naccept_stat__ "));
    assert_null(strstr(text, "\nenergy__ "));
    assert_non_null(strstr(text, "divergent transitions: 2 of 200"));
    assert_non_null(strstr(text, "maximum tree depth 10: 3 of 200"));
    assert_non_null(strstr(text, "warning: 2 divergent transition(s)"));
    assert_non_null(strstr(text, "warning: 3 transition(s) stopped at the maximum tree depth"));
    assert_non_null(strstr(text, "warning: E-BFMI of chain 2"));
    assert_null(strstr(text, "warning: E-BFMI of chain 1"));
    /* 200 draws cannot reach an ESS of 400. */
    assert_non_null(strstr(text, "effective sample size is below 400 for 1 parameter(s), "
                                 "lowest mu"));
    /* The mu row carries gb_diag_summarise's mean. */
    double *mu[2];
    for (int c = 0; c < 2; c++) {
        mu[c] = malloc(NDRAWS * sizeof(double));
        assert_non_null(mu[c]);
        for (size_t i = 0; i < NDRAWS; i++)
            mu[c][i] = rows[c][i * NCOLS + 5];
    }
    gb_diag_summary s;
    assert_int_equal(gb_diag_summarise((const double *const *)mu, 2, NDRAWS, &s), GB_OK);
    char want[64];
    snprintf(want, sizeof want, "\nmu   %10.4g %10.4g", s.mean, s.sd);
    assert_non_null(strstr(text, want));
    free(mu[0]);
    free(mu[1]);
    free(text);
    free(rows[0]);
    free(rows[1]);
}

/* Rows of one component come under one heading naming it; indices do not split a group and
 * a top-level name after a component gets a heading of its own. */
static void test_summary_groups_rows_by_component(void **state)
{
    (void)state;
    static const char *const cn[6] = {"lp__", "sigma", "net.layer[1].W.1.2", "net.layer[1].b.1",
                                      "net.layer[2].b", "x.3"};
    double *rows[2];
    make_draws(rows); /* reuse its values under other names: only the layout is tested */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(gb_summary_print(f, cn, 6, (const double *const *)rows, 2, NDRAWS, 10, 2),
                     GB_OK);
    assert_int_equal(fclose(f), 0);
    const char *a = strstr(buf, "\ncomponent net.layer[1]\nnet.layer[1].W.1.2 ");
    const char *b = strstr(buf, "\nnet.layer[1].b.1 ");
    const char *c = strstr(buf, "\n\ncomponent net.layer[2]\nnet.layer[2].b ");
    const char *d = strstr(buf, "\n\n(top level)\nx.3 ");
    assert_non_null(a);
    assert_true(b && b > a && (!c || b < c));
    assert_true(c && d && c < d);
    assert_null(strstr(buf, "component sigma"));
    assert_null(strstr(buf, "component lp__"));
    assert_null(strstr(buf, "component net.layer[1]\nnet.layer[1].b")); /* one heading only */
    free(buf);
    free(rows[0]);
    free(rows[1]);
}

/* Columns that never vary (an indicator fixed by the data, the unit diagonal of a correlation
 * matrix) get R-hat NA and a note naming them, not the "chains do not agree" warning; a column
 * that differs between chains still gets the warning. */
static void test_summary_notes_constant_columns_apart_from_rhat(void **state)
{
    (void)state;
    static const char *const cn[NCOLS] = {"lp__", "Omega.1.1", "z.1", "z.2", "split", "mu"};
    double *rows[2];
    make_draws(rows);
    for (int c = 0; c < 2; c++)
        for (size_t i = 0; i < NDRAWS; i++) {
            double *r = rows[c] + i * NCOLS;
            r[1] = 1; /* fixed diagonal */
            r[2] = 0; /* reference column */
            r[3] = 0;
            r[4] = c; /* constant within each chain, different between them */
        }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(gb_summary_print(f, cn, NCOLS, (const double *const *)rows, 2, NDRAWS, 10, 2),
                     GB_OK);
    assert_int_equal(fclose(f), 0);
    print_message("%s", buf);
    assert_non_null(strstr(buf, "note: 3 column(s) never vary (Omega.1.1, z.1, z.2): R-hat and "
                                "ESS are NA"));
    assert_non_null(strstr(buf, "R-hat is above 1.01 (or undefined) for 2 parameter(s), worst "
                                "split at undefined"));
    const char *row = strstr(buf, "\nz.1 ");
    assert_non_null(row);
    assert_non_null(strstr(row, "     NA       NA       NA\n"));
    free(buf);
    free(rows[0]);
    free(rows[1]);
}

static void test_summary_reports_write_failure(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    double *rows[2];
    make_draws(rows);
    assert_int_equal(gb_summary_print(f, names, NCOLS, (const double *const *)rows, 2, NDRAWS, 10, 2),
                     GB_EIO);
    fclose(f);
    free(rows[0]);
    free(rows[1]);
}

static void test_summary_refuses_too_few_draws(void **state)
{
    (void)state;
    double row[NCOLS] = {0};
    const double *ch[1] = {row};
    assert_int_equal(gb_summary_print(stdout, names, NCOLS, ch, 1, 1, 10, 2), GB_EUSAGE);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_prints_table_stats_and_warnings),
        cmocka_unit_test(test_summary_groups_rows_by_component),
        cmocka_unit_test(test_summary_notes_constant_columns_apart_from_rhat),
        cmocka_unit_test(test_summary_reports_write_failure),
        cmocka_unit_test(test_summary_refuses_too_few_draws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
