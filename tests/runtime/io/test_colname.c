/* test_colname.c - runtime/io/colname.c: CSV names of glassbox columns, their map comments, clashes,
 * --keep patterns and the edit distance behind suggestions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "colname.h"

static void expect_csv(const char *name, const char *want)
{
    char buf[128];
    size_t n = gb_colname_to_csv(name, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

/* Components' dots and instance indices become '_'; the element indices stay dotted, so Stan's
 * readers take everything before the first '.' as the variable. */
static void test_colname_maps_component_names_for_stan_readers(void **state)
{
    (void)state;
    expect_csv("beta.1", "beta.1");
    expect_csv("Sigma.2.3", "Sigma.2.3");
    expect_csv("sigma", "sigma");
    expect_csv("fit.beta.1", "fit_beta.1");
    expect_csv("fit.sigma", "fit_sigma");
    expect_csv("net.layer[1].W.1.1", "net_layer_1_W.1.1");
    expect_csv("layer[12].h.3", "layer_12_h.3");
    expect_csv("grid[1,2].b.3", "grid_1_2_b.3");
    expect_csv("fit.inner.mu.10", "fit_inner_mu.10");
    assert_int_equal(gb_colname_node_len("net.layer[1].W.1.1"), strlen("net.layer[1].W"));
    assert_int_equal(gb_colname_node_len("x2.1"), 2);
    assert_int_equal(gb_colname_node_len("x2"), 2);
    /* a short buffer is cut but terminated; the return value says how long the name is */
    char small[6];
    assert_int_equal(gb_colname_to_csv("fit.beta.1", small, sizeof small), 10);
    assert_string_equal(small, "fit_b");
}

static void test_colname_finds_clashing_csv_names(void **state)
{
    (void)state;
    size_t a = 99, b = 99;
    const char *ok[] = {"lp__", "fit.beta", "fit.alpha", "beta", "net.layer[1].W"};
    assert_int_equal(gb_colname_clash(ok, 5, &a, &b), 0);
    const char *bad[] = {"lp__", "fit.beta", "alpha", "fit_beta"};
    assert_int_equal(gb_colname_clash(bad, 4, &a, &b), 1);
    assert_int_equal(a, 1);
    assert_int_equal(b, 3);
    const char *inst[] = {"net.layer[1].W", "net_layer_1_W.2"}; /* node part of a column */
    assert_int_equal(gb_colname_clash(inst, 2, &a, &b), 1);
}

/* The map comments name each renamed node once and parse back; other comments are not entries. */
static void test_colname_writes_and_reads_the_map(void **state)
{
    (void)state;
    const char *cols[] = {"mu", "fit.beta.1", "fit.beta.2", "fit.sigma", "net.layer[2].h.1.1"};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(gb_colname_write_map(f, cols, 5), 0);
    for (size_t k = 0; k < 5; k++) {
        fputc(',', f);
        assert_int_equal(gb_colname_write_csv(f, cols[k]), 0);
    }
    assert_int_equal(fclose(f), 0);
    assert_string_equal(buf, "# glassbox name of fit_beta: fit.beta\n"
                             "# glassbox name of fit_sigma: fit.sigma\n"
                             "# glassbox name of net_layer_2_h: net.layer[2].h\n"
                             ",mu,fit_beta.1,fit_beta.2,fit_sigma,net_layer_2_h.1.1");
    const char *csv, *gb;
    size_t cl, gl;
    assert_int_equal(gb_colname_parse_map(" glassbox name of net_layer_2_h: net.layer[2].h", &csv,
                                          &cl, &gb, &gl),
                     1);
    assert_int_equal(cl, strlen("net_layer_2_h"));
    assert_memory_equal(csv, "net_layer_2_h", cl);
    assert_string_equal(gb, "net.layer[2].h");
    assert_int_equal(gl, strlen("net.layer[2].h"));
    assert_int_equal(gb_colname_parse_map("     num_warmup = 1000", &csv, &cl, &gb, &gl), 0);
    assert_int_equal(gb_colname_parse_map(" glassbox name of : x", &csv, &cl, &gb, &gl), 0);
    free(buf);
}

/* '*' and '?' are the only wildcards: a component index is written as it is. */
static void test_colname_pattern_takes_brackets_literally(void **state)
{
    (void)state;
    assert_true(gb_colname_match("net.layer[1].h", "net.layer[1].h"));
    assert_false(gb_colname_match("net.layer[1].h", "net.layer1.h"));
    assert_false(gb_colname_match("net.layer[1].h", "net.layer[1].h.2"));
    assert_true(gb_colname_match("net.layer[*].h", "net.layer[12].h"));
    assert_true(gb_colname_match("net.layer[1].h.3.*", "net.layer[1].h.3.17"));
    assert_false(gb_colname_match("net.layer[1].h.3.*", "net.layer[1].h.4.1"));
    assert_true(gb_colname_match("fit.*", "fit.beta"));
    assert_true(gb_colname_match("*", ""));
    assert_true(gb_colname_match("b?ta", "beta"));
    assert_false(gb_colname_match("b?ta", "bta"));
    assert_true(gb_colname_match("*a*b*c", "xaxxbxcxbc"));
    assert_false(gb_colname_match("*a*b*c", "xaxxbx"));
}

static void test_colname_distance_counts_edits(void **state)
{
    (void)state;
    assert_int_equal(gb_colname_distance("mu", "mu"), 0);
    assert_int_equal(gb_colname_distance("mux", "mu"), 1);
    assert_int_equal(gb_colname_distance("btea", "beta"), 1); /* a transposition */
    assert_int_equal(gb_colname_distance("", "abc"), 3);
    assert_int_equal(gb_colname_distance("net.layer[9].h", "net.layer[1].h"), 1);
    char longname[200];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_true(gb_colname_distance(longname, "a") > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_colname_maps_component_names_for_stan_readers),
        cmocka_unit_test(test_colname_finds_clashing_csv_names),
        cmocka_unit_test(test_colname_writes_and_reads_the_map),
        cmocka_unit_test(test_colname_pattern_takes_brackets_literally),
        cmocka_unit_test(test_colname_distance_counts_edits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
