/* gbt_ess.c - test-only ESS (Stan's algorithm, see gbt_ess.h) and MCSE checks. */
#include "gbt_ess.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

static double chain_mean(const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

/* Biased (1/n) autocovariance of one chain at lag t. */
static double acov(const double *x, size_t n, double mean, size_t t)
{
    double s = 0;
    for (size_t i = 0; i + t < n; i++)
        s += (x[i] - mean) * (x[i + t] - mean);
    return s / (double)n;
}

/* Mean over chains of the lag-t autocovariance. */
static double mean_acov(const double *const *c, const double *means, size_t m, size_t n, size_t t)
{
    double s = 0;
    for (size_t k = 0; k < m; k++)
        s += acov(c[k], n, means[k], t);
    return s / (double)m;
}

double gbt_ess(const double *const *chains, size_t m, size_t n)
{
    double *means = calloc(m, sizeof *means);
    double *rho = calloc(n + 1, sizeof *rho);
    assert_non_null(means);
    assert_non_null(rho);
    double mean_var = 0, grand = 0, between = 0;
    for (size_t k = 0; k < m; k++) {
        means[k] = chain_mean(chains[k], n);
        mean_var += acov(chains[k], n, means[k], 0) * (double)n / (double)(n - 1);
        grand += means[k];
    }
    mean_var /= (double)m;
    grand /= (double)m;
    for (size_t k = 0; k < m; k++)
        between += (means[k] - grand) * (means[k] - grand);
    double var_plus = mean_var * (double)(n - 1) / (double)n;
    if (m > 1)
        var_plus += between / (double)(m - 1);
    if (!(var_plus > 0)) {
        free(means);
        free(rho);
        return (double)(m * n);
    }
    rho[0] = 1;
    double even = 1, odd = 1 - (mean_var - mean_acov(chains, means, m, n, 1)) / var_plus;
    rho[1] = odd;
    size_t t = 1;
    while (t < n - 5 && even + odd > 0) {
        even = 1 - (mean_var - mean_acov(chains, means, m, n, t + 1)) / var_plus;
        odd = 1 - (mean_var - mean_acov(chains, means, m, n, t + 2)) / var_plus;
        if (even + odd >= 0) {
            rho[t + 1] = even;
            rho[t + 2] = odd;
        }
        t += 2;
    }
    size_t max_t = t;
    if (even > 0)
        rho[max_t + 1] = even;
    for (t = 1; t + 2 <= max_t; t += 2)
        if (rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]) {
            rho[t + 1] = (rho[t - 1] + rho[t]) / 2;
            rho[t + 2] = rho[t + 1];
        }
    double sum = 0;
    for (t = 0; t <= max_t; t++)
        sum += rho[t];
    double ess = (double)(m * n);
    double tau = -1 + 2 * sum + rho[max_t + 1];
    tau = fmax(tau, 1 / log10(ess));
    free(means);
    free(rho);
    return ess / tau;
}

double gbt_z_bonferroni(size_t nchecks)
{
    return gsl_cdf_ugaussian_Qinv(GBT_ALARM_RATE / (2.0 * (double)nchecks));
}

double gbt_check_mean(const char *what, const double *x, size_t n, double expected, double z)
{
    double mean = chain_mean(x, n);
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    double sd = sqrt(ss / (double)(n - 1));
    const double *chains[1] = {x};
    double ess = gbt_ess(chains, 1, n);
    double mcse = sd / sqrt(ess);
    if (getenv("GBT_VERBOSE"))
        print_message("%s: estimate %.6g, expected %.6g, MCSE %.4g, ESS %.0f of %zu, z %.2f\n",
                      what, mean, expected, mcse, ess, n, (mean - expected) / mcse);
    if (!(fabs(mean - expected) <= z * mcse))
        fail_msg("%s: estimate %.6g, expected %.6g, MCSE %.4g (ESS %.0f of %zu), z %.2f > %.2f",
                 what, mean, expected, mcse, ess, n, (mean - expected) / mcse, z);
    return mcse;
}
