/* dist_target.c - the density behind `target += e` (lang/parser.y desugars the statement to an
 * observed node `target@L:C = 0.0` with `target@L:C ~ target(sum(e))`).  Its log density is its
 * argument, whatever the variate, so the statement adds e to the model's log density and e's
 * gradient is 1.  It is not in the registry: users cannot name it in a `~` statement, and the
 * registry's promises (a normalised density, an RNG that draws the variate) do not hold. */
#include <math.h>

#include "dists.h"

static double target_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double v = a[1].val[i * a[1].stride];
        if (!(v < INFINITY)) /* NaN or +inf: no density; -inf is a zero density */
            return -INFINITY;
        lp += v;
        if (a[1].adj)
            a[1].adj[i * a[1].stride] += 1;
    }
    return lp;
}

/* The variate is always 0: replicates of the statement's node are 0 too. */
static void target_rng(gsl_rng *r, size_t n, const gb_arg *a, const size_t *dims, double *out)
{
    (void)r;
    (void)a;
    (void)dims;
    for (size_t i = 0; i < n; i++)
        out[i] = 0;
}

const gb_dist_ops gb_dist_target = {
    .name = "target",
    .nparams = 1,
    .params = {{"lp", GB_REAL, 0, -INFINITY, INFINITY, 1, 1}},
    .variate_type = GB_REAL,
    .size_param = GB_NO_PARAM,
    .support = {GB_SUPPORT_INTERVAL, -INFINITY, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0},
    .is_target = 1,
    .lpdf = target_lpdf,
    .rng = target_rng,
    .doc = "the term of `target += e`: log density e whatever the variate",
    .example = "target += log_mix(theta, a, b)",
};
