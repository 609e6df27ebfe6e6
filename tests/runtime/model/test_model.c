/* test_model.c - the compiled model: log densities against values computed by hand, gradients
 * against central finite differences, loops evaluated as batches, element-wise and sequential
 * definitions, Gibbs enumeration against the exact conditional. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "gbt_model.h"
#include "kernel.h"
#include "model.h"
#include "near.h"

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

static const double LOG_SQRT_2PI = 0.91893853320467274178;

static void test_model_logp_of_normal_regression_matches_hand_computation(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
                       "data x: real[N]\ndata y: real[N]\na ~ normal(0, 10)\nb ~ normal(0, 10)\n"
                       "s ~ exponential(1)\ny ~ normal(a + b * x, s)\n",
                       "{\"x\": [1, 2, 3], \"y\": [1.5, 1.9, 3.2]}");
    assert_int_equal(gb_model_dim(f->m), 3);
    /* Terms constant in the parameters may be dropped (propto, as in Stan's lp__), so the
     * comparison is of differences between two points, which any such constant leaves alone. */
    double x[3] = {1, 2, 3}, y[3] = {1.5, 1.9, 3.2};
    double th[2][3] = {{0.3, -0.2, 0.1}, {-1.1, 0.7, -0.4}}, want[2], lp[2];
    for (int p = 0; p < 2; p++) {
        double a = th[p][0], b = th[p][1], s = exp(th[p][2]);
        want[p] = -0.5 * (a * a + b * b) / 100 - s + th[p][2]; /* priors, Jacobian */
        for (int i = 0; i < 3; i++) {
            double z = (y[i] - a - b * x[i]) / s;
            want[p] += -0.5 * z * z - log(s);
        }
        lp[p] = gb_model_logp(f->m, f->ws, th[p], NULL);
    }
    (void)LOG_SQRT_2PI;
    assert_near(lp[0] - lp[1], want[0] - want[1], 1e-12, 1e-12);
    gbt_model_check_gradient(f, 1);
}

static void test_model_gradient_through_loops_indexing_and_functions(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(
        f,
        "data y: real[N]\ndata g: int[N]\nmu: real[3] ~ normal(0, 5)\n"
        "tau ~ half_normal(1)\nfor i in 1..N {\n  y[i] ~ normal(mu[g[i]] * tau, exp(tau))\n}\n",
        "{\"y\": [1, 2, 0.5, -1], \"g\": [1, 3, 3, 2]}");
    assert_int_equal(gb_model_dim(f->m), 4);
    gbt_model_check_gradient(f, 2);
}

static void test_model_gradient_of_matmul_and_deterministic_chain(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
                       "data X: real[N, K]\ndata y: real[N]\nb: real[K] ~ normal(0, 1)\n"
                       "mu = X @ b\nm2 = mu * mu\ny ~ normal(m2, 1)\n",
                       "{\"X\": [[1, 2], [0.5, -1], [2, 0]], \"y\": [1, 0, 2]}");
    gbt_model_check_gradient(f, 3);
}

static void test_model_sequential_definition_reads_earlier_elements(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
                       "data x: real[N]\nd ~ normal(0, 1)\ns[1] = d\n"
                       "for t in 2..N {\n  s[t] = s[t - 1] + d * x[t]\n}\nw ~ normal(s[3], 1)\n",
                       "{\"x\": [0, 1, 2]}");
    double theta[2] = {0.5, 0.25}, out[16];
    gb_model_logp(f->m, f->ws, theta, NULL);
    gb_model_values(f->m, f->ws, theta, out);
    /* columns: d, s.1 s.2 s.3, w */
    assert_near(out[1], 0.5, 0, 1e-15);
    assert_near(out[2], 0.5 + 0.5 * 1, 0, 1e-15);
    assert_near(out[3], 1.0 + 0.5 * 2, 0, 1e-15);
    gbt_model_check_gradient(f, 4);
}

/* Output columns name each element in CmdStan's order (first index slowest) and style; a
 * multivariate row drops the variate's index. */
static void test_model_output_names_elements_row_major(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f, "B: real[2, 3] ~ normal(0, 1)\ns ~ exponential(1)\n", NULL);
    static const char *const want[] = {"B.1.1", "B.1.2", "B.1.3", "B.2.1", "B.2.2", "B.2.3", "s"};
    assert_int_equal(gb_model_output_size(f->m), 7);
    for (size_t c = 0; c < 7; c++)
        assert_string_equal(gb_model_output_name(f->m, c), want[c]);
    const gb_node *b = gb_graph_node(f->g, gb_graph_find(f->g, "B"));
    char *row = gb_node_element_name(b, 4, 1), *all = gb_node_element_name(b, 4, 0);
    assert_string_equal(row, "B.2");
    assert_string_equal(all, "B.2.2");
    free(row);
    free(all);
}

/* The change point is summed out (model_marg.c); its draw after each step is from its exact
 * conditional given the continuous values. */
static void test_model_summed_draw_matches_exact_changepoint_conditional(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(
        f,
        "data c: int[N]\nl1 ~ exponential(1)\nl2 ~ exponential(1)\ntau ~ uniform_int(1, N)\n"
        "for i in 1..N {\n  c[i] ~ poisson(if i < tau then l1 else l2)\n}\n",
        "{\"c\": [1, 0, 2, 6, 5, 7]}");
    double theta[2] = {log(1.0), log(6.0)};
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    /* exact conditional of tau given l1 = 1, l2 = 6 */
    int c[6] = {1, 0, 2, 6, 5, 7};
    double p[7], tot = 0;
    for (int t = 1; t <= 6; t++) {
        double lp = 0;
        for (int i = 1; i <= 6; i++) {
            double lam = i < t ? 1.0 : 6.0;
            lp += c[i - 1] * log(lam) - lam;
        }
        tot += p[t] = exp(lp);
    }
    int counts[7] = {0};
    const int n = 4000;
    double out[8];
    assert_string_equal(gb_model_latent_kind(f->m, 2)->name, "summed");
    for (int s = 0; s < n; s++) {
        gb_model_ws_sync(f->m, f->ws, theta);
        assert_int_equal(gb_model_marginal_draw(f->m, f->ws, 2, r), GB_OK);
        gb_model_values(f->m, f->ws, theta, out);
        counts[(int)out[2]]++;
    }
    /* chi-square, 5 degrees of freedom: 20.5 is the 0.999 quantile */
    double chi = 0;
    for (int t = 1; t <= 6; t++) {
        double e = n * p[t] / tot;
        if (e > 0)
            chi += (counts[t] - e) * (counts[t] - e) / e;
    }
    if (chi > 20.5)
        fail_msg("chi-square %.2f > 20.5", chi);
    gsl_rng_free(r);
}


/* A comprehension inside a loop body (the AR(K) mean) gives the same log density and gradient as
 * the same mean written with a lagged design matrix. */
static void test_model_comprehension_in_loop_matches_design_matrix(void **state)
{
    gbt_model *f = *state;
    const char *json = "{\"K\": 2, \"y\": [0.3, -0.2, 0.5, 0.1, -0.4, 0.2, 0.7]}";
    gbt_model_build_ws(
        f,
        "data K: int\ndata y: real[T]\na ~ normal(0, 10)\nb: real[K] ~ normal(0, 10)\n"
        "s ~ exponential(1)\nfor t in (K + 1)..T {\n"
        "  y[t] ~ normal(a + sum([b[k] * y[t - k] for k in 1..K]), s)\n}\n",
        json);
    double th[4] = {0.2, -0.5, 0.8, -0.3}, g1[4] = {0}, g2[4] = {0};
    double lp1 = gb_model_logp(f->m, f->ws, th, g1);
    gbt_model *h = gbt_model_new();
    gbt_model_build_ws(
        h,
        "data K: int\ndata y: real[T]\na ~ normal(0, 10)\nb: real[K] ~ normal(0, 10)\n"
        "s ~ exponential(1)\nL = [[y[t - k] for k in 1..K] for t in (K + 1)..T]\n"
        "m = a + L @ b\nfor t in (K + 1)..T {\n  y[t] ~ normal(m[t - K], s)\n}\n",
        json);
    double lp2 = gb_model_logp(h->m, h->ws, th, g2);
    assert_near(lp1, lp2, 1e-12, 1e-12);
    for (int k = 0; k < 4; k++)
        assert_near(g1[k], g2[k], 1e-12, 1e-12);
    gbt_model_free(h);
    gbt_model_check_gradient(f, 3);
}

/* A sequential definition whose body has a part that is the same for every item (exp(a)) and a
 * comprehension over the loop body: gradients against finite differences. */
static void test_model_gradient_of_sequential_with_shared_parts(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(
        f,
        "data x: real[N]\na ~ normal(0, 1)\nb: real[2] ~ normal(0, 1)\n"
        "s[1] = 0\nfor t in 2..N {\n"
        "  s[t] = 0.5 * s[t - 1] + exp(a) * x[t] + sum([b[k] * x[t] for k in 1..2])\n}\n"
        "x ~ normal(s, 1)\n",
        "{\"x\": [0.3, -0.2, 0.5, 0.1, -0.4]}");
    gbt_model_check_gradient(f, 5);
}

/* A latent outside the NUTS block (here slice-sampled: it reaches w through step()) has its
 * density evaluated on its Markov blanket only: its transform, d = 2 * c and w's term, not a, b
 * and y's term.  The ops counter shows it; the blanket's log density moves with c exactly as the
 * whole density does (the other terms are constant in c). */
static void test_model_latent_logp_runs_only_the_blanket(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
                       "data y: real[N]\ndata w: real[N]\na ~ normal(0, 1)\nb ~ normal(a, 1)\n"
                       "y ~ normal(b + 0.1 * exp(a) + sum(y) * 0, 1)\nc ~ normal(0, 1)\nd = 2 * c\n"
                       "w ~ normal(step(d) + 0.5 * d, 1)\n",
                       "{\"y\": [0.3, -0.2, 0.5], \"w\": [1.2, 0.4, 0.9]}");
    size_t k = 2;
    assert_string_equal(gb_graph_node(gb_model_graph(f->m), gb_model_latent_node(f->m, k))->name,
                        "c");
    assert_string_equal(gb_model_latent_kind(f->m, k)->name, "slice");
    double theta[2] = {0.3, -0.1};
    gb_model_ws_sync(f->m, f->ws, theta);
    double *x = gb_model_ws_coords(f->m, f->ws, k);
    assert_non_null(x);
    size_t n0 = gb_model_ws_ops_run(f->ws);
    double full0 = gb_model_logp(f->m, f->ws, theta, NULL);
    size_t n1 = gb_model_ws_ops_run(f->ws);
    double part0 = gb_model_latent_logp(f->m, f->ws, k);
    size_t n2 = gb_model_ws_ops_run(f->ws);
    print_message("ops per evaluation: whole tape %zu, c's blanket %zu\n", n1 - n0, n2 - n1);
    assert_true(n2 - n1 < n1 - n0);
    *x = 0.7;
    double full1 = gb_model_logp(f->m, f->ws, theta, NULL);
    double part1 = gb_model_latent_logp(f->m, f->ws, k);
    assert_near(part1 - part0, full1 - full0, 1e-12, 1e-12);
}

/* A latent whose bound is another latent moves with it: x: real<lower=c> is computed from its
 * own coordinate and c, so c's blanket reruns x's transform (and Jacobian) and the terms that
 * read x.  Without it, c's slice update would see x where it was and a wrong density. */
static void test_model_blanket_includes_latents_bounded_by_it(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
                       "data w: real[N]\nc ~ normal(0, 1)\nx: real<lower=c> ~ normal(c, 2)\n"
                       "w ~ normal(step(c) + x, 1)\n",
                       "{\"w\": [1.2, 0.4, 0.9]}");
    assert_string_equal(gb_model_latent_kind(f->m, 0)->name, "slice");
    double theta[1] = {0.2};
    gb_model_ws_sync(f->m, f->ws, theta);
    double *x = gb_model_ws_coords(f->m, f->ws, 0);
    *x = -0.4;
    double full0 = gb_model_logp(f->m, f->ws, theta, NULL);
    double part0 = gb_model_latent_logp(f->m, f->ws, 0);
    *x = 0.9;
    double part1 = gb_model_latent_logp(f->m, f->ws, 0);
    double full1 = gb_model_logp(f->m, f->ws, theta, NULL);
    assert_near(part1 - part0, full1 - full0, 1e-12, 1e-12);
}

/* A loop over observations runs its arithmetic over scalar items (model_ops_arith.c's fast
 * path); the vector form over one item of N elements.  Both give the same log density and
 * gradient (up to the order in which a shared scalar's adjoint is summed: a few ulps), and the
 * loop's gradient matches the central difference. */
static void test_model_loop_over_observations_equals_vector_form(void **state)
{
    gbt_model *f = *state;
    static const char *const json = "{\"x\": [0.5, -1, 2, 1.5, 0.1], \"y\": [1, -0.5, 3, 2.2, 0.4]}";
    gbt_model_build_ws(
        f,
        "data x: real[N]\ndata y: real[N]\na ~ normal(0, 10)\nb ~ normal(0, 10)\n"
        "c ~ normal(0, 10)\ns ~ half_normal(2)\n"
        "for i in 1..N {\n"
        "  y[i] ~ normal(a + b * x[i] - c * (x[i] - 1) / 2 + a * b - (c - x[i]) * a, s)\n"
        "}\n",
        json);
    gbt_model *v = gbt_model_new();
    gbt_model_build_ws(v,
                       "data x: real[N]\ndata y: real[N]\na ~ normal(0, 10)\nb ~ normal(0, 10)\n"
                       "c ~ normal(0, 10)\ns ~ half_normal(2)\n"
                       "y ~ normal(a + b * x - c * (x - 1) / 2 + a * b - (c - x) * a, s)\n",
                       json);
    gbt_model_check_gradient(f, 11);
    size_t d = gb_model_dim(f->m);
    assert_int_equal(gb_model_dim(v->m), d);
    double theta[4] = {0.3, -0.7, 1.1, -0.2}, gl[4], gv[4];
    double ll = gb_model_logp(f->m, f->ws, theta, gl), lv = gb_model_logp(v->m, v->ws, theta, gv);
    assert_near(ll, lv, 0, 1e-14);
    for (size_t k = 0; k < d; k++)
        assert_near(gl[k], gv[k], 0, 1e-14);
    gbt_model_free(v);
}

/* An element-wise recursion across two nodes (lang/lower_recur.c, model_recur.c): nu[t] reads
 * err[t - 1], err[t] reads nu[t]; the group runs step by step, forward and backward. */
static void test_model_gradient_of_interleaved_recursion(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(
        f,
        "data y: real[T]\nmu ~ normal(0, 1)\nphi ~ normal(0, 1)\ntheta ~ normal(0, 1)\n"
        "nu[1] = mu + phi * mu\nerr[1] = y[1] - nu[1]\n"
        "for t in 2..T {\n"
        "  nu[t] = mu + phi * y[t - 1] + theta * err[t - 1]\n"
        "  err[t] = y[t] - nu[t]\n"
        "}\n"
        "y ~ normal(nu, 1)\n",
        "{\"y\": [0.3, -0.2, 0.5, 0.1, -0.4]}");
    gbt_model_check_gradient(f, 5);
}

/* Rows of a matrix picked by an integer (B[g[i]] in a loop) and by an integer array (B[g]):
 * the log density against the sum by hand (differences, as above) and gradients against
 * finite differences; each row's adjoint sums over every repetition that picked it. */
static void check_rows(gbt_model *f, const char *model)
{
    static const char *json = "{\"Y\": [[1, 2], [0.5, -1], [2, 0], [-0.3, 0.8]], "
                              "\"g\": [3, 1, 3, 2]}";
    static const double Y[4][2] = {{1, 2}, {0.5, -1}, {2, 0}, {-0.3, 0.8}};
    static const int g[4] = {3, 1, 3, 2};
    gbt_model_build_ws(f, model, json);
    assert_int_equal(gb_model_dim(f->m), 6);
    double th[2][6] = {{0.3, -0.2, 0.1, 1.1, -0.7, 0.4}, {-1.1, 0.7, -0.4, 0.2, 0.9, -0.5}};
    double want[2], lp[2];
    for (int p = 0; p < 2; p++) {
        want[p] = 0;
        for (int k = 0; k < 6; k++)
            want[p] -= 0.5 * th[p][k] * th[p][k];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 2; j++) {
                double d = Y[i][j] - th[p][2 * (g[i] - 1) + j];
                want[p] -= 0.5 * d * d;
            }
        lp[p] = gb_model_logp(f->m, f->ws, th[p], NULL);
    }
    assert_near(lp[0] - lp[1], want[0] - want[1], 1e-12, 1e-12);
    gbt_model_check_gradient(f, 6);
}

static void test_model_rows_gathered_by_index(void **state)
{
    check_rows(*state, "data Y: real[N, 2]\ndata g: int[N]\nB: real[3, 2] ~ normal(0, 1)\n"
                       "for i in 1..N {\n  Y[i] ~ normal(B[g[i]], 1)\n}\n");
}

static void test_model_rows_gathered_by_integer_array(void **state)
{
    check_rows(*state, "data Y: real[N, 2]\ndata g: int[N]\nB: real[3, 2] ~ normal(0, 1)\n"
                       "Y ~ normal(B[g], 1)\n");
}

/* `if` over a loop's scalar items, one branch shared and one per item: each item takes its own
 * branch (the log density by hand, differences as above) and the adjoint goes to the branch
 * taken only (finite differences). */
static void test_model_if_picks_each_items_branch(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
          "data y: real[N]\na ~ normal(0, 1)\nc: real[N] ~ normal(0, 1)\n"
          "for i in 1..N {\n  y[i] ~ normal(if i < 3 then a else c[i], 1)\n}\n",
          "{\"y\": [0.5, -1, 2, 0.25]}");
    assert_int_equal(gb_model_dim(f->m), 5);
    static const double y[4] = {0.5, -1, 2, 0.25};
    double th[2][5] = {{0.3, -0.2, 0.1, 1.1, -0.7}, {-1.1, 0.7, -0.4, 0.2, 0.9}};
    double want[2], lp[2];
    for (int p = 0; p < 2; p++) {
        want[p] = 0;
        for (int k = 0; k < 5; k++)
            want[p] -= 0.5 * th[p][k] * th[p][k];
        for (int i = 0; i < 4; i++) {
            double d = y[i] - (i + 1 < 3 ? th[p][0] : th[p][1 + i]);
            want[p] -= 0.5 * d * d;
        }
        lp[p] = gb_model_logp(f->m, f->ws, th[p], NULL);
    }
    assert_near(lp[0] - lp[1], want[0] - want[1], 1e-12, 1e-12);
    gbt_model_check_gradient(f, 7);
}

/* mu[g] with runs of one index (2, 2, 2 then 1, 1 then 2 again, one out of a run of one): each
 * element of mu gets the adjoints of every repetition that read it (finite differences). */
static void test_model_gather_with_runs_of_one_index(void **state)
{
    gbt_model *f = *state;
    gbt_model_build_ws(f,
          "data y: real[N]\ndata g: int[N]\nmu: real[3] ~ normal(0, 1)\n"
          "y ~ normal(mu[g] * mu[g], 1)\n",
          "{\"y\": [0.5, -1, 2, 0.25, 1.5, -0.5, 3], \"g\": [2, 2, 2, 1, 1, 2, 3]}");
    assert_int_equal(gb_model_dim(f->m), 3);
    gbt_model_check_gradient(f, 8);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_model_logp_of_normal_regression_matches_hand_computation),
        T(test_model_gradient_through_loops_indexing_and_functions),
        T(test_model_gradient_of_matmul_and_deterministic_chain),
        T(test_model_sequential_definition_reads_earlier_elements),
        T(test_model_output_names_elements_row_major),
        T(test_model_summed_draw_matches_exact_changepoint_conditional),
        T(test_model_comprehension_in_loop_matches_design_matrix),
        T(test_model_gradient_of_sequential_with_shared_parts),
        T(test_model_latent_logp_runs_only_the_blanket),
        T(test_model_blanket_includes_latents_bounded_by_it),
        T(test_model_loop_over_observations_equals_vector_form),
        T(test_model_gradient_of_interleaved_recursion),
        T(test_model_rows_gathered_by_index),
        T(test_model_rows_gathered_by_integer_array),
        T(test_model_if_picks_each_items_branch),
        T(test_model_gather_with_runs_of_one_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
