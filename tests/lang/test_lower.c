/* test_lower.c - checks and lowering: one test per error class (message and location), and
 * the graphs of the examples (node counts, kinds, shapes, edges). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "gbt_model.h"
#include "lower.h"

typedef gbt_model fixture;

/* The fixture (tests/support): errors are expected here, so printed only with GB_TEST_VERBOSE. */
static int setup(void **state)
{
    gbt_model *f = gbt_model_new();
    f->quiet = !getenv("GB_TEST_VERBOSE");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    gbt_model_free(*state);
    return 0;
}

static void expect_err(fixture *f, size_t idx, int line, int col, const char *msg,
                       const char *hint)
{
    if (gb_errlist_count(f->errs) <= idx)
        fail_msg("expected error %zu (%s), got %zu errors", idx, msg, gb_errlist_count(f->errs));
    const gb_err *e = gb_errlist_get(f->errs, idx);
    if (strcmp(e->msg, msg) != 0)
        fail_msg("error %zu: got '%s' at %d:%d, expected '%s'", idx, e->msg, e->loc.line,
                 e->loc.col, msg);
    assert_int_equal(e->loc.line, line);
    assert_int_equal(e->loc.col, col);
    if (hint) {
        assert_non_null(e->hint);
        assert_string_equal(e->hint, hint);
    }
}

static const gb_node *node(fixture *f, const char *name)
{
    size_t i = gb_graph_find(f->g, name);
    if (i == (size_t)-1)
        fail_msg("no node '%s'", name);
    return gb_graph_node(f->g, i);
}

static int has_parent(fixture *f, const char *child, const char *parent)
{
    const gb_node *c = node(f, child);
    size_t p = gb_graph_find(f->g, parent);
    for (size_t k = 0; k < c->nparents; k++)
        if (c->parents[k] == p)
            return 1;
    return 0;
}

static const char *changepoint = "data counts: int[N]\n"
                                 "alpha = 1 / mean(counts)\n"
                                 "lambda1 ~ exponential(alpha)\n"
                                 "lambda2 ~ exponential(alpha)\n"
                                 "tau ~ uniform_int(1, N)\n"
                                 "for i in 1..N {\n"
                                 "  counts[i] ~ poisson(if i < tau then lambda1 else lambda2)\n"
                                 "}\n";

static void test_lower_builds_changepoint_graph(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, changepoint, "{\"counts\": [1, 4, 2, 0, 5], \"N\": 5}"),
                     GB_OK);
    assert_int_equal(gb_graph_node_count(f->g), 6); /* counts N alpha lambda1 lambda2 tau */
    const gb_node *c = node(f, "counts");
    assert_true(gb_node_is_observed(c));
    assert_int_equal(c->ndefs, 1); /* the loop stays one definition, not N nodes */
    assert_int_equal(c->defs[0].nloops, 1);
    assert_int_equal(c->shape.rank, 1);
    assert_int_equal(c->shape.dim[0], 5);
    assert_int_equal(node(f, "N")->kind, GB_NODE_CONST);
    assert_int_equal(node(f, "N")->value[0], 5);
    assert_true(gb_node_is_parameter(node(f, "tau")));
    assert_int_equal(node(f, "tau")->type, GB_INT);
    assert_int_equal(node(f, "lambda1")->type, GB_REAL);
    assert_int_equal(node(f, "alpha")->kind, GB_NODE_DETERMINISTIC);
    assert_true(has_parent(f, "counts", "tau"));
    assert_true(has_parent(f, "counts", "lambda2"));
    assert_true(has_parent(f, "lambda1", "alpha"));
    assert_true(has_parent(f, "alpha", "counts"));
    assert_false(has_parent(f, "tau", "alpha"));
}

static void test_lower_checks_without_data(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, changepoint, NULL), GB_OK);
    assert_int_equal(node(f, "counts")->shape.dim[0], GB_DIM_UNKNOWN);
}

static void test_lower_builds_component_nodes(void **state)
{
    fixture *f = *state;
    const char *m = "model lin(X: real[N, K], y: real[N], s: real = 2.5) {\n"
                    "  a ~ normal(0, 10)\n  b: real[K] ~ normal(0, s)\n"
                    "  sigma ~ half_normal(1)\n  mu = a + X @ b\n  y ~ normal(mu, sigma)\n}\n"
                    "data X: real[N, K]\ndata y: real[N]\nfit = lin(X, y)\nr = y - fit.mu\n";
    assert_int_equal(gbt_model_lower(f, m, "{\"X\": [[1, 2], [3, 4], [5, 6]], \"y\": [1, 2, 3.5]}"),
                     GB_OK);
    assert_int_equal(gb_graph_component_count(f->g), 1);
    assert_string_equal(gb_graph_component(f->g, 0)->name, "fit");
    const gb_node *b = node(f, "fit.b");
    assert_int_equal(b->component, 0);
    assert_int_equal(b->shape.rank, 1);
    assert_int_equal(b->shape.dim[0], 2);
    assert_int_equal(node(f, "fit.mu")->shape.dim[0], 3);
    assert_true(gb_node_is_observed(node(f, "y")));
    assert_true(has_parent(f, "r", "fit.mu"));
    assert_true(has_parent(f, "y", "fit.sigma"));
}

/* A loop calling a component is unrolled into an array of instances, sized by an integer-array
 * option; instances are listed in order and each reads the previous one's node. */
static void test_lower_unrolls_component_loops(void **state)
{
    fixture *f = *state;
    const char *m = "model dense(X: real[N, D], H: int) {\n"
                    "  W: real[D, H] ~ normal(0, 1)\n  h = tanh(X @ W)\n}\n"
                    "model stack(X: real[N, D], hidden: int[L]) {\n"
                    "  layer[1] = dense(X, hidden[1])\n"
                    "  for k in 2..L {\n    layer[k] = dense(layer[k - 1].h, hidden[k])\n  }\n"
                    "  out = layer[L].h[, 1]\n}\n"
                    "data X: real[N, D]\nnet = stack(X, [4, 3, 2])\n"
                    "z = net.layer[2].W[1, 1]\n"
                    "w = [net.layer[k].W[1, 1] for k in 1..3]\n";
    assert_int_equal(gbt_model_lower(f, m, "{\"X\": [[1, 2], [3, 4], [5, 6]]}"), GB_OK);
    assert_int_equal(gb_graph_component_count(f->g), 4);
    const char *want[4] = {"net", "net.layer[1]", "net.layer[2]", "net.layer[3]"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(gb_graph_component(f->g, i)->name, want[i]);
    const gb_node *w1 = node(f, "net.layer[1].W"), *w3 = node(f, "net.layer[3].W");
    assert_int_equal(w1->shape.dim[0], 2);
    assert_int_equal(w1->shape.dim[1], 4);
    assert_int_equal(w3->shape.dim[0], 3);
    assert_int_equal(w3->shape.dim[1], 2);
    assert_int_equal(node(f, "net.out")->shape.dim[0], 3);
    assert_true(has_parent(f, "net.layer[2].h", "net.layer[1].h"));
    assert_true(has_parent(f, "net.layer[3].h", "net.layer[2].h"));
    assert_true(has_parent(f, "net.out", "net.layer[3].h"));
    assert_true(has_parent(f, "z", "net.layer[2].W"));
    /* a comprehension over the instances is unrolled as the loop was */
    assert_int_equal(node(f, "w")->shape.rank, 1);
    assert_int_equal(node(f, "w")->shape.dim[0], 3);
    assert_true(has_parent(f, "w", "net.layer[1].W"));
    assert_true(has_parent(f, "w", "net.layer[3].W"));
}

/* if statements choose while the graph is built: by data, by a component's option, and (in a
 * loop, which is then unrolled) by the loop variable; a condition on a parameter is refused. */
static void test_lower_picks_if_branches(void **state)
{
    fixture *f = *state;
    const char *m = "model lik(y: real[N], robust: int = 0) {\n"
                    "  s ~ half_normal(1)\n"
                    "  if robust == 1 {\n    y ~ student_t(4, 0, s)\n  } else {\n"
                    "    y ~ normal(0, s)\n  }\n}\n"
                    "data y: real[N]\ndata w: real[N]\ndata flag: int\n"
                    "a = lik(y, robust = 1)\n"
                    "if flag == 0 {\n  b = lik(w)\n}\n"
                    "for i in 1..3 {\n  if i < 3 {\n    z[i] ~ normal(0, 1)\n  } else {\n"
                    "    z[i] ~ normal(z[1], 1)\n  }\n}\n";
    assert_int_equal(gbt_model_lower(f, m, "{\"y\": [1, 2], \"w\": [3, 4], \"flag\": 1}"), GB_OK);
    /* a took the robust branch; flag = 1 left b out, so w is not observed */
    assert_int_equal(gb_graph_component_count(f->g), 1);
    assert_string_equal(node(f, "y")->defs[0].dist->name, "student_t");
    assert_false(gb_node_is_observed(node(f, "w")));
    assert_int_equal(node(f, "z")->ndefs, 3);
    assert_true(has_parent(f, "z", "z"));
    gb_graph_free(f->g);
    f->g = NULL;
    assert_int_equal(
        gbt_model_lower(f, "mu ~ normal(0, 1)\nif mu > 0 {\n  x ~ normal(0, 1)\n}\n", "{}"),
        GB_ESEMANTIC);
    expect_err(f, 0, 2, 7, "the condition of an 'if' statement must be known when the graph "
                           "is built", NULL);
}

/* A size may be a deterministic node of data (Stan's transformed data: Kc = K - 1). */
static void test_lower_sizes_from_derived_integers(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        gbt_model_lower(f, "data K: int\nKc = K - 1\nKd = 2 * Kc\nb: real[Kd] ~ normal(0, 1)\n",
                        "{\"K\": 4}"),
        GB_OK);
    assert_int_equal(node(f, "b")->shape.dim[0], 6);
}

static void test_lower_allows_elementwise_hidden_markov_chain(void **state)
{
    fixture *f = *state;
    const char *m = "data y: real[N]\ndata P: real[K, K]\ndata p0: real[K]\n"
                    "z[1] ~ categorical(p0)\n"
                    "for t in 2..N { z[t] ~ categorical(P[z[t - 1]]) }\n"
                    "mu: ordered[K] ~ normal(0, 10)\n"
                    "for t in 1..N { y[t] ~ normal(mu[z[t]], 1) }\n";
    assert_int_equal(gbt_model_lower(f, m,
                                     "{\"y\": [0.1, 2, 2.2, -0.5], \"P\": [[0.9, 0.1], [0.2, 0.8]],"
                                     " \"p0\": [0.5, 0.5]}"),
                     GB_OK);
    const gb_node *z = node(f, "z");
    assert_int_equal(z->ndefs, 2);
    assert_int_equal(z->shape.dim[0], 4);
    assert_int_equal(z->type, GB_INT);
    assert_true(has_parent(f, "z", "z"));
    assert_int_equal(node(f, "mu")->constraint, GB_CON_ORDERED);
}

/* ---- one test per error class ---- */

static void test_lower_reports_unknown_name_with_suggestion(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "sigma ~ exponential(1)\nmu ~ normal(0, sigm)\n", NULL),
                     GB_ESEMANTIC);
    expect_err(f, 0, 2, 16, "unknown name 'sigm'", "did you mean 'sigma'?");
}

static void test_lower_reports_unknown_distribution_with_suggestion(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "mu ~ normall(0, 1)\n", NULL), GB_ESEMANTIC);
    expect_err(f, 0, 1, 6, "unknown distribution 'normall'", "did you mean 'normal'?");
}

static void test_lower_reports_duplicate_definition(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "a ~ normal(0, 1)\nb ~ normal(0, 1)\na = 3 * b\n", NULL),
                     GB_ESEMANTIC);
    expect_err(f, 0, 1, 1, "'a' is computed from the parameter 'b', so '~' cannot observe it",
               "'~' observes data, or a transform of data alone (Stan's transformed data); 'a' "
               "is defined with '=' at line 3");
    teardown(state);
    setup(state);
    f = *state;
    assert_int_equal(gbt_model_lower(f, "a = 1\na = 2\n", NULL), GB_ESEMANTIC);
    expect_err(f, 0, 2, 1, "'a' is already defined", "first defined at line 1");
}

static void test_lower_reports_assignment_to_data(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "data y: real[N]\ny = 2\n", NULL), GB_ESEMANTIC);
    expect_err(f, 0, 2, 1, "cannot assign to data 'y'", NULL);
}

static void test_lower_reports_wrong_argument_count(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "a ~ normal(0, 1, 2)\n", NULL), GB_ESEMANTIC);
    expect_err(f, 0, 1, 5, "normal takes 2 arguments, got 3", NULL);
    teardown(state);
    setup(state);
    f = *state;
    assert_int_equal(gbt_model_lower(f, "a ~ normal(0)\n", NULL), GB_ESEMANTIC);
    expect_err(f, 0, 1, 5, "normal takes 2 arguments (mu, sigma), got 1", NULL);
}

/* A trailing optional parameter left out (cart_prior's temps) takes the table's default, as a
 * constant of the parameter's type; left out among named arguments too.  Too few or too many
 * arguments: the accepted range, and the defaults in the list. */
static void test_lower_fills_optional_parameters(void **state)
{
    const char *srcs[] = {"data X: real[N, 2]\nf: real[N] ~ cart_prior(X, 0.95, 2, 5)\n",
                          "data X: real[N, 2]\nf: real[N] ~ cart_prior(X, min_leaf = 5, "
                          "alpha = 0.95, beta = 2)\n"};
    for (int k = 0; k < 2; k++) {
        fixture *f = *state;
        assert_int_equal(gbt_model_lower(f, srcs[k], NULL), GB_OK);
        const gb_def *d = &node(f, "f")->defs[0];
        assert_int_equal(d->nargs, 5);
        assert_int_equal(d->args[4]->kind, GB_EX_CONST);
        assert_int_equal(d->args[4]->type, GB_INT);
        assert_true(d->args[4]->num == 1);
        assert_true(d->args[3]->num == 5);
        teardown(state);
        setup(state);
    }
    fixture *f = *state;
    assert_int_equal(
        gbt_model_lower(f, "data X: real[N, 2]\nf: real[N] ~ cart_prior(X, 0.95)\n", NULL),
        GB_ESEMANTIC);
    expect_err(f, 0, 2, 14,
               "cart_prior takes 4 to 5 arguments (X, alpha, beta, min_leaf, temps = 1), got 2",
               NULL);
    teardown(state);
    setup(state);
    f = *state;
    const char *many = "data X: real[N, 2]\nf: real[N] ~ cart_prior(X, 0.95, 2, 5, 1, 1)\n";
    assert_int_equal(gbt_model_lower(f, many, NULL), GB_ESEMANTIC);
    expect_err(f, 0, 2, 14, "cart_prior takes 4 to 5 arguments, got 6", NULL);
}

static void test_lower_reports_integer_parameter_given_real(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        gbt_model_lower(f, "data k: int\np ~ beta(1, 1)\nk ~ binomial(2.5, p)\n", NULL),
        GB_ESEMANTIC);
    expect_err(f, 0, 3, 14, "binomial's parameter 'N' must be an integer, but this is real",
               NULL);
}

static void test_lower_reports_discrete_distribution_on_real_data(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        gbt_model_lower(f, "data y: real[N]\nlam ~ exponential(1)\ny ~ poisson(lam)\n", NULL),
        GB_ESEMANTIC);
    expect_err(f, 0, 3, 3, "poisson is a distribution over integers, but 'y' is declared real",
               NULL);
}

static void test_lower_reports_shape_mismatch(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "data a: real[N]\ndata b: real[M]\nc = a + b\n",
                                     "{\"a\": [1, 2, 3], \"b\": [1, 2]}"),
                     GB_ESEMANTIC);
    expect_err(f, 0, 3, 7, "shapes do not match for '+': shape [3] and shape [2]", NULL);
}

static void test_lower_reports_matmul_shape_mismatch(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f,
                                     "data X: real[N, K]\nb: real[3] ~ normal(0, 1)\nm = X @ b\n",
                                     "{\"X\": [[1, 2], [3, 4]]}"),
                     GB_ESEMANTIC);
    expect_err(f, 0, 3, 7,
               "'@' needs matrices or vectors with matching inner sizes, got shape [2, 2] and "
               "shape [3]",
               NULL);
}

static void test_lower_reports_cycle(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "a = b + 1\nb = a * 2\n", NULL), GB_ESEMANTIC);
    expect_err(f, 0, 2, 5, "'a' depends on itself", NULL);
    teardown(state);
    setup(state);
    f = *state;
    assert_int_equal(gbt_model_lower(f, "a: real ~ normal(b, 1)\nb: real ~ normal(a, 1)\n", NULL),
                     GB_ESEMANTIC);
    expect_err(f, 0, 2, 1, "cycle: 'b' and 'a' depend on each other", NULL);
}

static void test_lower_reports_too_many_indices_and_real_index(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "data y: real[N]\nm = y[1, 2]\nq = y[1.5]\n", NULL),
                     GB_ESEMANTIC);
    expect_err(f, 0, 2, 5, "too many indices: 2 given, but y has 1 dimension", NULL);
    expect_err(f, 1, 3, 7, "an index must be an integer", NULL);
}

static void test_lower_reports_unknown_type(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "data y: rael[N]\n", NULL), GB_ESEMANTIC);
    expect_err(f, 0, 1, 9, "unknown type 'rael'", "did you mean 'real'?");
}

static void test_lower_reports_component_argument_errors(void **state)
{
    fixture *f = *state;
    const char *m = "model m(x: real, s: real) {\n  a ~ normal(x, s)\n}\n"
                    "f1 = m(1)\nf2 = m(1, 2, t = 3)\n";
    assert_int_equal(gbt_model_lower(f, m, NULL), GB_ESEMANTIC);
    expect_err(f, 0, 4, 6, "model m needs argument 's'", NULL);
    expect_err(f, 1, 5, 14, "model m has no argument 't'", NULL);
}

static void test_lower_reports_missing_module(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "import nosuchmodule\n", NULL), GB_ESEMANTIC);
    expect_err(f, 0, 1, 8, "cannot find module 'nosuchmodule'", NULL);
}

static void test_lower_reports_data_errors(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "data y: int[N]\ndata x: real[N]\ndata z: real[3]\n",
                                     "{\"y\": [1, 2.5], \"x\": [1, 2]}"),
                     GB_EDATA);
    expect_err(f, 0, 1, 2, "y[2] is 2.5, but 'y' is declared int", NULL);
    expect_err(f, 1, 3, 6, "data variable 'z' is not in the data", NULL);
}

static void test_lower_reports_size_conflict_in_data(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "data a: real[N]\ndata b: real[N]\n",
                                     "{\"a\": [1, 2, 3], \"b\": [1, 2]}"),
                     GB_EDATA);
    expect_err(f, 0, 2, 14, "'b' has 2 along dimension 1, but the model says N = 3", NULL);
}

static void test_lower_reports_nan_and_bounds_in_data(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "data a: real[N]\ndata s: real<lower=0>[N]\n",
                                     "{\"a\": [1, \"NaN\"], \"s\": [1, -2]}"),
                     GB_EDATA);
    expect_err(f, 0, 1, 11, "a[2] is NaN; data must be finite numbers", NULL);
    expect_err(f, 1, 1, 19, "s[2] is -2, outside the declared bounds [0, inf]", NULL);
}

static void test_lower_reports_index_out_of_range_in_data(void **state)
{
    fixture *f = *state;
    const char *m = "data y: real[N]\ndata g: int[N]\nmu: real[3] ~ normal(0, 1)\n"
                    "for i in 1..N {\n  y[i] ~ normal(mu[g[i]], 1)\n}\n";
    assert_int_equal(gbt_model_lower(f, m, "{\"y\": [1, 2, 3, 4], \"g\": [1, 3, 4, 2]}"), GB_EDATA);
    expect_err(f, 0, 5, 20, "index 4 is out of range for mu (1..3) when i = 3", NULL);
}

static void test_lower_reports_gather_index_out_of_range_in_data(void **state)
{
    fixture *f = *state;
    const char *m = "data y: real[N]\ndata g: int[N]\nmu: real[3] ~ normal(0, 1)\n"
                    "y ~ normal(mu[g], 1)\n";
    assert_int_equal(gbt_model_lower(f, m, "{\"y\": [1, 2, 3], \"g\": [1, 4, 2]}"), GB_EDATA);
    expect_err(f, 0, 4, 15, "index 4 (element 2 of g) is out of range for mu (1..3)", NULL);
}

static void test_lower_reports_size_scalar_conflict_in_data(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "data y: real[J]\n", "{\"J\": 9, \"y\": [1, 2]}"),
                     GB_EDATA);
    expect_err(f, 0, 1, 14, "'y' has 2 along dimension 1, but the data give J = 9",
               "J is at d.json:1:2 and y at d.json:1:10; they must agree");
}

static void test_lower_binds_size_from_matching_scalar(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "data y: real[J]\neta: real[K] ~ normal(0, 1)\n",
                                     "{\"J\": 2, \"K\": 3, \"y\": [1, 2]}"),
                     GB_OK);
    assert_int_equal(node(f, "eta")->shape.dim[0], 3);
    assert_int_equal(node(f, "y")->shape.dim[0], 2);
}

static void test_lower_reports_empty_model(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f, "# nothing here\n", NULL), GB_ESEMANTIC);
    expect_err(f, 0, 1, 1, "the model is empty: it has no statements", NULL);
}

static void test_lower_reports_element_defined_twice_or_never(void **state)
{
    fixture *f = *state;
    assert_int_equal(gbt_model_lower(f,
                                     "data y: real[N]\nz[1] ~ normal(0, 1)\n"
                                     "for t in 1..N {\n  z[t] ~ normal(0, 1)\n}\n",
                                     "{\"y\": [1, 2, 3]}"),
                     GB_ESEMANTIC);
    expect_err(f, 0, 4, 8, "element 1 of 'z' is defined twice", "it was first defined at line 2");
    teardown(state);
    setup(state);
    f = *state;
    assert_int_equal(gbt_model_lower(f,
                                     "data y: real[N]\nfor t in 2..N {\n  z[t] ~ normal(0, 1)\n}\n",
                                     "{\"y\": [1, 2, 3]}"),
                     GB_ESEMANTIC);
    expect_err(f, 0, 3, 3, "element 1 of 'z' is never defined", NULL);
}

/* predict (unobserved_ok): an observed node the data leave out becomes a parameter shaped by
 * its declaration, also when a component observes it; a plain data variable is still needed. */
static void test_lower_unobserved_nodes_become_parameters(void **state)
{
    fixture *f = *state;
    const char *json = "{\"N\": 2, \"x\": [1, 2]}";
    const gb_source *src;
    assert_int_equal(gb_sources_add(f->srcs, "d.json", json, strlen(json), &src), GB_OK);
    assert_int_equal(gb_data_load_json(f->data, src, f->errs), GB_OK);
    const char *model = "model m(y: real[N]) {\n  mu ~ normal(0, 1)\n  y ~ normal(mu, 1)\n}\n"
                        "data x: real[N]\ndata y: real[N]\ndata z: real[N]\nfit = m(y)\n"
                        "z ~ normal(x, 1)\ndata w: real[N]\nv = w\n";
    assert_int_equal(gb_sources_add(f->srcs, "m.gb", model, strlen(model), &src), GB_OK);
    gb_lower_opts o = {f->data, NULL, NULL, 1};
    assert_int_equal(gb_lower_source(f->srcs, src, &o, &f->g, f->errs), GB_EDATA);
    expect_err(f, 0, 10, 6, "data variable 'w' is not in the data", NULL);
    assert_int_equal(gb_errlist_count(f->errs), 1);
    gb_errlist_free(f->errs);
    f->errs = gb_errlist_new();
    const char *model2 = "model m(y: real[N]) {\n  mu ~ normal(0, 1)\n  y ~ normal(mu, 1)\n}\n"
                         "data x: real[N]\ndata y: real[N]\ndata z: real[N]\nfit = m(y)\n"
                         "z ~ normal(x, 1)\n";
    assert_int_equal(gb_sources_add(f->srcs, "m2.gb", model2, strlen(model2), &src), GB_OK);
    assert_int_equal(gb_lower_source(f->srcs, src, &o, &f->g, f->errs), GB_OK);
    assert_true(gb_node_is_parameter(node(f, "y")));
    assert_true(gb_node_is_parameter(node(f, "z")));
    assert_int_equal(node(f, "z")->len, 2);
    assert_true(node(f, "x")->kind == GB_NODE_DATA);
}

/* A discrete latent used as an index: its support must lie inside the indexed axis, or its
 * prior would be cut to the axis without a word. */
static void test_lower_reports_latent_index_support_too_wide(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        gbt_model_lower(f,
                        "data y: real[N]\nmu: real[3] ~ normal(0, 5)\nk ~ uniform_int(1, 5)\n"
                        "for i in 1..N {\n  y[i] ~ normal(mu[k], 1)\n}\n",
                        "{\"y\": [1, 2]}"),
        GB_ESEMANTIC);
    expect_err(f, 0, 5, 20, "'k' indexes mu (1..3) but its support is 1..5",
               "its support comes from m.gb:3:3 ('k ~ uniform_int(...)'); make it fit 1..3: "
               "values outside would be cut from its prior");
    teardown(state);
    setup(state);
    f = *state;
    /* categorical(p) with p of length 5, per element and as a vector of labels */
    assert_int_equal(
        gbt_model_lower(f,
                        "data y: real[N]\ndata p: real[5]\nmu: real[3] ~ normal(0, 5)\n"
                        "z: int[N] ~ categorical(p)\ny ~ normal(mu[z], 1)\n",
                        "{\"y\": [1, 2], \"p\": [0.2, 0.2, 0.2, 0.2, 0.2]}"),
        GB_ESEMANTIC);
    expect_err(f, 0, 5, 15, "'z' indexes mu (1..3) but its support is 1..5", NULL);
    teardown(state);
    setup(state);
    f = *state;
    /* an unbounded support never fits */
    assert_int_equal(
        gbt_model_lower(f, "mu: real[3] ~ normal(0, 5)\nk ~ poisson(2)\nx = mu[k]\n", NULL),
        GB_ESEMANTIC);
    expect_err(f, 0, 3, 8, "'k' indexes mu (1..3) but its support is 0..inf", NULL);
}

static void test_lower_accepts_latent_index_support_that_fits(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        gbt_model_lower(f,
                        "data y: real[N]\ndata p: real[3]\nmu: real[3] ~ normal(0, 5)\n"
                        "k ~ uniform_int(2, 3)\nfor i in 1..N {\n  z[i] ~ categorical(p)\n"
                        "  y[i] ~ normal(mu[z[i]] + mu[k], 1)\n}\n"
                        "b ~ bernoulli(0.5)\nc = mu[b + 1]\n",
                        "{\"y\": [1, 2], \"p\": [0.2, 0.3, 0.5]}"),
        GB_OK);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_lower_builds_changepoint_graph),
        T(test_lower_checks_without_data),
        T(test_lower_builds_component_nodes),
        T(test_lower_unrolls_component_loops),
        T(test_lower_picks_if_branches),
        T(test_lower_sizes_from_derived_integers),
        T(test_lower_allows_elementwise_hidden_markov_chain),
        T(test_lower_reports_unknown_name_with_suggestion),
        T(test_lower_reports_unknown_distribution_with_suggestion),
        T(test_lower_reports_duplicate_definition),
        T(test_lower_reports_assignment_to_data),
        T(test_lower_reports_wrong_argument_count),
        T(test_lower_fills_optional_parameters),
        T(test_lower_reports_integer_parameter_given_real),
        T(test_lower_reports_discrete_distribution_on_real_data),
        T(test_lower_reports_shape_mismatch),
        T(test_lower_reports_matmul_shape_mismatch),
        T(test_lower_reports_cycle),
        T(test_lower_reports_too_many_indices_and_real_index),
        T(test_lower_reports_unknown_type),
        T(test_lower_reports_component_argument_errors),
        T(test_lower_reports_missing_module),
        T(test_lower_reports_data_errors),
        T(test_lower_reports_size_conflict_in_data),
        T(test_lower_reports_nan_and_bounds_in_data),
        T(test_lower_reports_index_out_of_range_in_data),
        T(test_lower_reports_gather_index_out_of_range_in_data),
        T(test_lower_reports_size_scalar_conflict_in_data),
        T(test_lower_binds_size_from_matching_scalar),
        T(test_lower_reports_empty_model),
        T(test_lower_reports_element_defined_twice_or_never),
        T(test_lower_unobserved_nodes_become_parameters),
        T(test_lower_reports_latent_index_support_too_wide),
        T(test_lower_accepts_latent_index_support_that_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
