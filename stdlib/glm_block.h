/* glm_block.h - the two passes over a block of rows of a design matrix that every GLM gradient
 * makes (stdlib/glm_block.c): the linear predictor eta = alpha + X_blk beta and the gradient
 * X_blk' g.  x is a row-major nb x K block; all pointers are borrowed; no allocation. */
#ifndef GB_STDLIB_GLM_BLOCK_H
#define GB_STDLIB_GLM_BLOCK_H

#include <stddef.h>

/* Rows per block: 64 rows of K = 20 doubles (10 KiB) and their eta and g stay in L1 between the
 * passes. */
#define GB_GLM_BLOCK_ROWS 64

/* eta[i] = alpha + x_i . beta for i < nb.  Each dot product is summed in the same four partial
 * sums, combined as (s0 + s1) + (s2 + s3), whatever nb and whichever row is next to it, so a
 * row's eta does not depend on the blocking. */
void gb_glm_block_eta(const double *x, size_t nb, size_t K, double alpha, const double *beta,
                      double *eta);

/* acc[k] += x_0k g_0, then += x_1k g_1, ... in row order (the same roundings as a loop over the
 * rows), for k < K.  acc must not overlap x or g. */
void gb_glm_block_xtg(const double *x, size_t nb, size_t K, const double *g, double *acc);

#endif
