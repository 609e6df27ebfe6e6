/* optimize.h - the posterior mode by quasi-Newton optimisation of the model's log density on the
 * unconstrained scale, from several random starts.
 *
 * Minimises -log p(theta) with GSL's multimin BFGS (gsl_multimin_fdfminimizer_vector_bfgs2,
 * Fletcher's line search), using the model's own gradient.  The MAP estimate leaves out the
 * transforms' log-Jacobians (jacobian = 0): it is the mode of the density of the constrained
 * values, Stan's `optimize` default.  With jacobian = 1 it is the mode on the unconstrained scale,
 * where Stan's `laplace` centres its approximation.  Only continuous parameters that the NUTS
 * block updates can be optimised: discrete ones, and continuous ones the density is not
 * differentiable in, are refused (gb_optimize_check).
 */
#ifndef GB_RUNTIME_SAMPLER_OPTIMIZE_H
#define GB_RUNTIME_SAMPLER_OPTIMIZE_H

#include <stddef.h>

#include "model.h"
#include "status.h"

/* Two starts whose final log densities differ by less than this reached the same mode, for the
 * report: log densities closer than 0.01 are posterior density ratios within 1%. */
#define GB_OPTIMIZE_SAME_LP 0.01

typedef struct gb_optimize_config {
    int starts;         /* random starts, >= 1 */
    unsigned long seed; /* start s draws from the stream gb_rng_new(seed, s) */
    double init_radius; /* starts uniform on (-r, r) per unconstrained coordinate (Stan's 2) */
    int max_iter;       /* BFGS iterations per start */
    int jacobian;       /* 0: MAP (no log-Jacobians); 1: mode on the unconstrained scale */
    const double *init; /* NULL: random starts; else every start from this point (dim doubles,
                           borrowed), e.g. the MAP when looking for the Jacobian's mode */
} gb_optimize_config;

typedef struct gb_optimize_start {
    double lp;        /* log density at the end (up to a constant); -inf when the start failed */
    double grad_norm; /* Euclidean norm of the gradient there */
    int iterations;
    int converged; /* the gradient test passed (not merely out of iterations or progress) */
} gb_optimize_start;

typedef struct gb_optimize_result {
    size_t dim;
    double *theta; /* the best start's end point, unconstrained (dim doubles) */
    double lp;     /* its log density */
    size_t best;   /* its index */
    int nstarts;
    gb_optimize_start *start; /* per start */
    int nagree;               /* starts within GB_OPTIMIZE_SAME_LP of the best log density */
} gb_optimize_result;

/* Refuses (GB_ESEMANTIC, at the node) a model with a latent the optimiser cannot move: a
 * discrete one, or a continuous one whose kind is not the joint gradient block. */
gb_status gb_optimize_check(const gb_model *m, gb_errlist *errs);

/* Runs every start; *out (a new result the caller frees) on success.  Fails (GB_ESEMANTIC) for a
 * model without parameters, (GB_ENUMERIC) when no start found a finite log density; a start whose
 * line search failed counts with its last point.  Errors are in errs. */
gb_status gb_optimize_run(const gb_model *m, const gb_optimize_config *cfg,
                          gb_optimize_result **out, gb_errlist *errs);
void gb_optimize_result_free(gb_optimize_result *r);

#endif
