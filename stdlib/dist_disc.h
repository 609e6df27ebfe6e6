/* dist_disc.h - the discrete distributions (stdlib/dist_disc_*.c) and the small helpers they
 * share with the multivariate group: reading a strided argument, accumulating an adjoint, the
 * integer checks and the logistic functions in overflow-safe form.  The group table that lists
 * them is stdlib/dist_discrete.c. */
#ifndef GB_STDLIB_DIST_DISC_H
#define GB_STDLIB_DIST_DISC_H

#include <limits.h>
#include <math.h>
#include <stddef.h>

#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

#include "dist.h"

/* Integers travel as doubles, exact up to 2^53; larger "integers" are refused. */
#define GB_DISC_INT_MAX 9007199254740992.0

extern const gb_dist_ops gb_dist_bernoulli, gb_dist_bernoulli_logit, gb_dist_binomial,
    gb_dist_binomial_logit, gb_dist_beta_binomial; /* dist_disc_binary.c */
extern const gb_dist_ops gb_dist_poisson, gb_dist_poisson_log, gb_dist_neg_binomial_2,
    gb_dist_neg_binomial_2_log, gb_dist_geometric, gb_dist_hypergeometric; /* dist_disc_count.c */
extern const gb_dist_ops gb_dist_categorical, gb_dist_categorical_logit, gb_dist_uniform_int,
    gb_dist_ordered_logistic; /* dist_disc_cat.c */

/* Value of argument a in repetition i. */
static inline double gb_disc_at(const gb_arg *a, size_t i)
{
    return a->val[i * a->stride];
}

/* Adds g to a's adjoint for repetition i (stride 0: the one slot receives the sum). */
static inline void gb_disc_add(const gb_arg *a, size_t i, double g)
{
    if (a->adj)
        a->adj[i * a->stride] += g;
}

/* Nonzero when x is an integer in [lo, 2^53]. */
static inline int gb_disc_is_int(double x, double lo)
{
    return x >= lo && x <= GB_DISC_INT_MAX && x == floor(x);
}

/* log(1 + e^x) without overflow or loss for large |x|. */
static inline double gb_disc_softplus(double x)
{
    return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
}

/* 1 / (1 + e^-x) without overflow. */
static inline double gb_disc_inv_logit(double x)
{
    if (x >= 0)
        return 1 / (1 + exp(-x));
    double e = exp(x);
    return e / (1 + e);
}

/* log(1 - e^x) for x <= 0 (Maechler 2012, "Accurately computing log(1 - exp(-|a|))"). */
static inline double gb_disc_log1m_exp(double x)
{
    return x > -M_LN2 ? log(-expm1(x)) : log1p(-exp(x));
}

/* log(n!) for n = 0..GSL_SF_FACT_NMAX: gsl_sf_lnfact_e's values (NaN where it fails), filled
 * once (dist_discrete.c), because each of its calls takes a log and a count model's summed
 * latent calls it for every repetition at every value of every gradient. */
const double *gb_disc_lnfact_table(void);

/* log Gamma(x) for x > 0; NaN if GSL fails (the callers' checks turn it into -INFINITY).
 * Whole x up to 171 (counts) are read from the table of GSL's log((x - 1)!). */
static inline double gb_disc_lgamma(double x)
{
    gsl_sf_result r;
    if (x >= 1 && x <= GSL_SF_FACT_NMAX + 1 && x == floor(x))
        return gb_disc_lnfact_table()[(size_t)x - 1];
    return gsl_sf_lngamma_e(x, &r) == GSL_SUCCESS ? r.val : NAN;
}

/* digamma(x) for x > 0; NaN if GSL fails. */
static inline double gb_disc_digamma(double x)
{
    gsl_sf_result r;
    return gsl_sf_psi_e(x, &r) == GSL_SUCCESS ? r.val : NAN;
}

/* log of the binomial coefficient (n choose k) for integers 0 <= k <= n. */
static inline double gb_disc_lchoose(double n, double k)
{
    gsl_sf_result r;
    if (n <= (double)UINT_MAX && gsl_sf_lnchoose_e((unsigned)n, (unsigned)k, &r) == GSL_SUCCESS)
        return r.val;
    return gb_disc_lgamma(n + 1) - gb_disc_lgamma(k + 1) - gb_disc_lgamma(n - k + 1);
}

#endif
