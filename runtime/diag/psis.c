/* psis.c - PSIS-LOO and WAIC (psis.h): the generalized Pareto fit, the smoothing of one
 * observation's importance ratios, and the totals with their standard errors.  Written out here
 * (no library in Debian does it in C); tests/runtime/diag/test_psis.c checks it against numbers
 * R's loo 2.5.1 printed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_machine.h>
#include <gsl/gsl_sort.h>

#include "psis.h"
#include "size.h"

/* loo's gpdfit: min_grid_pts and the prior's scale (Zhang & Stephens 2009, section 4). */
#define GPD_MIN_GRID 30
#define GPD_PRIOR 3.0
/* adjust_k_wip: k-hat shrunk toward 0.5 as if by this many more observations. */
#define GPD_WIP_A 10.0
/* do_psis_i: fewer tail draws than this leave the ratios raw (enough_tail_samples). */
#define PSIS_MIN_TAIL 5

static double log_sum_exp(const double *x, size_t n, size_t stride)
{
    double mx = -INFINITY, s = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i * stride] > mx)
            mx = x[i * stride];
    if (!isfinite(mx))
        return mx;
    for (size_t i = 0; i < n; i++)
        s += exp(x[i * stride] - mx);
    return mx + log(s);
}

/* Profile log-likelihood of theta (lx in loo): with a = -theta, k = mean log1p(a x),
 * log(a / k) - k - 1. */
static double profile_lx(double theta, const double *x, size_t n)
{
    double a = -theta, k = 0;
    for (size_t i = 0; i < n; i++)
        k += log1p(a * x[i]);
    k /= (double)n;
    return log(a / k) - k - 1;
}

void gb_psis_gpdfit(const double *x, size_t n, int wip, double *k_out, double *sigma_out)
{
    size_t M = GPD_MIN_GRID + (size_t)floor(sqrt((double)n));
    /* R's x[floor(N / 4 + 0.5)], 1-based */
    size_t q = (size_t)floor((double)n / 4 + 0.5);
    double xstar = x[q > 0 ? q - 1 : 0];
    /* lt is zeroed only to quiet gcc -O1, which cannot see that M >= GPD_MIN_GRID > 0 */
    double theta[GPD_MIN_GRID + 2048], lt[GPD_MIN_GRID + 2048] = {0};
    if (M > sizeof theta / sizeof theta[0]) /* n above 4 million tail draws: thin the grid */
        M = sizeof theta / sizeof theta[0];
    for (size_t j = 0; j < M; j++) {
        theta[j] = 1 / x[n - 1] + (1 - sqrt((double)M / ((double)j + 0.5))) / GPD_PRIOR / xstar;
        lt[j] = (double)n * profile_lx(theta[j], x, n);
    }
    double lse = log_sum_exp(lt, M, 1), theta_hat = 0;
    for (size_t j = 0; j < M; j++)
        theta_hat += theta[j] * exp(lt[j] - lse);
    double k = 0;
    for (size_t i = 0; i < n; i++)
        k += log1p(-theta_hat * x[i]);
    k /= (double)n;
    double sigma = -k / theta_hat;
    if (wip)
        k = k * (double)n / ((double)n + GPD_WIP_A) + GPD_WIP_A * 0.5 / ((double)n + GPD_WIP_A);
    *k_out = isnan(k) ? INFINITY : k;
    *sigma_out = sigma;
}

/* The generalized Pareto quantile function (qgpd in loo). */
static double qgpd(double p, double k, double sigma)
{
    return sigma * expm1(-k * log1p(-p)) / k;
}

size_t gb_psis_tail_len(size_t S)
{
    double m = fmin(0.2 * (double)S, 3 * sqrt((double)S));
    return (size_t)ceil(m);
}

double gb_psis_k_threshold(size_t S)
{
    return fmin(1 - 1 / log10((double)S), GB_PSIS_K_BAD);
}

double gb_psis_smooth(const double *lr, size_t S, size_t M, double *lw, size_t *perm, double *x)
{
    double mx = -INFINITY, khat = INFINITY;
    for (size_t s = 0; s < S; s++)
        mx = lr[s] > mx ? lr[s] : mx;
    for (size_t s = 0; s < S; s++)
        lw[s] = lr[s] - mx;
    if (M >= PSIS_MIN_TAIL && M < S) {
        gsl_sort_index(perm, lw, 1, S);
        const size_t *tail = perm + (S - M);
        double lo = lw[tail[0]], hi = lw[tail[M - 1]];
        if (!(fabs(hi - lo) < GSL_DBL_EPSILON / 100)) {
            double cutoff = lw[perm[S - M - 1]], ec = exp(cutoff);
            for (size_t j = 0; j < M; j++)
                x[j] = exp(lw[tail[j]]) - ec;
            double k, sigma;
            gb_psis_gpdfit(x, M, 1, &k, &sigma);
            khat = k;
            if (isfinite(k))
                for (size_t j = 0; j < M; j++)
                    lw[tail[j]] = log(qgpd(((double)j + 0.5) / (double)M, k, sigma) + ec);
        }
    }
    for (size_t s = 0; s < S; s++)
        lw[s] = (lw[s] > 0 ? 0 : lw[s]) + mx;
    return khat;
}

/* Sum and sqrt(N var) of a pointwise vector (table_of_estimates in loo). */
static void estimate(const double *v, size_t N, double *sum, double *se)
{
    double m = 0, ss = 0;
    for (size_t i = 0; i < N; i++)
        m += v[i];
    *sum = m;
    m /= (double)N;
    for (size_t i = 0; i < N; i++)
        ss += (v[i] - m) * (v[i] - m);
    *se = N > 1 ? sqrt((double)N * ss / (double)(N - 1)) : NAN;
}

/* Pointwise values of observation i into the columns of pw (N x 5: elpd_loo, p_loo, lpd,
 * p_waic, elpd_waic); returns k-hat. */
typedef struct scratch {
    double *col, *lw, *tail; /* S, S and M doubles */
    size_t *perm;            /* S */
} scratch;

static double observe(const double *ll, size_t S, size_t N, size_t i, size_t M, scratch *w,
                      double *pw)
{
    double *col = w->col, *lw = w->lw;
    for (size_t s = 0; s < S; s++)
        col[s] = -ll[s * N + i];
    double k = gb_psis_smooth(col, S, M, lw, w->perm, w->tail);
    double norm = log_sum_exp(lw, S, 1), mean = 0, ss = 0;
    for (size_t s = 0; s < S; s++) {
        col[s] = ll[s * N + i] + lw[s] - norm;
        mean += ll[s * N + i];
    }
    mean /= (double)S;
    for (size_t s = 0; s < S; s++)
        ss += (ll[s * N + i] - mean) * (ll[s * N + i] - mean);
    double elpd = log_sum_exp(col, S, 1);
    double lpd = log_sum_exp(ll + i, S, N) - log((double)S), pw_ = ss / (double)(S - 1);
    pw[0 * N + i] = elpd;
    pw[1 * N + i] = lpd - elpd;
    pw[2 * N + i] = lpd;
    pw[3 * N + i] = pw_;
    pw[4 * N + i] = lpd - pw_;
    return k;
}

gb_status gb_psis_loo(const double *ll, size_t S, size_t N, gb_psis_result *res, double *khat,
                      double *elpd_i, double *p_loo_i)
{
    if (S < 2 || N < 1)
        return GB_EUSAGE;
    size_t pwn;
    if (gb_size_mul(N, 5, &pwn) != 0 || gb_size_fits_budget(3 * S + pwn, sizeof(double)) != 0)
        return GB_ENOMEM;
    gb_psis_result r;
    memset(&r, 0, sizeof r);
    r.tail_len = gb_psis_tail_len(S);
    scratch w = {malloc(S * sizeof(double)), malloc(S * sizeof(double)),
                 malloc((r.tail_len + 1) * sizeof(double)), malloc(S * sizeof(size_t))};
    double *pw = malloc(pwn * sizeof *pw);
    if (!w.col || !w.lw || !w.tail || !w.perm || !pw) {
        free(w.col), free(w.lw), free(w.tail), free(w.perm), free(pw);
        return GB_ENOMEM;
    }
    for (size_t i = 0; i < N; i++) {
        double k = observe(ll, S, N, i, r.tail_len, &w, pw);
        r.n_ok += k > GB_PSIS_K_OK && k <= GB_PSIS_K_BAD;
        r.n_bad += k > GB_PSIS_K_BAD && k <= GB_PSIS_K_VERY_BAD;
        r.n_very_bad += !(k <= GB_PSIS_K_VERY_BAD);
        if (khat)
            khat[i] = k;
        if (elpd_i)
            elpd_i[i] = pw[i];
        if (p_loo_i)
            p_loo_i[i] = pw[N + i];
    }
    estimate(pw, N, &r.elpd_loo, &r.se_elpd_loo);
    estimate(pw + N, N, &r.p_loo, &r.se_p_loo);
    r.looic = -2 * r.elpd_loo;
    r.se_looic = 2 * r.se_elpd_loo;
    estimate(pw + 3 * N, N, &r.p_waic, &r.se_p_waic);
    estimate(pw + 4 * N, N, &r.elpd_waic, &r.se_elpd_waic);
    r.waic = -2 * r.elpd_waic;
    r.se_waic = 2 * r.se_elpd_waic;
    free(w.col), free(w.lw), free(w.tail), free(w.perm), free(pw);
    *res = r;
    return GB_OK;
}
