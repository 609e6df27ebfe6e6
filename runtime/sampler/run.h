/* run.h - running chains: initialisation, warmup with adaptation, sampling (Gibbs sweeps of
 * discrete latents alternating with NUTS transitions of the continuous block), draws kept in
 * memory and handed to a sink as they are made.
 *
 * Chains run on `threads` POSIX threads; chain c draws from its own RNG stream seeded from
 * (seed, c) (see rng.h), so the draws are the same whatever the thread count.  The thread that
 * calls gb_run watches them: every GB_RUN_TICK_MS it hands the progress to a monitor callback,
 * whose answer can stop every chain at its next iteration (the draws made so far are kept).
 * The chain threads block asynchronous signals, so a signal handler runs on the calling thread.
 */
#ifndef GB_RUNTIME_SAMPLER_RUN_H
#define GB_RUNTIME_SAMPLER_RUN_H

#include <stddef.h>

#include "model.h"
#include "split.h"
#include "status.h"

/* How far the chains are, as the monitor sees it. */
typedef struct gb_run_progress {
    int nchains, warmup, draws; /* as configured */
    const int *iterations;      /* per chain: iterations done, warmup included */
    double elapsed;             /* seconds since the chains started */
} gb_run_progress;

/* Called on the thread that called gb_run: once before the chains start, then about every
 * GB_RUN_TICK_MS while they run.  Returns nonzero to stop every chain at its next iteration.
 * Progress display and signal polling live here, in the caller, not in the library. */
typedef int (*gb_run_monitor)(void *ctx, const gb_run_progress *p);
#define GB_RUN_TICK_MS 50

typedef struct gb_run_config {
    int chains, warmup, draws, threads, max_depth;
    unsigned long seed;
    double adapt_delta;
    int dense_metric;
    int adapt_fisher;   /* nutpie's Fisher-divergence warmup (adapt_fisher.h); 0: Stan's windows */
    double init_radius; /* uniform(-r, r) on the unconstrained scale; Stan's 2 */
    const unsigned char *keep; /* per model output column: 1 keep every draw, 0 summarise it
                                  by streaming (stream.h); NULL keeps every column */
    gb_run_monitor monitor;    /* NULL: none */
    void *monitor_ctx;
    gb_sampler_record record; /* the kinds' records of each kept draw (sampler.h); NULL: none */
    void *record_ctx;
    int chain; /* set by gb_run for each chain's kernel (gb_kernel_new); callers leave it 0 */
    int chain_lo, chain_hi; /* run only chains lo .. hi-1 (a share of the chains: the others stay
                               empty, filled 0); hi 0 runs them all.  A chain's draws depend
                               only on (seed, its index), so the shares add up to the whole run */
    /* data-parallel likelihood (split.h): each chain's log density in split_rows shares on as
       many threads (0 or 1: unsplit), shares share_first .. of share_total (0: split_rows) of
       the job, summed over the job's processes by reduce (NULL: one process) */
    int split_rows, share_first, share_total;
    int sink_only; /* the draws go to the sink alone: gb_draws' rows stay NULL (counts, times
                      and step sizes are kept), so a share of the chains (an MPI rank's) holds
                      no memory for the chains it does not run */
    gb_split_reduce reduce;
    void *reduce_ctx;
} gb_run_config;

/* The sampler's own columns, CmdStan's names, before the model's columns. */
enum { GB_COL_LP, GB_COL_ACCEPT, GB_COL_STEPSIZE, GB_COL_TREEDEPTH, GB_COL_NLEAPFROG,
       GB_COL_DIVERGENT, GB_COL_ENERGY, GB_NSAMPLER_COLS };
extern const char *const gb_sampler_col_names[GB_NSAMPLER_COLS];

/* Receives each draw as it is made (row = GB_NSAMPLER_COLS + kept model columns); called
 * from the chain's thread; returns 0, or -1 to stop the run (an output error). */
typedef int (*gb_draw_sink)(void *ctx, int chain, const double *row);

typedef struct gb_stream gb_stream;

typedef struct gb_draws {
    int nchains;
    size_t ndraws;     /* per chain, as configured */
    size_t ncols;      /* GB_NSAMPLER_COLS + kept model columns */
    size_t *col;       /* model output column of draw column GB_NSAMPLER_COLS + k */
    size_t nstream;    /* model columns summarised by streaming */
    size_t *stream_col;  /* their model output columns */
    gb_stream **stream;  /* per chain, NULL when nstream is 0 */
    size_t *filled;    /* draws made per chain (fewer than ndraws when interrupted) */
    int *iterations;   /* iterations done per chain, warmup included */
    double *warmup_seconds, *sample_seconds; /* per chain, wall clock */
    double *warmup_grads, *sample_grads; /* per chain, sum of n_leapfrog__ (gradients of the
                                            NUTS block; 0 for a model without one) */
    double *rows;      /* chain c, draw d, column k at ((c * ndraws) + d) * ncols + k; NULL
                          with sink_only */
    double *stepsize;  /* per chain, after adaptation */
    int interrupted;
} gb_draws;

void gb_draws_free(gb_draws *d);

/* Runs every chain; *out receives the draws made, also when the monitor stopped the run
 * (GB_EINTERRUPT) or the sink failed (GB_EIO: every chain stops; the sink's owner knows why and
 * reports it).  Other errors are in errs. */
gb_status gb_run(const gb_model *m, const gb_run_config *cfg, gb_draw_sink sink, void *sink_ctx,
                 gb_draws **out, gb_errlist *errs);

#endif
