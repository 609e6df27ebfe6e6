/* dist.h - the interface every distribution in stdlib implements.
 *
 * A distribution is a const table of function pointers with no state (gb_dist_ops).  All values,
 * integer ones included, travel as doubles (exact up to 2^53).  The log density is vectorised:
 * one call sums log p(x_i | theta_i) over n repetitions, each argument given as a pointer and a
 * stride so a scalar parameter is broadcast with stride 0.  Gradients are accumulated (+=) into
 * the adjoint arrays the caller passes, following the same strides (stride 0: one slot that
 * receives the sum).
 *
 * Conventions (Stan's names and parameterisations): normal(mean, sd), gamma(shape, rate), ...
 * Outside the support, or with invalid parameters, the log density is -INFINITY, never NaN.
 */
#ifndef GB_RUNTIME_CORE_DIST_H
#define GB_RUNTIME_CORE_DIST_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#define GB_DIST_MAX_PARAMS 5

/* One argument of a vectorised call: the variate (args[0]) or a parameter (args[1..]). */
typedef struct gb_arg {
    const double *val; /* first element of repetition 0 */
    double *adj;       /* adjoint accumulator (+=), or NULL when this gradient is not wanted */
    size_t stride;     /* doubles between repetitions; 0 = the same value for every repetition */
} gb_arg;

typedef enum gb_vtype { GB_REAL = 0, GB_INT = 1 } gb_vtype;

/* Where the variate lives; it sets the unconstrained transform of a parameter. */
typedef enum gb_support_kind {
    GB_SUPPORT_INTERVAL,  /* scalar in [lower, upper]; bounds may be infinite or come from params */
    GB_SUPPORT_SIMPLEX,   /* vector, positive, sums to 1 */
    GB_SUPPORT_CHOL_CORR, /* lower-triangular Cholesky factor of a correlation matrix */
    GB_SUPPORT_SPD,       /* symmetric positive-definite matrix */
    GB_SUPPORT_VECTOR,    /* unconstrained real vector (multi_normal) */
    GB_SUPPORT_INT_VECTOR /* vector of non-negative integers (multinomial) */
} gb_support_kind;

#define GB_NO_PARAM (-1)

typedef struct gb_support {
    gb_support_kind kind;
    double lower, upper;  /* constant bounds for GB_SUPPORT_INTERVAL (may be -INF / +INF) */
    int lower_param;      /* index into the parameters (0-based, not counting the variate) whose
                             value is the lower bound, or GB_NO_PARAM (uniform: 0, pareto: 0) */
    int upper_param;      /* likewise for the upper bound (uniform: 1, binomial: 0 = N) */
    int upper_param_len;  /* nonzero: the upper bound is the length of parameter upper_param
                             (categorical: 1..K where K = size of theta) */
} gb_support;

typedef struct gb_param_info {
    const char *name;  /* Stan's name: "mu", "sigma", "alpha", ... */
    gb_vtype type;     /* GB_INT parameters must be integers (binomial's N) */
    int rank;          /* 0 scalar, 1 vector, 2 matrix, for one repetition */
    double lower, upper; /* valid range (sigma: (0, inf]); checked by the lpdf, used in messages */
    int open_lower, open_upper; /* nonzero: the bound itself is excluded */
} gb_param_info;

/* Sum over repetitions of log p.  `n` repetitions; `dims` gives the variate's size for
 * multivariate distributions (dims[0] = K for a K-vector, dims[0..1] for a matrix), NULL for
 * scalar ones.  args[0] is the variate, args[1..nparams] the parameters.
 * `propto` nonzero: terms constant in every argument whose adj is NULL may be dropped. */
typedef double (*gb_lpdf_fn)(size_t n, const gb_arg *args, const size_t *dims, int propto);

/* The same log density kept per repetition, for summing discrete latents out (the sum over a
 * label's values needs each repetition's own term): writes out[i] = log p of repetition i, in
 * full (normalising constants kept; -INFINITY outside the support or for invalid parameters,
 * never NaN).  With w non-NULL it also adds w[i] times repetition i's gradient to every adjoint
 * that is non-NULL (stride 0: the one slot receives the sum), in repetition order; repetitions
 * with w[i] == 0 add nothing.  With w NULL the adjoints are not touched. */
typedef void (*gb_lpdf_each_fn)(size_t n, const gb_arg *args, const size_t *dims, const double *w,
                                double *out);

/* Draws n variates into out (n * variate size doubles), parameters as in lpdf (adj ignored). */
typedef void (*gb_rng_fn)(gsl_rng *r, size_t n, const gb_arg *params, const size_t *dims,
                          double *out);

/* log CDF or log complementary CDF at x for one scalar repetition; when dx / dparams are
 * non-NULL the derivatives are written (not accumulated).  NULL in the table when the
 * distribution has no closed-form CDF (truncation is then refused). */
typedef double (*gb_lcdf_fn)(double x, const double *params, double *dx, double *dparams);

typedef struct gb_dist_ops {
    const char *name;          /* "normal" */
    const char *alias;         /* another accepted name ("double_exponential"), or NULL */
    int nparams;
    gb_param_info params[GB_DIST_MAX_PARAMS];
    /* The last noptional parameters may be left out of a call (0: all are required); one left
       out takes defaults[its index] (the others' defaults are not read). */
    int noptional;
    double defaults[GB_DIST_MAX_PARAMS];
    gb_vtype variate_type;     /* GB_INT: discrete */
    int variate_rank;          /* 0 scalar, 1 vector, 2 matrix */
    int size_param;            /* for variate_rank > 0: index of the parameter whose shape gives the
                                  variate's (dirichlet: 0 = alpha), or GB_NO_PARAM when the declared
                                  type gives it (lkj_corr_cholesky) */
    gb_support support;
    int improper;              /* flat / half_flat: no normalising constant exists */
    int is_target;             /* the term of `target += e` (stdlib/dist_target.c): its node is
                                  observed but holds no observation: no pointwise likelihood,
                                  no replicate to draw, no value to report */
    gb_lpdf_fn lpdf;
    gb_rng_fn rng;             /* NULL for improper distributions */
    gb_lcdf_fn lcdf, lccdf;    /* NULL if there is no closed form */
    const char *doc;           /* one line for the reference page: parameterisation and meaning */
    const char *example;       /* an example line in glassbox's language */
    /* Optional, for likelihoods of data.  When the arguments whose bits are set in `fixed` (bit i:
       args[i]) hold the same values at every call, prepare may summarise them once (sufficient
       statistics) and return the summary, or NULL to decline; only the fixed arguments' val may
       be read.  lpdf_prepared then gives the same log density and gradients as lpdf, to rounding,
       from the summary and the other arguments; free_prepared releases the summary. */
    void *(*prepare)(size_t n, const gb_arg *args, const size_t *dims, unsigned fixed);
    double (*lpdf_prepared)(const void *prep, size_t n, const gb_arg *args, const size_t *dims,
                            int propto);
    void (*free_prepared)(void *prep);
    /* Optional: one call for all repetitions where the marginal sum needs per-repetition terms;
       NULL makes the caller call lpdf once per repetition. */
    gb_lpdf_each_fn lpdf_each;
} gb_dist_ops;

/* The registry, implemented in stdlib/dists.c over the group tables of stdlib/dists.h. */
size_t gb_dist_count(void);
const gb_dist_ops *gb_dist_at(size_t i);
/* Looks a distribution up by name or alias; NULL if unknown. */
const gb_dist_ops *gb_dist_find(const char *name);

#endif
