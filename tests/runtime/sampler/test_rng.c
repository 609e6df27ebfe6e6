/* test_rng.c - per-chain streams: the seed mix against values computed independently, the same
 * (seed, chain) reproducing the same stream, different chains and seeds giving different
 * streams, and two chains' streams uncorrelated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "rng.h"

/* Reference values of the mix in rng.h, computed with Python integers:
 *   M=2**64-1
 *   def sm(x):
 *       z=(x+0x9E3779B97F4A7C15)&M; z=((z^(z>>30))*0xBF58476D1CE4E5B9)&M
 *       z=((z^(z>>27))*0x94D049BB133111EB)&M; return z^(z>>31)
 *   def f32(h):
 *       h^=h>>16; h=(h*0x85EBCA6B)&0xffffffff; h^=h>>13; h=(h*0xC2B2AE35)&0xffffffff
 *       return h^(h>>16)
 *   s=sm(seed); print(f32((((s>>32)^(s&0xffffffff))+chain)&0xffffffff))
 * (sm(0) = 0xe220a8397b1dcdaf, the published first output of splitmix64 from state 0.) */
static void test_rng_chain_seed_matches_reference_mix(void **state)
{
    (void)state;
    assert_int_equal(gb_rng_chain_seed(0, 0), 893105114UL);
    assert_int_equal(gb_rng_chain_seed(1, 0), 3158215328UL);
    assert_int_equal(gb_rng_chain_seed(1, 1), 3356904615UL);
    assert_int_equal(gb_rng_chain_seed(20240611UL, 3), 471609974UL);
    if (sizeof(unsigned long) == 8)
        assert_int_equal(gb_rng_chain_seed((unsigned long)-1, 7), 1336897462UL);
}

static void test_rng_same_seed_and_chain_reproduce_the_stream(void **state)
{
    (void)state;
    gsl_rng *a = gb_rng_new(42, 3), *b = gb_rng_new(42, 3);
    assert_non_null(a);
    assert_non_null(b);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(gsl_rng_get(a), gsl_rng_get(b));
    gb_rng_free(a);
    gb_rng_free(b);
    gb_rng_free(NULL);
}

static int cmp_ulong(const void *x, const void *y)
{
    unsigned long a = *(const unsigned long *)x, b = *(const unsigned long *)y;
    return (a > b) - (a < b);
}

/* fmix32 is a bijection, so chains of one seed never share a generator seed. */
static void test_rng_chains_get_distinct_seeds(void **state)
{
    (void)state;
    enum { N = 100000 };
    unsigned long *s = malloc(N * sizeof *s);
    assert_non_null(s);
    for (unsigned c = 0; c < N; c++)
        s[c] = gb_rng_chain_seed(7, c);
    qsort(s, N, sizeof *s, cmp_ulong);
    for (size_t i = 1; i < N; i++)
        assert_true(s[i] != s[i - 1]);
    free(s);
}

/* Streams of neighbouring chains and neighbouring seeds differ from the first draw on. */
static void test_rng_chains_and_seeds_give_different_streams(void **state)
{
    (void)state;
    gsl_rng *r[4] = {gb_rng_new(1, 0), gb_rng_new(1, 1), gb_rng_new(2, 0), gb_rng_new(0, 1)};
    unsigned long first[4][8];
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 8; i++)
            first[k][i] = gsl_rng_get(r[k]);
    for (int k = 0; k < 4; k++)
        for (int l = k + 1; l < 4; l++)
            for (int i = 0; i < 8; i++)
                assert_true(first[k][i] != first[l][i]);
    for (int k = 0; k < 4; k++)
        gb_rng_free(r[k]);
}

/* The sample correlation of n independent uniform pairs has sd 1/sqrt(n) (the draws are iid,
 * so ESS = n); |r| < 4/sqrt(n) has false-alarm rate 6.3e-5.  Chains 0 and 1 of one seed. */
static void test_rng_neighbouring_chains_are_uncorrelated(void **state)
{
    (void)state;
    enum { N = 100000 };
    gsl_rng *a = gb_rng_new(123, 0), *b = gb_rng_new(123, 1);
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int i = 0; i < N; i++) {
        double x = gsl_rng_uniform(a), y = gsl_rng_uniform(b);
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    double cov = sxy / N - (sx / N) * (sy / N);
    double r = cov / sqrt((sxx / N - (sx / N) * (sx / N)) * (syy / N - (sy / N) * (sy / N)));
    double z = r * sqrt((double)N);
    if (!(fabs(z) < 4))
        fail_msg("correlation %.5f, expected 0, MCSE %.5f, z %.2f", r, 1 / sqrt((double)N), z);
    gb_rng_free(a);
    gb_rng_free(b);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_chain_seed_matches_reference_mix),
        cmocka_unit_test(test_rng_same_seed_and_chain_reproduce_the_stream),
        cmocka_unit_test(test_rng_chains_get_distinct_seeds),
        cmocka_unit_test(test_rng_chains_and_seeds_give_different_streams),
        cmocka_unit_test(test_rng_neighbouring_chains_are_uncorrelated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
