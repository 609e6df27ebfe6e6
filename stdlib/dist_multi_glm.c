/* dist_multi_glm.c - the GLM shortcuts normal_id_glm(y | x, alpha, beta, sigma),
 * bernoulli_logit_glm(y | x, alpha, beta) and poisson_log_glm(y | x, alpha, beta) (Stan Functions
 * Reference, "Generalized linear models").
 *
 * Convention: y is an N-vector (variate_rank 1), x an N x K row-major matrix, alpha a scalar,
 * beta a K-vector, sigma a scalar; dims = {N, K}.  The runtime calls them once (n = 1) over whole
 * vectors; n > 1 repetitions, at the arguments' strides, also work.  With eta_i = alpha + x_i beta,
 * each row adds its log density and dl/deta_i = g_i, and
 *   d/dalpha += g_i,  d/dbeta_k += x_ik g_i,  d/dx_ik += beta_k g_i  (when x's adj is non-NULL).
 * One streaming pass over X in row blocks that stay in cache (glm_block.c), no allocation: this
 * is the hot path of large regressions. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "dist_disc.h"
#include "dist_multi.h"
#include "glm_block.h"

/* log(sqrt(2 pi)) to 20 significant digits */
#define LOG_SQRT_2PI 0.91893853320467274178

enum glm_family { GLM_NORMAL, GLM_BERNOULLI_LOGIT, GLM_POISSON_LOG };

/* Counts below this have their log(y!) kept for the rest of the call: a Poisson row's log(y!)
 * (GSL's factorial table and one log) cost as much as the rest of its row.  256 covers the
 * usual counts and keeps the cache at 2 KiB on the stack. */
enum { LNFACT_CACHE = 256 };

/* State carried from one row block to the next (see block_lp): the softplus terms' log factors
 * are multiplied in blocks of FAC_BLOCK rows and one log is taken per block; lnfact[y] is
 * log(y!) once a row has needed it, -1 before (it is never negative). */
typedef struct fac_acc {
    double prod, logfac;
    size_t inblock;
    double *lnfact;
} fac_acc;

/* sum_i log(fac_i) as the log of products of FAC_BLOCK factors: each factor is in [1, 2], so a
   block's product stays below 2^256, and one log per block replaces one per row (the log was 40%
   of a logistic regression's gradient).  The product's rounding adds at most ~256 ulp relative
   per block, an absolute 3e-14 in the log: below the rounding of the sum of N terms itself. */
enum { FAC_BLOCK = 256 };

typedef long long v2i __attribute__((vector_size(16))); /* gb_v2d's lanes as bits (masks) */

/* Is every y[i] 0 or 1?  y (1 - y) is +-0 exactly then, and otherwise nonzero or NaN (1 - y is
 * never 0, and where it rounds to 1 the product is y itself), so OR-ing the products' bits less
 * the sign answers without a compare and a branch per row. */
static int all_binary(const double *y, size_t nb)
{
    const gb_v2d one = {1, 1};
    const v2i mag = {INT64_MAX, INT64_MAX};
    v2i bits = {0, 0};
    size_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        gb_v2d yi = gb_v2d_load(y + i);
        bits |= (v2i)(yi * (one - yi)) & mag;
    }
    int ok = (bits[0] | bits[1]) == 0;
    for (; i < nb; i++)
        ok &= (y[i] == 0) | (y[i] == 1);
    return ok;
}

/* block_lp's Bernoulli rows, and glm_rep's sum of g into *galpha, when every y is 0 or 1, in
 * three passes: the exps (a loop of calls
 * with nothing else live across them, so nothing spilled around each), then each row's g and
 * softplus max term in two-double vectors with masks instead of branches (eta's sign and y are
 * coin flips to a branch predictor: the row loop lost a third of its time to them), then the
 * sums in row order.  Each value is computed by the same operations as in the row loop below,
 * selections being exact, so lp, g and fa come out with the same bits. */
static double logit_rows(const double *y, const double *eta, size_t nb, double *g, fac_acc *fa,
                         double lp, double *galpha)
{
    double t[GB_GLM_BLOCK_ROWS], mx[GB_GLM_BLOCK_ROWS];
    for (size_t i = 0; i < nb; i++)
        t[i] = exp(-fabs(eta[i]));
    const gb_v2d one = {1, 1}, zero = {0, 0};
    const v2i sign = {INT64_MIN, INT64_MIN};
    size_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        gb_v2d e = gb_v2d_load(eta + i), ti = gb_v2d_load(t + i), yi = gb_v2d_load(y + i);
        v2i pos = (v2i)(e >= zero);
        gb_v2d num = (gb_v2d)(((v2i)one & pos) | ((v2i)ti & ~pos)); /* e >= 0 ? 1 : t */
        gb_v2d_store(g + i, yi - num / (one + ti));
        gb_v2d x = (gb_v2d)((v2i)e ^ ((v2i)(yi == one) & sign)); /* y == 1 ? -e : e */
        gb_v2d_store(mx + i, -(gb_v2d)((v2i)x & (v2i)(x > zero)));     /* -(x > 0 ? x : 0) */
    }
    for (; i < nb; i++) {
        double e = eta[i], p = e >= 0 ? 1 / (1 + t[i]) : t[i] / (1 + t[i]);
        double x = y[i] == 1 ? -e : e;
        g[i] = y[i] - p;
        mx[i] = -(x > 0 ? x : 0);
    }
    double prod = fa->prod, logfac = fa->logfac, ga = *galpha;
    size_t inblock = fa->inblock;
    for (i = 0; i < nb; i++) { /* three independent chains of adds and multiplies */
        lp += mx[i];
        ga += g[i];
        prod *= 1 + t[i];
        if (++inblock == FAC_BLOCK) {
            logfac += log(prod);
            prod = 1;
            inblock = 0;
        }
    }
    fa->prod = prod;
    fa->logfac = logfac;
    fa->inblock = inblock;
    *galpha = ga;
    return lp;
}

/* Rows [0, nb) of one row block: returns lp plus log p(y_i | eta_i) added row by row (for the
 * Bernoulli, less the softplus logs, which go into *fa) and sets g_i = d/deta_i.  -INFINITY off
 * support.  One loop per family, so each loop body is straight-line code around its one exp. */
static double block_lp(enum glm_family f, const double *y, const double *eta, size_t nb,
                       double sigma, double *g, fac_acc *fa, double lp)
{
    switch (f) {
    case GLM_NORMAL:
        for (size_t i = 0; i < nb; i++) {
            double z = (y[i] - eta[i]) / sigma;
            g[i] = z / sigma;
            lp += -0.5 * z * z;
        }
        return lp;
    case GLM_BERNOULLI_LOGIT:
        for (size_t i = 0; i < nb; i++) {
            if (!(y[i] == 0 || y[i] == 1)) {
                g[i] = 0;
                lp += -INFINITY;
                continue;
            }
            /* one exp serves both: t = e^-|eta|, inv_logit(eta) = 1 / (1 + t) or t / (1 + t),
               softplus(+-eta) = max(+-eta, 0) + log1p(t) */
            double e = eta[i], t = exp(-fabs(e)), p = e >= 0 ? 1 / (1 + t) : t / (1 + t);
            double x = y[i] == 1 ? -e : e;
            g[i] = y[i] - p;
            lp += -(x > 0 ? x : 0);
            fa->prod *= 1 + t; /* softplus's log1p(t) */
            if (++fa->inblock == FAC_BLOCK) {
                fa->logfac += log(fa->prod);
                fa->prod = 1;
                fa->inblock = 0;
            }
        }
        return lp;
    case GLM_POISSON_LOG:
        for (size_t i = 0; i < nb; i++) {
            if (!gb_disc_is_int(y[i], 0) || eta[i] == INFINITY) {
                g[i] = 0;
                lp += -INFINITY;
                continue;
            }
            double mu = exp(eta[i]), lf;
            g[i] = y[i] - mu;
            if (y[i] < LNFACT_CACHE) { /* a count seen before costs no log */
                size_t c = (size_t)y[i];
                if (fa->lnfact[c] < 0)
                    fa->lnfact[c] = gb_disc_lgamma(y[i] + 1);
                lf = fa->lnfact[c];
            } else {
                lf = gb_disc_lgamma(y[i] + 1);
            }
            lp += y[i] * eta[i] - mu - lf;
        }
        return lp;
    }
    return -INFINITY;
}

/* One repetition; args as in the table (sigma only for the normal family).  The rows are taken
 * GB_GLM_BLOCK_ROWS at a time in three passes that stay in L1 (glm_block.h): eta of the block,
 * the family's densities and g, then X_blk' g; the additions keep the order of a row loop. */
static double glm_rep(enum glm_family f, const gb_arg *a, size_t r, size_t N, size_t K)
{
    const double *y = a[0].val + r * a[0].stride, *x = a[1].val + r * a[1].stride;
    const double *be = a[3].val + r * a[3].stride;
    double al = gb_disc_at(&a[2], r), sigma = f == GLM_NORMAL ? gb_disc_at(&a[4], r) : 1;
    double *ya = a[0].adj ? a[0].adj + r * a[0].stride : NULL;
    double *xa = a[1].adj ? a[1].adj + r * a[1].stride : NULL;
    double *ba = a[3].adj ? a[3].adj + r * a[3].stride : NULL;
    if (!isfinite(al) || !(sigma > 0 && sigma < INFINITY))
        return -INFINITY;
    double lp = 0, galpha = 0;
    /* beta's gradient is summed from 0 in a local array when it fits, and added once */
    double local[64];
    double *gb = ba && K <= 64 ? local : ba;
    if (gb == local)
        memset(local, 0, K * sizeof local[0]);
    double lnfact[LNFACT_CACHE];
    fac_acc fa = {1, 0, 0, lnfact};
    if (f == GLM_POISSON_LOG)
        for (size_t c = 0; c < LNFACT_CACHE; c++)
            lnfact[c] = -1;
    double eta[GB_GLM_BLOCK_ROWS], g[GB_GLM_BLOCK_ROWS];
    for (size_t i0 = 0; i0 < N; i0 += GB_GLM_BLOCK_ROWS) {
        size_t nb = N - i0 < GB_GLM_BLOCK_ROWS ? N - i0 : GB_GLM_BLOCK_ROWS;
        const double *xb = x + i0 * K;
        gb_glm_block_eta(xb, nb, K, al, be, eta);
        if (f == GLM_BERNOULLI_LOGIT && all_binary(y + i0, nb)) {
            lp = logit_rows(y + i0, eta, nb, g, &fa, lp, &galpha);
        } else {
            lp = block_lp(f, y + i0, eta, nb, sigma, g, &fa, lp);
            for (size_t i = 0; i < nb; i++)
                galpha += g[i];
        }
        if (ya)
            for (size_t i = 0; i < nb; i++)
                ya[i0 + i] -= g[i];
        if (gb)
            gb_glm_block_xtg(xb, nb, K, g, gb);
        if (xa)
            for (size_t i = 0; i < nb; i++)
                for (size_t k = 0; k < K; k++)
                    xa[(i0 + i) * K + k] += be[k] * g[i];
    }
    if (f == GLM_BERNOULLI_LOGIT)
        lp -= fa.logfac + log(fa.prod);
    if (gb == local)
        for (size_t k = 0; k < K; k++)
            ba[k] += local[k];
    if (f == GLM_NORMAL) {
        /* lp so far is -sum z^2 / 2; d/dsigma = -N / sigma + sum z^2 / sigma */
        gb_disc_add(&a[4], r, (-(double)N - 2 * lp) / sigma);
        lp -= (double)N * log(sigma);
    }
    gb_disc_add(&a[2], r, galpha);
    return lp;
}

static double glm_lpdf(enum glm_family f, size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    if (!dims)
        return -INFINITY;
    size_t N = dims[0], K = dims[1];
    double lp = 0;
    for (size_t r = 0; r < n && lp > -INFINITY; r++)
        lp += glm_rep(f, a, r, N, K);
    if (!(lp > -INFINITY)) /* NaN from non-finite data included */
        return -INFINITY;
    if (f == GLM_NORMAL && !propto)
        lp -= (double)(n * N) * LOG_SQRT_2PI;
    return lp;
}

static double normal_id_glm_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    return glm_lpdf(GLM_NORMAL, n, a, dims, propto);
}

static double bernoulli_logit_glm_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    return glm_lpdf(GLM_BERNOULLI_LOGIT, n, a, dims, propto);
}

static double poisson_log_glm_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    return glm_lpdf(GLM_POISSON_LOG, n, a, dims, propto);
}

/* ---- normal_id_glm from sufficient statistics ----
 *
 * When y and x are data, sum_i (y_i - alpha - x_i beta)^2 is a quadratic in (alpha, beta) whose
 * coefficients can be computed once.  With column means xbar, ybar, the centred cross-product
 * matrix A = Xc'Xc, the least-squares fit bhat = A^-1 Xc'yc and its residual sum of squares
 * RSS0 (summed over the rows, so without cancellation):
 *   RSS(alpha, beta) = RSS0 + (beta - bhat)' A (beta - bhat) + N d^2,  d = ybar - alpha - xbar'beta
 * (the cross terms vanish because centred columns sum to zero).  Every term is a sum of
 * non-negative parts, so nothing cancels, and a gradient costs O(K^2) instead of O(N K).  A is
 * factored by GSL's Cholesky decomposition; collinear columns (A singular) decline, and the
 * streaming pass above is used. */
typedef struct glm_normal_prep {
    size_t N, K;
    double ybar, rss0;
    double *xbar, *bhat, *A; /* K, K, K x K */
} glm_normal_prep;

static void normal_id_glm_free_prepared(void *prep)
{
    glm_normal_prep *p = prep;
    if (!p)
        return;
    free(p->xbar);
    free(p->bhat);
    free(p->A);
    free(p);
}

static void *normal_id_glm_prepare(size_t n, const gb_arg *a, const size_t *dims, unsigned fixed)
{
    if (n != 1 || !dims || (fixed & 3u) != 3u)
        return NULL;
    size_t N = dims[0], K = dims[1];
    /* a win only when the rows outnumber the K x K work per gradient */
    if (K == 0 || N < 4 * K || K > 1000)
        return NULL;
    const double *y = a[0].val, *x = a[1].val;
    glm_normal_prep *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->N = N;
    p->K = K;
    p->xbar = calloc(K, sizeof(double));
    p->bhat = calloc(K, sizeof(double));
    p->A = calloc(K * K, sizeof(double));
    double *c = calloc(K, sizeof(double)), *row = calloc(K, sizeof(double));
    gsl_matrix *L = gsl_matrix_alloc(K, K);
    gsl_vector *rhs = gsl_vector_alloc(K), *sol = gsl_vector_alloc(K);
    int ok = p->xbar && p->bhat && p->A && c && row && L && rhs && sol;
    for (size_t i = 0; ok && i < N; i++) {
        ok = isfinite(y[i]);
        p->ybar += y[i];
        for (size_t k = 0; k < K && ok; k++) {
            ok = isfinite(x[i * K + k]);
            p->xbar[k] += x[i * K + k];
        }
    }
    if (ok) {
        p->ybar /= (double)N;
        for (size_t k = 0; k < K; k++)
            p->xbar[k] /= (double)N;
        /* A = Xc'Xc (upper triangle, mirrored) and c = Xc'yc, from centred rows */
        for (size_t i = 0; i < N; i++) {
            double yc = y[i] - p->ybar;
            for (size_t k = 0; k < K; k++)
                row[k] = x[i * K + k] - p->xbar[k];
            for (size_t k = 0; k < K; k++) {
                c[k] += row[k] * yc;
                for (size_t l = k; l < K; l++)
                    p->A[k * K + l] += row[k] * row[l];
            }
        }
        for (size_t k = 0; k < K; k++)
            for (size_t l = 0; l < k; l++)
                p->A[k * K + l] = p->A[l * K + k];
        for (size_t k = 0; k < K; k++) {
            gsl_vector_set(rhs, k, c[k]);
            for (size_t l = 0; l < K; l++)
                gsl_matrix_set(L, k, l, p->A[k * K + l]);
        }
        /* nearly collinear columns (reciprocal condition number below 1e-10) would make bhat
           large and imprecise: decline */
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        double rcond = 0;
        gsl_vector *work = gsl_vector_alloc(3 * K);
        ok = work && gsl_linalg_cholesky_decomp1(L) == GSL_SUCCESS &&
             gsl_linalg_cholesky_rcond(L, &rcond, work) == GSL_SUCCESS && rcond > 1e-10 &&
             gsl_linalg_cholesky_solve(L, rhs, sol) == GSL_SUCCESS;
        gsl_vector_free(work);
        gsl_set_error_handler(old);
    }
    if (ok) {
        for (size_t k = 0; k < K; k++)
            p->bhat[k] = gsl_vector_get(sol, k);
        for (size_t i = 0; i < N; i++) {
            double r = y[i] - p->ybar;
            for (size_t k = 0; k < K; k++)
                r -= (x[i * K + k] - p->xbar[k]) * p->bhat[k];
            p->rss0 += r * r;
        }
        ok = isfinite(p->rss0);
    }
    free(c);
    free(row);
    gsl_matrix_free(L);
    gsl_vector_free(rhs);
    gsl_vector_free(sol);
    if (!ok) {
        normal_id_glm_free_prepared(p);
        return NULL;
    }
    return p;
}

static double normal_id_glm_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto);

static double normal_id_glm_lpdf_prepared(const void *prep, size_t n, const gb_arg *a,
                                          const size_t *dims, int propto)
{
    const glm_normal_prep *p = prep;
    if (n != 1 || a[0].adj || a[1].adj) /* a gradient for the data is wanted: stream */
        return normal_id_glm_lpdf(n, a, dims, propto);
    size_t N = p->N, K = p->K;
    double al = a[2].val[0], sigma = a[4].val[0];
    const double *be = a[3].val;
    if (!isfinite(al) || !(sigma > 0 && sigma < INFINITY))
        return -INFINITY;
    double d = p->ybar - al, q = 0, e[1000], Ae[1000];
    for (size_t k = 0; k < K; k++) {
        if (!isfinite(be[k]))
            return -INFINITY;
        d -= p->xbar[k] * be[k];
        e[k] = be[k] - p->bhat[k];
    }
    for (size_t k = 0; k < K; k++) {
        double t = 0;
        for (size_t l = 0; l < K; l++)
            t += p->A[k * K + l] * e[l];
        Ae[k] = t;
        q += e[k] * t;
    }
    double rss = p->rss0 + (q > 0 ? q : 0) + (double)N * d * d, s2 = sigma * sigma;
    if (a[2].adj)
        a[2].adj[0] += (double)N * d / s2;
    if (a[3].adj)
        for (size_t k = 0; k < K; k++)
            a[3].adj[k] += ((double)N * d * p->xbar[k] - Ae[k]) / s2;
    if (a[4].adj)
        a[4].adj[0] += rss / (s2 * sigma) - (double)N / sigma;
    double lp = -0.5 * rss / s2 - (double)N * log(sigma);
    if (!propto)
        lp -= (double)N * LOG_SQRT_2PI;
    return lp;
}

/* params: x, alpha, beta (, sigma); out: n blocks of N draws. */
static void glm_rng(enum glm_family f, gsl_rng *rng, size_t n, const gb_arg *p, const size_t *dims,
                    double *out)
{
    size_t N = dims ? dims[0] : 0, K = dims ? dims[1] : 0;
    for (size_t r = 0; r < n; r++) {
        const double *x = p[0].val + r * p[0].stride, *be = p[2].val + r * p[2].stride;
        double al = gb_disc_at(&p[1], r), sigma = f == GLM_NORMAL ? gb_disc_at(&p[3], r) : 1;
        int ok = isfinite(al) && sigma > 0 && sigma < INFINITY;
        for (size_t i = 0; i < N; i++) {
            double eta = al;
            for (size_t k = 0; k < K; k++)
                eta += x[i * K + k] * be[k];
            double *o = out + r * N + i;
            if (!ok || !isfinite(eta))
                *o = NAN;
            else if (f == GLM_NORMAL)
                *o = eta + gsl_ran_gaussian_ziggurat(rng, sigma);
            else if (f == GLM_BERNOULLI_LOGIT)
                *o = gsl_ran_bernoulli(rng, gb_disc_inv_logit(eta));
            else
                *o = gsl_ran_poisson(rng, exp(eta));
        }
    }
}

static void normal_id_glm_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                              double *out)
{
    glm_rng(GLM_NORMAL, r, n, p, dims, out);
}

static void bernoulli_logit_glm_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                                    double *out)
{
    glm_rng(GLM_BERNOULLI_LOGIT, r, n, p, dims, out);
}

static void poisson_log_glm_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                                double *out)
{
    glm_rng(GLM_POISSON_LOG, r, n, p, dims, out);
}

#define X_PARAM                                                                                    \
    {                                                                                              \
        "x", GB_REAL, 2, -INFINITY, INFINITY, 1, 1                                                 \
    }
#define ALPHA_PARAM                                                                                \
    {                                                                                              \
        "alpha", GB_REAL, 0, -INFINITY, INFINITY, 1, 1                                             \
    }
#define BETA_PARAM                                                                                 \
    {                                                                                              \
        "beta", GB_REAL, 1, -INFINITY, INFINITY, 1, 1                                              \
    }

const gb_dist_ops gb_dist_normal_id_glm = {
    .name = "normal_id_glm",
    .nparams = 4,
    .params = {X_PARAM, ALPHA_PARAM, BETA_PARAM, {"sigma", GB_REAL, 0, 0, INFINITY, 1, 1}},
    .variate_rank = 1,
    .size_param = GB_NO_PARAM,
    .support = {GB_SUPPORT_VECTOR, -INFINITY, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = normal_id_glm_lpdf,
    .rng = normal_id_glm_rng,
    .prepare = normal_id_glm_prepare,
    .lpdf_prepared = normal_id_glm_lpdf_prepared,
    .free_prepared = normal_id_glm_free_prepared,
    .doc = "linear regression in one call: y[i] ~ normal(alpha + x[i] * beta, sigma), y an "
           "N-vector, x N x K, beta a K-vector, alpha and sigma scalars",
    .example = "y ~ normal_id_glm(X, alpha, beta, sigma)",
};

const gb_dist_ops gb_dist_bernoulli_logit_glm = {
    .name = "bernoulli_logit_glm",
    .nparams = 3,
    .params = {X_PARAM, ALPHA_PARAM, BETA_PARAM},
    .variate_type = GB_INT,
    .variate_rank = 1,
    .size_param = GB_NO_PARAM,
    .support = {GB_SUPPORT_INT_VECTOR, 0, 1, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = bernoulli_logit_glm_lpdf,
    .rng = bernoulli_logit_glm_rng,
    .doc = "logistic regression in one call: y[i] ~ bernoulli_logit(alpha + x[i] * beta), y an "
           "N-vector of 0/1, x N x K, beta a K-vector, alpha a scalar",
    .example = "y ~ bernoulli_logit_glm(X, alpha, beta)",
};

const gb_dist_ops gb_dist_poisson_log_glm = {
    .name = "poisson_log_glm",
    .nparams = 3,
    .params = {X_PARAM, ALPHA_PARAM, BETA_PARAM},
    .variate_type = GB_INT,
    .variate_rank = 1,
    .size_param = GB_NO_PARAM,
    .support = {GB_SUPPORT_INT_VECTOR, 0, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = poisson_log_glm_lpdf,
    .rng = poisson_log_glm_rng,
    .doc = "Poisson regression in one call: y[i] ~ poisson_log(alpha + x[i] * beta), y an "
           "N-vector of counts, x N x K, beta a K-vector, alpha a scalar",
    .example = "y ~ poisson_log_glm(X, alpha, beta)",
};
