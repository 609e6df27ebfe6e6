/* gbt_conjugate.c - test-only: models with closed-form posteriors (see gbt_conjugate.h). */
#include "gbt_conjugate.h"

#include <stddef.h>

const char *const gbt_conjugate_regression_model = "data x: real[N]\n"
                                                   "data y: real[N]\n"
                                                   "a ~ normal(0, 10)\n"
                                                   "b ~ normal(0, 10)\n"
                                                   "y ~ normal(a + b * x, 1.5)\n";
const char *const gbt_conjugate_regression_data =
    "{\"N\": 6, \"x\": [-1.2, 0.3, 0.8, 1.9, 2.4, -0.5], \"y\": [0.1, 1.7, 2.2, 3.9, 4.1, 0.6]}";
const char *const gbt_conjugate_poisson_model =
    "data y: int[N]\nlambda ~ gamma(3, 2)\ny ~ poisson(lambda)\n";
const char *const gbt_conjugate_poisson_data = "{\"N\": 4, \"y\": [2, 5, 1, 3]}";

void gbt_conjugate_regression_posterior(double P[2][2], double mean[2], double cov[2][2])
{
    const double x[] = {-1.2, 0.3, 0.8, 1.9, 2.4, -0.5}, y[] = {0.1, 1.7, 2.2, 3.9, 4.1, 0.6};
    double s2 = 1.5 * 1.5, r[2] = {0, 0}, own[2][2];
    double(*p)[2] = P ? P : own;
    p[0][0] = p[1][1] = 0.01;
    p[0][1] = 0;
    for (int i = 0; i < 6; i++) {
        p[0][0] += 1 / s2;
        p[0][1] += x[i] / s2;
        p[1][1] += x[i] * x[i] / s2;
        r[0] += y[i] / s2;
        r[1] += x[i] * y[i] / s2;
    }
    p[1][0] = p[0][1];
    double det = p[0][0] * p[1][1] - p[0][1] * p[1][0];
    cov[0][0] = p[1][1] / det;
    cov[1][1] = p[0][0] / det;
    cov[0][1] = cov[1][0] = -p[0][1] / det;
    mean[0] = cov[0][0] * r[0] + cov[0][1] * r[1];
    mean[1] = cov[1][0] * r[0] + cov[1][1] * r[1];
}
