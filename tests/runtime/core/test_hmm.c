/* test_hmm.c - the forward filter, backward sampler and marginals of runtime/core/hmm.c against
 * brute-force enumeration of every path, the marginals against a central-difference gradient of
 * log Z, and a long chain whose potentials would underflow outside log space. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>

#include <gsl/gsl_rng.h>

#include "hmm.h"
#include "near.h"

#define T 5
#define K 3

/* Fixed, arbitrary potentials with one impossible transition and one impossible emission. */
static void potentials(double *logE, double *logA)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    for (size_t q = 0; q < T * K; q++)
        logE[q] = -3 * gsl_rng_uniform(r);
    for (size_t q = 0; q < (T - 1) * K * K; q++)
        logA[q] = -2 * gsl_rng_uniform(r);
    logA[1 * K * K + 0 * K + 2] = -INFINITY;
    logE[3 * K + 1] = -INFINITY;
    gsl_rng_free(r);
}

/* Log potential of path number p (base-K digits, z_0 first) and the path itself. */
static double path_logp(const double *logE, const double *logA, size_t a_stride, size_t p,
                        size_t *z)
{
    for (size_t t = 0; t < T; t++, p /= K)
        z[t] = p % K;
    double lp = logE[z[0]];
    for (size_t t = 1; t < T; t++)
        lp += logA[(t - 1) * a_stride + z[t - 1] * K + z[t]] + logE[t * K + z[t]];
    return lp;
}

static size_t npaths(void)
{
    size_t n = 1;
    for (size_t t = 0; t < T; t++)
        n *= K;
    return n;
}

static double brute_logZ(const double *logE, const double *logA, size_t a_stride)
{
    double s = 0;
    size_t z[T];
    for (size_t p = 0; p < npaths(); p++)
        s += exp(path_logp(logE, logA, a_stride, p, z));
    return log(s);
}

static void test_hmm_forward_log_normaliser_matches_enumeration(void **state)
{
    (void)state;
    double logE[T * K], logA[(T - 1) * K * K], alpha[T * K];
    potentials(logE, logA);
    assert_near(gb_hmm_forward(T, K, logE, logA, K * K, alpha), brute_logZ(logE, logA, K * K),
                1e-12, 1e-12);
    /* one matrix shared by every step */
    assert_near(gb_hmm_forward(T, K, logE, logA, 0, alpha), brute_logZ(logE, logA, 0), 1e-12,
                1e-12);
}

static void test_hmm_forward_does_not_underflow_on_long_chains(void **state)
{
    (void)state;
    enum { LONG = 5000 };
    static double logE[LONG * 2], alpha[LONG * 2];
    double logA[4] = {log(0.5), log(0.5), log(0.5), log(0.5)};
    /* every path has potential 0.5^(T-1) e^(-1000 T) 2 ... : log Z = -1000 T exactly when the
       first state is uniform too */
    for (size_t q = 0; q < LONG * 2; q++)
        logE[q] = -1000;
    logE[0] = logE[1] = -1000 + log(0.5);
    assert_near(gb_hmm_forward(LONG, 2, logE, logA, 0, alpha), -1000.0 * LONG, 0, 1e-12);
}

static void test_hmm_impossible_chain_has_no_path(void **state)
{
    (void)state;
    double logE[2 * 2] = {0, -INFINITY, -INFINITY, 0}, logA[4] = {0, -INFINITY, 0, 0};
    double alpha[4], w[2];
    size_t z[2] = {9, 9};
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_true(gb_hmm_forward(2, 2, logE, logA, 0, alpha) == -INFINITY);
    assert_int_equal(gb_hmm_sample(2, 2, logA, 0, alpha, r, w, z), -1);
    assert_int_equal(z[0], 9);
    gsl_rng_free(r);
}

/* Every path's frequency over N draws against its exact probability: binomial standard error
 * (the draws are independent), z = 4.5 Bonferroni over the 243 paths (false alarm ~ 2e-3). */
static void test_hmm_sample_draws_paths_with_their_probabilities(void **state)
{
    (void)state;
    enum { N = 200000 };
    double logE[T * K], logA[(T - 1) * K * K], alpha[T * K], w[K];
    static unsigned count[243]; /* K^T paths */
    potentials(logE, logA);
    double logZ = gb_hmm_forward(T, K, logE, logA, K * K, alpha);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    size_t z[T];
    for (int n = 0; n < N; n++) {
        assert_int_equal(gb_hmm_sample(T, K, logA, K * K, alpha, r, w, z), 0);
        size_t p = 0;
        for (size_t t = T; t-- > 0;)
            p = p * K + z[t];
        count[p]++;
    }
    gsl_rng_free(r);
    for (size_t p = 0; p < npaths(); p++) {
        double pr = exp(path_logp(logE, logA, K * K, p, z) - logZ);
        double se = sqrt(pr * (1 - pr) / N);
        if (pr == 0)
            assert_int_equal(count[p], 0);
        else if (fabs(count[p] / (double)N - pr) > 4.5 * se)
            fail_msg("path %zu: frequency %g, exact %g, se %g", p, count[p] / (double)N, pr, se);
    }
}

/* The marginals are the gradient of log Z: against a central difference of the forward filter
 * (step 1e-5; log Z is smooth, the error is O(h^2) ~ 1e-10). */
static void check_gradient(size_t a_stride)
{
    double logE[T * K], logA[(T - 1) * K * K], alpha[T * K], beta[T * K];
    double pE[T * K], pA[(T - 1) * K * K];
    potentials(logE, logA);
    double logZ = gb_hmm_forward(T, K, logE, logA, a_stride, alpha);
    gb_hmm_marginals(T, K, logE, logA, a_stride, alpha, logZ, beta, pE, pA);
    const double h = 1e-5;
    for (size_t q = 0; q < T * K; q++) {
        if (!isfinite(logE[q])) {
            assert_near(pE[q], 0, 0, 0);
            continue;
        }
        double keep = logE[q];
        logE[q] = keep + h;
        double up = gb_hmm_forward(T, K, logE, logA, a_stride, alpha);
        logE[q] = keep - h;
        double dn = gb_hmm_forward(T, K, logE, logA, a_stride, alpha);
        logE[q] = keep;
        assert_near(pE[q], (up - dn) / (2 * h), 1e-8, 1e-6);
    }
    size_t na = a_stride ? (T - 1) * K * K : K * K;
    for (size_t q = 0; q < na; q++) {
        if (!isfinite(logA[q]))
            continue;
        double keep = logA[q];
        logA[q] = keep + h;
        double up = gb_hmm_forward(T, K, logE, logA, a_stride, alpha);
        logA[q] = keep - h;
        double dn = gb_hmm_forward(T, K, logE, logA, a_stride, alpha);
        logA[q] = keep;
        assert_near(pA[q], (up - dn) / (2 * h), 1e-8, 1e-6);
    }
}

static void test_hmm_marginals_are_the_gradient_of_log_normaliser(void **state)
{
    (void)state;
    check_gradient(K * K);
    check_gradient(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmm_forward_log_normaliser_matches_enumeration),
        cmocka_unit_test(test_hmm_forward_does_not_underflow_on_long_chains),
        cmocka_unit_test(test_hmm_impossible_chain_has_no_path),
        cmocka_unit_test(test_hmm_sample_draws_paths_with_their_probabilities),
        cmocka_unit_test(test_hmm_marginals_are_the_gradient_of_log_normaliser),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
