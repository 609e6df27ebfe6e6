/* adapt.h - warmup: dual averaging of the step size, and either Stan's windowed metric (the
 * draws of "slow" windows) or nutpie's Fisher-divergence metric (draws and gradients, updated at
 * every draw: adapt_fisher.h; diagonal only, so a dense metric always uses the windows).
 * Independent of the sampler: it consumes accept statistics and points (and gradients) and
 * hands back step sizes and inverse metrics (nuts.c couples them,
 * see gb_nuts_adapt_transition).
 *
 * Step size: Nesterov's dual averaging as in Hoffman & Gelman (2014), "The No-U-Turn Sampler",
 * JMLR 15, sec. 3.2 (eqs. 5-6) and Stan's stepsize_adaptation.hpp: with counter m,
 *     s_bar <- (1 - 1/(m + t0)) s_bar + (delta - min(1, accept)) / (m + t0)
 *     x      = mu - s_bar sqrt(m) / gamma,  eps = exp(x)
 *     x_bar <- (1 - m^-kappa) x_bar + m^-kappa x
 * gamma 0.05, t0 10, kappa 0.75, target delta 0.8, mu = log(10 eps0).  After warmup the step
 * size is exp(x_bar).
 *
 * Windows (Stan's windowed_adaptation.hpp; Stan Reference Manual, "HMC algorithm parameters",
 * automatic parameter tuning): an initial fast interval of init_buffer (75) iterations adapts
 * only the step size; then slow windows of base_window (25), 50, 100, ... iterations collect
 * points for the metric; a window whose successor would not fit before the terminal buffer is
 * stretched to end where the terminal buffer (50) begins; the terminal fast interval adapts only
 * the step size.  When init + base + term > warmup, Stan's fallback uses 15% / 75% / 10% of
 * warmup (init = floor(0.15 w), term = floor(0.1 w), base = the rest).  With warmup < 20 the
 * metric is not estimated at all (only the step size adapts), as in Stan.
 *
 * Metric: Welford's running variance (diagonal) or covariance (dense) over a window, with the
 * sample (n - 1) denominator, regularised as Stan does:
 *     Sigma <- n/(n + 5) Sigma + 1e-3 * 5/(n + 5) I
 * (the diagonal case is the diagonal of this).  The estimator restarts at each window end.
 *
 * Memory: gb_adapt_new allocates everything (2 dim or dim + dim^2 doubles, plus the fisher
 * estimator's 9 dim); learning allocates nothing.
 */
#ifndef GB_RUNTIME_SAMPLER_ADAPT_H
#define GB_RUNTIME_SAMPLER_ADAPT_H

#include <stddef.h>

#include "status.h"

typedef struct gb_adapt_config {
    size_t warmup;      /* number of warmup iterations */
    double delta;       /* target mean accept_stat, in (0, 1); 0.8 */
    double gamma;       /* dual averaging regularisation scale; 0.05 */
    double t0;          /* iteration offset damping early iterations; 10 */
    double kappa;       /* x_bar weight decay exponent, in (0.5, 1]; 0.75 */
    size_t init_buffer; /* 75 */
    size_t term_buffer; /* 50 */
    size_t base_window; /* 25 */
    int dense;          /* estimate a dense covariance instead of variances */
    int fisher;         /* nutpie's schedule and estimator (diagonal only); 0: Stan's windows */
} gb_adapt_config;

/* gb_adapt_learn's result, a bit set (the same bits as GB_FISHER_*): a new inverse metric was
 * written; the step size restarts (initial-step heuristic, then dual averaging around it). */
#define GB_ADAPT_NEW_METRIC 1
#define GB_ADAPT_RESTART_STEP 2

/* Below this many warmup iterations the metric is not estimated (Stan's limit). */
#define GB_ADAPT_MIN_WARMUP_FOR_METRIC 20

typedef struct gb_adapt gb_adapt;

/* Stan's defaults for `warmup` iterations, diagonal metric, windowed. */
void gb_adapt_config_default(gb_adapt_config *cfg, size_t warmup);

/* A new adapter for dimension dim >= 1; dual averaging starts with mu = log(10 eps0).  *out
 * receives an object the caller frees with gb_adapt_free.  GB_EUSAGE for parameters out of
 * range, GB_ENOMEM when the estimator does not fit the memory budget. */
gb_status gb_adapt_new(const gb_adapt_config *cfg, size_t dim, double eps0, gb_adapt **out);
void gb_adapt_free(gb_adapt *a);

size_t gb_adapt_dim(const gb_adapt *a);
/* 1 when the Fisher-divergence metric is in use (asked for, and the metric is diagonal). */
int gb_adapt_is_fisher(const gb_adapt *a);
int gb_adapt_is_dense(const gb_adapt *a);
/* The buffers and base window in use (after the short-warmup fallback). */
void gb_adapt_windows(const gb_adapt *a, size_t *init_buffer, size_t *term_buffer,
                      size_t *base_window);

/* Restarts dual averaging around a new initial step size: mu = log(10 eps), counter, s_bar and
 * x_bar back to 0. */
void gb_adapt_stepsize_restart(gb_adapt *a, double eps);
/* Feeds one transition's accept_stat (values above 1 count as 1, NaN as 0); returns the step
 * size for the next transition, exp(x). */
double gb_adapt_stepsize_learn(gb_adapt *a, double accept_stat);
/* exp(x_bar), the step size to use after warmup. */
double gb_adapt_stepsize_final(const gb_adapt *a);

/* Feeds the point of warmup iteration number gb_adapt_metric_iteration() (one call per warmup
 * transition, after it).  Returns 1 when this iteration closed a slow window and a regularised
 * inverse metric was written to inv_metric (dim values, or dim*dim row-major when dense);
 * otherwise 0 and inv_metric is untouched. */
int gb_adapt_metric_learn(gb_adapt *a, const double *q, double *inv_metric);
/* The sampler's entry points, for either scheme.  gb_adapt_start takes the initial point and
 * the gradient of log p there (borrowed) before the first transition; it returns 1 when it
 * wrote an initial inverse metric (fisher), else 0.  gb_adapt_learn takes each warmup
 * transition's point, gradient and good (0: it diverged) and returns GB_ADAPT_* bits; the
 * windowed scheme ignores g and good and returns both bits exactly when gb_adapt_metric_learn
 * would return 1. */
int gb_adapt_start(gb_adapt *a, const double *q, const double *g, double *inv_metric);
int gb_adapt_learn(gb_adapt *a, const double *q, const double *g, int good, double *inv_metric);
/* How many points gb_adapt_metric_learn or gb_adapt_learn has been given. */
size_t gb_adapt_metric_iteration(const gb_adapt *a);

#endif
