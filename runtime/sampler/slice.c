/* slice.c - univariate slice sampling with stepping out and shrinkage (Neal 2003, sec. 4,
 * figs. 3 and 5), with warmup adaptation of the initial width; see slice.h.  Owns nothing.
 */
#include "slice.h"

#include <math.h>

#include <gsl/gsl_randist.h>

void gb_slice_init(gb_slice *s, double width)
{
    s->width = width > 0 && isfinite(width) ? width : GB_SLICE_DEFAULT_WIDTH;
    s->sum_move = 0;
    s->n_adapt = 0;
}

/* g(x), with NaN and +inf mapped to -inf so they never enter a comparison. */
static double eval(gb_slice_logp logp, void *ctx, double x, size_t *n_evals)
{
    ++*n_evals;
    double v = logp(ctx, x);
    return isfinite(v) ? v : -INFINITY;
}

/* Neal fig. 3: step out from [x0 - wU, x0 - wU + w] with budget m split at random. */
static void step_out(const gb_slice *s, gb_slice_logp logp, void *ctx, gsl_rng *r, double x0,
                     double y, double *lo, double *hi, size_t *n_evals)
{
    double w = s->width;
    double left = x0 - w * gsl_rng_uniform(r);
    double right = left + w;
    size_t j = (size_t)floor(GB_SLICE_MAX_STEP_OUT * gsl_rng_uniform(r));
    size_t k = GB_SLICE_MAX_STEP_OUT - 1 - j;
    while (j > 0 && eval(logp, ctx, left, n_evals) > y) {
        left -= w;
        j--;
    }
    while (k > 0 && eval(logp, ctx, right, n_evals) > y) {
        right += w;
        k--;
    }
    *lo = left;
    *hi = right;
}

static void adapt_width(gb_slice *s, double moved)
{
    s->sum_move += moved;
    s->n_adapt++;
    if (s->n_adapt >= GB_SLICE_ADAPT_MIN_STEPS && s->sum_move > 0)
        s->width = 2.0 * s->sum_move / (double)s->n_adapt;
}

gb_status gb_slice_update(gb_slice *s, gb_slice_logp logp, void *ctx, gsl_rng *r, double *x,
                          int adapt, gb_slice_info *info)
{
    size_t n_evals = 0;
    double x0 = *x;
    double g0 = eval(logp, ctx, x0, &n_evals);
    if (g0 == -INFINITY)
        return GB_ENUMERIC;
    double y = g0 - gsl_ran_exponential(r, 1.0);
    double lo, hi;
    step_out(s, logp, ctx, r, x0, y, &lo, &hi, &n_evals);
    /* Neal fig. 5: sample from [lo, hi], shrinking toward x0 on each rejection. */
    int hit_limit = 1;
    double x1 = x0;
    for (int i = 0; i < GB_SLICE_MAX_SHRINK; i++) {
        double cand = lo + gsl_rng_uniform(r) * (hi - lo);
        if (eval(logp, ctx, cand, &n_evals) > y) {
            x1 = cand;
            hit_limit = 0;
            break;
        }
        if (cand < x0)
            lo = cand;
        else
            hi = cand;
    }
    if (adapt && !hit_limit)
        adapt_width(s, fabs(x1 - x0));
    *x = x1;
    if (info) {
        info->n_evals = n_evals;
        info->hit_limit = hit_limit;
    }
    return GB_OK;
}
