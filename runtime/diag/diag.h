/* diag.h - MCMC convergence diagnostics: rank-normalised split R-hat, bulk and tail ESS, MCSE of
 * the mean, quantiles and E-BFMI.
 *
 * Definitions follow Vehtari, Gelman, Simpson, Carpenter & Buerkner (2021), "Rank-normalization,
 * folding, and localization: an improved R-hat for assessing convergence of MCMC", Bayesian
 * Analysis 16(2), and reproduce R's posterior package 1.4.0 (functions rhat, ess_bulk, ess_tail,
 * ess_mean, ess_basic, mcse_mean, quantile2) to rounding; diag.c says where that differs from
 * Stan's C++ compute_effective_sample_size.
 *
 * Draws arrive as `chains[c][i]`, c < nchains, i < ndraws; all pointers are borrowed.
 *
 * Undefined results are NaN, as posterior returns NA: R-hat and every ESS are NaN when the draws
 * they are computed from contain a NaN or an infinity, or are constant (max - min below
 * DBL_EPSILON, posterior's is_constant).  mcse_mean is then NaN too; mean, sd and quantiles are
 * still computed from the draws as they are.
 */
#ifndef GB_RUNTIME_DIAG_DIAG_H
#define GB_RUNTIME_DIAG_DIAG_H

#include <stddef.h>

#include "status.h"

/* Chains shorter than this are refused (GB_EUSAGE): splitting leaves halves of 2 draws, and
 * posterior's ESS needs at least 3 (it returns NA below that); 4 is the smallest length for
 * which every field below is defined. */
#define GB_DIAG_MIN_DRAWS 4

typedef struct gb_diag_summary {
    double mean;         /* over all draws */
    double sd;           /* over all draws, denominator S - 1 */
    double mcse_mean;    /* sd / sqrt(ESS of the mean), the ESS from raw split chains */
    double q5, q50, q95; /* R's quantile type 7 over all draws */
    double rhat;         /* max of bulk and folded-tail rank-normalised split R-hat */
    double ess_bulk;     /* ESS of rank-normalised split chains */
    double ess_tail;     /* min of the ESS of the indicators x <= q05 and x <= q95 */
    int constant;        /* 1 when every draw is finite and max - min < DBL_EPSILON (posterior's
                            is_constant): R-hat and ESS are NaN because nothing varies, not
                            because the chains disagree */
} gb_diag_summary;

/* Every diagnostic of one scalar quantity.  GB_EUSAGE when nchains == 0, ndraws <
 * GB_DIAG_MIN_DRAWS or chains is NULL; GB_ENOMEM when the work space does not fit the memory
 * budget or cannot be allocated.  *out is written only on GB_OK. */
gb_status gb_diag_summarise(const double *const *chains, size_t nchains, size_t ndraws,
                            gb_diag_summary *out);

/* The helpers below take the same arguments and errors as gb_diag_summarise and write one
 * number to *out on GB_OK (possibly NaN, see above). */

/* ESS of the mean without splitting or rank normalisation (posterior's ess_basic(x, split =
 * FALSE)); needs ndraws >= 3 rather than GB_DIAG_MIN_DRAWS. */
gb_status gb_diag_ess_basic(const double *const *chains, size_t nchains, size_t ndraws,
                            double *out);
/* ESS of the mean from split but not rank-normalised chains (posterior's ess_mean). */
gb_status gb_diag_ess_mean(const double *const *chains, size_t nchains, size_t ndraws, double *out);
/* Rank-normalised split R-hat: max of the bulk and the folded (|x - median|) versions. */
gb_status gb_diag_rhat(const double *const *chains, size_t nchains, size_t ndraws, double *out);
/* Bulk ESS: ESS of the rank-normalised split chains. */
gb_status gb_diag_ess_bulk(const double *const *chains, size_t nchains, size_t ndraws, double *out);
/* Tail ESS: min of the ESS of the split indicator chains I(x <= q05) and I(x <= q95). */
gb_status gb_diag_ess_tail(const double *const *chains, size_t nchains, size_t ndraws, double *out);
/* Quantile p in [0, 1] of all draws pooled, R's default type 7: with the draws sorted
 * x_0 <= ... <= x_{S-1}, h = (S - 1) p, lo = floor(h), the result is
 * (1 - (h - lo)) x_lo + (h - lo) x_{lo+1}.  Needs ndraws >= 1; GB_EUSAGE for p outside [0, 1]. */
gb_status gb_diag_quantile(const double *const *chains, size_t nchains, size_t ndraws, double p,
                           double *out);

/* Energy Bayesian fraction of missing information of one chain's energy__ column (Betancourt
 * 2016, "Diagnosing suboptimal cotangent disintegrations in Hamiltonian Monte Carlo", eq. 3.3;
 * the same formula as CmdStan's diagnose and ArviZ's bfmi):
 *     sum_{i>=1} (E_i - E_{i-1})^2 / sum_i (E_i - mean E)^2.
 * NaN when n < 2, the energy is constant, or any value is not finite. */
double gb_diag_ebfmi(const double *energy, size_t n);

#endif
