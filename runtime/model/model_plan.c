/* model_plan.c - which sampler kind updates each latent, and where its coordinates live.
 *
 * For each latent, in graph order, the kinds are asked in their order (the registry's, or the
 * list given to gb_model_compile_with) whether they can update it; the first that says yes takes
 * it, with its reason.  This is what `inspect` and `run --explain` print.  Then the continuous
 * latents are laid out: those of joint kinds (NUTS) in the NUTS block theta, the others in the
 * workspace's own coordinate vector; and every latent outside the joint block gets its Markov
 * blanket (model_deps.c), the ops its sampler reruns.  Once the element plans (model_gibbs.c)
 * and chain plans (model_chain.c) are made, the discrete latents are asked about again
 * (gb_model_plan_discrete): a block kind can only take a chain once it is known to be one.
 */
#include <stdlib.h>

#include "model_int.h"

static gb_status ask_kinds(gb_model *m, size_t k, unsigned char *used, gb_errlist *errs)
{
    latent *L = &m->lat.items[k];
    for (size_t i = 0; i < m->nkinds; i++) {
        const char *why = NULL;
        if (m->kinds[i]->can_update(m, k, &why)) {
            L->kind = m->kinds[i];
            L->reason = why ? why : m->kinds[i]->name;
            used[i] = 1;
            return GB_OK;
        }
    }
    const gb_node *n = gb_graph_node(m->g, L->node);
    return gb_error(errs, GB_ESEMANTIC, n->loc, "no sampler can update '%s'", n->name);
}

gb_status gb_model_plan(gb_model *m, gb_errlist *errs)
{
    gb_status rc = gb_model_deps_smooth(m);
    if (rc != GB_OK)
        return rc;
    unsigned char *used = calloc(m->nkinds ? m->nkinds : 1, 1);
    m->used = calloc(m->nkinds ? m->nkinds : 1, sizeof *m->used);
    if (!used || !m->used) {
        free(used);
        return GB_ENOMEM;
    }
    for (size_t k = 0; k < m->lat.len && rc == GB_OK; k++)
        rc = ask_kinds(m, k, used, errs);
    for (size_t i = 0; i < m->nkinds; i++)
        if (used[i])
            m->used[m->nused++] = m->kinds[i];
    free(used);
    m->dim = m->slice_dim = 0;
    for (size_t k = 0; k < m->lat.len && rc == GB_OK; k++) {
        latent *L = &m->lat.items[k];
        if (!L->discrete && L->kind->joint) {
            L->theta0 = m->dim;
            m->dim += L->ntheta;
            continue;
        }
        if (!L->discrete) {
            L->theta0 = m->slice_dim;
            m->slice_dim += L->ntheta;
        }
        rc = gb_model_deps_blanket(m, L);
    }
    return rc;
}

gb_status gb_model_plan_discrete(gb_model *m, gb_errlist *errs)
{
    gb_status rc = gb_model_plan_chains(m);
    unsigned char *used = rc == GB_OK ? calloc(m->nkinds ? m->nkinds : 1, 1) : NULL;
    if (rc != GB_OK || !used)
        return GB_ENOMEM;
    for (size_t k = 0; k < m->lat.len && rc == GB_OK; k++) {
        latent *L = &m->lat.items[k];
        if (L->discrete)
            rc = ask_kinds(m, k, used, errs);
        for (size_t i = 0; i < m->nkinds && !L->discrete; i++)
            used[i] |= m->kinds[i] == L->kind;
    }
    m->nused = 0;
    for (size_t i = 0; i < m->nkinds; i++)
        if (used[i])
            m->used[m->nused++] = m->kinds[i];
    free(used);
    return rc;
}

size_t gb_model_latent_count(const gb_model *m)
{
    return m->lat.len;
}

size_t gb_model_latent_node(const gb_model *m, size_t k)
{
    return m->lat.items[k].node;
}

const gb_sampler_ops *gb_model_latent_kind(const gb_model *m, size_t k)
{
    return m->lat.items[k].kind;
}

const char *gb_model_latent_reason(const gb_model *m, size_t k)
{
    return m->lat.items[k].reason;
}

size_t gb_model_kind_count(const gb_model *m)
{
    return m->nused;
}

const gb_sampler_ops *gb_model_kind(const gb_model *m, size_t i)
{
    return m->used[i];
}

int gb_model_latent_is_discrete(const gb_model *m, size_t k)
{
    return m->lat.items[k].discrete;
}

int gb_model_latent_is_finite(const gb_model *m, size_t k)
{
    return m->lat.items[k].finite;
}

int gb_model_latent_is_smooth(const gb_model *m, size_t k)
{
    return m->lat.items[k].smooth;
}

size_t gb_model_latent_dim(const gb_model *m, size_t k)
{
    const latent *L = &m->lat.items[k];
    return L->discrete ? gb_graph_node(m->g, L->node)->len : L->ntheta;
}
