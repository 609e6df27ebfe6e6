/* test_heldout.c - held-out lpd is the log of the mean density (not the mean log density), stays
 * finite where exp would underflow, and paired differences match loo_compare's formula. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>

#include "heldout.h"
#include "near.h"

/* Two draws, two observations: densities (0.2, 0.6) and (0.5, 0.1).  lpd = log 0.4 + log 0.3,
 * while the mean of logs would be (log 0.2 + log 0.6) / 2 + (log 0.5 + log 0.1) / 2. */
static void test_heldout_lpd_is_log_mean_density(void **state)
{
    (void)state;
    double ll[] = {log(0.2), log(0.5), log(0.6), log(0.1)}, lpd[2];
    double total = gb_heldout_lpd(ll, 2, 2, lpd);
    assert_near(lpd[0], log(0.4), 1e-12, 0);
    assert_near(lpd[1], log(0.3), 1e-12, 0);
    assert_near(total, log(0.4) + log(0.3), 1e-12, 0);
}

/* Log densities near -1000: exp underflows to 0, the factored form does not. */
static void test_heldout_lpd_survives_underflow(void **state)
{
    (void)state;
    double ll[] = {-1000, -1001}, lpd;
    gb_heldout_lpd(ll, 2, 1, &lpd);
    assert_near(lpd, -1000 + log((1 + exp(-1)) / 2), 1e-9, 0);
    double inf[] = {-INFINITY, -INFINITY};
    gb_heldout_lpd(inf, 2, 1, &lpd);
    assert_true(lpd == -INFINITY);
}

/* a - b = (1, 2, 3, 6): sum 12, mean 3, var (4 + 1 + 0 + 9) / 3, se sqrt(4 * 14 / 3). */
static void test_heldout_diff_is_paired(void **state)
{
    (void)state;
    double a[] = {1, 2, 3, 6}, b[] = {0, 0, 0, 0}, se;
    assert_near(gb_heldout_diff(a, b, 4, &se), 12, 1e-12, 0);
    assert_near(se, sqrt(4 * 14.0 / 3), 1e-12, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heldout_lpd_is_log_mean_density),
        cmocka_unit_test(test_heldout_lpd_survives_underflow),
        cmocka_unit_test(test_heldout_diff_is_paired),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
