/* dist_disc_cat.c - outcomes on 1..K: categorical, categorical_logit, ordered_logistic, and
 * uniform_int on lower..upper, with Stan's parameterisations (Stan Functions Reference,
 * "Multivariate discrete distributions" and "Ordered logistic").
 *
 * The variate is a scalar but a parameter is a vector of length L (categorical: K,
 * ordered_logistic: the K - 1 cutpoints).  The lpdf reads L from dims[0]; when dims is NULL it
 * falls back to the parameter's stride (so a broadcast vector parameter needs dims).  When the
 * vector parameter is broadcast (stride 0) its checks and normaliser are computed once. */
#include <math.h>

#include <gsl/gsl_randist.h>

#include "dist_disc.h"

/* Stan's CONSTRAINT_TOLERANCE: how far a simplex's sum may stray from 1 after rounding. */
#define SIMPLEX_TOL 1e-8

static size_t vec_len(const size_t *dims, const gb_arg *p)
{
    return dims ? dims[0] : p->stride;
}

static int is_simplex(const double *t, size_t K)
{
    double s = 0;
    for (size_t k = 0; k < K; k++) {
        if (!(t[k] >= 0 && t[k] <= 1))
            return 0;
        s += t[k];
    }
    return K > 0 && fabs(s - 1) <= SIMPLEX_TOL;
}

static double categorical_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)propto;
    size_t K = vec_len(dims, &a[1]);
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i);
        const double *t = a[1].val + i * a[1].stride;
        if ((i == 0 || a[1].stride) && !is_simplex(t, K))
            return -INFINITY;
        if (!gb_disc_is_int(y, 1) || y > (double)K || !(t[(size_t)y - 1] > 0))
            return -INFINITY;
        size_t k = (size_t)y - 1;
        lp += log(t[k]);
        if (a[1].adj)
            a[1].adj[i * a[1].stride + k] += 1 / t[k];
    }
    return lp;
}

/* Per repetition (gb_lpdf_each_fn).  A shared theta is checked once and each log(theta[k]) taken
 * again only when k changes: summing a label out sets every repetition to the same value. */
static void categorical_lpdf_each(size_t n, const gb_arg *a, const size_t *dims, const double *w,
                                  double *out)
{
    size_t K = vec_len(dims, &a[1]), last = K;
    double lt = 0;
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i);
        const double *t = a[1].val + i * a[1].stride;
        if (i == 0 || a[1].stride)
            ok = is_simplex(t, K);
        if (!ok || !gb_disc_is_int(y, 1) || y > (double)K || !(t[(size_t)y - 1] > 0)) {
            out[i] = -INFINITY;
            continue;
        }
        size_t k = (size_t)y - 1;
        if (a[1].stride || k != last) {
            lt = log(t[k]);
            last = k;
        }
        out[i] = lt;
        if (w && w[i] != 0 && a[1].adj)
            a[1].adj[i * a[1].stride + k] += w[i] * (1 / t[k]);
    }
}

/* Draws from 1..K with probabilities w / sum(w) by inversion. */
static double draw_index(gsl_rng *r, const double *w, size_t K, double total)
{
    double u = gsl_rng_uniform(r) * total, c = 0;
    for (size_t k = 0; k + 1 < K; k++) {
        c += w[k];
        if (u < c)
            return (double)(k + 1);
    }
    return (double)K;
}

static void categorical_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims, double *out)
{
    size_t K = vec_len(dims, &p[0]);
    for (size_t i = 0; i < n; i++) {
        const double *t = p[0].val + i * p[0].stride;
        out[i] = is_simplex(t, K) ? draw_index(r, t, K, 1.0) : NAN;
    }
}

/* log sum exp(b[0..K-1]) with the maximum factored out; NaN for an empty or non-finite b. */
static double log_sum_exp(const double *b, size_t K)
{
    double m = -INFINITY, s = 0;
    for (size_t k = 0; k < K; k++) {
        if (!isfinite(b[k]))
            return NAN;
        m = b[k] > m ? b[k] : m;
    }
    for (size_t k = 0; k < K; k++)
        s += exp(b[k] - m);
    return K ? m + log(s) : NAN;
}

static double categorical_logit_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)propto;
    size_t K = vec_len(dims, &a[1]);
    double lp = 0, lse = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i);
        const double *b = a[1].val + i * a[1].stride;
        if (i == 0 || a[1].stride)
            lse = log_sum_exp(b, K);
        if (isnan(lse) || !gb_disc_is_int(y, 1) || y > (double)K)
            return -INFINITY;
        lp += b[(size_t)y - 1] - lse;
        if (!a[1].adj)
            continue;
        double *g = a[1].adj + i * a[1].stride;
        g[(size_t)y - 1] += 1;
        if (a[1].stride) /* broadcast: the softmax part is added once, times n, below */
            for (size_t k = 0; k < K; k++)
                g[k] -= exp(b[k] - lse);
    }
    if (a[1].adj && !a[1].stride && n > 0)
        for (size_t k = 0; k < K; k++)
            a[1].adj[k] -= (double)n * exp(a[1].val[k] - lse);
    return lp;
}

static void categorical_logit_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                                  double *out)
{
    size_t K = vec_len(dims, &p[0]);
    for (size_t i = 0; i < n; i++) {
        const double *b = p[0].val + i * p[0].stride;
        double lse = log_sum_exp(b, K);
        if (isnan(lse)) {
            out[i] = NAN;
            continue;
        }
        double u = gsl_rng_uniform(r), c = 0;
        out[i] = (double)K;
        for (size_t k = 0; k + 1 < K; k++) {
            c += exp(b[k] - lse);
            if (u < c) {
                out[i] = (double)(k + 1);
                break;
            }
        }
    }
}

static int uniform_int_ok(double lo, double hi)
{
    return gb_disc_is_int(lo, -GB_DISC_INT_MAX) && gb_disc_is_int(hi, -GB_DISC_INT_MAX) && lo <= hi;
}

static double uniform_int_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)dims;
    (void)propto;
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), lo = gb_disc_at(&a[1], i), hi = gb_disc_at(&a[2], i);
        if (!uniform_int_ok(lo, hi) || !(y >= lo && y <= hi) || y != floor(y))
            return -INFINITY;
        lp -= log(hi - lo + 1);
    }
    return lp;
}

static void uniform_int_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims, double *out)
{
    (void)dims;
    for (size_t i = 0; i < n; i++) {
        double lo = gb_disc_at(&p[0], i), hi = gb_disc_at(&p[1], i);
        int ok = uniform_int_ok(lo, hi) && hi - lo < (double)gsl_rng_max(r) - gsl_rng_min(r);
        out[i] = ok ? lo + (double)gsl_rng_uniform_int(r, (unsigned long)(hi - lo + 1)) : NAN;
    }
}

static int is_ordered(const double *c, size_t L)
{
    for (size_t k = 0; k < L; k++)
        if (!isfinite(c[k]) || (k > 0 && !(c[k] > c[k - 1])))
            return 0;
    return 1;
}

/* log P(y = k | eta, c) for k in 1..K = L + 1 and its derivatives: d/deta into *deta, d/dc into
 * dc[k - 2] and dc[k - 1] (those that exist; dc may be NULL).  With a = eta - c[k-2] and
 * b = eta - c[k-1], P = inv_logit(a) - inv_logit(b) = inv_logit(a) inv_logit(-b) (1 - e^(b - a)),
 * so log P = -softplus(-a) - softplus(b) + log1m_exp(b - a): no cancellation. */
static double ordlog_term(double y, double eta, const double *c, size_t L, double *deta, double *dc)
{
    size_t k = (size_t)y;
    if (L == 0) {
        *deta = 0;
        return 0;
    }
    if (k == 1) {
        double b = eta - c[0];
        *deta = -gb_disc_inv_logit(b);
        if (dc)
            dc[0] += gb_disc_inv_logit(b);
        return -gb_disc_softplus(b);
    }
    if (k == L + 1) {
        double aa = eta - c[L - 1];
        *deta = gb_disc_inv_logit(-aa);
        if (dc)
            dc[L - 1] -= gb_disc_inv_logit(-aa);
        return -gb_disc_softplus(-aa);
    }
    double aa = eta - c[k - 2], b = eta - c[k - 1], d = c[k - 2] - c[k - 1];
    double fd = -1 / expm1(-d); /* d/dd log(1 - e^d) */
    *deta = gb_disc_inv_logit(-aa) - gb_disc_inv_logit(b);
    if (dc) {
        dc[k - 2] += -gb_disc_inv_logit(-aa) + fd;
        dc[k - 1] += gb_disc_inv_logit(b) - fd;
    }
    return -gb_disc_softplus(-aa) - gb_disc_softplus(b) + gb_disc_log1m_exp(d);
}

static double ordered_logistic_lpdf(size_t n, const gb_arg *a, const size_t *dims, int propto)
{
    (void)propto;
    size_t L = vec_len(dims, &a[2]);
    double lp = 0;
    for (size_t i = 0; i < n; i++) {
        double y = gb_disc_at(&a[0], i), eta = gb_disc_at(&a[1], i);
        const double *c = a[2].val + i * a[2].stride;
        if ((i == 0 || a[2].stride) && !is_ordered(c, L))
            return -INFINITY;
        if (!isfinite(eta) || !gb_disc_is_int(y, 1) || y > (double)(L + 1))
            return -INFINITY;
        double deta;
        lp += ordlog_term(y, eta, c, L, &deta, a[2].adj ? a[2].adj + i * a[2].stride : NULL);
        gb_disc_add(&a[1], i, deta);
    }
    return lp;
}

/* y = 1 + #{k : c_k < eta + e} with e standard logistic, since P(y <= k) = inv_logit(c_k - eta). */
static void ordered_logistic_rng(gsl_rng *r, size_t n, const gb_arg *p, const size_t *dims,
                                 double *out)
{
    size_t L = vec_len(dims, &p[1]);
    for (size_t i = 0; i < n; i++) {
        double eta = gb_disc_at(&p[0], i);
        const double *c = p[1].val + i * p[1].stride;
        if (!isfinite(eta) || !is_ordered(c, L)) {
            out[i] = NAN;
            continue;
        }
        double u = eta + gsl_ran_logistic(r, 1.0), y = 1;
        for (size_t k = 0; k < L; k++)
            y += c[k] < u;
        out[i] = y;
    }
}

const gb_dist_ops gb_dist_categorical = {
    .name = "categorical",
    .nparams = 1,
    .params = {{"theta", GB_REAL, 1, 0, 1, 0, 0}},
    .variate_type = GB_INT,
    .support = {GB_SUPPORT_INTERVAL, 1, INFINITY, GB_NO_PARAM, 0, 1},
    .lpdf = categorical_lpdf,
    .lpdf_each = categorical_lpdf_each,
    .rng = categorical_rng,
    .doc = "categorical: y in 1..K is k with probability theta[k], theta a K-simplex",
    .example = "z ~ categorical(theta)",
};

const gb_dist_ops gb_dist_categorical_logit = {
    .name = "categorical_logit",
    .nparams = 1,
    .params = {{"beta", GB_REAL, 1, -INFINITY, INFINITY, 1, 1}},
    .variate_type = GB_INT,
    .support = {GB_SUPPORT_INTERVAL, 1, INFINITY, GB_NO_PARAM, 0, 1},
    .lpdf = categorical_logit_lpdf,
    .rng = categorical_logit_rng,
    .doc = "categorical on the log scale: y in 1..K with probabilities softmax(beta)",
    .example = "z ~ categorical_logit(beta)",
};

const gb_dist_ops gb_dist_uniform_int = {
    .name = "uniform_int",
    .nparams = 2,
    .params = {{"lower", GB_INT, 0, -INFINITY, INFINITY, 1, 1},
               {"upper", GB_INT, 0, -INFINITY, INFINITY, 1, 1}},
    .variate_type = GB_INT,
    .support = {GB_SUPPORT_INTERVAL, -INFINITY, INFINITY, 0, 1, 0},
    .lpdf = uniform_int_lpdf,
    .rng = uniform_int_rng,
    .doc = "discrete uniform: every integer y in lower..upper (lower <= upper) equally likely",
    .example = "tau ~ uniform_int(1, N)",
};

const gb_dist_ops gb_dist_ordered_logistic = {
    .name = "ordered_logistic",
    .nparams = 2,
    .params = {{"eta", GB_REAL, 0, -INFINITY, INFINITY, 1, 1},
               {"c", GB_REAL, 1, -INFINITY, INFINITY, 1, 1}},
    .variate_type = GB_INT,
    /* the upper bound K is the length of c plus one, which gb_support cannot say: declared
       unbounded above, the mass is 0 past K */
    .support = {GB_SUPPORT_INTERVAL, 1, INFINITY, GB_NO_PARAM, GB_NO_PARAM, 0},
    .lpdf = ordered_logistic_lpdf,
    .rng = ordered_logistic_rng,
    .doc = "ordered logistic: y in 1..K with P(y <= k) = inv_logit(c[k] - eta), c the K - 1 "
           "increasing cutpoints",
    .example = "y ~ ordered_logistic(x * beta, c)",
};
