/* test_stream.c - streaming summaries: Welford mean and sd equal two-pass values, pooling
 * chains equals one stream over all draws (mean, sd), and P-square quantiles of 20000 normal
 * and exponential draws are within a tolerance of the exact quantiles.  The P-square
 * tolerance (0.03 in units of the sd) is the algorithm's own accuracy at this size, several
 * times its typical error; the draws' own sampling error of a quantile is ~0.015 sd here, so
 * the check is against the known distribution's quantiles with both allowed for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "near.h"
#include "rng.h"
#include "stream.h"

#define N 20000

static void test_stream_moments_and_pooling(void **state)
{
    (void)state;
    gsl_rng *r = gb_rng_new(99, 0);
    gb_stream *a = gb_stream_new(2), *b = gb_stream_new(2), *all = gb_stream_new(2);
    double sum = 0, sq = 0;
    static double x[2 * N];
    for (int i = 0; i < 2 * N; i++) {
        double v[2] = {3 + 2 * gsl_ran_gaussian(r, 1), gsl_ran_exponential(r, 1)};
        x[i] = v[0];
        gb_stream_add(i < N ? a : b, v);
        gb_stream_add(all, v);
        sum += v[0];
    }
    double mean = sum / (2 * N);
    for (int i = 0; i < 2 * N; i++)
        sq += (x[i] - mean) * (x[i] - mean);
    const gb_stream *two[2] = {a, b}, *one[1] = {all};
    gb_stream_summary s2, s1;
    gb_stream_result(two, 2, 0, &s2);
    gb_stream_result(one, 1, 0, &s1);
    assert_int_equal(s2.count, 2 * N);
    assert_near(s2.mean, mean, 1e-12, 1e-12);
    assert_near(s2.sd, sqrt(sq / (2 * N - 1)), 1e-12, 1e-10);
    assert_near(s1.sd, s2.sd, 1e-12, 1e-10);
    gsl_rng_free(r);
    gb_stream_free(a);
    gb_stream_free(b);
    gb_stream_free(all);
}

static void test_stream_quantiles(void **state)
{
    (void)state;
    gsl_rng *r = gb_rng_new(7, 0);
    gb_stream *s = gb_stream_new(2);
    for (int i = 0; i < N; i++) {
        double v[2] = {gsl_ran_gaussian(r, 1), gsl_ran_exponential(r, 1)};
        gb_stream_add(s, v);
    }
    const gb_stream *one[1] = {s};
    gb_stream_summary g, e;
    gb_stream_result(one, 1, 0, &g);
    gb_stream_result(one, 1, 1, &e);
    assert_near(g.q5, gsl_cdf_ugaussian_Pinv(0.05), 0.03, 0);
    assert_near(g.q50, 0, 0.03, 0);
    assert_near(g.q95, gsl_cdf_ugaussian_Pinv(0.95), 0.03, 0);
    assert_near(e.q5, -log(0.95), 0.03, 0);
    assert_near(e.q50, log(2), 0.03, 0);
    assert_near(e.q95, -log(0.05), 0.05, 0);
    gsl_rng_free(r);
    gb_stream_free(s);
}

/* Fewer than five draws: exact quantiles of what there is. */
static void test_stream_few_draws(void **state)
{
    (void)state;
    gb_stream *s = gb_stream_new(1);
    double v[3] = {3, 1, 2};
    for (int i = 0; i < 3; i++)
        gb_stream_add(s, &v[i]);
    const gb_stream *one[1] = {s};
    gb_stream_summary q;
    gb_stream_result(one, 1, 0, &q);
    assert_near(q.q50, 2, 1e-12, 0);
    assert_near(q.mean, 2, 1e-12, 0);
    assert_near(q.sd, 1, 1e-12, 0);
    gb_stream_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_moments_and_pooling),
        cmocka_unit_test(test_stream_quantiles),
        cmocka_unit_test(test_stream_few_draws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
