/* heldout.h - the numbers `compare` puts side by side: the log predictive density of held-out
 * observations, and paired differences of pointwise elpd between two models.
 *
 * The held-out log predictive density of observation i is log p(y_i | data) = log (1/S sum_s
 * p(y_i | theta_s)): the log of the mean over draws of the density, not the mean of the log
 * densities (which is smaller by Jensen's inequality and is not a predictive density).  It is
 * computed with the maximum factored out.  Differences follow loo_compare (R's loo package):
 * elpd_diff = sum_i (a_i - b_i), se_diff = sqrt(N var_i(a_i - b_i)), var with denominator N - 1.
 */
#ifndef GB_RUNTIME_DIAG_HELDOUT_H
#define GB_RUNTIME_DIAG_HELDOUT_H

#include <stddef.h>

/* lpd[i] = log mean_s exp(ll[s * N + i]) for the S x N row-major matrix ll (S >= 1); returns
 * their sum.  -INFINITY where every draw gives -INFINITY. */
double gb_heldout_lpd(const double *ll, size_t S, size_t N, double *lpd);

/* The paired difference of pointwise values a and b (N each): returns sum (a_i - b_i) and writes
 * its standard error sqrt(N var(a - b)) into *se (0 when N < 2). */
double gb_heldout_diff(const double *a, const double *b, size_t N, double *se);

#endif
