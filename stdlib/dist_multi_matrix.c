/* dist_multi_matrix.c - distributions over matrices: lkj_corr_cholesky(eta) over Cholesky factors
 * of K x K correlation matrices and wishart(nu, S) over K x K SPD matrices (Stan Functions
 * Reference, "Cholesky LKJ correlation distribution" and "Wishart distribution").
 *
 * LKJ (Lewandowski, Kurowicka & Joe 2009, eq. 16, the normaliser c_K of det(R)^(eta - 1)):
 *   log c_K = sum_{k=1}^{K-1} [(2 eta - 2 + K - k)(K - k) log 2 + (K - k) lbeta(b_k, b_k)],
 *   b_k = eta + (K - k - 1) / 2,  and with Stan's Jacobian for R = L L'
 *   log p(L) = -log c_K + sum_{i=2}^{K} (K - i + 2 eta - 2) log L_ii   (1-based i).
 * As in Stan only the lower-triangular shape and a positive diagonal are checked, not unit rows.
 * The RNG follows Stan's lkj_corr_cholesky_rng: canonical partial correlations 2 Beta(b, b) - 1
 * assembled column by column.
 *
 * Wishart: log p = (nu - K - 1)/2 log|W| - tr(S^-1 W)/2 - nu K/2 log 2 - nu/2 log|S|
 *                  - log Gamma_K(nu / 2),
 *   d/dW = ((nu - K - 1) W^-1 - S^-1) / 2,  d/dS = (S^-1 W S^-1 - nu S^-1) / 2,
 *   d/dnu = (log|W| - K log 2 - log|S| - sum_{j<K} psi((nu - j) / 2)) / 2;
 * the RNG is Bartlett's decomposition. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "dist_disc.h"
#include "dist_multi.h"

/* -log c_K(eta) and its eta-derivative. */
static double lkj_const(double eta, size_t K, double *deta)
{
    double c = 0, d = 0;
    for (size_t k = 1; k < K; k++) {
        double m = (double)(K - k), b = eta + (m - 1) / 2;
        c += (2 * eta - 2 + m) * m * M_LN2 + m * (2 * gb_disc_lgamma(b) - gb_disc_lgamma(2 * b));
        d += 2 * m * M_LN2 + m * 2 * (gb_disc_digamma(b) - gb_disc_digamma(2 * b));
    }
    *deta = -d;
    return -c;
}

/* 1 if L is lower triangular (upper entries exactly 0) with finite entries, positive diagonal. */
static int is_chol(const double *L, size_t K)
{
    for (size_t r = 0; r < K; r++)
        for (size_t c = 0; c < K; c++) {
            double v = L[r * K + c];
            if (c > r ? v != 0 : !isfinite(v) || (c == r && !(v > 0)))
                return 0;
        }
    return 1;
}

static double lkj_corr_cholesky_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    size_t K = dims ? dims[0] : (size_t)sqrt((double)a[0].stride);
    double lp = 0, c = 0, dc = 0;
    for (size_t i = 0; i < n; i++) {
        const double *L = a[0].val + i * a[0].stride;
        double eta = gb_disc_at(&a[1], i);
        if (!(eta > 0 && eta < INFINITY) || !is_chol(L, K))
            return -INFINITY;
        if (i == 0 || a[1].stride)
            c = lkj_const(eta, K, &dc);
        if (!propto || a[1].adj)
            lp += c;
        double de = dc;
        for (size_t j = 1; j < K; j++) {
            double l = L[j * K + j], coef = (double)K - (double)j + 2 * eta - 3;
            lp += coef * log(l);
            de += 2 * log(l);
            if (a[0].adj)
                a[0].adj[i * a[0].stride + j * K + j] += coef / l;
        }
        gb_disc_add(&a[1], i, de);
    }
    return isnan(lp) ? -INFINITY : lp;
}

static void lkj_draw(gsl_rng *r, double eta, size_t K, double *L)
{
    memset(L, 0, K * K * sizeof *L);
    double b = eta + 0.5 * (double)(K - 1);
    for (size_t c = 0; c < K; c++) {
        b -= 0.5;
        double left = 1; /* 1 - sum of squares so far in row c */
        for (size_t m = 0; m < c; m++)
            left -= L[c * K + m] * L[c * K + m];
        L[c * K + c] = sqrt(left > 0 ? left : 0);
        for (size_t row = c + 1; row < K; row++) {
            double rest = 1;
            for (size_t m = 0; m < c; m++)
                rest -= L[row * K + m] * L[row * K + m];
            double z = 2 * gsl_ran_beta(r, b, b) - 1;
            L[row * K + c] = z * sqrt(rest > 0 ? rest : 0);
        }
    }
}

static void lkj_corr_cholesky_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                                  double *out)
{
    size_t K = dims ? dims[0] : 0;
    for (size_t i = 0; i < n; i++) {
        double eta = gb_disc_at(&p[0], i);
        if (eta > 0 && eta < INFINITY) {
            lkj_draw(r, eta, K, out + i * K * K);
            continue;
        }
        for (size_t e = 0; e < K * K; e++)
            out[i * K * K + e] = NAN;
    }
}

/* Factors the symmetrised A into L and returns log|A| (twice the sum of log L_kk: exact, a
 * power of two), or NAN when A is not SPD. */
static double spd_factor(const double *A, size_t K, double *L)
{
    return 2 * gb_multi_cholesky(A, K, L);
}

/* inv = A^-1 from A's factor L (inv may not alias L). */
static int spd_inverse(const double *L, size_t K, double *inv)
{
    memcpy(inv, L, K * K * sizeof *inv);
    gsl_matrix_view m = gsl_matrix_view_array(inv, K, K);
    return gsl_linalg_cholesky_invert(&m.matrix) == GSL_SUCCESS ? 0 : -1;
}

/* Gradients of one repetition: Si = S^-1, Wl = W's factor, Ws = symmetrised W; t1, t2 scratch. */
static void wishart_grad(const gb_arg *a, size_t i, size_t K, double nu, const double *Si,
                         const double *Wl, const double *Ws, double *t1, double *t2)
{
    if (a[0].adj && spd_inverse(Wl, K, t1) == 0)
        for (size_t e = 0; e < K * K; e++)
            a[0].adj[i * a[0].stride + e] += 0.5 * ((nu - (double)K - 1) * t1[e] - Si[e]);
    if (!a[2].adj)
        return;
    gsl_matrix_const_view S = gsl_matrix_const_view_array(Si, K, K);
    gsl_matrix_const_view W = gsl_matrix_const_view_array(Ws, K, K);
    gsl_matrix_view T1 = gsl_matrix_view_array(t1, K, K), T2 = gsl_matrix_view_array(t2, K, K);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &S.matrix, &W.matrix, 0.0, &T1.matrix);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &T1.matrix, &S.matrix, 0.0, &T2.matrix);
    for (size_t e = 0; e < K * K; e++)
        a[2].adj[i * a[2].stride + e] += 0.5 * (t2[e] - nu * Si[e]);
}

static double wishart_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)propto;
    size_t K = dims ? dims[0] : (size_t)sqrt((double)a[0].stride);
    gb_multi_scratch s;
    double *Sl = gb_multi_scratch_get(&s, 6 * K * K);
    if (!Sl)
        return -INFINITY;
    double *Si = Sl + K * K, *Wl = Si + K * K, *Ws = Wl + K * K, *t1 = Ws + K * K, *t2 = t1 + K * K;
    double lp = 0, ldS = 0, dK = (double)K;
    for (size_t i = 0; i < n && lp > -INFINITY; i++) {
        double nu = gb_disc_at(&a[1], i);
        if ((i == 0 || a[2].stride) &&
            (isnan(ldS = spd_factor(a[2].val + i * a[2].stride, K, Sl)) ||
             spd_inverse(Sl, K, Si) != 0))
            lp = -INFINITY;
        double ldW = spd_factor(a[0].val + i * a[0].stride, K, Wl);
        if (!(nu > dK - 1 && nu < INFINITY) || isnan(ldW) ||
            !gb_multi_symmetrise(a[0].val + i * a[0].stride, K, Ws) || !(lp > -INFINITY)) {
            lp = -INFINITY;
            break;
        }
        double tr = 0, lmg = 0.25 * dK * (dK - 1) * M_LNPI, dnu = 0.5 * (ldW - dK * M_LN2 - ldS);
        for (size_t e = 0; e < K * K; e++)
            tr += Si[e] * Ws[e];
        for (size_t j = 0; j < K; j++) {
            lmg += gb_disc_lgamma(0.5 * (nu - (double)j));
            dnu -= 0.5 * gb_disc_digamma(0.5 * (nu - (double)j));
        }
        lp += 0.5 * (nu - dK - 1) * ldW - 0.5 * tr - 0.5 * nu * dK * M_LN2 - 0.5 * nu * ldS - lmg;
        gb_disc_add(&a[1], i, dnu);
        wishart_grad(a, i, K, nu, Si, Wl, Ws, t1, t2);
    }
    gb_multi_scratch_release(&s);
    return isnan(lp) ? -INFINITY : lp;
}

/* Bartlett: W = (L A)(L A)' with S = L L', A lower triangular, A_jj^2 ~ chi^2(nu - j),
 * A_rc ~ N(0, 1) below the diagonal. */
static void wishart_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims, double *out)
{
    size_t K = dims ? dims[0] : 0;
    gb_multi_scratch s;
    double *Sl = gb_multi_scratch_get(&s, 3 * K * K);
    for (size_t i = 0; i < n; i++) {
        double nu = gb_disc_at(&p[0], i), *W = out + i * K * K;
        if (!Sl || !(nu > (double)K - 1 && nu < INFINITY) ||
            isnan(spd_factor(p[1].val + i * p[1].stride, K, Sl))) {
            for (size_t e = 0; e < K * K; e++)
                W[e] = NAN;
            continue;
        }
        double *A = Sl + K * K, *M = A + K * K;
        for (size_t row = 0; row < K; row++)
            for (size_t c = 0; c < K; c++)
                A[row * K + c] = c < row    ? gsl_ran_gaussian_ziggurat(r, 1.0)
                                 : c == row ? sqrt(gsl_ran_chisq(r, nu - (double)row))
                                            : 0;
        for (size_t row = 0; row < K; row++) /* M = L A, both lower triangular */
            for (size_t c = 0; c < K; c++) {
                double v = 0;
                for (size_t m = c; m <= row; m++)
                    v += Sl[row * K + m] * A[m * K + c];
                M[row * K + c] = c <= row ? v : 0;
            }
        for (size_t row = 0; row < K; row++)
            for (size_t c = 0; c < K; c++) {
                double v = 0;
                for (size_t m = 0; m < K; m++)
                    v += M[row * K + m] * M[c * K + m];
                W[row * K + c] = v;
            }
    }
    gb_multi_scratch_release(&s);
}

const gb_dist_ops gb_dist_lkj_corr_cholesky = {
    .name = "lkj_corr_cholesky",
    .nparams = 1,
    .params = {{"eta", GB_REAL, 0, 0, INFINITY, 1, 1}},
    .variate_rank = 2,
    .size_param = GB_NO_PARAM,
    .support = {GB_SUPPORT_CHOL_CORR, -1, 1, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = lkj_corr_cholesky_lpdf,
    .rng = lkj_corr_cholesky_rng,
    .doc = "LKJ prior on the Cholesky factor L of a K x K correlation matrix, density "
           "proportional to det(L L')^(eta - 1) (eta > 0; eta = 1 uniform over correlations)",
    .example = "L: cholesky_factor_corr[K] ~ lkj_corr_cholesky(2)",
};

const gb_dist_ops gb_dist_wishart = {
    .name = "wishart",
    .nparams = 2,
    .params = {{"nu", GB_REAL, 0, 0, INFINITY, 1, 1}, {"S", GB_REAL, 2, -INFINITY, INFINITY, 1, 1}},
    .variate_rank = 2,
    .size_param = 1,
    .support = {GB_SUPPORT_SPD, -INFINITY, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = wishart_lpdf,
    .rng = wishart_rng,
    .doc = "Wishart over K x K SPD matrices with nu > K - 1 degrees of freedom and SPD scale S; "
           "mean nu S",
    .example = "W ~ wishart(nu, S)",
};
