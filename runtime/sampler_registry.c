/* sampler_registry.c - the list of sampler kinds, in the order the planner asks them.
 *
 * The order is also the order of updates within an iteration (kinds that are not joint first,
 * then the joint NUTS block): Gibbs before slice before NUTS is what the draws were recorded
 * with.  Each kind is answerable for its own test: discrete latents go to Gibbs, continuous ones
 * to slice when their density is not differentiable in them, to NUTS otherwise.
 *
 * Adding a kind: its file defines `const gb_sampler_ops gb_sampler_NAME`; declare it here and
 * put it in the list.
 */
#include "sampler_registry.h"

extern const gb_sampler_ops gb_sampler_gibbs; /* sampler_gibbs.c */
extern const gb_sampler_ops gb_sampler_slice; /* sampler_slice.c */
extern const gb_sampler_ops gb_sampler_nuts;  /* sampler_nuts.c */

static const gb_sampler_ops *const kinds[] = {
    &gb_sampler_gibbs,
    &gb_sampler_slice,
    &gb_sampler_nuts,
};

const gb_sampler_ops *const *gb_sampler_registry_kinds(size_t *n)
{
    *n = sizeof kinds / sizeof kinds[0];
    return kinds;
}
