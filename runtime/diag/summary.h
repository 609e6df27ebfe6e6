/* summary.h - the posterior summary table `glassbox run` prints: per-column diagnostics
 * (diag.h), sampler statistics and plain-word warnings.
 */
#ifndef GB_RUNTIME_DIAG_SUMMARY_H
#define GB_RUNTIME_DIAG_SUMMARY_H

#include <stddef.h>
#include <stdio.h>

#include "status.h"

/* Thresholds for the warnings (Vehtari et al. 2021 sec. 4 for R-hat and ESS: R-hat below 1.01
 * and ESS above 100 per chain for 4 chains; Betancourt 2016 for E-BFMI below 0.3). */
#define GB_SUMMARY_RHAT_MAX 1.01
#define GB_SUMMARY_ESS_MIN 400.0
#define GB_SUMMARY_EBFMI_MIN 0.3

/* Prints to `out` one row per column (name, mean, sd, mcse, 5%, 50%, 95%, rhat, ess_bulk,
 * ess_tail), skipping sampler columns whose names end in "__" except lp__; then the sampler
 * statistics found among the columns (divergent__: number of divergences; treedepth__: number
 * of transitions with depth >= max_depth, when max_depth > 0; energy__: E-BFMI per chain); then
 * warnings in plain words.
 *
 * chains[c] points at ndraws rows of ncols doubles each (row-major); names[k] names column k.
 * All borrowed.  The columns' diagnostics are computed by up to `threads` threads (the numbers do
 * not depend on how many).  Returns GB_OK, GB_EUSAGE for ndraws < GB_DIAG_MIN_DRAWS or no
 * chains, GB_ENOMEM, or GB_EIO when writing to `out` fails (checked at every write and a final
 * fflush).
 */
gb_status gb_summary_print(FILE *out, const char *const *names, size_t ncols,
                           const double *const *chains, size_t nchains, size_t ndraws,
                           int max_depth, int threads);

/* How a summary is shown (gb_summary_print_with).  A zeroed struct is gb_summary_print's. */
typedef struct gb_summary_opts {
    int max_depth, threads;    /* as gb_summary_print's */
    const unsigned char *show; /* per column: 1 to show it (--vars); NULL shows them all */
    int hist;                  /* a histogram of each row's draws at its end: GB_SUMMARY_HIST_* */
    int colour;                /* ANSI colour on doubtful R-hat / ESS and on warnings */
} gb_summary_opts;
enum { GB_SUMMARY_HIST_NONE, GB_SUMMARY_HIST_BLOCKS, GB_SUMMARY_HIST_ASCII };
#define GB_SUMMARY_HIST_BINS 16

/* gb_summary_print with options; its warnings speak only of the columns shown.  A column is
 * shown when show says so and it is not a sampler column (name ending in "__") other than
 * lp__. */
gb_status gb_summary_print_with(FILE *out, const char *const *names, size_t ncols,
                                const double *const *chains, size_t nchains, size_t ndraws,
                                const gb_summary_opts *o);

/* The same numbers as CSV (name,mean,sd,mcse_mean,q5,q50,q95,rhat,ess_bulk,ess_tail), one row
 * per shown column (lp__ and the model's), for scripts and `make validate`. */
gb_status gb_summary_write_csv(FILE *out, const char *const *names, size_t ncols,
                               const double *const *chains, size_t nchains, size_t ndraws,
                               int threads);
/* ... with only the columns show says (NULL: all). */
gb_status gb_summary_write_csv_with(FILE *out, const char *const *names, size_t ncols,
                                    const double *const *chains, size_t nchains, size_t ndraws,
                                    int threads, const unsigned char *show);

#endif
