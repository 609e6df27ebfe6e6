/* test_glm_block.c - the GLM row-block kernels (stdlib/glm_block.c) against the plain row loop
 * they replace, bit for bit (they keep its order of additions): the dispatching entry points,
 * the portable code and, where the CPU has it, the AVX2 code, over every K up to 52 (all
 * remainders of the 8/4/2-column chunks and of the 4-term dot products, and the AVX2 X' g's one
 * to three passes of up to 6 vectors) and blocks of 0 to 9, 64 and 67 rows; and the three GLMs over several row blocks (N = 0, 1, a block plus an odd
 * remainder) against the same model written as a row loop, value and gradients (Poisson counts
 * below and above the 256 whose log(y!) a call caches). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "dist_multi.h"
#include "glm_block.h"
#include "near.h"

#define MAXN 200
#define MAXK 52

static double xs[MAXN * MAXK], gs[MAXN], bs[MAXK];

static void fill(unsigned long seed)
{
    unsigned long st = seed;
    for (size_t i = 0; i < MAXN * MAXK; i++) {
        st = (48271 * st) % 2147483647;
        xs[i] = 4.0 * ((double)st / 2147483647.0) - 2.0;
    }
    for (size_t i = 0; i < MAXN; i++) {
        st = (48271 * st) % 2147483647;
        gs[i] = (double)st / 2147483647.0 - 0.5;
    }
    for (size_t k = 0; k < MAXK; k++)
        bs[k] = 0.1 * (double)k - 0.9;
}

/* the loops dist_multi_glm.c ran before the kernels: four partial sums per row */
static double ref_eta(const double *x, size_t K, double alpha)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t k = 0;
    for (; k + 4 <= K; k += 4) {
        s0 += x[k] * bs[k];
        s1 += x[k + 1] * bs[k + 1];
        s2 += x[k + 2] * bs[k + 2];
        s3 += x[k + 3] * bs[k + 3];
    }
    for (; k < K; k++)
        s0 += x[k] * bs[k];
    return alpha + ((s0 + s1) + (s2 + s3));
}

static const size_t nbs[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 64, 67};

/* each implementation of the two kernels, and whether this machine runs it */
typedef struct kernels {
    const char *name;
    void (*eta)(const double *, size_t, size_t, double, const double *, double *);
    void (*xtg)(const double *, size_t, size_t, const double *, double *);
    int runs;
} kernels;

static const kernels impls[] = {
    {"dispatched", gb_glm_block_eta, gb_glm_block_xtg, 1},
    {"portable", gb_glm_block_eta_portable, gb_glm_block_xtg_portable, 1},
#if GB_SIMD_X86
    {"avx2", gb_glm_block_eta_avx2, gb_glm_block_xtg_avx2, -1},
#endif
};
enum { NIMPLS = sizeof impls / sizeof impls[0] };

static int impl_runs(const kernels *im)
{
#if GB_SIMD_X86
    if (im->runs < 0)
        return gb_simd_has_avx2();
#endif
    return im->runs;
}

static void test_glm_block_eta_equals_row_loop_bitwise(void **state)
{
    (void)state;
    fill(11);
    for (size_t m = 0; m < NIMPLS; m++)
        for (size_t K = 0; K <= MAXK && impl_runs(&impls[m]); K++)
            for (size_t t = 0; t < sizeof nbs / sizeof nbs[0]; t++) {
                size_t nb = nbs[t];
                double eta[MAXN + 1];
                eta[nb] = 42; /* the kernel writes nb values, no more */
                impls[m].eta(xs, nb, K, 0.3, bs, eta);
                for (size_t i = 0; i < nb; i++)
                    if (eta[i] != ref_eta(xs + i * K, K, 0.3))
                        fail_msg("%s K %zu nb %zu row %zu: eta %.17g, row loop %.17g",
                                 impls[m].name, K, nb, i, eta[i], ref_eta(xs + i * K, K, 0.3));
                assert_true(eta[nb] == 42);
            }
}

static void test_glm_block_xtg_equals_row_loop_bitwise(void **state)
{
    (void)state;
    fill(12);
    for (size_t m = 0; m < NIMPLS; m++)
        for (size_t K = 0; K <= MAXK && impl_runs(&impls[m]); K++)
            for (size_t t = 0; t < sizeof nbs / sizeof nbs[0]; t++) {
                size_t nb = nbs[t];
                double acc[MAXK + 1], ref[MAXK];
                for (size_t k = 0; k < K; k++)
                    acc[k] = ref[k] = 0.25 * (double)k; /* adds to what is there */
                acc[K] = 42;
                impls[m].xtg(xs, nb, K, gs, acc);
                for (size_t i = 0; i < nb; i++)
                    for (size_t k = 0; k < K; k++)
                        ref[k] += xs[i * K + k] * gs[i];
                for (size_t k = 0; k < K; k++)
                    if (acc[k] != ref[k])
                        fail_msg("%s K %zu nb %zu col %zu: %.17g, row loop %.17g", impls[m].name,
                                 K, nb, k, acc[k], ref[k]);
                assert_true(acc[K] == 42);
            }
}

/* The GLMs as a row loop: value, d/dalpha, d/dbeta, d/dsigma (normal), d/dx and d/dy. */
static double ref_glm(int f, const double *y, size_t N, size_t K, double al, double sg, double *ga,
                      double *gb, double *gsg, double *gx, double *gy)
{
    double lp = 0;
    for (size_t i = 0; i < N; i++) {
        double eta = al, g;
        for (size_t k = 0; k < K; k++)
            eta += xs[i * K + k] * bs[k];
        if (f == 0) {
            double z = (y[i] - eta) / sg;
            lp += -0.91893853320467274178 - log(sg) - 0.5 * z * z;
            g = z / sg;
            *gsg += (z * z - 1) / sg;
        } else if (f == 1) {
            lp += y[i] * eta - (eta > 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta)));
            g = y[i] - 1 / (1 + exp(-eta));
        } else {
            lp += y[i] * eta - exp(eta) - lgamma(y[i] + 1);
            g = y[i] - exp(eta);
        }
        *ga += g;
        gy[i] -= g;
        for (size_t k = 0; k < K; k++) {
            gb[k] += xs[i * K + k] * g;
            gx[i * K + k] += bs[k] * g;
        }
    }
    return lp;
}

static void test_glm_block_glms_equal_row_loop_across_blocks(void **state)
{
    (void)state;
    static const gb_dist_ops *const d[3] = {&gb_dist_normal_id_glm, &gb_dist_bernoulli_logit_glm,
                                            &gb_dist_poisson_log_glm};
    static const size_t Ns[] = {0, 1, 2 * GB_GLM_BLOCK_ROWS + 3};
    static const size_t Ks[] = {1, 5, 21};
    fill(13);
    for (int f = 0; f < 3; f++)
        for (size_t a = 0; a < 3; a++)
            for (size_t b = 0; b < 3; b++) {
                size_t N = Ns[a], K = Ks[b];
                double y[MAXN], al = 0.2, sg = 1.3;
                for (size_t i = 0; i < N; i++)
                    y[i] = f == 0   ? gs[i] * 3
                           : f == 1 ? (double)(i % 3 == 0)
                           : i % 2  ? (double)(i % 5)        /* repeated: log(y!) cached */
                                    : 250 + (double)(i % 10); /* past the cache's 256 */
                for (size_t k = 0; k < K; k++)
                    bs[k] = 0.3 * (double)((k % 5) + 1) / (double)K - 0.1;
                static double gx[MAXN * MAXK], rx[MAXN * MAXK];
                double gy[MAXN] = {0}, ry[MAXN] = {0}, gb[MAXK] = {0}, rb[MAXK] = {0};
                double ga = 0, ra = 0, gsg = 0, rsg = 0;
                memset(gx, 0, sizeof gx);
                memset(rx, 0, sizeof rx);
                gb_arg args[5] = {
                    {y, gy, 0}, {xs, gx, 0}, {&al, &ga, 0}, {bs, gb, 0}, {&sg, &gsg, 0}};
                size_t dims[2] = {N, K};
                double lp = d[f]->lpdf(1, args, dims, 0);
                double ref = ref_glm(f, y, N, K, al, sg, &ra, rb, &rsg, rx, ry);
                double tol = 1e-12 * (1 + (double)N);
                assert_near(lp, ref, tol, 1e-13);
                assert_near(ga, ra, tol, 1e-12);
                if (f == 0)
                    assert_near(gsg, rsg, tol, 1e-12);
                for (size_t k = 0; k < K; k++)
                    assert_near(gb[k], rb[k], tol, 1e-12);
                for (size_t i = 0; i < N; i++) {
                    assert_near(gy[i], ry[i], 1e-13, 1e-13);
                    for (size_t k = 0; k < K; k++)
                        assert_near(gx[i * K + k], rx[i * K + k], 1e-13, 1e-13);
                }
            }
}

/* bernoulli_logit_glm as dist_multi_glm.c computed it before its all-binary block path: the
 * portable kernels and this row loop, whose softplus factors are multiplied 256 at a time. */
#define LG_N 600
#define LG_K 5
static double ref_logit(const double *y, const double *x, double al, const double *be,
                        double *ga, double *gb, double *gy)
{
    double lp = 0, prod = 1, logfac = 0, eta[GB_GLM_BLOCK_ROWS], g[GB_GLM_BLOCK_ROWS];
    size_t inblock = 0;
    for (size_t i0 = 0; i0 < LG_N; i0 += GB_GLM_BLOCK_ROWS) {
        size_t nb = LG_N - i0 < GB_GLM_BLOCK_ROWS ? LG_N - i0 : GB_GLM_BLOCK_ROWS;
        gb_glm_block_eta_portable(x + i0 * LG_K, nb, LG_K, al, be, eta);
        for (size_t i = 0; i < nb; i++) {
            const double *yi = y + i0 + i;
            if (!(*yi == 0 || *yi == 1)) {
                g[i] = 0;
                lp += -INFINITY;
                continue;
            }
            double e = eta[i], t = exp(-fabs(e)), p = e >= 0 ? 1 / (1 + t) : t / (1 + t);
            double xx = *yi == 1 ? -e : e;
            g[i] = *yi - p;
            lp += -(xx > 0 ? xx : 0);
            prod *= 1 + t;
            if (++inblock == 256) {
                logfac += log(prod);
                prod = 1;
                inblock = 0;
            }
        }
        for (size_t i = 0; i < nb; i++) {
            *ga += g[i];
            gy[i0 + i] -= g[i];
        }
        gb_glm_block_xtg_portable(x + i0 * LG_K, nb, LG_K, g, gb);
    }
    return lp - (logfac + log(prod));
}

/* The all-binary block path (three passes, masks for branches) gives the bits of the row loop:
 * eta of both signs, exact zeros (alpha 0, zero rows), large |eta|, N past two 256-row factor
 * blocks with a remainder; and a y of 0.5 in one block sends it down the row loop (-inf). */
static void test_glm_block_logit_bitwise_as_row_loop(void **state)
{
    (void)state;
    static double x[LG_N * LG_K], y[LG_N];
    double be[LG_K] = {0.7, -1.1, 0.4, 2.5, -0.3};
    fill(14);
    for (int c = 0; c < 3; c++) {
        double al = c == 0 ? 0 : 0.35;
        for (size_t i = 0; i < LG_N; i++) {
            for (size_t k = 0; k < LG_K; k++)
                x[i * LG_K + k] = i % 7 == 0 ? 0 : xs[(i * LG_K + k) % (MAXN * MAXK)] * (i % 5 + 1);
            y[i] = (double)((i * 7 + i / 3) % 2);
        }
        if (c == 2)
            y[130] = 0.5;
        double gy[LG_N] = {0}, ry[LG_N] = {0}, ga = 0, gb[LG_K] = {0}, ra = 0, rb[LG_K] = {0};
        gb_arg args[4] = {{y, gy, 0}, {x, NULL, 0}, {&al, &ga, 0}, {be, gb, 0}};
        size_t dims[2] = {LG_N, LG_K};
        double lp = gb_dist_bernoulli_logit_glm.lpdf(1, args, dims, 0);
        double ref = ref_logit(y, x, al, be, &ra, rb, ry);
        if (c == 2) {
            assert_true(lp == -INFINITY && ref == -INFINITY);
            continue;
        }
        if (memcmp(&lp, &ref, sizeof lp) != 0 || memcmp(&ga, &ra, sizeof ga) != 0)
            fail_msg("case %d: lp %.17g row loop %.17g, d/dalpha %.17g row loop %.17g", c, lp,
                     ref, ga, ra);
        for (size_t k = 0; k < LG_K; k++)
            if (memcmp(&gb[k], &rb[k], sizeof gb[k]) != 0)
                fail_msg("case %d: d/dbeta %zu %.17g row loop %.17g", c, k, gb[k], rb[k]);
        for (size_t i = 0; i < LG_N; i++)
            if (memcmp(&gy[i], &ry[i], sizeof gy[i]) != 0)
                fail_msg("case %d: d/dy %zu %.17g row loop %.17g", c, i, gy[i], ry[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glm_block_eta_equals_row_loop_bitwise),
        cmocka_unit_test(test_glm_block_xtg_equals_row_loop_bitwise),
        cmocka_unit_test(test_glm_block_glms_equal_row_loop_across_blocks),
        cmocka_unit_test(test_glm_block_logit_bitwise_as_row_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
