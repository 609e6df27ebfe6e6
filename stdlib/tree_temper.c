/* tree_temper.c - parallel tempering (Geyer 1991; Swendsen & Wang 1986) for a single tree.
 *
 * Bayesian CART's posterior over trees has modes separated by trees of low posterior: a chain
 * that has found one set of splits must prune them one move at a time through worse trees to
 * reach another, so chains started alike settle in different modes.  A replica r with inverse
 * temperature b_r < 1 on the (integrated) marginal likelihood sees a flatter landscape and
 * crosses between modes; exchanges pass its trees down the ladder to replica 0.
 *
 * The extended target is prod_r p(T_r) p(y | T_r)^{b_r} p(mu_r | T_r, y): each replica's leaf
 * values (and NIG's sigma) are drawn from the untempered conditional given its tree, the same for
 * every replica, so they cancel in the exchange ratio and a replica's whole state (tree, leaf
 * values, fit, sigma) moves with its tree.  Hence replica 0 after an exchange already holds leaf
 * values drawn from p(mu | T, y): nothing is redrawn.  The heat enters every structure move
 * through gb_tree_lik_delta_sums (tree_leaf.c).
 *
 * Exchange order: the adjacent pairs bottom up (0-1, 1-2, ...), each a Metropolis step on its
 * own, so a tree can travel several rungs in one sweep.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tree_int.h"

struct gb_tree_ladder {
    size_t r;
    gb_forest **f;               /* r replicas, f[0] the chain's */
    double *heat, *ll;           /* b_r; log p(y | T_r) during an exchange pass */
    size_t *proposed, *accepted; /* r - 1 pairs */
};

void gb_tree_ladder_free(gb_tree_ladder *l)
{
    if (!l)
        return;
    for (size_t i = 0; l->f && i < l->r; i++)
        gb_forest_free(l->f[i]);
    free(l->f);
    free(l->heat);
    free(l->ll);
    free(l->proposed);
    free(l->accepted);
    free(l);
}

static gb_status check(const gb_tree_config *c, size_t replicas, double b_min, gb_errlist *errs)
{
    const char *bad = NULL;
    if (replicas == 0 || replicas > GB_TREE_MAX_REPLICAS)
        bad = "the number of tempering replicas (temps) must be 1 to 64";
    else if (replicas > 1 && c->trees != 1)
        bad = "tempering is for a single tree (Bayesian CART), not a forest";
    else if (replicas > 1 && !(b_min > 0 && b_min < 1))
        bad = "the hottest replica's inverse temperature must be in (0, 1)";
    return bad ? gb_error(errs, GB_EUSAGE, (gb_loc){0}, "%s", bad) : GB_OK;
}

gb_status gb_tree_ladder_new(const gb_tree_data *d, const gb_tree_config *c, size_t replicas,
                             double b_min, gb_tree_ladder **out, gb_errlist *errs)
{
    gb_status st = check(c, replicas, b_min, errs);
    if (st != GB_OK)
        return st;
    gb_tree_ladder *l = calloc(1, sizeof *l);
    if (l) {
        l->f = calloc(replicas, sizeof *l->f);
        l->heat = malloc(replicas * sizeof *l->heat);
        l->ll = malloc(replicas * sizeof *l->ll);
        l->proposed = calloc(replicas, sizeof *l->proposed);
        l->accepted = calloc(replicas, sizeof *l->accepted);
    }
    if (!l || !l->f || !l->heat || !l->ll || !l->proposed || !l->accepted) {
        gb_tree_ladder_free(l);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory making a tempering ladder");
    }
    for (size_t i = 0; i < replicas && st == GB_OK; i++) {
        st = gb_forest_new(d, c, &l->f[i], errs);
        l->r = i + (st == GB_OK);
        /* geometric: b_i = b_min^(i / (R - 1)), so neighbours' ratios are equal */
        l->heat[i] = replicas > 1 ? pow(b_min, (double)i / (double)(replicas - 1)) : 1;
        if (st == GB_OK)
            l->f[i]->heat = l->heat[i];
    }
    if (st != GB_OK) {
        gb_tree_ladder_free(l);
        return st;
    }
    *out = l;
    return GB_OK;
}

/* Exchanges the whole states of two replicas: tree, fit and leaf draws' sigma (see above). */
static void exchange(gb_forest *a, gb_forest *b)
{
    gb_tree t = a->trees[0];
    a->trees[0] = b->trees[0], b->trees[0] = t;
    double *fit = a->fit;
    a->fit = b->fit, b->fit = fit;
    double s = a->sigma, q = a->nig_q;
    a->sigma = b->sigma, a->nig_q = b->nig_q;
    b->sigma = s, b->nig_q = q;
}

gb_status gb_tree_ladder_sweep(gb_tree_ladder *l, gsl_rng *rng, const double *target, double sigma)
{
    for (size_t i = 0; i < l->r; i++) {
        gb_status st = gb_forest_sweep(l->f[i], rng, target, sigma);
        if (st != GB_OK)
            return st;
    }
    if (l->r == 1)
        return GB_OK;
    for (size_t i = 0; i < l->r; i++)
        l->ll[i] = gb_tree_log_lik(l->f[i], 0, target, sigma);
    for (size_t i = 0; i + 1 < l->r; i++) {
        l->proposed[i]++;
        double log_r = (l->heat[i] - l->heat[i + 1]) * (l->ll[i + 1] - l->ll[i]);
        if (!gb_tree_accept(rng, log_r))
            continue;
        l->accepted[i]++;
        exchange(l->f[i], l->f[i + 1]);
        double ll = l->ll[i];
        l->ll[i] = l->ll[i + 1], l->ll[i + 1] = ll;
    }
    return GB_OK;
}

gb_forest *gb_tree_ladder_cold(gb_tree_ladder *l)
{
    return l->f[0];
}

size_t gb_tree_ladder_replicas(const gb_tree_ladder *l)
{
    return l->r;
}

double gb_tree_ladder_heat(const gb_tree_ladder *l, size_t r)
{
    return l->heat[r];
}

void gb_tree_ladder_swap_stats(const gb_tree_ladder *l, size_t r, size_t *proposed,
                               size_t *accepted)
{
    *proposed = l->proposed[r];
    *accepted = l->accepted[r];
}
