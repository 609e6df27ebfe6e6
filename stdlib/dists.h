/* dists.h - the group tables that stdlib/dists.c joins into one registry.  Each group file
 * defines one NULL-terminated table; adding a distribution means adding it to its group's. */
#ifndef GB_STDLIB_DISTS_H
#define GB_STDLIB_DISTS_H

#include "dist.h"

extern const gb_dist_ops *const gb_dists_continuous[];   /* stdlib/dist_continuous*.c */
extern const gb_dist_ops *const gb_dists_discrete[];     /* stdlib/dist_discrete*.c */
extern const gb_dist_ops *const gb_dists_multivariate[]; /* stdlib/dist_multi*.c */
/* `target += e`'s term (stdlib/dist_target.c); not in the registry */
extern const gb_dist_ops gb_dist_target;

#endif
