/* sampler_registry.c - the list of sampler kinds, in the order the planner asks them.
 *
 * The order is also the order of updates within an iteration (kinds that are not joint first,
 * then the joint NUTS block): Gibbs before slice before NUTS is what the draws were recorded
 * with.  Each kind is answerable for its own test: first-order chains of discrete latents go to
 * the chain kind (FFBS), other discrete latents to Gibbs, continuous ones to slice when their
 * density is not differentiable in them, to NUTS otherwise.
 *
 * Adding a kind: its own file defines `const gb_sampler_ops gb_sampler_NAME`, and X(NAME) goes
 * into the one line below, at the place in the order where it should be asked.
 */
#include "sampler_registry.h"

#define KINDS(X) X(chain) X(gibbs) X(slice) X(nuts)

/* sampler_chain.c, sampler_gibbs.c, sampler_slice.c, sampler_nuts.c, ... */
#define DECLARE(name) extern const gb_sampler_ops gb_sampler_##name;
KINDS(DECLARE)

#define ENTRY(name) &gb_sampler_##name,
static const gb_sampler_ops *const kinds[] = {KINDS(ENTRY)};

const gb_sampler_ops *const *gb_sampler_registry_kinds(size_t *n)
{
    *n = sizeof kinds / sizeof kinds[0];
    return kinds;
}
