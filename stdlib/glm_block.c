/* glm_block.c - eta = alpha + X_blk beta and acc += X_blk' g over a block of rows, the two passes
 * over X of a GLM gradient (issue 25: a gradient should cost one pass over X at memory speed).
 *
 * Both keep the order of the additions of a plain loop over the rows, so the results are bit for
 * bit those of that loop; the speed comes from the shape of the loops.  The default build (-O2,
 * no -march) vectorises only the cheapest loops and keeps sums of small arrays in memory, so the
 * kernels say what they mean with two-double vectors (GCC's and Clang's vector extension, which
 * compiles to SSE2 on x86-64 and to plain scalar code elsewhere): each lane is an IEEE double
 * with the same roundings as scalar code.
 *   - eta: each row's dot product in four partial sums (two vectors), four rows interleaved, so
 *     the adds of different rows overlap instead of waiting on one chain.
 *   - X' g: column chunk by column chunk over the block's rows, a chunk's 8 sums in 4 vector
 *     registers rather than loaded and stored for every row. */
#include <string.h>

#include "glm_block.h"

/* One row's dot product: partial sums s0..s3 over k = 0, 1, 2, 3 (mod 4), the K mod 4 last
 * terms into s0, combined as (s0 + s1) + (s2 + s3). */
static double dot1(const double *x, const double *b, size_t K)
{
    gb_v2d s01 = {0, 0}, s23 = {0, 0};
    size_t k = 0;
    for (; k + 4 <= K; k += 4) {
        s01 += gb_v2d_load(x + k) * gb_v2d_load(b + k);
        s23 += gb_v2d_load(x + k + 2) * gb_v2d_load(b + k + 2);
    }
    double s0 = s01[0];
    for (; k < K; k++)
        s0 += x[k] * b[k];
    return (s0 + s01[1]) + (s23[0] + s23[1]);
}

/* Four rows x, x + K, x + 2K, x + 3K at once, each summed exactly as dot1 sums it; eta[j] =
 * alpha + row j's.  (Each eta is stored as it is made: via a d[4] that the compiler reloaded as
 * one vector, the load waited on four stores it could not forward, half the kernel's time.) */
static void dot4(const double *x, const double *b, size_t K, double alpha, double *eta)
{
    gb_v2d a01 = {0, 0}, a23 = {0, 0}, b01 = {0, 0}, b23 = {0, 0};
    gb_v2d c01 = {0, 0}, c23 = {0, 0}, d01 = {0, 0}, d23 = {0, 0};
    const double *x0 = x, *x1 = x + K, *x2 = x + 2 * K, *x3 = x + 3 * K;
    size_t k = 0;
    for (; k + 4 <= K; k += 4) {
        gb_v2d blo = gb_v2d_load(b + k), bhi = gb_v2d_load(b + k + 2);
        a01 += gb_v2d_load(x0 + k) * blo;
        a23 += gb_v2d_load(x0 + k + 2) * bhi;
        b01 += gb_v2d_load(x1 + k) * blo;
        b23 += gb_v2d_load(x1 + k + 2) * bhi;
        c01 += gb_v2d_load(x2 + k) * blo;
        c23 += gb_v2d_load(x2 + k + 2) * bhi;
        d01 += gb_v2d_load(x3 + k) * blo;
        d23 += gb_v2d_load(x3 + k + 2) * bhi;
    }
    double s0 = a01[0], t0 = b01[0], u0 = c01[0], w0 = d01[0];
    for (; k < K; k++) {
        s0 += x0[k] * b[k];
        t0 += x1[k] * b[k];
        u0 += x2[k] * b[k];
        w0 += x3[k] * b[k];
    }
    eta[0] = alpha + ((s0 + a01[1]) + (a23[0] + a23[1]));
    eta[1] = alpha + ((t0 + b01[1]) + (b23[0] + b23[1]));
    eta[2] = alpha + ((u0 + c01[1]) + (c23[0] + c23[1]));
    eta[3] = alpha + ((w0 + d01[1]) + (d23[0] + d23[1]));
}

void gb_glm_block_eta_portable(const double *x, size_t nb, size_t K, double alpha,
                               const double *beta, double *eta)
{
    size_t i = 0;
    for (; i + 4 <= nb; i += 4)
        dot4(x + i * K, beta, K, alpha, eta + i);
    for (; i < nb; i++)
        eta[i] = alpha + dot1(x + i * K, beta, K);
}

/* acc[k0 .. k0 + 8) += rows' x_ik g_i */
static void xtg8(const double *x, size_t nb, size_t K, const double *g, double *acc)
{
    gb_v2d s0 = gb_v2d_load(acc), s1 = gb_v2d_load(acc + 2), s2 = gb_v2d_load(acc + 4), s3 = gb_v2d_load(acc + 6);
    for (size_t i = 0; i < nb; i++) {
        const double *xi = x + i * K;
        gb_v2d gi = {g[i], g[i]};
        s0 += gb_v2d_load(xi) * gi;
        s1 += gb_v2d_load(xi + 2) * gi;
        s2 += gb_v2d_load(xi + 4) * gi;
        s3 += gb_v2d_load(xi + 6) * gi;
    }
    gb_v2d_store(acc, s0);
    gb_v2d_store(acc + 2, s1);
    gb_v2d_store(acc + 4, s2);
    gb_v2d_store(acc + 6, s3);
}

/* the same for 4, 2 or 1 columns */
static void xtg4(const double *x, size_t nb, size_t K, const double *g, double *acc)
{
    gb_v2d s0 = gb_v2d_load(acc), s1 = gb_v2d_load(acc + 2);
    for (size_t i = 0; i < nb; i++) {
        gb_v2d gi = {g[i], g[i]};
        s0 += gb_v2d_load(x + i * K) * gi;
        s1 += gb_v2d_load(x + i * K + 2) * gi;
    }
    gb_v2d_store(acc, s0);
    gb_v2d_store(acc + 2, s1);
}

static void xtg2(const double *x, size_t nb, size_t K, const double *g, double *acc)
{
    gb_v2d s0 = gb_v2d_load(acc);
    for (size_t i = 0; i < nb; i++) {
        gb_v2d gi = {g[i], g[i]};
        s0 += gb_v2d_load(x + i * K) * gi;
    }
    gb_v2d_store(acc, s0);
}

static void xtg1(const double *x, size_t nb, size_t K, const double *g, double *acc)
{
    double s0 = acc[0];
    for (size_t i = 0; i < nb; i++)
        s0 += x[i * K] * g[i];
    acc[0] = s0;
}

void gb_glm_block_xtg_portable(const double *x, size_t nb, size_t K, const double *g, double *acc)
{
    size_t k = 0;
    for (; k + 8 <= K; k += 8)
        xtg8(x + k, nb, K, g, acc + k);
    if (k + 4 <= K) {
        xtg4(x + k, nb, K, g, acc + k);
        k += 4;
    }
    if (k + 2 <= K) {
        xtg2(x + k, nb, K, g, acc + k);
        k += 2;
    }
    if (k < K)
        xtg1(x + k, nb, K, g, acc + k);
}

#if GB_SIMD_X86
/* ---- AVX2: the same sums, four doubles a vector ----
 *
 * eta: a row's partial sums s0..s3 are the four lanes of one vector (dot4's s01 and s23 side by
 * side).  X' g: each column's sum is still one chain of adds in row order, 4 cycles an add, so
 * a pass over the rows should feed as many columns as the registers hold: up to 6 vectors (24
 * columns) a pass, where the portable code's 8 columns a pass leave the adders idle. */
typedef double v4d __attribute__((vector_size(32)));

static GB_TARGET_AVX2 v4d load4(const double *p)
{
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

static GB_TARGET_AVX2 void store4(double *p, v4d v)
{
    memcpy(p, &v, sizeof v);
}

/* lanes 0..3 of s are the partial sums of k = 0..3 (mod 4); tail terms go into lane 0 */
static GB_TARGET_AVX2 double dot_finish(v4d s, const double *x, const double *b, size_t k,
                                        size_t K)
{
    double s0 = s[0];
    for (; k < K; k++)
        s0 += x[k] * b[k];
    return (s0 + s[1]) + (s[2] + s[3]);
}

static GB_TARGET_AVX2 void dot4_avx2(const double *x, const double *b, size_t K, double alpha,
                                     double *eta)
{
    v4d a = {0, 0, 0, 0}, c = {0, 0, 0, 0}, e = {0, 0, 0, 0}, f = {0, 0, 0, 0};
    const double *x0 = x, *x1 = x + K, *x2 = x + 2 * K, *x3 = x + 3 * K;
    size_t k = 0;
    for (; k + 4 <= K; k += 4) {
        v4d bk = load4(b + k);
        a += load4(x0 + k) * bk;
        c += load4(x1 + k) * bk;
        e += load4(x2 + k) * bk;
        f += load4(x3 + k) * bk;
    }
    eta[0] = alpha + dot_finish(a, x0, b, k, K);
    eta[1] = alpha + dot_finish(c, x1, b, k, K);
    eta[2] = alpha + dot_finish(e, x2, b, k, K);
    eta[3] = alpha + dot_finish(f, x3, b, k, K);
}

GB_TARGET_AVX2 void gb_glm_block_eta_avx2(const double *x, size_t nb, size_t K, double alpha,
                                          const double *beta, double *eta)
{
    size_t i = 0;
    for (; i + 4 <= nb; i += 4)
        dot4_avx2(x + i * K, beta, K, alpha, eta + i);
    for (; i < nb; i++)
        eta[i] = alpha + dot1(x + i * K, beta, K);
}

/* acc[0 .. 4 nv) += rows' x_ik g_i for a constant nv <= 6 (the callers' switch): unrolled, the
 * nv sums stay in registers for the whole pass */
#define XTG_MAXV 6
static inline __attribute__((always_inline)) GB_TARGET_AVX2 void
xtgv(const double *x, size_t nb, size_t K, const double *g, double *acc, int nv)
{
    v4d s[XTG_MAXV];
#pragma GCC unroll 6
    for (int j = 0; j < nv; j++)
        s[j] = load4(acc + 4 * j);
    for (size_t i = 0; i < nb; i++) {
        const double *xi = x + i * K;
        v4d gi = {g[i], g[i], g[i], g[i]};
#pragma GCC unroll 6
        for (int j = 0; j < nv; j++)
            s[j] += load4(xi + 4 * j) * gi;
    }
#pragma GCC unroll 6
    for (int j = 0; j < nv; j++)
        store4(acc + 4 * j, s[j]);
}

static GB_TARGET_AVX2 void xtg_pass(const double *x, size_t nb, size_t K, const double *g,
                                    double *acc, size_t nv)
{
    switch (nv) {
    case 1: xtgv(x, nb, K, g, acc, 1); break;
    case 2: xtgv(x, nb, K, g, acc, 2); break;
    case 3: xtgv(x, nb, K, g, acc, 3); break;
    case 4: xtgv(x, nb, K, g, acc, 4); break;
    case 5: xtgv(x, nb, K, g, acc, 5); break;
    default: xtgv(x, nb, K, g, acc, 6); break;
    }
}

GB_TARGET_AVX2 void gb_glm_block_xtg_avx2(const double *x, size_t nb, size_t K, const double *g,
                                          double *acc)
{
    size_t nv = K / 4, k = 0;
    while (nv > 0) { /* the fewest passes, their widths as even as can be */
        size_t passes = (nv + XTG_MAXV - 1) / XTG_MAXV, n = (nv + passes - 1) / passes;
        xtg_pass(x + k, nb, K, g, acc + k, n);
        k += 4 * n;
        nv -= n;
    }
    if (k + 2 <= K) {
        xtg2(x + k, nb, K, g, acc + k);
        k += 2;
    }
    if (k < K)
        xtg1(x + k, nb, K, g, acc + k);
}
#endif

void gb_glm_block_eta(const double *x, size_t nb, size_t K, double alpha, const double *beta,
                      double *eta)
{
#if GB_SIMD_X86
    if (gb_simd_has_avx2()) {
        gb_glm_block_eta_avx2(x, nb, K, alpha, beta, eta);
        return;
    }
#endif
    gb_glm_block_eta_portable(x, nb, K, alpha, beta, eta);
}

void gb_glm_block_xtg(const double *x, size_t nb, size_t K, const double *g, double *acc)
{
#if GB_SIMD_X86
    if (gb_simd_has_avx2()) {
        gb_glm_block_xtg_avx2(x, nb, K, g, acc);
        return;
    }
#endif
    gb_glm_block_xtg_portable(x, nb, K, g, acc);
}
