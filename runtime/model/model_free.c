/* model_free.c - everything a compiled model owns, freed: its tensors and ops, the planner's
 * per-latent plans (gb_model_latent_plan_free), its columns and the prepared likelihoods. */
#include <stdlib.h>

#include "model_int.h"

void gb_model_free(gb_model *m)
{
    if (!m)
        return;
    gb_model_drop_prepared(m);
    for (size_t i = 0; i < m->owned.len; i++)
        free(m->owned.items[i]);
    free(m->owned.items);
    for (size_t k = 0; k < m->lat.len; k++)
        gb_model_latent_plan_free(&m->lat.items[k]);
    free(m->lat.items);
    free(m->terms.items);
    free(m->used);
    for (size_t i = 0; i < m->ncols; i++)
        free(m->colname[i]);
    free(m->colname);
    free(m->colnode);
    free(m->t.items);
    for (size_t q = 0; q < m->ops.len; q++) {
        free(m->ops.items[q].fuse);
        free(m->ops.items[q].group);
    }
    free(m->ops.items);
    free(m->ni);
    free(m->topo);
    free(m->fixed);
    free(m);
}
