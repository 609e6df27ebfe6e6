/* gbt_ess.h - test-only effective sample size and Monte Carlo error checks for the statistical
 * tests of STYLE section 6 (tolerance = z x MCSE, MCSE from the ESS of the draws).
 *
 * gbt_ess is Stan's non-rank-normalised ESS for the mean (Vehtari, Gelman, Simpson, Carpenter
 * & Buerkner 2021, "Rank-normalization, folding, and localization", sec. 3.2; Stan's
 * compute_effective_sample_size): multi-chain autocorrelations combined through the
 * between/within variance estimate, truncated at the first negative sum of an adjacent pair
 * (Geyer 1992 initial positive sequence) and made monotone (initial monotone sequence).
 * Chains are not split.  It stands in until runtime/diag/diag.c's gb_diag_ess_basic exists.
 */
#ifndef GB_TESTS_SUPPORT_GBT_ESS_H
#define GB_TESTS_SUPPORT_GBT_ESS_H

#include <stddef.h>

/* ESS of the mean over nchains chains of ndraws draws each (ndraws >= 4).  A constant input
 * gives nchains * ndraws. */
double gbt_ess(const double *const *chains, size_t nchains, size_t ndraws);

/* The two-sided false-alarm rate of one z = 4 check, 2 Q(4) = 6.334e-5. */
#define GBT_ALARM_RATE 6.3342483666239957e-5
/* The z giving a family of `nchecks` checks the rate GBT_ALARM_RATE (Bonferroni): 4 for one
 * check, about 5.0 for 100. */
double gbt_z_bonferroni(size_t nchecks);

/* Checks that the mean of x[0 .. n-1] (one chain) is within z x MCSE of `expected`, MCSE =
 * sd / sqrt(ESS); fails the running cmocka test with estimate, expected, MCSE and z otherwise.
 * Returns the MCSE.  With GBT_VERBOSE set in the environment every check is printed. */
double gbt_check_mean(const char *what, const double *x, size_t n, double expected, double z);

#endif
