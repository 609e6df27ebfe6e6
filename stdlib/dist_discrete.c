/* dist_discrete.c - the discrete group's table (see dists.h); the distributions themselves live
 * in dist_disc_binary.c, dist_disc_count.c and dist_disc_cat.c. */
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
