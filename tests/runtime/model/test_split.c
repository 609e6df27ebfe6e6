/* test_split.c - the data-parallel likelihood (runtime/model/split.h): the shares' log density
 * and gradient add up to the unsplit ones (GLM rows, a loop with truncation and a deterministic
 * node that needs every row, a summarised likelihood and a `target +=` left whole in share 0,
 * vectorised terms whose arguments run by rows, the fused kernel on a share's rows, an argument
 * needing every row inside the term, more shares than rows), a share computes its own rows of a
 * vectorised term's arguments only, the same share count gives the same bits every time, a
 * chain's draws with the split agree with the unsplit chain's, and a latent outside the NUTS
 * block is refused at its definition. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbt_model.h"
#include "model_int.h"
#include "run.h"
#include "split.h"

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

#define N 37

/* JSON with N, x (N reals), y (N reals, or 0/1 when binary), X (N x 3). */
static char *data_json(int binary)
{
    size_t cap = 64 * N * 6;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t u = (size_t)snprintf(s, cap, "{\"N\": %d, \"J\": 5, \"g\": [", N);
    for (int i = 0; i < N; i++) /* unbalanced groups, out of order */
        u += (size_t)snprintf(s + u, cap - u, "%s%d", i ? ", " : "", 1 + (i * i + 3 * i) % 5);
    u += (size_t)snprintf(s + u, cap - u, "], \"x\": [");
    for (int i = 0; i < N; i++)
        u += (size_t)snprintf(s + u, cap - u, "%s%.6f", i ? ", " : "", sin(1.3 * i));
    u += (size_t)snprintf(s + u, cap - u, "], \"y\": [");
    for (int i = 0; i < N; i++) {
        double y = 0.7 * sin(1.3 * i) + cos(2.9 * i + 0.4);
        if (binary)
            u += (size_t)snprintf(s + u, cap - u, "%s%d", i ? ", " : "", y > 0);
        else
            u += (size_t)snprintf(s + u, cap - u, "%s%.6f", i ? ", " : "", y);
    }
    u += (size_t)snprintf(s + u, cap - u, "], \"X\": [");
    for (int i = 0; i < N; i++)
        u += (size_t)snprintf(s + u, cap - u, "%s[%.5f, %.5f, %.5f]", i ? ", " : "",
                              sin(0.7 * i), cos(1.1 * i), sin(0.3 * i + 1));
    snprintf(s + u, cap - u, "]}");
    return s;
}

static const char *const models[] = {
    /* GLM: the rows of y and X */
    "data X: real[N, 3]\ndata y: int<lower=0, upper=1>[N]\nalpha ~ normal(0, 5)\n"
    "beta: real[3] ~ normal(0, 2.5)\ny ~ bernoulli_logit_glm(X, alpha, beta)\n",
    /* a loop with truncation; c needs every row of mu */
    "data x: real[N]\ndata y: real[N]\na ~ normal(0, 1)\nb ~ normal(0, 1)\n"
    "sigma ~ half_normal(1)\nmu = a + b * x\nc = mean(mu)\nfor i in 1..N {\n"
    "  y[i] ~ normal(mu[i] - c + 0.5 * a, sigma) T[-10, ]\n}\n",
    /* vectorised, with a `target +=` (whole, in share 0) and a bounded parameter */
    "data x: real[N]\ndata y: real[N]\nmu ~ normal(0, 1)\nsigma ~ half_normal(1)\n"
    "nu ~ uniform(1, 30)\ny ~ student_t(nu, mu + x, sigma)\ntarget += -0.5 * mu * mu\n",
    /* a likelihood that may summarise its data (sufficient statistics) */
    "data X: real[N, 3]\ndata y: real[N]\nalpha ~ normal(0, 5)\nbeta: real[3] ~ normal(0, 2)\n"
    "sigma ~ half_normal(1)\ny ~ normal_id_glm(X, alpha, beta, sigma)\n",
    /* a loop whose arguments (a row of X times beta) run over the share's iterations only */
    "data X: real[N, 3]\ndata y: int<lower=0, upper=1>[N]\nalpha ~ normal(0, 5)\n"
    "beta: real[3] ~ normal(0, 2.5)\nfor i in 1..N {\n"
    "  y[i] ~ bernoulli_logit(alpha + X[i] * beta + 0.1 * alpha * X[i, 2])\n}\n",
    /* radon: a gathered intercept plus a slope, run by the fused kernel on the share's rows */
    "data J: int<lower=1>\ndata g: int<lower=1>[N]\ndata x: real[N]\ndata y: real[N]\n"
    "mu_a ~ normal(0, 1)\na: real[J] ~ normal(mu_a, 1)\nb ~ normal(0, 1)\n"
    "sigma ~ half_normal(1)\ny ~ normal(a[g] + b * x, sigma)\n",
    /* not fused: the gather, the products and exp run on the share's rows (model_rows.c) */
    "data J: int<lower=1>\ndata g: int<lower=1>[N]\ndata x: real[N]\ndata y: real[N]\n"
    "a: real[J] ~ normal(0, 1)\nb ~ normal(0, 1)\nc ~ normal(0, 1)\n"
    "sigma ~ half_normal(1)\ny ~ student_t(4, a[g] * x + b - exp(c * x) / (1 + b * b), sigma)\n",
    /* mixed: mu and its mean computed whole, the term's own arguments by rows */
    "data J: int<lower=1>\ndata g: int<lower=1>[N]\ndata x: real[N]\ndata y: real[N]\n"
    "a: real[J] ~ normal(0, 1)\nb ~ normal(0, 1)\nsigma ~ half_normal(1)\n"
    "mu = a[g] + b * x\nc = mean(mu)\ny ~ normal(mu - c + -b * x, sigma)\n",
    /* an argument needing every row inside the term: its ops run whole in every share */
    "data J: int<lower=1>\ndata g: int<lower=1>[N]\ndata x: real[N]\n"
    "data y: int<lower=0, upper=1>[N]\na: real[J] ~ normal(0, 1)\nb ~ normal(0, 1)\n"
    "y ~ bernoulli_logit(a[g] + b * x - mean(b * x))\n",
    /* by rows: `if` on a comparison, a two-argument function, a power, a division */
    "data J: int<lower=1>\ndata g: int<lower=1>[N]\ndata x: real[N]\ndata y: real[N]\n"
    "a: real[J] ~ normal(0, 1)\nb ~ normal(0, 1)\nsigma ~ half_normal(1)\n"
    "y ~ normal((if x > 0 then a[g] else 0.5 * a[g]) + pow(log1p_exp(b * x), 2) / (2 + x)"
    " - fmax(b, x), sigma)\n",
    /* a node by rows: mu's gather, product and sum run on the share's rows */
    "data J: int<lower=1>\ndata g: int<lower=1>[N]\ndata x: real[N]\ndata y: real[N]\n"
    "a: real[J] ~ normal(0, 1)\nb ~ normal(0, 1)\nsigma ~ half_normal(1)\n"
    "mu = a[g] + b * x\ny ~ student_t(4, mu, sigma)\n",
};
static const int binary[] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0};

/* The split's log density and gradient against the unsplit ones at a few points, for several
 * share counts (more shares than rows included). */
static void test_split_sums_to_whole(void **state)
{
    (void)state;
    const size_t shares[] = {2, 3, 5, 40};
    for (size_t mi = 0; mi < sizeof models / sizeof models[0]; mi++) {
        gbt_model *f = gbt_model_new();
        char *json = data_json(binary[mi]);
        if (gbt_model_build(f, models[mi], json) != GB_OK)
            fail_msg("model %zu did not compile", mi);
        free(json);
        assert_int_equal(gb_split_check(f->m, "--split-rows", f->errs), GB_OK);
        size_t dim = gb_model_dim(f->m);
        gb_model_ws *ws = gb_model_ws_new(f->m), *wsp = gb_model_ws_new(f->m);
        double *th = calloc(dim, sizeof *th), *g0 = calloc(dim, sizeof *g0),
               *g1 = calloc(dim, sizeof *g1);
        assert_true(ws && wsp && th && g0 && g1);
        for (int pt = 0; pt < 3; pt++) {
            for (size_t k = 0; k < dim; k++)
                th[k] = 0.8 * sin(3.1 * (double)(k + 1) + pt);
            double lp0 = gb_model_logp(f->m, ws, th, g0);
            assert_true(isfinite(lp0));
            for (size_t si = 0; si < sizeof shares / sizeof shares[0]; si++) {
                gb_split *sp = NULL;
                assert_int_equal(gb_split_new(f->m, shares[si], 0, shares[si], NULL, NULL, &sp),
                                 GB_OK);
                gb_model_ws_set_split(wsp, sp);
                double lp1 = gb_model_logp(f->m, wsp, th, g1);
                if (fabs(lp1 - lp0) > 1e-12 * (1 + fabs(lp0)))
                    fail_msg("model %zu, %zu shares: log density %.17g, unsplit %.17g", mi,
                             shares[si], lp1, lp0);
                for (size_t k = 0; k < dim; k++)
                    if (fabs(g1[k] - g0[k]) > 1e-12 * (1 + fabs(g0[k])))
                        fail_msg("model %zu, %zu shares: gradient %zu %.17g, unsplit %.17g", mi,
                                 shares[si], k, g1[k], g0[k]);
                gb_model_ws_set_split(wsp, NULL);
                gb_split_free(sp);
            }
        }
        free(th);
        free(g0);
        free(g1);
        gb_model_ws_free(ws);
        gb_model_ws_free(wsp);
        gbt_model_free(f);
    }
}

/* One share count, many evaluations on the pool: the same bits every time. */
static void test_split_same_bits_every_time(void **state)
{
    gbt_model *f = *state;
    char *json = data_json(1);
    assert_int_equal(gbt_model_build(f, models[0], json), GB_OK);
    free(json);
    size_t dim = gb_model_dim(f->m);
    f->ws = gb_model_ws_new(f->m);
    gb_split *sp = NULL;
    assert_int_equal(gb_split_new(f->m, 3, 0, 3, NULL, NULL, &sp), GB_OK);
    gb_model_ws_set_split(f->ws, sp);
    double th[4] = {0.3, -0.2, 0.5, 0.1}, g[4], gfirst[4];
    assert_int_equal(dim, 4);
    double first = gb_model_logp(f->m, f->ws, th, gfirst);
    for (int it = 0; it < 2000; it++) {
        double lp = gb_model_logp(f->m, f->ws, th, g);
        assert_memory_equal(&lp, &first, sizeof lp);
        assert_memory_equal(g, gfirst, sizeof g);
    }
    gb_model_ws_set_split(f->ws, NULL);
    gb_split_free(sp);
}

/* One chain of 100 iterations, split in 2 and 3 shares and whole: every value within 1e-10
 * (measured 2.8e-14: the sums differ in their last bits only; the differences grow slowly
 * along the chain, 5.7e-10 on lp__ = -45 after 50 warmup and 100 draws). */
static void test_split_draws_agree(void **state)
{
    gbt_model *f = *state;
    char *json = data_json(0);
    assert_int_equal(gbt_model_build(f, models[1], json), GB_OK);
    free(json);
    gb_draws *d[3] = {NULL, NULL, NULL};
    const int split[3] = {0, 2, 3};
    for (int v = 0; v < 3; v++) {
        gb_run_config cfg = {.chains = 1, .warmup = 0, .draws = 100, .threads = 1,
                             .max_depth = 10, .seed = 11, .adapt_delta = 0.8,
                             .adapt_fisher = 1, .init_radius = 2, .split_rows = split[v]};
        assert_int_equal(gb_run(f->m, &cfg, NULL, NULL, &d[v], f->errs), GB_OK);
    }
    size_t cells = d[0]->ndraws * d[0]->ncols;
    double worst = 0;
    size_t at = 0;
    for (int v = 1; v < 3; v++)
        for (size_t i = 0; i < cells; i++) {
            double diff = fabs(d[v]->rows[i] - d[0]->rows[i]);
            if (diff > worst)
                worst = diff, at = i;
        }
    print_message("largest difference from the unsplit draws: %.3g (column %zu, draw %zu)\n",
                  worst, at % d[0]->ncols, at / d[0]->ncols);
    assert_true(worst < 1e-10);
    for (int v = 0; v < 3; v++)
        gb_draws_free(d[v]);
}

/* Evaluates share 1 of 2 of model mi alone, as one of two MPI ranks does, in a work space
 * filled with a mark, and sorts the ops of N elements that the deterministic nodes and y's term
 * run: by rows when their value and adjoint were computed at the share's rows [N/2, N) only,
 * the other rows left as they were; whole when computed at every row.  Anything else fails. */
static void share_one_of_two(size_t mi, size_t *by_rows, size_t *whole)
{
    gbt_model *f = gbt_model_new();
    char *json = data_json(binary[mi]);
    assert_int_equal(gbt_model_build(f, models[mi], json), GB_OK);
    free(json);
    const gb_model *m = f->m;
    f->ws = gb_model_ws_new(m);
    assert_non_null(f->ws);
    const double mark = 12345.5;
    for (size_t i = 0; i < m->ws_size; i++)
        f->ws->buf[i] = mark;
    gb_split *sp = NULL;
    assert_int_equal(gb_split_new(m, 1, 1, 2, NULL, NULL, &sp), GB_OK);
    gb_model_ws_set_split(f->ws, sp);
    size_t dim = gb_model_dim(m);
    double *th = calloc(dim, sizeof *th), *g = calloc(dim, sizeof *g);
    assert_true(th && g);
    for (size_t k = 0; k < dim; k++)
        th[k] = 0.3 * cos((double)k);
    assert_true(isfinite(gb_model_logp(m, f->ws, th, g)));
    const term_range *tr = NULL; /* y's */
    for (size_t k = 0; k < m->terms.len; k++)
        if (m->ops.items[m->terms.items[k].b - 1].n == N)
            tr = &m->terms.items[k];
    assert_non_null(tr);
    *by_rows = *whole = 0;
    for (size_t q = 0; q + 1 < tr->b; q = q + 1 == m->nterm_start ? tr->a : q + 1) {
        const tensor *X = &m->t.items[m->ops.items[q].out];
        if (m->ops.items[q].kind == OP_SKIP || X->ext || X->elen != N)
            continue;
        int rows = f->ws->buf[X->val] == mark;
        for (int adj = 0; adj < 2 && (!adj || X->has_adj); adj++) {
            const double *v = f->ws->buf + (adj ? X->adj : X->val);
            for (size_t j = 0; j < N; j++)
                if ((v[j] == mark) != (rows && j < N / 2))
                    fail_msg("model %zu, op %zu (%s): row %zu %s %.17g", mi, q,
                             adj ? "adjoint" : "value", j,
                             v[j] == mark ? "not computed" : "computed:", v[j]);
        }
        ++*(rows ? by_rows : whole);
    }
    gb_model_ws_set_split(f->ws, NULL);
    gb_split_free(sp);
    free(th);
    free(g);
    gbt_model_free(f);
}

/* A share computes its own rows of the row-wise ops feeding a vectorised term (the node mu's,
 * the term's own) and every row of those whose result something needs whole (mean(mu)); the
 * radon model's term is fused. */
static void test_split_share_computes_its_rows(void **state)
{
    (void)state;
    const struct {
        size_t model, rows, whole;
    } want[] = {
        {6, 5, 0},  /* a[g], a[g] * x, c * x, exp, the division, the sums */
        {7, 3, 4},  /* mu - c, -b * x, the sum; mu (gather, product, sum, value) whole */
        {8, 2, 1},  /* a[g], the sum and the difference; b * x (its mean) whole */
        {9, 8, 0},  /* if, comparisons, fmax, pow, log1p_exp, ... */
        {10, 4, 0}, /* mu's gather, product, sum and value, by rows */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        size_t rows, whole;
        share_one_of_two(want[i].model, &rows, &whole);
        if (rows < want[i].rows || whole != want[i].whole)
            fail_msg("model %zu: %zu ops by rows, %zu whole", want[i].model, rows, whole);
    }
    gbt_model *r = gbt_model_new();
    char *json = data_json(0);
    assert_int_equal(gbt_model_build(r, models[5], json), GB_OK);
    free(json);
    assert_int_equal(gb_model_fused_terms(r->m), 1);
    gbt_model_free(r);
}

static void test_split_refuses_gibbs_latent(void **state)
{
    gbt_model *f = *state;
    assert_int_equal(gbt_model_build(f,
                                     "data y: int<lower=0>[N]\nl1 ~ exponential(1)\n"
                                     "l2 ~ exponential(1)\ntau ~ uniform_int(1, N)\n"
                                     "for i in 1..N {\n"
                                     "  y[i] ~ poisson(if i < tau then l1 else l2)\n}\n",
                                     "{\"N\": 4, \"y\": [1, 2, 7, 9]}"),
                     GB_OK);
    assert_int_equal(gb_split_check(f->m, "--split-rows", f->errs), GB_EUSAGE);
    const gb_err *e = gb_errlist_get(f->errs, gb_errlist_count(f->errs) - 1);
    assert_non_null(strstr(e->msg, "'tau'"));
    assert_int_equal(e->loc.line, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_sums_to_whole),
        cmocka_unit_test_setup_teardown(test_split_same_bits_every_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_draws_agree, setup, teardown),
        cmocka_unit_test(test_split_share_computes_its_rows),
        cmocka_unit_test_setup_teardown(test_split_refuses_gibbs_latent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
