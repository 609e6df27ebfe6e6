/* slice.h - univariate slice sampling with stepping out and shrinkage, Neal (2003), "Slice
 * sampling", Annals of Statistics 31(3), sec. 4: fig. 3 (stepping out with the step budget m
 * split at random between the two sides) and fig. 5 (shrinkage).
 *
 * One update of x0 under log density g:
 *   y = g(x0) - Exp(1)                          (the slice level, in log space)
 *   [L, R] = [x0 - w U, x0 - w U + w]; with J = floor(m V), K = m - 1 - J, step L left while
 *   J-- > 0 and g(L) > y, step R right while K-- > 0 and g(R) > y
 *   repeat: x1 ~ U(L, R); accept if g(x1) > y, else shrink [L, R] toward x0 at x1.
 * The walk is exact (leaves the target invariant) for any w and m.  g returning -INFINITY
 * (outside the support) or NaN (treated as -INFINITY) simply ends stepping out / rejects x1.
 *
 * Width adaptation (warmup only): w becomes twice the mean distance |x1 - x0| moved so far in
 * warmup (the "typical size of a slice" that Neal sec. 4.1 recommends for w; the same rule as
 * JAGS's slicer), once GB_SLICE_ADAPT_MIN_STEPS updates have been seen.  Adapting w from the
 * chain's history breaks exactness, so it is done only during warmup; w is fixed afterwards.
 *
 * Shrinkage always ends in exact arithmetic (x0 is in the slice), but a density that is NaN or
 * misbehaving near x0 could make it run for very long: after GB_SLICE_MAX_SHRINK rejections the
 * update gives up, leaves x unchanged and reports it in gb_slice_info.hit_limit.
 *
 * The state is a small public struct so callers can keep arrays of them (one per scalar
 * variable); nothing is allocated.
 */
#ifndef GB_RUNTIME_SAMPLER_SLICE_H
#define GB_RUNTIME_SAMPLER_SLICE_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "status.h"

/* Neal's m: the stepping-out budget, in widths, split between the two sides. */
#define GB_SLICE_MAX_STEP_OUT 100
/* Rejections allowed in the shrinkage loop; each one shrinks [L, R] by a uniform fraction,
 * halving its length on average, so 200 covers a slice 2^-200 times narrower than w. */
#define GB_SLICE_MAX_SHRINK 200
/* Warmup updates seen before the width first adapts. */
#define GB_SLICE_ADAPT_MIN_STEPS 10
/* The initial width when none is given: scale 1 on the unconstrained scale. */
#define GB_SLICE_DEFAULT_WIDTH 1.0

typedef double (*gb_slice_logp)(void *ctx, double x);

typedef struct gb_slice {
    double width;    /* w; read-only to callers, use gb_slice_init */
    double sum_move; /* warmup: sum of |x1 - x0| */
    size_t n_adapt;  /* warmup updates seen */
} gb_slice;

typedef struct gb_slice_info {
    size_t n_evals; /* log-density evaluations this update */
    int hit_limit;  /* 1 when the shrinkage budget ran out (x left unchanged) */
} gb_slice_info;

/* Starts a sampler with width w (finite, > 0; otherwise GB_SLICE_DEFAULT_WIDTH). */
void gb_slice_init(gb_slice *s, double width);

/* One update of *x under logp (ctx borrowed).  `adapt` nonzero during warmup.  GB_ENUMERIC when
 * logp(*x) is not finite (x untouched); otherwise GB_OK, *x holds the new point and *info (may
 * be NULL) what it cost. */
gb_status gb_slice_update(gb_slice *s, gb_slice_logp logp, void *ctx, gsl_rng *r, double *x,
                          int adapt, gb_slice_info *info);

#endif
