/* hmm.c - forward filtering, backward sampling and posterior marginals of a discrete chain, in
 * log space (see hmm.h for the layout and the papers followed). */
#include "hmm.h"

#include <math.h>

#include "categorical.h"

/* log(sum_k exp(x[k * stride])) with the maximum factored out; -INFINITY when every term is. */
static double log_sum_exp(const double *x, size_t n, size_t stride)
{
    double mx = -INFINITY;
    for (size_t k = 0; k < n; k++)
        if (x[k * stride] > mx)
            mx = x[k * stride];
    if (!(mx > -INFINITY))
        return -INFINITY;
    double s = 0;
    for (size_t k = 0; k < n; k++)
        s += exp(x[k * stride] - mx);
    return mx + log(s);
}

double gb_hmm_forward(size_t T, size_t K, const double *logE, const double *logA, size_t a_stride,
                      double *alpha)
{
    for (size_t j = 0; j < K; j++)
        alpha[j] = logE[j];
    for (size_t t = 1; t < T; t++) {
        const double *A = logA + (t - 1) * a_stride, *prev = alpha + (t - 1) * K;
        double *cur = alpha + t * K;
        for (size_t j = 0; j < K; j++) {
            /* log-sum-exp over i of prev[i] + A[i][j], maximum first */
            double mx = -INFINITY;
            for (size_t i = 0; i < K; i++)
                if (prev[i] + A[i * K + j] > mx)
                    mx = prev[i] + A[i * K + j];
            double s = 0;
            if (mx > -INFINITY)
                for (size_t i = 0; i < K; i++)
                    s += exp(prev[i] + A[i * K + j] - mx);
            cur[j] = mx > -INFINITY ? mx + log(s) + logE[t * K + j] : -INFINITY;
        }
    }
    return log_sum_exp(alpha + (T - 1) * K, K, 1);
}

/* Draws an index from log weights w[0 .. K-1] (overwritten); -1 when none is finite. */
static long draw(gsl_rng *r, double *w, size_t K)
{
    double mx = -INFINITY;
    for (size_t k = 0; k < K; k++)
        if (w[k] > mx)
            mx = w[k];
    if (!(mx > -INFINITY) || isnan(mx) || mx == INFINITY)
        return -1;
    return (long)gb_categorical_draw_log(r, w, K, mx);
}

int gb_hmm_sample(size_t T, size_t K, const double *logA, size_t a_stride, const double *alpha,
                  gsl_rng *r, double *w, size_t *z)
{
    for (size_t j = 0; j < K; j++)
        w[j] = alpha[(T - 1) * K + j];
    long s = draw(r, w, K);
    if (s < 0)
        return -1;
    size_t next = (size_t)s;
    z[T - 1] = next;
    for (size_t t = T - 1; t-- > 0;) {
        /* p(z_t = i | z_{t+1}, data up to t) is proportional to alpha[t][i] A[t+1][i][z_{t+1}] */
        const double *A = logA + t * a_stride;
        for (size_t i = 0; i < K; i++)
            w[i] = alpha[t * K + i] + A[i * K + next];
        s = draw(r, w, K);
        if (s < 0)
            return -1;
        next = z[t] = (size_t)s;
    }
    return 0;
}

void gb_hmm_marginals(size_t T, size_t K, const double *logE, const double *logA, size_t a_stride,
                      const double *alpha, double logZ, double *beta, double *pE, double *pA)
{
    /* beta[t][i] = log sum_j A[t+1][i][j] E[t+1][j] beta[t+1][j], beta[T-1] = 0 */
    for (size_t j = 0; j < K; j++)
        beta[(T - 1) * K + j] = 0;
    for (size_t t = T - 1; t-- > 0;) {
        const double *A = logA + t * a_stride;
        for (size_t i = 0; i < K; i++) {
            double mx = -INFINITY;
            for (size_t j = 0; j < K; j++) {
                double v = A[i * K + j] + logE[(t + 1) * K + j] + beta[(t + 1) * K + j];
                if (v > mx)
                    mx = v;
            }
            double s = 0;
            if (mx > -INFINITY)
                for (size_t j = 0; j < K; j++)
                    s += exp(A[i * K + j] + logE[(t + 1) * K + j] + beta[(t + 1) * K + j] - mx);
            beta[t * K + i] = mx > -INFINITY ? mx + log(s) : -INFINITY;
        }
    }
    for (size_t t = 0; t < T; t++)
        for (size_t j = 0; j < K; j++)
            pE[t * K + j] = exp(alpha[t * K + j] + beta[t * K + j] - logZ);
    if (!pA)
        return;
    size_t na = a_stride ? (T - 1) * K * K : K * K;
    for (size_t q = 0; q < na; q++)
        pA[q] = 0;
    for (size_t t = 1; t < T; t++) {
        const double *A = logA + (t - 1) * a_stride;
        double *P = pA + (t - 1) * a_stride;
        for (size_t i = 0; i < K; i++)
            for (size_t j = 0; j < K; j++)
                P[i * K + j] += exp(alpha[(t - 1) * K + i] + A[i * K + j] + logE[t * K + j] +
                                    beta[t * K + j] - logZ);
    }
}
