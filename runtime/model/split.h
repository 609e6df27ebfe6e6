/* split.h - a data-parallel likelihood (Stan's reduce_sum and map_rect): one evaluation of the
 * log density and its gradient split into S shares of the observations' rows, each share
 * computed on its own work space at the same parameter point, the shares summed.
 *
 * Share k of S evaluates, of every likelihood term of observed data, the repetitions
 * [cnt k / S, cnt (k + 1) / S) (a GLM's rows, a loop's iterations, a vectorised statement's
 * elements); share 0 alone adds the priors, the `target +=` statements, the log-Jacobians and the
 * likelihoods that summarised their data (sufficient statistics: no rows left to split).  Every
 * share computes every deterministic node in full, so a node that needs all rows (a sum over
 * the rows, a quantity mixing rows) is correct in each share; the terms are split, and the
 * gradients of the shares add up to the whole gradient by the chain rule.  What provably needs
 * only the share's part runs over it: a loop's argument ops over its iterations; the row-wise
 * ops (model_rows.c) of a vectorised term's arguments and of the deterministic nodes that feed
 * it and nothing else (mu = a[g] + b * x; y ~ normal(mu, s)) over its rows; a fused normal
 * term's kernel (model_fuse.c) over its rows.  Everything else runs whole in every share.
 *
 * The shares of one process run on a small persistent pool of threads (the caller's thread runs
 * the first); no allocation per evaluation.  The shares' log densities and gradients are summed
 * in share order, then, for a job of several processes (MPI), by the reduce callback, which
 * must give every process the same bits.  So the draws depend on the share count and the
 * summation order only, never on timing: the same share count gives the same draws on every
 * run.  Against the unsplit evaluation they differ in the last bits of the sums.
 *
 * Only the joint NUTS block may be split: a latent updated element by element (Gibbs, slice,
 * summed out) reads its Markov blanket's terms whole, which a share does not hold. */
#ifndef GB_RUNTIME_MODEL_SPLIT_H
#define GB_RUNTIME_MODEL_SPLIT_H

#include <stddef.h>

#include "model.h"
#include "status.h"

typedef struct gb_split gb_split;

/* Sums buf (n doubles) over the processes of the job, giving every process the same bits;
 * returns 0, or -1 on failure (the evaluation is then -INFINITY). */
typedef int (*gb_split_reduce)(void *ctx, double *buf, size_t n);

/* GB_OK when m's likelihood can be split; else GB_EUSAGE at the first latent the split cannot
 * update (one outside the NUTS block), reported in errs.  what names the option
 * ("--split-rows"). */
gb_status gb_split_check(const gb_model *m, const char *what, gb_errlist *errs);

/* A split running shares first .. first + nlocal - 1 of total (nlocal >= 1) on nlocal threads
 * (the caller's and nlocal - 1 of its own), and reduce (NULL: a single process) over the job.
 * Returns GB_OK and *out; GB_ENOMEM when memory or a thread could not be had. */
gb_status gb_split_new(const gb_model *m, size_t nlocal, size_t first, size_t total,
                       gb_split_reduce reduce, void *ctx, gb_split **out);
void gb_split_free(gb_split *sp);

/* From now on gb_model_logp in ws evaluates through sp (NULL: unsplit again).  One work space
 * per split: the split's threads work for that one caller. */
void gb_model_ws_set_split(gb_model_ws *ws, gb_split *sp);

/* The CPU seconds each local share's thread has spent evaluating so far (nlocal values into
 * out): on a shared machine the wall time says more about the other jobs than about the split;
 * the largest share's CPU time per evaluation is the split's critical path on idle cores. */
void gb_split_cpu_seconds(gb_split *sp, double *out);

/* gb_model_logp through the split: the shares' sum, deterministic for a given share count. */
double gb_split_logp(gb_split *sp, gb_model_ws *ws, const double *theta, double *grad);

#endif
