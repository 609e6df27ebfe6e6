/* test_memplan.c - the memory estimate made before compiling: how it adds up (once, per chain
 * running, stored draws), which node it names, that it covers the compiled model's evaluation
 * work space, and that a loop of 10^12 iterations is estimated without being enumerated. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gbt_model.h"
#include "memplan.h"
#include "model_int.h"
#include "nuts.h"
#include "run.h"
#include "size.h"

static int setup(void **state)
{
    *state = gbt_model_new();
    return 0;
}

static int teardown(void **state)
{
    gbt_model_free(*state);
    return 0;
}

/* Lowers `model` (with JSON data, or none) to a graph; the test fails when lowering does. */
static void lower(gbt_model *f, const char *model, const char *json)
{
    assert_int_equal(gbt_model_lower(f, model, json), GB_OK);
}

static gb_memplan plan(gbt_model *f, size_t chains, size_t parallel, size_t draws)
{
    gb_memplan_config cfg = {chains, parallel, draws, 10, 0};
    gb_memplan p;
    assert_int_equal(gb_memplan_estimate(f->g, &cfg, &p), GB_OK);
    return p;
}

static void test_memplan_adds_model_chains_at_once_and_draws(void **state)
{
    gbt_model *f = *state;
    lower(f, "z: real[1000] ~ normal(0, 1)\n", NULL);
    gb_memplan one = plan(f, 1, 1, 0), four = plan(f, 4, 2, 100);
    assert_true(one.per_chain > 0);
    assert_int_equal(one.model, four.model);
    assert_int_equal(one.per_chain, four.per_chain);
    /* 4 chains x 100 draws x (1000 + the sampler's columns) doubles */
    assert_int_equal(four.draws, 4 * 100 * (1000 + GB_NSAMPLER_COLS) * sizeof(double));
    assert_int_equal(four.total, four.model + 2 * four.per_chain + four.draws);
    assert_int_equal(one.draws, 0);
    assert_int_equal(one.total, one.model + one.per_chain);
    /* the NUTS vectors of the 1000 coordinates are part of each chain's work space */
    size_t nuts;
    assert_int_equal(gb_nuts_work_size(1000, 10, 0, &nuts), 0);
    assert_true(one.per_chain >= nuts * sizeof(double));
}

static void test_memplan_names_the_node_that_needs_most(void **state)
{
    gbt_model *f = *state;
    lower(f, "a: real[10] ~ normal(0, 1)\n\nb: real[100000] ~ normal(a[1], 1)\n", NULL);
    gb_memplan p = plan(f, 4, 2, 10);
    assert_string_equal(gb_graph_node(f->g, p.top)->name, "b");
    assert_true(p.top_bytes < p.total);
    gb_memplan_config cfg = {4, 2, 10, 10, 0};
    assert_int_equal(gb_memplan_check(f->g, &cfg, p.total, f->errs), GB_OK);
    assert_int_equal(gb_errlist_count(f->errs), 0);
    assert_int_equal(gb_memplan_check(f->g, &cfg, p.total - 1, f->errs), GB_ENOMEM);
    assert_int_equal(gb_errlist_count(f->errs), 1);
    const gb_err *e = gb_errlist_get(f->errs, 0);
    assert_int_equal(e->loc.line, 3);
    assert_int_equal(e->loc.col, 1);
    assert_non_null(strstr(e->msg, "more than the budget of"));
    assert_non_null(e->hint);
    assert_non_null(strstr(e->hint, "'b' (100000 elements)"));
    assert_non_null(strstr(e->hint, "--memory SIZE sets the budget"));
    assert_non_null(strstr(e->hint, "--threads 1")); /* two work spaces weigh most */
    /* with 1000 draws the stored draws weigh most, and the hint says so */
    cfg.draws = 1000;
    assert_int_equal(gb_memplan_check(f->g, &cfg, p.total, f->errs), GB_ENOMEM);
    assert_non_null(strstr(gb_errlist_get(f->errs, 1)->hint, "--draws N stores fewer draws"));
}

/* The product of independent loop counts: 10^12 iterations in no time (enumerating them would
 * take hours), saturating instead of wrapping around. */
static void test_memplan_counts_huge_loops_without_enumerating(void **state)
{
    gbt_model *f = *state;
    gb_memory_set_budget((size_t)1 << 62); /* lowering refuses such a node past the budget */
    lower(f, "for i in 1..1000000 {\n  for j in 1..1000000 {\n    z[i, j] ~ normal(0, 1)\n  }\n}\n",
          NULL);
    gb_memory_set_budget(0);
    clock_t t0 = clock();
    gb_memplan p = plan(f, 4, 4, 1000);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
    assert_true(p.model >= (size_t)1000000000000 * 2 * sizeof(double)); /* loop indices */
    assert_true(p.total > ((size_t)1 << 50));
    assert_string_equal(gb_graph_node(f->g, p.top)->name, "z");
}

/* A deterministic node of data only is computed once at compilation: it has no columns or
 * draws, and costs less than the same node computed from a parameter. */
static void test_memplan_counts_folded_nodes_once(void **state)
{
    gbt_model *f = *state;
    lower(f, "data x: real[N]\nmu ~ normal(0, 1)\nfixed = x * 2\nvaries = x * mu\n",
          "{\"x\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}");
    gb_memplan p = plan(f, 4, 4, 1000);
    assert_string_equal(gb_graph_node(f->g, p.top)->name, "varies");
    /* stored draws: mu and the 10 elements of varies, not fixed */
    assert_int_equal(p.draws, 4 * 1000 * (11 + GB_NSAMPLER_COLS) * sizeof(double));
}

/* The estimate of one chain's work space is at least what the compiled model allocates for its
 * evaluation (ws_size doubles), for a vectorised and a looped likelihood. */
static void test_memplan_covers_the_compiled_work_space(void **state)
{
    gbt_model *f = *state;
    char *json = malloc(64 * 1024);
    size_t used = (size_t)snprintf(json, 64 * 1024, "{\"N\": 2000, \"K\": 3, \"X\": [");
    for (int i = 0; i < 2000; i++)
        used += (size_t)snprintf(json + used, 64 * 1024 - used, "%s[%d, %d, 1]", i ? "," : "",
                                 i % 7, i % 5);
    snprintf(json + used, 64 * 1024 - used, "]}");
    lower(f,
          "data X: real[N, K]\na ~ normal(0, 1)\nb: real[K] ~ normal(0, 1)\n"
          "s ~ half_normal(1)\nz: real[N] ~ normal(X @ b + a, s)\n"
          "for i in 1..N {\n  w[i] ~ normal(a + sum(X[i] * b) * z[i], s)\n}\n",
          json);
    free(json);
    assert_int_equal(gb_model_compile(f->g, &f->m, f->errs), GB_OK);
    const gb_model *m = f->m;
    gb_memplan p = plan(f, 1, 1, 0);
    size_t ws = m->ws_size * sizeof(double), nuts;
    assert_int_equal(gb_nuts_work_size(gb_model_dim(m), 10, 0, &nuts), 0);
    if (p.per_chain < ws + nuts * sizeof(double))
        fail_msg("estimate %zu bytes per chain, compiled work space %zu + NUTS %zu", p.per_chain,
                 ws, nuts * sizeof(double));
    /* and not far above it: the estimate is of the same terms, not a blanket margin */
    if (p.per_chain > 4 * (ws + nuts * sizeof(double)))
        fail_msg("estimate %zu bytes per chain is over 4x the compiled %zu + NUTS %zu", p.per_chain,
                 ws, nuts * sizeof(double));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_memplan_adds_model_chains_at_once_and_draws),
        T(test_memplan_names_the_node_that_needs_most),
        T(test_memplan_counts_huge_loops_without_enumerating),
        T(test_memplan_counts_folded_nodes_once),
        T(test_memplan_covers_the_compiled_work_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
