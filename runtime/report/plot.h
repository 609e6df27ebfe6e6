/* plot.h - the report's plots, drawn by PLplot (its SVG driver) and returned as SVG text ready
 * to be inlined in a page (no XML prolog or doctype).
 *
 * Why PLplot rather than cairo: PLplot is a plotting library (axes, ticks, labels, histograms,
 * point and line series, colour maps), so glassbox keeps no plotting layer of its own; cairo
 * would have left ticks and labels to us.  PLplot keeps global state and its SVG driver writes
 * to a named file, so every function here draws one plot on the calling thread into a fresh
 * temporary file, reads it back and removes it.  Only the report (one thread) calls them.
 *
 * Each returns GB_OK with *svg (malloc'd, NUL-terminated; the caller frees), GB_ENOMEM, GB_EIO
 * when the temporary file could not be written or read, or GB_EINTERNAL when PLplot refused a
 * call (a bug here: the page then says the plot is missing). */
#ifndef GB_RUNTIME_REPORT_PLOT_H
#define GB_RUNTIME_REPORT_PLOT_H

#include <stddef.h>

#include "status.h"

/* Draws of one scalar: chain c's n values are ch[c][0], ch[c][stride], ... */
typedef struct gb_plot_draws {
    const double *const *ch;
    size_t nchains, n, stride;
} gb_plot_draws;

/* Trace: each chain's draws against the iteration, one colour per chain (long chains are
 * thinned to at most 500 points each for the picture, never for the numbers). */
gb_status gb_plot_trace(const gb_plot_draws *d, const char *name, char **svg);
/* Rank plot (Vehtari et al. 2021): per chain, the histogram of the ranks of its draws among all
 * chains' draws.  Chains that mix give flat, overlapping histograms. */
gb_status gb_plot_rank(const gb_plot_draws *d, const char *name, char **svg);
/* Posterior density as a histogram of all draws, the 5-95% interval [q5, q95] shaded and the mean
 * marked (the summary's numbers, diag.h, which the caller has already). */
gb_status gb_plot_density(const gb_plot_draws *d, const char *name, double mean, double q5,
                          double q95, char **svg);
/* Forest plot: element k's 5-95% interval as a line and its mean as a point, one row each. */
gb_status gb_plot_forest(const char *title, const char *const *labels, const double *mean,
                         const double *q5, const double *q95, size_t k, char **svg);
/* Pairs: the draws of two scalars against each other (at most 800, evenly thinned), divergent
 * transitions (div[i] nonzero; div may be NULL) all shown, as red circles over the others. */
gb_status gb_plot_pairs(const double *x, const double *y, const unsigned char *div, size_t n,
                        const char *xname, const char *yname, char **svg);
/* Posterior predictive check (as bayesplot's ppc_dens_overlay): each replicated data set's
 * histogram (rep[r * n .. r * n + n - 1], r < nrep) as a light line, the observed values'
 * histogram as a dark line over them.  Replicates that look like the data say the model can have made them. */
gb_status gb_plot_ppc(const char *name, const double *obs, size_t n, const double *rep,
                      size_t nrep, char **svg);
/* Heat map of a rows x cols matrix (row-major), e.g. hidden units' mean activation per
 * observation, with a colour bar. */
gb_status gb_plot_heatmap(const char *title, const char *xlab, const char *ylab,
                          const double *z, size_t rows, size_t cols, char **svg);

#endif
