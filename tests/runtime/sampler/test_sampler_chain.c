/* test_sampler_chain.c - the FFBS kind (sampler_chain.c) against exact posteriors of hidden
 * Markov models on a short sequence (T = 6), enumerated over every path:
 *  - K = 2 and K = 3 states with every continuous value given as data: the path posterior is
 *    analytic; each path's probability (those above MIN_PATH_P) and each P(z_t = k) must agree
 *    within z x MCSE (MCSE from the ESS of the indicator draws; z Bonferroni over the checks of
 *    a test, false alarm 6.3e-5 a test);
 *  - K = 2 with the emission means sampled by NUTS (normal priors, known scale): given a path
 *    the means are conjugate, so their posterior mean is a sum over the 64 paths of the path's
 *    probability (with the means integrated out) times the conjugate mean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "gbt_ess.h"
#include "gbt_model.h"
#include "kernel.h"
#include "model_int.h"
#include "rng.h"

#define T 6
#define SWEEPS 40000
#define MAX_K 3
/* Paths less likely than this are not checked one by one (their indicator would rarely be
 * seen, and its MCSE from a run of zeros is 0); the per-t marginals cover them. */
#define MIN_PATH_P 0.005

extern const gb_sampler_ops gb_sampler_chain, gb_sampler_marginal;

static const double y[T] = {-1.2, -0.3, 0.8, 1.9, 0.1, -0.7};

typedef struct hmm {
    int K;
    double p0[MAX_K], G[MAX_K][MAX_K], mu[MAX_K], sigma;
} hmm;

static const hmm H2 = {2, {0.6, 0.4}, {{0.8, 0.2}, {0.3, 0.7}}, {-1, 1}, 1.0};
static const hmm H3 = {
    3, {0.5, 0.3, 0.2}, {{0.7, 0.2, 0.1}, {0.25, 0.5, 0.25}, {0.1, 0.3, 0.6}}, {-1, 0.2, 1.5}, 0.8};

static const char *const MODEL =
    "data y: real[N]\ndata p0: real[K]\ndata G: real[K, K]\ndata mu: real[K]\ndata sigma: real\n"
    "z[1] ~ categorical(p0)\nfor t in 2..N {\n  z[t] ~ categorical(G[z[t - 1]])\n}\n"
    "for t in 1..N {\n  y[t] ~ normal(mu[z[t]], sigma)\n}\n";

static void json_vec(char *out, size_t cap, const char *name, const double *v, int n)
{
    size_t len = strlen(out);
    snprintf(out + len, cap - len, "\"%s\": [", name);
    for (int i = 0; i < n; i++) {
        len = strlen(out);
        snprintf(out + len, cap - len, "%s%.17g", i ? ", " : "", v[i]);
    }
    len = strlen(out);
    snprintf(out + len, cap - len, "], ");
}

static void json_of(const hmm *h, char *json, size_t cap)
{
    snprintf(json, cap, "{\"N\": %d, \"K\": %d, \"sigma\": %.17g, ", T, h->K, h->sigma);
    json_vec(json, cap, "y", y, T);
    json_vec(json, cap, "p0", h->p0, h->K);
    json_vec(json, cap, "mu", h->mu, h->K);
    size_t len = strlen(json);
    snprintf(json + len, cap - len, "\"G\": [");
    for (int i = 0; i < h->K; i++) {
        len = strlen(json);
        snprintf(json + len, cap - len, "%s[", i ? ", " : "");
        for (int j = 0; j < h->K; j++) {
            len = strlen(json);
            snprintf(json + len, cap - len, "%s%.17g", j ? ", " : "", h->G[i][j]);
        }
        len = strlen(json);
        snprintf(json + len, cap - len, "]");
    }
    len = strlen(json);
    snprintf(json + len, cap - len, "]}");
}

static int npaths(int K)
{
    int n = 1;
    for (int t = 0; t < T; t++)
        n *= K;
    return n;
}

/* Path number p as states 0 .. K-1, z_1 the lowest digit. */
static void path_of(int p, int K, int *z)
{
    for (int t = 0; t < T; t++, p /= K)
        z[t] = p % K;
}

/* Exact posterior probability of every path, by enumeration (prob: npaths(K) doubles). */
static void exact_paths(const hmm *h, double *prob)
{
    int z[T], n = npaths(h->K);
    double tot = 0;
    for (int p = 0; p < n; p++) {
        path_of(p, h->K, z);
        double lp = log(h->p0[z[0]]);
        for (int t = 1; t < T; t++)
            lp += log(h->G[z[t - 1]][z[t]]);
        for (int t = 0; t < T; t++)
            lp += -0.5 * pow((y[t] - h->mu[z[t]]) / h->sigma, 2);
        tot += (prob[p] = exp(lp));
    }
    for (int p = 0; p < n; p++)
        prob[p] /= tot;
}

/* With head "@sample z\n" the chain is drawn by FFBS (kind FFBS); with "@marginalise z\n" it is summed
 * out by the forward algorithm and its path drawn after each step (kind summed): both exact. */
static void check_fixed(const hmm *h, unsigned long seed, const char *head,
                        const gb_sampler_ops *kind)
{
    char json[2048], model[1024];
    json_of(h, json, sizeof json);
    snprintf(model, sizeof model, "%s%s", head, MODEL);
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f, model, json), GB_OK);
    assert_ptr_equal(gb_model_latent_kind(f->m, 0), kind);
    gb_model_ws *ws = gb_model_ws_new(f->m);
    gsl_rng *r = gb_rng_new(seed, 0);
    assert_int_equal(gb_model_init(f->m, ws, r, 2, 100, NULL, f->errs), GB_OK);
    int n = npaths(h->K), K = h->K;
    int *pid = malloc(SWEEPS * sizeof *pid);
    double *row = malloc(gb_model_output_size(f->m) * sizeof *row);
    double *ind = malloc(SWEEPS * sizeof *ind), *prob = malloc((size_t)n * sizeof *prob);
    gb_run_config cfg = {.max_depth = 10, .adapt_delta = 0.8};
    gb_kernel *k = NULL;
    const char *what = NULL, *hint = NULL;
    gb_kernel_info info;
    assert_int_equal(gb_kernel_new(f->m, &cfg, &k, f->errs), GB_OK);
    for (int s = 0; s < SWEEPS; s++) {
        assert_int_equal(gb_kernel_step(k, ws, r, NULL, 0, &info, &what, &hint), GB_OK);
        gb_model_values(f->m, ws, NULL, row);
        int p = 0;
        for (int t = T; t-- > 0;)
            p = p * K + (int)row[t] - 1;
        pid[s] = p;
    }
    exact_paths(h, prob);
    size_t nchecks = (size_t)(T * K);
    for (int p = 0; p < n; p++)
        nchecks += prob[p] >= MIN_PATH_P;
    double z = gbt_z_bonferroni(nchecks);
    char what_s[64];
    int zp[T];
    for (int p = 0; p < n; p++) {
        if (prob[p] < MIN_PATH_P)
            continue;
        for (int s = 0; s < SWEEPS; s++)
            ind[s] = pid[s] == p;
        snprintf(what_s, sizeof what_s, "K = %d, P(path %d | y)", K, p);
        gbt_check_mean(what_s, ind, SWEEPS, prob[p], z);
    }
    for (int t = 0; t < T; t++)
        for (int j = 0; j < K; j++) {
            double pt = 0;
            for (int p = 0; p < n; p++) {
                path_of(p, K, zp);
                pt += zp[t] == j ? prob[p] : 0;
            }
            for (int s = 0; s < SWEEPS; s++) {
                path_of(pid[s], K, zp);
                ind[s] = zp[t] == j;
            }
            snprintf(what_s, sizeof what_s, "K = %d, P(z_%d = %d | y)", K, t + 1, j + 1);
            gbt_check_mean(what_s, ind, SWEEPS, pt, z);
        }
    free(pid);
    free(row);
    free(ind);
    free(prob);
    gb_kernel_free(k);
    gsl_rng_free(r);
    gb_model_ws_free(ws);
    gbt_model_free(f);
}

static void test_sampler_chain_two_state_paths_match_enumeration(void **state)
{
    (void)state;
    check_fixed(&H2, 2026, "@sample z\n", &gb_sampler_chain);
}

static void test_sampler_chain_three_state_paths_match_enumeration(void **state)
{
    (void)state;
    check_fixed(&H3, 2027, "@sample z\n", &gb_sampler_chain);
}

static void test_sampler_chain_summed_two_state_paths_match_enumeration(void **state)
{
    (void)state;
    check_fixed(&H2, 2028, "@marginalise z\n", &gb_sampler_marginal);
}

static void test_sampler_chain_summed_three_state_paths_match_enumeration(void **state)
{
    (void)state;
    check_fixed(&H3, 2029, "@marginalise z\n", &gb_sampler_marginal);
}

/* ---- emission means sampled: mu[k] ~ normal(M0[k], S0), sigma known ---- */

static const double M0[2] = {-1, 1}, S0 = 0.7;

/* log of the integral over mu of prod_{t: z_t = k} N(y_t | mu, sigma) N(mu | m0, s0), up to
 * -n/2 log(2 pi sigma^2) (the same for every path: the n's add up to T), with the posterior
 * mean of mu given those y in *post_mean. */
static double conjugate(const int *z, int k, double m0, double s0, double sigma, double *post_mean)
{
    double n = 0, sy = 0, ss = 0;
    for (int t = 0; t < T; t++)
        if (z[t] == k) {
            n++;
            sy += y[t] - m0;
            ss += (y[t] - m0) * (y[t] - m0);
        }
    double s2 = sigma * sigma, v0 = s0 * s0;
    *post_mean = (m0 / v0 + (sy + n * m0) / s2) / (1 / v0 + n / s2);
    return -0.5 * log1p(n * v0 / s2) - 0.5 / s2 * (ss - v0 * sy * sy / (s2 + n * v0));
}

static void check_sampled_means(const char *head, const gb_sampler_ops *kind,
                               unsigned long seed)
{
    const hmm *h = &H2;
    char json[2048], model[1024];
    json_of(h, json, sizeof json);
    static const char *const body =
        "data y: real[N]\ndata p0: real[K]\ndata G: real[K, K]\ndata sigma: real\n"
        "data M0: real[K]\ndata S0: real\nfor k in 1..K {\n  mu[k] ~ normal(M0[k], S0)\n}\n"
        "z[1] ~ categorical(p0)\nfor t in 2..N {\n  z[t] ~ categorical(G[z[t - 1]])\n}\n"
        "for t in 1..N {\n  y[t] ~ normal(mu[z[t]], sigma)\n}\n";
    size_t len = strlen(json);
    snprintf(json + len - 1, sizeof json - len + 1, ", \"M0\": [%.17g, %.17g], \"S0\": %.17g}",
             M0[0], M0[1], S0);
    snprintf(model, sizeof model, "%s%s", head, body);
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f, model, json), GB_OK);
    assert_ptr_equal(gb_model_latent_kind(f->m, 1), kind);
    assert_int_equal(gbt_model_run(f, 4, 1000, 4000, seed), GB_OK);
    /* exact: p(z | y) proportional to p(z) prod_k conjugate(z, k); E[mu_k | y] = sum_z p(z | y)
       E[mu_k | z, y] */
    int z[T];
    double w[64], pm[64][2], tot = 0, e_mu[2] = {0, 0}, e_z1 = 0, e_z4 = 0;
    for (int p = 0; p < 64; p++) {
        path_of(p, 2, z);
        double lp = log(h->p0[z[0]]);
        for (int t = 1; t < T; t++)
            lp += log(h->G[z[t - 1]][z[t]]);
        for (int k = 0; k < 2; k++)
            lp += conjugate(z, k, M0[k], S0, h->sigma, &pm[p][k]);
        tot += (w[p] = exp(lp));
    }
    for (int p = 0; p < 64; p++) {
        path_of(p, 2, z);
        for (int k = 0; k < 2; k++)
            e_mu[k] += w[p] / tot * pm[p][k];
        e_z1 += z[0] == 0 ? w[p] / tot : 0;
        e_z4 += z[3] == 0 ? w[p] / tot : 0;
    }
    /* with two states, E[z_t] = 2 - P(z_t = 1) */
    const char *names[4] = {"mu.1", "mu.2", "z.1", "z.4"};
    double exact[4] = {e_mu[0], e_mu[1], 2 - e_z1, 2 - e_z4};
    double zc = gbt_z_bonferroni(4);
    for (int i = 0; i < 4; i++) {
        gb_diag_summary s = gbt_model_summary(f, names[i]);
        if (getenv("GBT_VERBOSE"))
            print_message("%s: estimate %.5g, exact %.5g, MCSE %.3g\n", names[i], s.mean, exact[i],
                          s.mcse_mean);
        if (!(fabs(s.mean - exact[i]) < zc * s.mcse_mean))
            fail_msg("%s mean %.5g, exact %.5g, MCSE %.3g, z %.2f", names[i], s.mean, exact[i],
                     s.mcse_mean, (s.mean - exact[i]) / s.mcse_mean);
    }
    gbt_model_free(f);
}

static void test_sampler_chain_with_sampled_means_matches_enumeration(void **state)
{
    (void)state;
    check_sampled_means("@sample z\n", &gb_sampler_chain, 99);
}

/* The means sampled by NUTS on the density with the chain summed out (log Z of the forward
 * algorithm and its gradient), the path drawn after each step. */
static void test_sampler_chain_summed_with_sampled_means_matches_enumeration(void **state)
{
    (void)state;
    check_sampled_means("@marginalise z\n", &gb_sampler_marginal, 101);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler_chain_two_state_paths_match_enumeration),
        cmocka_unit_test(test_sampler_chain_three_state_paths_match_enumeration),
        cmocka_unit_test(test_sampler_chain_with_sampled_means_matches_enumeration),
        cmocka_unit_test(test_sampler_chain_summed_two_state_paths_match_enumeration),
        cmocka_unit_test(test_sampler_chain_summed_three_state_paths_match_enumeration),
        cmocka_unit_test(test_sampler_chain_summed_with_sampled_means_matches_enumeration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
