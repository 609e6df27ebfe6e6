/* dists.c - one registry over the distribution group tables (see dists.h). */
#include "dists.h"

#include <string.h>

static const gb_dist_ops *const *const groups[] = {gb_dists_continuous, gb_dists_discrete,
                                                   gb_dists_multivariate};

size_t gb_dist_count(void)
{
    size_t n = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (size_t i = 0; groups[g][i]; i++)
            n++;
    return n;
}

const gb_dist_ops *gb_dist_at(size_t k)
{
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (size_t i = 0; groups[g][i]; i++)
            if (k-- == 0)
                return groups[g][i];
    return NULL;
}

const gb_dist_ops *gb_dist_find(const char *name)
{
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (size_t i = 0; groups[g][i]; i++) {
            const gb_dist_ops *d = groups[g][i];
            if (strcmp(d->name, name) == 0 || (d->alias && strcmp(d->alias, name) == 0))
                return d;
        }
    return NULL;
}
