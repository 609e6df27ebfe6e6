/* sampler_registry.h - the sampler kinds glassbox knows, in the order the planner asks them
 * (see core/sampler.h).  The registry is the only place that lists them. */
#ifndef GB_RUNTIME_SAMPLER_SAMPLER_REGISTRY_H
#define GB_RUNTIME_SAMPLER_SAMPLER_REGISTRY_H

#include <stddef.h>

#include "sampler.h"

/* The kinds, first asked first; *n receives their count.  Static storage. */
const gb_sampler_ops *const *gb_sampler_registry_kinds(size_t *n);

#endif
