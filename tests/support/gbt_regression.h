/* gbt_regression.h - test-only: a model whose posterior is known in closed form, for the tests
 * of what finds or approximates a posterior (optimize, laplace): y ~ normal(a + b x, 1.5) on six
 * rows, a, b ~ normal(0, 10), so (a, b) is normal a posteriori. */
#ifndef GB_TESTS_SUPPORT_GBT_REGRESSION_H
#define GB_TESTS_SUPPORT_GBT_REGRESSION_H

/* The model's text and its CmdStan JSON data. */
extern const char *const gbt_regression_model;
extern const char *const gbt_regression_data;

/* The exact posterior of (a, b): its precision P = X'X / s^2 + I / 100 (P may be NULL), mean
 * P^-1 X'y / s^2 and covariance P^-1. */
void gbt_regression_posterior(double P[2][2], double mean[2], double cov[2][2]);

#endif
