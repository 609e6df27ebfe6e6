/* dist_multi.c - the multivariate group's table (see dists.h): dist_multi_normal.c,
 * dist_multi_simplex.c, dist_multi_matrix.c, the GLM shortcuts of dist_multi_glm.c and the tree
 * priors of dist_tree.c (with their scalar statistics, tree_leaves and tree_depth). */
#include <stddef.h>

#include "dist_multi.h"
#include "dists.h"

const gb_dist_ops *const gb_dists_multivariate[] = {
    &gb_dist_multi_normal,      &gb_dist_multi_normal_cholesky,
    &gb_dist_dirichlet,         &gb_dist_multinomial,
    &gb_dist_lkj_corr_cholesky, &gb_dist_wishart,
    &gb_dist_normal_id_glm,     &gb_dist_bernoulli_logit_glm,
    &gb_dist_poisson_log_glm,   &gb_dist_bart_prior,
    &gb_dist_cart_prior,        &gb_dist_cart_class_prior,
    &gb_dist_tree_leaves,       &gb_dist_tree_depth,       NULL,
};
