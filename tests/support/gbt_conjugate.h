/* gbt_conjugate.h - test-only: models whose posterior is known in closed form, for the tests of
 * what finds or approximates a posterior (optimize, laplace):
 *   regression  y ~ normal(a + b x, 1.5) on six rows, a, b ~ normal(0, 10): (a, b) is normal a
 *               posteriori;
 *   poisson     y ~ poisson(lambda) on N = 4 counts summing to S = 11, lambda ~ gamma(3, 2):
 *               lambda is gamma(3 + S, 2 + N) a posteriori. */
#ifndef GB_TESTS_SUPPORT_GBT_CONJUGATE_H
#define GB_TESTS_SUPPORT_GBT_CONJUGATE_H

/* The models' text and their CmdStan JSON data. */
extern const char *const gbt_conjugate_regression_model;
extern const char *const gbt_conjugate_regression_data;
extern const char *const gbt_conjugate_poisson_model;
extern const char *const gbt_conjugate_poisson_data;

/* The exact posterior of (a, b): its precision P = X'X / s^2 + I / 100 (P may be NULL), mean
 * P^-1 X'y / s^2 and covariance P^-1. */
void gbt_conjugate_regression_posterior(double P[2][2], double mean[2], double cov[2][2]);

#endif
