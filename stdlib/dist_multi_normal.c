/* dist_multi_normal.c - multi_normal(mu, Sigma) and multi_normal_cholesky(mu, L) over K-vectors
 * (Stan Functions Reference, "Multivariate normal distribution").
 *
 * With Sigma = L L' (GSL's Cholesky), z = L^-1 (y - mu) and a = L^-T z = Sigma^-1 (y - mu):
 *   log p = -K/2 log(2 pi) - sum_i log L_ii - z'z / 2,
 *   d/dy = -a,  d/dmu = a,  d/dSigma = (a a' - Sigma^-1) / 2,  d/dL = tril(a z') - diag(1 / L_ii)
 * (the last from dz = -L^-1 dL z).  A broadcast (stride 0) Sigma is factored once per call and
 * its inverse formed once; L of multi_normal_cholesky is used in place.  Only L's lower triangle
 * is read; its upper triangle gets no gradient. */
#include <math.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "dist_multi.h"

/* log(sqrt(2 pi)) to 20 significant digits */
#define LOG_SQRT_2PI 0.91893853320467274178

double gb_multi_cholesky(const double *Sigma, size_t K, double *L)
{
    if (!gb_multi_symmetrise(Sigma, K, L))
        return NAN;
    gsl_matrix_view m = gsl_matrix_view_array(L, K, K);
    if (gsl_linalg_cholesky_decomp1(&m.matrix) != GSL_SUCCESS)
        return NAN;
    double ld = 0;
    for (size_t i = 0; i < K; i++) {
        if (!(L[i * K + i] > 0))
            return NAN;
        ld += log(L[i * K + i]);
    }
    return ld;
}

/* z = L^-1 (y - mu), a = L^-T z; returns z'z or NAN if y - mu is not finite. */
static double solve(const double *L, size_t K, const double *y, const double *mu, double *z,
                    double *a)
{
    for (size_t k = 0; k < K; k++) {
        z[k] = y[k] - mu[k];
        if (!isfinite(z[k]))
            return NAN;
    }
    gsl_matrix_const_view Lm = gsl_matrix_const_view_array(L, K, K);
    gsl_vector_view zv = gsl_vector_view_array(z, K), av = gsl_vector_view_array(a, K);
    gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, &Lm.matrix, &zv.vector);
    memcpy(a, z, K * sizeof *a);
    gsl_blas_dtrsv(CblasLower, CblasTrans, CblasNonUnit, &Lm.matrix, &av.vector);
    double q = 0;
    for (size_t k = 0; k < K; k++)
        q += z[k] * z[k];
    return q;
}

/* adj -= scale * Sigma^-1, from the factor L (copied into inv, which is overwritten). */
static int sub_inverse(const double *L, size_t K, double *inv, double scale, double *adj)
{
    memcpy(inv, L, K * K * sizeof *inv);
    gsl_matrix_view m = gsl_matrix_view_array(inv, K, K);
    if (gsl_linalg_cholesky_invert(&m.matrix) != GSL_SUCCESS)
        return -1;
    for (size_t e = 0; e < K * K; e++)
        adj[e] -= scale * inv[e];
    return 0;
}

/* y and mu get -a and a; the variate's and the location's adjoints for repetition i. */
static void add_location(const gb_arg *ay, const gb_arg *am, size_t i, const double *a, size_t K)
{
    for (size_t k = 0; k < K; k++) {
        if (ay->adj)
            ay->adj[i * ay->stride + k] -= a[k];
        if (am->adj)
            am->adj[i * am->stride + k] += a[k];
    }
}

static double multi_normal_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    size_t K = dims ? dims[0] : a[0].stride;
    gb_multi_scratch s;
    double *L = gb_multi_scratch_get(&s, 2 * K * K + 2 * K);
    if (!L)
        return -INFINITY;
    double *inv = L + K * K, *z = inv + K * K, *al = z + K;
    double lp = 0, ld = 0;
    double *Sadj = a[2].adj;
    for (size_t i = 0; i < n; i++) {
        const double *Sigma = a[2].val + i * a[2].stride;
        if (i == 0 || a[2].stride)
            ld = gb_multi_cholesky(Sigma, K, L);
        double q = solve(L, K, a[0].val + i * a[0].stride, a[1].val + i * a[1].stride, z, al);
        if (isnan(ld) || isnan(q)) {
            lp = -INFINITY;
            break;
        }
        lp -= 0.5 * q + (propto && !Sadj ? 0 : ld);
        add_location(&a[0], &a[1], i, al, K);
        if (!Sadj)
            continue;
        double *g = Sadj + i * a[2].stride;
        for (size_t r = 0; r < K; r++)
            for (size_t c = 0; c < K; c++)
                g[r * K + c] += 0.5 * al[r] * al[c];
        if (a[2].stride && sub_inverse(L, K, inv, 0.5, g) != 0)
            lp = -INFINITY;
    }
    if (Sadj && !a[2].stride && n > 0 && lp > -INFINITY &&
        sub_inverse(L, K, inv, 0.5 * (double)n, Sadj) != 0)
        lp = -INFINITY;
    gb_multi_scratch_release(&s);
    return lp > -INFINITY && !propto ? lp - (double)(n * K) * LOG_SQRT_2PI : lp;
}

/* The lower triangle of L must be finite with a positive diagonal. */
static double chol_logdet(const double *L, size_t K)
{
    double ld = 0;
    for (size_t r = 0; r < K; r++) {
        for (size_t c = 0; c < r; c++)
            if (!isfinite(L[r * K + c]))
                return NAN;
        if (!(L[r * K + r] > 0 && L[r * K + r] < INFINITY))
            return NAN;
        ld += log(L[r * K + r]);
    }
    return ld;
}

static double multi_normal_cholesky_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    size_t K = dims ? dims[0] : a[0].stride;
    gb_multi_scratch s;
    double *z = gb_multi_scratch_get(&s, 2 * K);
    if (!z)
        return -INFINITY;
    double *al = z + K, lp = 0, ld = 0;
    for (size_t i = 0; i < n; i++) {
        const double *L = a[2].val + i * a[2].stride;
        if (i == 0 || a[2].stride)
            ld = chol_logdet(L, K);
        double q = isnan(ld)
                       ? NAN
                       : solve(L, K, a[0].val + i * a[0].stride, a[1].val + i * a[1].stride, z, al);
        if (isnan(q)) {
            lp = -INFINITY;
            break;
        }
        lp -= 0.5 * q + (propto && !a[2].adj ? 0 : ld);
        add_location(&a[0], &a[1], i, al, K);
        if (!a[2].adj)
            continue;
        double *g = a[2].adj + i * a[2].stride;
        for (size_t r = 0; r < K; r++) {
            for (size_t c = 0; c <= r; c++)
                g[r * K + c] += al[r] * z[c];
            g[r * K + r] -= 1 / L[r * K + r];
        }
    }
    gb_multi_scratch_release(&s);
    return lp > -INFINITY && !propto ? lp - (double)(n * K) * LOG_SQRT_2PI : lp;
}

/* y = mu + L z with z standard normal; NaN when the parameters are invalid. */
static void draw(gsl_rng *r, const double *mu, const double *L, size_t K, double *y)
{
    for (size_t k = 0; k < K; k++)
        y[k] = gsl_ran_gaussian_ziggurat(r, 1.0);
    for (size_t k = K; k-- > 0;) { /* from the bottom, so y[c < k] are still z */
        double v = mu[k];
        for (size_t c = 0; c <= k; c++)
            v += L[k * K + c] * y[c];
        y[k] = v;
    }
}

static void fill_nan(double *y, size_t K)
{
    for (size_t k = 0; k < K; k++)
        y[k] = NAN;
}

static void multi_normal_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims, double *out)
{
    size_t K = dims ? dims[0] : p[0].stride;
    gb_multi_scratch s;
    double *L = gb_multi_scratch_get(&s, K * K);
    for (size_t i = 0; i < n; i++) {
        const double *mu = p[0].val + i * p[0].stride;
        if (L && !isnan(gb_multi_cholesky(p[1].val + i * p[1].stride, K, L)))
            draw(r, mu, L, K, out + i * K);
        else
            fill_nan(out + i * K, K);
    }
    gb_multi_scratch_release(&s);
}

static void multi_normal_cholesky_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                                      double *out)
{
    size_t K = dims ? dims[0] : p[0].stride;
    for (size_t i = 0; i < n; i++) {
        const double *L = p[1].val + i * p[1].stride;
        if (!isnan(chol_logdet(L, K)))
            draw(r, p[0].val + i * p[0].stride, L, K, out + i * K);
        else
            fill_nan(out + i * K, K);
    }
}

const gb_dist_ops gb_dist_multi_normal = {
    .name = "multi_normal",
    .nparams = 2,
    .params = {{"mu", GB_REAL, 1, -INFINITY, INFINITY, 1, 1},
               {"Sigma", GB_REAL, 2, -INFINITY, INFINITY, 1, 1}},
    .variate_rank = 1,
    .size_param = 0,
    .support = {GB_SUPPORT_VECTOR, -INFINITY, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = multi_normal_lpdf,
    .rng = multi_normal_rng,
    .doc = "multivariate normal with mean K-vector mu and covariance Sigma (K x K, symmetric "
           "positive definite; read as (Sigma + Sigma') / 2)",
    .example = "y ~ multi_normal(mu, Sigma)",
};

const gb_dist_ops gb_dist_multi_normal_cholesky = {
    .name = "multi_normal_cholesky",
    .nparams = 2,
    .params = {{"mu", GB_REAL, 1, -INFINITY, INFINITY, 1, 1},
               {"L", GB_REAL, 2, -INFINITY, INFINITY, 1, 1}},
    .variate_rank = 1,
    .size_param = 0,
    .support = {GB_SUPPORT_VECTOR, -INFINITY, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = multi_normal_cholesky_lpdf,
    .rng = multi_normal_cholesky_rng,
    .doc = "multivariate normal with mean mu and covariance L L', L lower triangular with a "
           "positive diagonal (its upper triangle is ignored)",
    .example = "y ~ multi_normal_cholesky(mu, diag_pre_multiply(tau, L_Omega))",
};
