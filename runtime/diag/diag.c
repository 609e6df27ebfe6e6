/* diag.c - MCMC diagnostics (see diag.h): split chains, rank normalisation, folding, Geyer's
 * initial monotone sequence ESS and R-hat.
 *
 * Source: Vehtari, Gelman, Simpson, Carpenter & Buerkner (2021), Bayesian Analysis 16(2),
 * sections 3-4, transcribed from R's posterior 1.4.0 (R/convergence.R: .ess, .rhat,
 * autocovariance, z_scale, backtransform_ranks, fold_draws, .split_chains, .ess_quantile,
 * should_return_NA).  Where posterior differs from Stan's C++ compute_effective_sample_size we
 * follow posterior, because the reference values in tests/runtime/diag/test_diag.c come from it:
 *   - tau = -1 + 2 * sum(rho[0 .. max_t-1]) + rho[max_t] with max_t the last even lag tried
 *     (Stan sums one lag further and adds the lag after that);
 *   - when the positive-sequence loop never runs (max_t = 0) R's `1:0` indexing makes the sum
 *     rho[0] = 1, so tau = 2; we reproduce that;
 *   - tau is floored at 1 / log10(S) (S = total draws), i.e. ESS <= S log10(S), as both do.
 * Split chains drop the middle draw of an odd-length chain, as posterior does.
 *
 * Autocovariances come from one real FFT of each centred chain zero-padded to at least 2n (GSL
 * mixed-radix; see fft_length): |F|^2 transformed back gives the lag sums; like posterior they are
 * normalised by lag 0 and scaled by the biased variance, so acov_t = sum_i (x_i - m)(x_{i+t} - m)
 * / n (Geyer 1992's "biased" estimate).
 *
 * Owns: one work space (ws) per call, allocated after a memory-budget check and freed before
 * returning.
 */
#include "diag.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>

#include "size.h"

/* posterior's is_constant tolerance: .Machine$double.eps, an absolute bound on max - min. */
#define CONSTANT_TOL DBL_EPSILON
/* Blom's offset in the rank back-transform (r - c) / (S - 2c + 1), Vehtari et al. eq. 14. */
#define RANK_OFFSET 0.375

typedef struct rank_pair {
    double v;
    size_t i;
} rank_pair;

typedef struct ws {
    size_t nchains, ndraws, total; /* the caller's draws */
    size_t m, n;                   /* the matrix handed to ess/rhat: m columns of n draws */
    int split;
    double *sorted; /* total: pooled draws, sorted; quantiles and the median */
    int sorted_ready;
    int argsorted;   /* pairs hold the pooled draws sorted with their places (see sort_pooled) */
    rank_pair *fpairs; /* total: |draw - median| sorted with the draws' places */
    double *buf;         /* m * n, column-major: transformed (split) draws */
    rank_pair *pairs;    /* m * n: ranking */
    size_t nfft;         /* fft_length(n) */
    double *fft;         /* nfft */
    double *acov;        /* n: mean over columns of the autocovariance */
    double *rho;         /* n */
    double *cmean;       /* m */
    const double **cols; /* m */
    gsl_fft_real_wavetable *rwt;
    gsl_fft_halfcomplex_wavetable *hwt;
    gsl_fft_real_workspace *work;
} ws;

static void ws_free(ws *w)
{
    free(w->sorted);
    free(w->fpairs);
    free(w->buf);
    free(w->pairs);
    free(w->fft);
    free(w->acov);
    free(w->rho);
    free(w->cmean);
    free((void *)w->cols);
    if (w->rwt)
        gsl_fft_real_wavetable_free(w->rwt);
    if (w->hwt)
        gsl_fft_halfcomplex_wavetable_free(w->hwt);
    if (w->work)
        gsl_fft_real_workspace_free(w->work);
}

/* The FFT length for the lags 0 .. n-1 of n draws: the smallest even number >= 2n whose prime
 * factors are 2, 3 and 5.  GSL's mixed-radix FFT costs O(L p) for a prime factor p of the length
 * L, so a plain 2n took minutes when n was a large prime (13963, the half-chain of an
 * interrupted run); zero padding beyond 2n - 1 leaves the lag sums unchanged. */
static size_t fft_length(size_t n)
{
    for (size_t len = n > 0 ? 2 * n : 2;; len += 2) {
        size_t r = len;
        while (r % 2 == 0)
            r /= 2;
        while (r % 3 == 0)
            r /= 3;
        while (r % 5 == 0)
            r /= 5;
        if (r == 1)
            return len;
    }
}

/* Validates the arguments and allocates a work space for split (or unsplit) chains. */
static gb_status ws_init(ws *w, const double *const *chains, size_t nchains, size_t ndraws,
                         size_t min_draws, int split)
{
    *w = (ws){0};
    if (!chains || nchains == 0 || ndraws < min_draws)
        return GB_EUSAGE;
    for (size_t c = 0; c < nchains; c++)
        if (!chains[c])
            return GB_EUSAGE;
    size_t total, m, n2;
    /* Per draw: sorted + buf (doubles) and one rank_pair; fft, acov, rho scale with n. */
    const size_t per_draw = 2 * sizeof(double) + 2 * sizeof(rank_pair) + 4 * sizeof(double);
    if (gb_size_mul(nchains, ndraws, &total) || gb_size_mul(nchains, 2, &m) ||
        gb_size_fits_budget(total, per_draw))
        return GB_ENOMEM;
    w->nchains = nchains;
    w->ndraws = ndraws;
    w->total = total;
    w->split = split;
    w->m = split ? m : nchains;
    w->n = split ? ndraws / 2 : ndraws;
    n2 = w->nfft = fft_length(w->n);
    w->sorted = malloc(total * sizeof *w->sorted);
    w->fpairs = malloc(total * sizeof *w->fpairs);
    w->buf = malloc(w->m * w->n * sizeof *w->buf);
    w->pairs = malloc(w->m * w->n * sizeof *w->pairs);
    w->fft = malloc(n2 * sizeof *w->fft);
    w->acov = malloc(w->n * sizeof *w->acov);
    w->rho = malloc(w->n * sizeof *w->rho);
    w->cmean = malloc(w->m * sizeof *w->cmean);
    w->cols = malloc(w->m * sizeof *w->cols);
    w->rwt = gsl_fft_real_wavetable_alloc(n2);
    w->hwt = gsl_fft_halfcomplex_wavetable_alloc(n2);
    w->work = gsl_fft_real_workspace_alloc(n2);
    if (!w->sorted || !w->fpairs || !w->buf || !w->pairs || !w->fft || !w->acov || !w->rho || !w->cmean ||
        !w->cols || !w->rwt || !w->hwt || !w->work) {
        ws_free(w);
        return GB_ENOMEM;
    }
    return GB_OK;
}

/* Mean with R's refinement pass (summary.c: long double sum, then the mean residual). */
static double mean_of(const double *x, size_t n)
{
    long double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    s /= (long double)n;
    long double t = 0;
    for (size_t i = 0; i < n; i++)
        t += x[i] - s;
    return (double)(s + t / (long double)n);
}

/* Sample variance (denominator n - 1) about a given centre. */
static double var_about(const double *x, size_t n, double centre)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - centre) * (x[i] - centre);
    return s / (double)(n - 1);
}

/* posterior's should_return_NA over the m columns: any NaN or infinity, or max - min < eps. */
static int should_return_nan(const double *const *cols, size_t m, size_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t j = 0; j < m; j++)
        for (size_t i = 0; i < n; i++) {
            double v = cols[j][i];
            if (!isfinite(v))
                return 1;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    return !(fabs(hi - lo) >= CONSTANT_TOL);
}

/* Every value finite and max - min below posterior's tolerance (is_constant without the NA). */
static int is_constant(const double *const *cols, size_t m, size_t n)
{
    for (size_t j = 0; j < m; j++)
        for (size_t i = 0; i < n; i++)
            if (!isfinite(cols[j][i]))
                return 0;
    return should_return_nan(cols, m, n);
}

/* Adds the biased autocovariances of one column, lags 0 .. n-1, divided by m, to w->acov. */
static gb_status add_acov(ws *w, const double *x, size_t m)
{
    size_t n = w->n, n2 = w->nfft;
    double mean = mean_of(x, n);
    double varx = var_about(x, n, mean);
    if (varx == 0)
        return GB_OK; /* posterior: a constant chain has zero autocovariance */
    for (size_t i = 0; i < n; i++)
        w->fft[i] = x[i] - mean;
    for (size_t i = n; i < n2; i++)
        w->fft[i] = 0;
    if (gsl_fft_real_transform(w->fft, 1, n2, w->rwt, w->work) != GSL_SUCCESS)
        return GB_ENUMERIC;
    /* Half-complex layout: [r0, r1, i1, r2, i2, ..., r_{n2/2}] for even n2. */
    w->fft[0] *= w->fft[0];
    for (size_t k = 1; 2 * k < n2; k++) {
        double re = w->fft[2 * k - 1], im = w->fft[2 * k];
        w->fft[2 * k - 1] = re * re + im * im;
        w->fft[2 * k] = 0;
    }
    w->fft[n2 - 1] *= w->fft[n2 - 1];
    if (gsl_fft_halfcomplex_inverse(w->fft, 1, n2, w->hwt, w->work) != GSL_SUCCESS)
        return GB_ENUMERIC;
    double scale = varx * (double)(n - 1) / (double)n;
    double ac0 = w->fft[0];
    for (size_t t = 0; t < n; t++)
        w->acov[t] += w->fft[t] / ac0 * scale / (double)m;
    return GB_OK;
}

/* posterior's .ess on m columns of n draws (see the file comment for the tau rule). */
static gb_status ess_matrix(ws *w, const double *const *cols, size_t m, size_t n, double *out)
{
    if (n < 3 || should_return_nan(cols, m, n)) {
        *out = NAN;
        return GB_OK;
    }
    for (size_t t = 0; t < n; t++)
        w->acov[t] = 0;
    for (size_t j = 0; j < m; j++) {
        gb_status st = add_acov(w, cols[j], m);
        if (st)
            return st;
        w->cmean[j] = mean_of(cols[j], n);
    }
    double *rho = w->rho, *acov = w->acov;
    double mean_var = acov[0] * (double)n / (double)(n - 1);
    double var_plus = mean_var * (double)(n - 1) / (double)n;
    if (m > 1)
        var_plus += var_about(w->cmean, m, mean_of(w->cmean, m));
    for (size_t t = 0; t < n; t++)
        rho[t] = 0;
    double even = 1, odd = 1 - (mean_var - acov[1]) / var_plus;
    rho[0] = even;
    rho[1] = odd;
    /* Geyer's initial positive sequence: pairs (t, t+1) while their sum stays positive. */
    size_t t = 0;
    while (t + 5 < n && !isnan(even + odd) && even + odd > 0) {
        t += 2;
        even = 1 - (mean_var - acov[t]) / var_plus;
        odd = 1 - (mean_var - acov[t + 1]) / var_plus;
        if (even + odd >= 0) {
            rho[t] = even;
            rho[t + 1] = odd;
        }
    }
    size_t max_t = t;
    if (even > 0)
        rho[max_t] = even;
    /* Geyer's initial monotone sequence. */
    for (t = 2; t + 2 <= max_t; t += 2)
        if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]) {
            rho[t] = (rho[t - 2] + rho[t - 1]) / 2;
            rho[t + 1] = rho[t];
        }
    double sum = 0;
    if (max_t == 0)
        sum = rho[0]; /* R's rho_hat_t[1:0] */
    for (t = 0; t < max_t; t++)
        sum += rho[t];
    double s = (double)m * (double)n;
    double tau = -1 + 2 * sum + rho[max_t];
    double tau_bound = 1 / log10(s);
    if (tau < tau_bound)
        tau = tau_bound;
    *out = s / tau;
    return GB_OK;
}

/* posterior's .rhat on m columns of n draws. */
static double rhat_matrix(ws *w, const double *const *cols, size_t m, size_t n)
{
    if (should_return_nan(cols, m, n))
        return NAN;
    double var_within = 0;
    for (size_t j = 0; j < m; j++) {
        w->cmean[j] = mean_of(cols[j], n);
        var_within += var_about(cols[j], n, w->cmean[j]);
    }
    var_within /= (double)m;
    double var_between = (double)n * var_about(w->cmean, m, mean_of(w->cmean, m));
    return sqrt((var_between / var_within + (double)n - 1) / (double)n);
}

/* What fill() stores for each draw x. */
typedef enum fill_mode { FILL_COPY, FILL_FOLD, FILL_INDICATOR } fill_mode;

/* Writes the (split) draws, transformed, into w->buf and points w->cols at its columns. */
static void fill(ws *w, const double *const *chains, fill_mode mode, double param)
{
    size_t n = w->n, per = w->split ? 2 : 1;
    for (size_t c = 0; c < w->nchains; c++)
        for (size_t h = 0; h < per; h++) {
            /* The second half starts at ndraws - n: an odd chain loses its middle draw. */
            const double *src = chains[c] + (h ? w->ndraws - n : 0);
            double *dst = w->buf + (c * per + h) * n;
            for (size_t i = 0; i < n; i++) {
                double x = src[i];
                dst[i] = mode == FILL_COPY   ? x
                         : mode == FILL_FOLD ? fabs(x - param)
                                             : (double)(x <= param);
            }
        }
    for (size_t j = 0; j < w->m; j++)
        w->cols[j] = w->buf + j * n;
}

/* Points w->cols straight at the caller's (split) chains. */
static void point_at(ws *w, const double *const *chains)
{
    size_t per = w->split ? 2 : 1;
    for (size_t c = 0; c < w->nchains; c++)
        for (size_t h = 0; h < per; h++)
            w->cols[c * per + h] = chains[c] + (h ? w->ndraws - w->n : 0);
}

static int cmp_pair(const void *a, const void *b)
{
    double x = ((const rank_pair *)a)->v, y = ((const rank_pair *)b)->v;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    /* NaN sorts last so the order stays total. */
    if (isnan(x) || isnan(y))
        return isnan(x) - isnan(y);
    return (x > y) - (x < y);
}

/* Counting sort of n pairs whose values are all integers in a span of at most this many: draws
 * of a discrete latent (an HMM's 400 state columns took 11% of a run's instructions in qsort). */
#define COUNT_SPAN 64

/* Sorts p by value.  Integer values spanning at most COUNT_SPAN are counted, places kept in their
 * order within a value (a stable sort: what glibc's merge sort gives, and in any case the ranks
 * and quantiles read only the values' order); anything else goes to qsort. */
static void sort_pairs(rank_pair *p, rank_pair *tmp, size_t n)
{
    double lo = n ? p[0].v : 0, hi = lo;
    for (size_t k = 0; k < n; k++) {
        double v = p[k].v;
        if (!isfinite(v) || v != floor(v) || v - lo >= COUNT_SPAN || hi - v >= COUNT_SPAN)
            goto fallback;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    size_t at[COUNT_SPAN + 1] = {0};
    for (size_t k = 0; k < n; k++)
        at[(size_t)(p[k].v - lo) + 1]++;
    for (size_t b = 1; b <= COUNT_SPAN; b++)
        at[b] += at[b - 1];
    for (size_t k = 0; k < n; k++)
        tmp[at[(size_t)(p[k].v - lo)]++] = p[k];
    memcpy(p, tmp, n * sizeof *p);
    return;
fallback:
    qsort(p, n, sizeof *p, cmp_pair);
}

/* posterior's z_scale of w->buf in place: average ranks over all m*n values, then
 * Phi^-1((r - 3/8) / (S + 1/4)).  The caller has checked the values are finite.  `order`, when
 * not NULL, already holds the m*n values sorted with their places in w->buf; otherwise they are
 * sorted here. */
static void z_scale(ws *w, const rank_pair *order)
{
    if (order) {
        size_t s = w->m * w->n;
        double denom = (double)s - 2 * RANK_OFFSET + 1;
        for (size_t i = 0; i < s;) {
            size_t j = i;
            while (j + 1 < s && order[j + 1].v == order[i].v)
                j++;
            double rank = ((double)(i + 1) + (double)(j + 1)) / 2;
            double z = gsl_cdf_ugaussian_Pinv((rank - RANK_OFFSET) / denom);
            for (size_t k = i; k <= j; k++)
                w->buf[order[k].i] = z;
            i = j + 1;
        }
        return;
    }
    size_t s = w->m * w->n;
    for (size_t i = 0; i < s; i++)
        w->pairs[i] = (rank_pair){w->buf[i], i};
    sort_pairs(w->pairs, w->fpairs, s); /* fpairs is free: no folded order without argsorted */
    double denom = (double)s - 2 * RANK_OFFSET + 1;
    for (size_t i = 0; i < s;) {
        size_t j = i;
        while (j + 1 < s && w->pairs[j + 1].v == w->pairs[i].v)
            j++;
        double rank = ((double)(i + 1) + (double)(j + 1)) / 2; /* ties share their mean rank */
        double z = gsl_cdf_ugaussian_Pinv((rank - RANK_OFFSET) / denom);
        for (size_t k = i; k <= j; k++)
            w->buf[w->pairs[k].i] = z;
        i = j + 1;
    }
}

/* Sorts the pooled draws (chain by chain) into w->sorted.  When the split chains hold exactly
 * the pooled draws in the same order (an even number of draws) and none is NaN, the sort is of
 * (value, place) pairs, kept in w->pairs: the ranks z_scale needs, for the draws and (merged)
 * for the folded draws, then come without sorting again. */
static void sort_pooled(ws *w, const double *const *chains)
{
    if (w->sorted_ready)
        return;
    for (size_t c = 0; c < w->nchains; c++)
        for (size_t i = 0; i < w->ndraws; i++)
            w->sorted[c * w->ndraws + i] = chains[c][i];
    int nan = 0;
    for (size_t k = 0; k < w->total && !nan; k++)
        nan = isnan(w->sorted[k]);
    if (w->m * w->n == w->total && !nan) {
        for (size_t k = 0; k < w->total; k++)
            w->pairs[k] = (rank_pair){w->sorted[k], k};
        sort_pairs(w->pairs, w->fpairs, w->total); /* fpairs is built from it afterwards */
        for (size_t k = 0; k < w->total; k++)
            w->sorted[k] = w->pairs[k].v;
        w->argsorted = 1;
    } else {
        qsort(w->sorted, w->total, sizeof *w->sorted, cmp_double);
    }
    w->sorted_ready = 1;
}

/* R's quantile(x, p, type = 7) of the sorted pooled draws; NaN if any draw is NaN (R stops). */
static double quantile_sorted(const ws *w, double p)
{
    const double *x = w->sorted;
    size_t s = w->total;
    if (isnan(x[s - 1]))
        return NAN;
    double index = 1 + (double)(s - 1) * p; /* 1-based, as R computes it */
    double lo = floor(index);
    size_t ilo = (size_t)lo - 1, ihi = (size_t)ceil(index) - 1;
    double q = x[ilo];
    if (index > lo && x[ihi] != q) {
        double h = index - lo;
        q = (1 - h) * q + h * x[ihi];
    }
    return q;
}

static int pooled_bad(const ws *w, const double *const *chains)
{
    return should_return_nan(chains, w->nchains, w->ndraws);
}

/* The draws sorted with their places in w->buf, or NULL when sort_pooled could not keep them. */
static const rank_pair *sorted_order(ws *w, const double *const *chains)
{
    sort_pooled(w, chains);
    return w->argsorted ? w->pairs : NULL;
}

/* The folded draws |x - med| sorted with their places, merged from the sorted draws: below the
 * median they come in reverse order, from it upwards in order. */
static const rank_pair *folded_order(ws *w, const double *const *chains, double med)
{
    const rank_pair *x = sorted_order(w, chains);
    if (!x)
        return NULL;
    size_t s = w->total, p = 0, k = 0;
    while (p < s && x[p].v < med)
        p++;
    size_t i = p, j = p; /* left run: x[i - 1], x[i - 2], ...; right run: x[j], x[j + 1], ... */
    while (i > 0 || j < s) {
        double l = i > 0 ? fabs(x[i - 1].v - med) : INFINITY;
        double r = j < s ? fabs(x[j].v - med) : INFINITY;
        if (j >= s || (i > 0 && l <= r)) {
            w->fpairs[k++] = (rank_pair){l, x[i - 1].i};
            i--;
        } else {
            w->fpairs[k++] = (rank_pair){r, x[j].i};
            j++;
        }
    }
    return w->fpairs;
}

/* R-hat (bulk and folded) and, when ess_bulk is not NULL, the bulk ESS from the same ranks. */
static gb_status rhat_bulk(ws *w, const double *const *chains, double *out, double *ess_bulk)
{
    if (pooled_bad(w, chains)) {
        *out = NAN;
        if (ess_bulk)
            *ess_bulk = NAN;
        return GB_OK;
    }
    fill(w, chains, FILL_COPY, 0);
    z_scale(w, sorted_order(w, chains));
    double bulk = rhat_matrix(w, w->cols, w->m, w->n);
    if (ess_bulk) {
        gb_status st = ess_matrix(w, w->cols, w->m, w->n, ess_bulk);
        if (st)
            return st;
    }
    sort_pooled(w, chains);
    double med = quantile_sorted(w, 0.5);
    fill(w, chains, FILL_FOLD, med); /* fold about the pooled median */
    if (should_return_nan(w->cols, w->m, w->n)) {
        *out = NAN;
        return GB_OK;
    }
    z_scale(w, folded_order(w, chains, med));
    double tail = rhat_matrix(w, w->cols, w->m, w->n);
    *out = (isnan(bulk) || isnan(tail)) ? NAN : fmax(bulk, tail);
    return GB_OK;
}

static gb_status rhat_ws(ws *w, const double *const *chains, double *out)
{
    return rhat_bulk(w, chains, out, NULL);
}

static gb_status ess_bulk_ws(ws *w, const double *const *chains, double *out)
{
    if (pooled_bad(w, chains)) {
        *out = NAN;
        return GB_OK;
    }
    fill(w, chains, FILL_COPY, 0);
    z_scale(w, sorted_order(w, chains));
    return ess_matrix(w, w->cols, w->m, w->n, out);
}

static gb_status ess_tail_ws(ws *w, const double *const *chains, double *out)
{
    double ess[2];
    static const double probs[2] = {0.05, 0.95};
    if (pooled_bad(w, chains)) {
        *out = NAN;
        return GB_OK;
    }
    sort_pooled(w, chains);
    for (int k = 0; k < 2; k++) {
        fill(w, chains, FILL_INDICATOR, quantile_sorted(w, probs[k]));
        gb_status st = ess_matrix(w, w->cols, w->m, w->n, &ess[k]);
        if (st)
            return st;
    }
    *out = (isnan(ess[0]) || isnan(ess[1])) ? NAN : fmin(ess[0], ess[1]);
    return GB_OK;
}

static gb_status ess_raw_ws(ws *w, const double *const *chains, double *out)
{
    point_at(w, chains);
    return ess_matrix(w, w->cols, w->m, w->n, out);
}

gb_status gb_diag_summarise(const double *const *chains, size_t nchains, size_t ndraws,
                            gb_diag_summary *out)
{
    ws w;
    gb_diag_summary s;
    gb_status st = ws_init(&w, chains, nchains, ndraws, GB_DIAG_MIN_DRAWS, 1);
    if (st)
        return st;
    sort_pooled(&w, chains);
    s.mean = mean_of(w.sorted, w.total);
    s.sd = sqrt(var_about(w.sorted, w.total, s.mean));
    s.q5 = quantile_sorted(&w, 0.05);
    s.q50 = quantile_sorted(&w, 0.5);
    s.q95 = quantile_sorted(&w, 0.95);
    double ess_mean = NAN;
    if (!(st = ess_raw_ws(&w, chains, &ess_mean)) &&
        !(st = rhat_bulk(&w, chains, &s.rhat, &s.ess_bulk)))
        st = ess_tail_ws(&w, chains, &s.ess_tail);
    s.mcse_mean = s.sd / sqrt(ess_mean);
    s.constant = is_constant(chains, nchains, ndraws);
    ws_free(&w);
    if (st)
        return st;
    *out = s;
    return GB_OK;
}

typedef gb_status (*ws_fn)(ws *w, const double *const *chains, double *out);

/* Allocates a work space, runs one diagnostic, frees. */
static gb_status run_one(ws_fn fn, const double *const *chains, size_t nchains, size_t ndraws,
                         size_t min_draws, int split, double *out)
{
    ws w;
    double v;
    gb_status st = ws_init(&w, chains, nchains, ndraws, min_draws, split);
    if (st)
        return st;
    st = fn(&w, chains, &v);
    ws_free(&w);
    if (!st)
        *out = v;
    return st;
}

gb_status gb_diag_ess_basic(const double *const *chains, size_t nchains, size_t ndraws, double *out)
{
    return run_one(ess_raw_ws, chains, nchains, ndraws, 3, 0, out);
}

gb_status gb_diag_ess_mean(const double *const *chains, size_t nchains, size_t ndraws, double *out)
{
    return run_one(ess_raw_ws, chains, nchains, ndraws, GB_DIAG_MIN_DRAWS, 1, out);
}

gb_status gb_diag_rhat(const double *const *chains, size_t nchains, size_t ndraws, double *out)
{
    return run_one(rhat_ws, chains, nchains, ndraws, GB_DIAG_MIN_DRAWS, 1, out);
}

gb_status gb_diag_ess_bulk(const double *const *chains, size_t nchains, size_t ndraws, double *out)
{
    return run_one(ess_bulk_ws, chains, nchains, ndraws, GB_DIAG_MIN_DRAWS, 1, out);
}

gb_status gb_diag_ess_tail(const double *const *chains, size_t nchains, size_t ndraws, double *out)
{
    return run_one(ess_tail_ws, chains, nchains, ndraws, GB_DIAG_MIN_DRAWS, 1, out);
}

gb_status gb_diag_quantile(const double *const *chains, size_t nchains, size_t ndraws, double p,
                           double *out)
{
    if (!(p >= 0 && p <= 1))
        return GB_EUSAGE;
    ws w;
    /* Unsplit work space: the FFT tables are unused but small. */
    gb_status st = ws_init(&w, chains, nchains, ndraws, 1, 0);
    if (st)
        return st;
    sort_pooled(&w, chains);
    *out = quantile_sorted(&w, p);
    ws_free(&w);
    return GB_OK;
}

double gb_diag_ebfmi(const double *energy, size_t n)
{
    if (!energy || n < 2)
        return NAN;
    double mean = mean_of(energy, n), num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(energy[i]))
            return NAN;
        den += (energy[i] - mean) * (energy[i] - mean);
        if (i > 0)
            num += (energy[i] - energy[i - 1]) * (energy[i] - energy[i - 1]);
    }
    return den > 0 ? num / den : NAN;
}
