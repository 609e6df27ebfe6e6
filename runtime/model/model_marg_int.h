/* model_marg_int.h - what the two files that sum discrete latents out of the density share:
 * model_marg.c (independent elements, a table of log densities per element and value) and
 * model_marg_chain.c (a first-order chain, potentials for the forward algorithm).  Both set the
 * latent to one pattern of values, run each blanket range's term over its whole batch and read
 * every repetition's log density (one lpdf_each call when the distribution has one), and for the
 * gradient weight each repetition's gradient by its posterior probability.  Not a public header.
 */
#ifndef GB_RUNTIME_MODEL_MODEL_MARG_INT_H
#define GB_RUNTIME_MODEL_MODEL_MARG_INT_H

#include "model_int.h"

/* Allocates L->moff (blanket range k's repetitions start at moff[k]; moff[nranges] = *total)
 * and L->melem (*total entries, for the caller to fill); -1 when out of memory. */
int gb_model_marg_alloc_reps(const gb_model *m, latent *L, size_t *total);

/* Tags the ops of L's blanket ranges as latent k's (mop.marg) and gives the adjoint scratch one
 * repetition's arguments need (*scr, at least 1) and the most repetitions of a term (*reps, at
 * least 1): the workspace the evaluation below uses at L->mscr and L->mout. */
void gb_model_marg_tag(gb_model *m, const latent *L, size_t k, size_t *scr, size_t *reps);

/* Runs blanket range k of L at the latent's current values and writes out[r], repetition r's log
 * density of the range's term (-INFINITY for NaN; -INFINITY for every r when an argument op
 * failed, and 0 returned).  With force 0 or 1 (a step range, L->mcmp[k] set), the range's
 * comparison of the latent is not computed but set to force for every repetition; -1 runs it.
 * With w (one weight a repetition), the range's adjoints are zeroed first, w[r] times
 * repetition r's gradient is added to its arguments' adjoints and the ops are run backward
 * (nothing when the range failed); out is then scratch.  Uses L->mscr; borrows everything.
 * Returns 1 when the range ran. */
int gb_model_marg_range_each(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k,
                             int force, const double *w, double *out);

/* Zeroes the adjoints the ops [a, b) of a blanket range write (their backward pass adds from
 * zero), except those of bc's replaced gathers when bc is not NULL (nothing reads them). */
void gb_model_marg_zero_adj(const gb_model *m, gb_model_ws *ws, size_t a, size_t b,
                            const gb_marg_bcast *bc);

/* Is op q one of bc's replaced gathers? */
static inline int gb_marg_bcast_replaces(const gb_marg_bcast *bc, size_t q)
{
    for (int i = 0; i < 8; i++)
        if (bc->byp[i] == q)
            return 1;
    return 0;
}

/* model_marg_bcast.c: while the table is filled (z one value everywhere), blanket range k's
 * replaced gathers and constant term (L->mbc, planned by gb_model_marg_bcast_plan, -1 when out
 * of memory).  gb_model_marg_bcast_each does what gb_model_marg_range_each does with force -1,
 * bit for bit, or returns -1 and nothing when range k has no such plan or ws->no_bcast is set. */
int gb_model_marg_bcast_plan(const gb_model *m, latent *L);
int gb_model_marg_bcast_each(const gb_model *m, gb_model_ws *ws, const latent *L, size_t k,
                             const double *w, double *out);

/* model_marg_step.c: a scalar latent's step ranges.  A range is one when its argument ops read
 * the latent only through one comparison with a fixed value (i < tau, tau >= x[i] + 1): each
 * repetition's log density then takes two values, and which applies is a step in the latent's
 * value.  gb_model_marg_step_plan, for the support lo .. lo + K - 1, sets L->mcmp (NULL when
 * no range is one), L->mbrk and *work, the summing cost of all ranges (K per repetition of the
 * others, 2 per repetition plus K of a step range); -1 when out of memory.
 * gb_model_marg_step_size is the workspace it needs at L->mstep. */
int gb_model_marg_step_plan(const gb_model *m, latent *L, double lo, size_t K, double *work);
size_t gb_model_marg_step_size(const gb_model *m, const latent *L, size_t reps);
/* Adds to tab[v] (v < L->mK) the step ranges' log density at the latent's value lo + v: each
 * range run twice, its comparison true and false, and summed by breakpoint with prefix sums.
 * A range whose forced run fails is summed value by value instead (the latent moved; the
 * caller restores it). */
void gb_model_marg_step_fill(const gb_model *m, gb_model_ws *ws, const latent *L, double *tab);
/* With tab the posterior weights of the values: adds the step ranges' gradient, repetition r's
 * comparison-true run weighted by the probability that the comparison holds. */
void gb_model_marg_step_grad(const gb_model *m, gb_model_ws *ws, const latent *L,
                             const double *tab);

#endif
