/* dist_multi.h - the multivariate distributions and GLM shortcuts (stdlib/dist_multi_*.c), and the
 * scratch buffer the matrix ones share.  The group table is stdlib/dist_multi.c.
 *
 * Matrices are row-major K*K blocks; repetition i's block starts at val + i * stride.  A
 * symmetric matrix argument (multi_normal's Sigma, wishart's W and S) is read as (A + A') / 2, so
 * its gradient is the symmetric matrix of partial derivatives and any upstream expression gets the
 * right chain rule. */
#ifndef GB_STDLIB_DIST_MULTI_H
#define GB_STDLIB_DIST_MULTI_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "dist.h"
#include "size.h"

extern const gb_dist_ops gb_dist_multi_normal, gb_dist_multi_normal_cholesky; /* _normal.c */
extern const gb_dist_ops gb_dist_dirichlet, gb_dist_multinomial;              /* _simplex.c */
extern const gb_dist_ops gb_dist_lkj_corr_cholesky, gb_dist_wishart;          /* _matrix.c */
extern const gb_dist_ops gb_dist_bart_prior, gb_dist_cart_prior, gb_dist_cart_class_prior,
    gb_dist_tree_leaves, gb_dist_tree_depth; /* dist_tree.c */
extern const gb_dist_ops gb_dist_normal_id_glm, gb_dist_bernoulli_logit_glm,
    gb_dist_poisson_log_glm; /* _glm.c */

/* The dist interface passes no workspace, so a call needing K*K scratch uses this stack buffer
 * (enough for five 14 x 14 blocks plus vectors) and the heap past it. */
#define GB_MULTI_STACK 1024

typedef struct gb_multi_scratch {
    double stack[GB_MULTI_STACK];
    double *heap;
} gb_multi_scratch;

/* n doubles of scratch, or NULL when n overflows or malloc fails (the caller then returns
 * -INFINITY).  Release with gb_multi_scratch_release. */
static inline double *gb_multi_scratch_get(gb_multi_scratch *s, size_t n)
{
    size_t bytes;
    s->heap = NULL;
    if (n <= GB_MULTI_STACK)
        return s->stack;
    if (gb_size_mul(n, sizeof(double), &bytes) != 0)
        return NULL;
    s->heap = malloc(bytes);
    return s->heap;
}

static inline void gb_multi_scratch_release(gb_multi_scratch *s)
{
    free(s->heap);
    s->heap = NULL;
}

/* Factors (A + A') / 2 of the K x K block A into its lower Cholesky factor in L (K * K); returns
 * sum_i log L_ii, half of log |A|, or NAN when A is not finite and positive definite
 * (dist_multi_normal.c). */
double gb_multi_cholesky(const double *A, size_t K, double *L);

/* Copies (A + A') / 2 of the K x K block A into out; returns 0 if an entry is not finite. */
static inline int gb_multi_symmetrise(const double *A, size_t K, double *out)
{
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++) {
            double v = 0.5 * (A[i * K + j] + A[j * K + i]);
            if (!isfinite(v))
                return 0;
            out[i * K + j] = v;
        }
    return 1;
}

#endif
