/* dist_discrete.c - the discrete group's table (see dists.h); the distributions themselves live
 * in dist_disc_binary.c, dist_disc_count.c and dist_disc_cat.c. */
#include <pthread.h>
#include <stddef.h>

#include "dist_disc.h"
#include "dists.h"

const gb_dist_ops *const gb_dists_discrete[] = {
    &gb_dist_bernoulli,          &gb_dist_bernoulli_logit,
    &gb_dist_binomial,           &gb_dist_binomial_logit,
    &gb_dist_beta_binomial,      &gb_dist_poisson,
    &gb_dist_poisson_log,        &gb_dist_neg_binomial_2,
    &gb_dist_neg_binomial_2_log, &gb_dist_geometric,
    &gb_dist_hypergeometric,     &gb_dist_categorical,
    &gb_dist_categorical_logit,  &gb_dist_uniform_int,
    &gb_dist_ordered_logistic,   NULL,
};

static double lnfact[GSL_SF_FACT_NMAX + 1];
static pthread_once_t lnfact_once = PTHREAD_ONCE_INIT;

static void fill_lnfact(void)
{
    for (unsigned n = 0; n <= GSL_SF_FACT_NMAX; n++) {
        gsl_sf_result r;
        lnfact[n] = gsl_sf_lnfact_e(n, &r) == GSL_SUCCESS ? r.val : NAN;
    }
}

/* dist_disc.h.  pthread_once: chains on several threads may ask first at the same time. */
const double *gb_disc_lnfact_table(void)
{
    pthread_once(&lnfact_once, fill_lnfact);
    return lnfact;
}
