/* dist_continuous.c - the continuous univariate group's table (see dists.h); the distributions
 * themselves live in dist_cont_normal.c, dist_cont_positive.c and dist_cont_bounded.c. */
#include <stddef.h>

#include "dist_cont.h"
#include "dists.h"

const gb_dist_ops *const gb_dists_continuous[] = {
    &gb_dist_normal,         &gb_dist_student_t,
    &gb_dist_cauchy,         &gb_dist_double_exponential,
    &gb_dist_logistic,       &gb_dist_skew_normal,
    &gb_dist_exp_mod_normal, &gb_dist_gumbel,
    &gb_dist_lognormal,      &gb_dist_exponential,
    &gb_dist_gamma,          &gb_dist_inv_gamma,
    &gb_dist_weibull,        &gb_dist_frechet,
    &gb_dist_chi_square,     &gb_dist_inv_chi_square,
    &gb_dist_pareto,         &gb_dist_half_normal,
    &gb_dist_half_cauchy,    &gb_dist_half_student_t,
    &gb_dist_beta,           &gb_dist_uniform,
    &gb_dist_von_mises,      &gb_dist_flat,
    &gb_dist_half_flat,      NULL,
};
