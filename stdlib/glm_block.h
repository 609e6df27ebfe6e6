/* glm_block.h - the two passes over a block of rows of a design matrix that every GLM gradient
 * makes (stdlib/glm_block.c): the linear predictor eta = alpha + X_blk beta and the gradient
 * X_blk' g.  x is a row-major nb x K block; all pointers are borrowed; no allocation. */
#ifndef GB_STDLIB_GLM_BLOCK_H
#define GB_STDLIB_GLM_BLOCK_H

#include <stddef.h>

#include "simd.h"

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

/* The two above choose at each call between these, which give the same bits (the tests check
 * both against a row loop): the portable code (two-double vectors: SSE2 on x86-64, scalar
 * elsewhere) and, where GB_SIMD_X86, four-double AVX2 code, to be called only when
 * gb_simd_has_avx2(). */
void gb_glm_block_eta_portable(const double *x, size_t nb, size_t K, double alpha,
                               const double *beta, double *eta);
void gb_glm_block_xtg_portable(const double *x, size_t nb, size_t K, const double *g,
                               double *acc);
#if GB_SIMD_X86
void gb_glm_block_eta_avx2(const double *x, size_t nb, size_t K, double alpha, const double *beta,
                           double *eta);
void gb_glm_block_xtg_avx2(const double *x, size_t nb, size_t K, const double *g, double *acc);
#endif

#endif
