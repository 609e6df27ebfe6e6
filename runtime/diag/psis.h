/* psis.h - Pareto-smoothed importance sampling leave-one-out cross-validation (PSIS-LOO) and
 * WAIC from a pointwise log-likelihood matrix.
 *
 * Follows Vehtari, Gelman & Gabry (2017), "Practical Bayesian model evaluation using
 * leave-one-out cross-validation and WAIC", Statistics and Computing 27, and reproduces R's loo
 * package 2.5.1 (the version Debian 12 ships; functions do_psis_i, psis_smooth_tail, gpdfit,
 * pointwise_loo_calcs, waic.matrix) with relative efficiency r_eff = 1:
 *   - the log ratios of observation i are -ll[., i]; the M = ceil(min(S / 5, 3 sqrt(S))) largest
 *     are replaced by the expected order statistics of a generalized Pareto distribution fitted
 *     to them by Zhang & Stephens (2009) with loo's weakly informative prior on k (k-hat shrunk
 *     toward 0.5 as if by 10 more observations); M < 5 leaves them raw with k-hat = Inf;
 *   - the smoothed log weights are truncated at the largest raw log ratio;
 *   - elpd_loo_i = log sum_s w_is p(y_i | theta_s) / sum_s w_is, p_loo_i = lpd_i - elpd_loo_i with
 *     lpd_i = log mean_s p(y_i | theta_s); looic = -2 elpd_loo; each total's standard error is
 *     sqrt(N var(pointwise)), var with denominator N - 1;
 *   - WAIC: p_waic_i = var_s(ll[s, i]) (denominator S - 1), elpd_waic_i = lpd_i - p_waic_i.
 * k-hat classes are loo 2.5.1's (pareto_k_table): good k <= 0.5, ok (0.5, 0.7], bad (0.7, 1],
 * very bad > 1.  (loo 2.6 and later use a sample-size-dependent bound min(1 - 1 / log10(S), 0.7)
 * instead of 0.5 / 0.7; gb_psis_k_threshold gives it.)
 */
#ifndef GB_RUNTIME_DIAG_PSIS_H
#define GB_RUNTIME_DIAG_PSIS_H

#include <stddef.h>

#include "status.h"

/* loo 2.5.1's k-hat class boundaries (k_cut). */
#define GB_PSIS_K_OK 0.5
#define GB_PSIS_K_BAD 0.7
#define GB_PSIS_K_VERY_BAD 1.0

typedef struct gb_psis_result {
    double elpd_loo, se_elpd_loo, p_loo, se_p_loo, looic, se_looic;
    double elpd_waic, se_elpd_waic, p_waic, se_p_waic, waic, se_waic;
    size_t n_ok, n_bad, n_very_bad; /* k-hat in (0.5, 0.7], (0.7, 1], above 1 (or Inf) */
    size_t tail_len;                /* M, the draws in each smoothed tail */
} gb_psis_result;

/* Fits a generalized Pareto distribution to x[0 .. n-1] (sorted ascending, all > 0 after the
 * cutoff is subtracted) by Zhang & Stephens' method as loo's gpdfit (grid of 30 + floor(sqrt(n))
 * points, prior 3; wip: the weakly informative prior's adjustment of k).  Writes k (Inf when the
 * fit is undefined) and sigma. */
void gb_psis_gpdfit(const double *x, size_t n, int wip, double *k, double *sigma);

/* Smooths one observation's log ratios lr[0 .. S-1] into log weights lw (not normalised; the
 * arrays may not overlap), with the tail_len largest smoothed; perm (S entries) and tail
 * (tail_len doubles) are scratch.  Returns k-hat. */
double gb_psis_smooth(const double *lr, size_t S, size_t tail_len, double *lw, size_t *perm,
                      double *tail);

/* M for S draws with r_eff = 1. */
size_t gb_psis_tail_len(size_t S);
/* loo 2.6's sample-size-dependent k-hat bound, min(1 - 1 / log10(S), 0.7). */
double gb_psis_k_threshold(size_t S);

/* PSIS-LOO and WAIC of the S x N row-major log-likelihood matrix ll (draws in rows).  khat,
 * elpd_i, p_loo_i (N doubles each) receive the pointwise values when non-NULL.  GB_EUSAGE when
 * S < 2 or N < 1; GB_ENOMEM when the scratch (3 S doubles) cannot be had. */
gb_status gb_psis_loo(const double *ll, size_t S, size_t N, gb_psis_result *res, double *khat,
                      double *elpd_i, double *p_loo_i);

#endif
