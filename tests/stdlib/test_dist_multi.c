/* test_dist_multi.c - the multivariate distributions and GLM shortcuts (stdlib/dist_multi_*.c):
 * reference densities, invalid arguments, gradients against a six-point central difference,
 * vectorised calls against sums of scalar ones, RNG moments, and each GLM against the equivalent
 * elementwise sum. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_machine.h>
#include <gsl/gsl_rng.h>

#include "dist.h"
#include "dists.h"
#include "near.h"

#define MAXY 9  /* doubles of one variate: up to 3 x 3 */
#define MAXP 12 /* doubles of one repetition's parameters */

typedef struct mcase {
    const char *dist;
    size_t K;
    double y[MAXY];
    double p[MAXP];
    double lp;
    int grad; /* 1: interior enough for the difference quotient */
} mcase;

static const gb_dist_ops *find(const char *name)
{
    const gb_dist_ops *d = gb_dist_find(name);
    if (!d)
        fail_msg("unknown distribution %s", name);
    return d;
}

static size_t block(int rank, size_t K)
{
    return rank == 0 ? 1 : rank == 1 ? K : K * K;
}

static size_t psize(const gb_dist_ops *d, size_t K)
{
    size_t s = 0;
    for (int j = 0; j < d->nparams; j++)
        s += block(d->params[j].rank, K);
    return s;
}

/* n repetitions: variate y + r * ys, parameters p + r * ps (0: broadcast); gradients into gy
 * and gp (laid out like y and p) when non-NULL. */
static double meval_n(const gb_dist_ops *d, size_t n, const double *y, size_t ys, const double *p,
                      size_t ps, size_t K, double *gy, double *gp)
{
    gb_arg args[GB_DIST_MAX_PARAMS + 1];
    args[0] = (gb_arg){y, d->variate_type == GB_REAL ? gy : NULL, ys};
    size_t off = 0;
    for (int j = 0; j < d->nparams; j++) {
        args[j + 1] = (gb_arg){p + off, gp ? gp + off : NULL, ps};
        off += block(d->params[j].rank, K);
    }
    size_t dims[2] = {K, K};
    double lp = d->lpdf(n, args, dims, 0);
    assert_false(isnan(lp));
    return lp;
}

static double meval(const gb_dist_ops *d, const double *y, const double *p, size_t K, double *gy,
                    double *gp)
{
    return meval_n(d, 1, y, 0, p, 0, K, gy, gp);
}

/* /usr/bin/python3 with scipy 1.10.1; S = [[2,.3,.1],[.3,1,-.2],[.1,-.2,1.5]],
 * L = [[1.2,0,0],[.3,.9,0],[-.4,.2,1.1]]:
 *   stats.multivariate_normal.logpdf([.5,-1,2], [0,.3,1], S)  (and L @ L.T),
 *   stats.dirichlet.logpdf(y, alpha), stats.multinomial.logpmf([2,0,3], 5, [.25,.45,.3]),
 *   lkj K=2: (eta-1)*np.log(1-.36) - np.log(2**(2*eta-1)*sp.beta(eta,eta)),
 *   lkj K=3: -log c_3(1.7) + 1.4*log(L22) + 1.4*log(L33) with c_K of LKJ (2009) eq. 16, whose
 *     density was checked to integrate to 1 over (L21, L31, L32) by integrate.tplquad for eta = 1
 *     and 2.5 (0.9999999999999996, 0.9999999999999729),
 *   stats.wishart.logpdf(W, df=nu, scale=S). */
static const mcase refs[] = {
    {"multi_normal",
     3,
     {0.5, -1, 2},
     {0, 0.3, 1, 2, 0.3, 0.1, 0.3, 1, -0.2, 0.1, -0.2, 1.5},
     -4.4703849079628695,
     1},
    {"multi_normal_cholesky",
     3,
     {0.5, -1, 2},
     {0, 0.3, 1, 1.2, 0, 0, 0.3, 0.9, 0, -0.4, 0.2, 1.1},
     -5.178570291628852,
     1},
    {"dirichlet", 3, {0.2, 0.5, 0.3}, {1.5, 2, 0.7}, 0.7717963325849542, 1},
    {"dirichlet", 2, {1e-10, 1 - 1e-10}, {0.01, 0.01}, 17.497437180754385, 0},
    {"multinomial", 3, {2, 0, 3}, {0.25, 0.45, 0.3}, -4.081922042223543, 1},
    {"lkj_corr_cholesky", 2, {1, 0, 0.6, 0.8}, {2.5}, -0.8333312867803031, 1},
    {"lkj_corr_cholesky",
     3,
     {1, 0, 0, 0.3, 0.9539392014169457, 0, -0.4, 0.5, 0.7681145747868608},
     {1.7},
     -1.331109225670614,
     1},
    {"wishart", 2, {2, 0.5, 0.5, 1}, {4, 1, 0.2, 0.2, 0.5}, -3.347827693693967, 1},
    {"wishart",
     3,
     {3, 0.5, -0.2, 0.5, 2, 0.3, -0.2, 0.3, 1.5},
     {5.5, 2, 0.3, 0.1, 0.3, 1, -0.2, 0.1, -0.2, 1.5},
     -11.533094403302744,
     1},
};

static void test_multi_lpdf_matches_reference(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof refs / sizeof refs[0]; c++) {
        double lp = meval(find(refs[c].dist), refs[c].y, refs[c].p, refs[c].K, NULL, NULL);
        if (!(fabs(lp - refs[c].lp) <= 1e-12 * (1 + fabs(refs[c].lp))))
            fail_msg("%s (case %zu): %.17g, expected %.17g", refs[c].dist, c, lp, refs[c].lp);
    }
}

static const mcase bad[] = {
    /* Sigma not positive definite; mu not finite */
    {"multi_normal", 2, {0, 0}, {0, 0, 1, 2, 2, 1}, 0, 0},
    {"multi_normal", 2, {0, 0}, {NAN, 0, 1, 0, 0, 1}, 0, 0},
    {"multi_normal", 2, {0, INFINITY}, {0, 0, 1, 0, 0, 1}, 0, 0},
    {"multi_normal", 2, {0, 0}, {0, 0, 1, 0, 0, -1}, 0, 0},
    /* L with a zero or negative diagonal entry */
    {"multi_normal_cholesky", 2, {0, 0}, {0, 0, 1, 0, 0.5, 0}, 0, 0},
    {"multi_normal_cholesky", 2, {0, 0}, {0, 0, -1, 0, 0.5, 1}, 0, 0},
    /* not a simplex; alpha not positive */
    {"dirichlet", 2, {0.5, 0.6}, {1, 1}, 0, 0},
    {"dirichlet", 2, {0, 1}, {2, 2}, 0, 0},
    {"dirichlet", 2, {-0.5, 1.5}, {1, 1}, 0, 0},
    {"dirichlet", 2, {0.5, 0.5}, {0, 1}, 0, 0},
    {"dirichlet", 2, {0.5, 0.5}, {1, INFINITY}, 0, 0},
    {"multinomial", 2, {1.5, 1}, {0.5, 0.5}, 0, 0},
    {"multinomial", 2, {-1, 1}, {0.5, 0.5}, 0, 0},
    {"multinomial", 2, {1, 1}, {0.5, 0.6}, 0, 0},
    {"multinomial", 2, {1, 1}, {1, 0}, 0, 0},
    /* eta not positive; not lower triangular; a non-positive diagonal */
    {"lkj_corr_cholesky", 2, {1, 0, 0.6, 0.8}, {0}, 0, 0},
    {"lkj_corr_cholesky", 2, {1, 0.1, 0.6, 0.8}, {1}, 0, 0},
    {"lkj_corr_cholesky", 2, {1, 0, 0.6, -0.8}, {1}, 0, 0},
    {"lkj_corr_cholesky", 2, {1, 0, NAN, 0.8}, {1}, 0, 0},
    /* nu <= K - 1; W or S not positive definite */
    {"wishart", 2, {2, 0.5, 0.5, 1}, {1, 1, 0, 0, 1}, 0, 0},
    {"wishart", 2, {1, 2, 2, 1}, {4, 1, 0, 0, 1}, 0, 0},
    {"wishart", 2, {2, 0.5, 0.5, 1}, {4, 1, 0, 0, 0}, 0, 0},
};

static void test_multi_invalid_arguments_give_neg_inf(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        double gy[MAXY] = {0}, gp[MAXP] = {0};
        double lp = meval(find(bad[c].dist), bad[c].y, bad[c].p, bad[c].K, gy, gp);
        if (lp != -INFINITY)
            fail_msg("bad case %zu (%s): %g, expected -inf", c, bad[c].dist, lp);
    }
}

static double step_of(double x)
{
    return pow(GSL_DBL_EPSILON, 1.0 / 7) * (fabs(x) > 1 ? fabs(x) : 1);
}

/* Six-point central difference along (vy, vp). */
static double fd_dir(const gb_dist_ops *d, const double *y, const double *p, size_t K,
                     const double *vy, const double *vp, double h)
{
    static const double w[6] = {-1, 9, -45, 45, -9, 1}, s[6] = {-3, -2, -1, 1, 2, 3};
    double sum = 0;
    for (int t = 0; t < 6; t++) {
        double yy[MAXY], pp[MAXP];
        for (size_t k = 0; k < MAXY; k++)
            yy[k] = y[k] + s[t] * h * vy[k];
        for (size_t k = 0; k < MAXP; k++)
            pp[k] = p[k] + s[t] * h * vp[k];
        sum += w[t] * meval(d, yy, pp, K, NULL, NULL);
    }
    return sum / (60 * h);
}

static void check_grad(const char *what, double ad, double fd)
{
    if (!(fabs(ad - fd) <= 1e-8 + 1e-6 * fabs(fd)))
        fail_msg("%s: analytic %.17g, finite difference %.17g", what, ad, fd);
}

/* Checks one coordinate (in y when in_y, else in p); a simplex moves along e_k - e_last. */
static void grad_coord(const gb_dist_ops *d, const mcase *c, const double *gy, const double *gp,
                       int in_y, size_t k, size_t last)
{
    double vy[MAXY] = {0}, vp[MAXP] = {0};
    double *v = in_y ? vy : vp;
    const double *g = in_y ? gy : gp;
    double x = in_y ? c->y[k] : c->p[k], ad = g[k];
    v[k] = 1;
    if (last != (size_t)-1) {
        if (k == last)
            return;
        v[last] = -1;
        ad -= g[last];
    }
    char what[96];
    snprintf(what, sizeof what, "%s K=%zu d/d%s[%zu]", d->name, c->K, in_y ? "y" : "p", k);
    check_grad(what, ad, fd_dir(d, c->y, c->p, c->K, vy, vp, step_of(x)));
}

static void test_multi_gradients_match_finite_differences(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof refs / sizeof refs[0]; c++) {
        const mcase *m = &refs[c];
        const gb_dist_ops *d = find(m->dist);
        if (!m->grad)
            continue;
        double gy[MAXY] = {0}, gp[MAXP] = {0};
        meval(d, m->y, m->p, m->K, gy, gp);
        size_t K = m->K, ny = block(d->variate_rank, K);
        int simplex_y = d->support.kind == GB_SUPPORT_SIMPLEX;
        int lower_y = d->support.kind == GB_SUPPORT_CHOL_CORR;
        for (size_t k = 0; d->variate_type == GB_REAL && k < ny; k++)
            if (!lower_y || k % K <= k / K)
                grad_coord(d, m, gy, gp, 1, k, simplex_y ? ny - 1 : (size_t)-1);
        int simplex_p = strcmp(d->name, "multinomial") == 0;
        for (size_t k = 0; k < psize(d, K); k++)
            grad_coord(d, m, gy, gp, 0, k, simplex_p ? K - 1 : (size_t)-1);
    }
}

/* Three repetitions: the reference case (row 0) and two variants with other variates. */
static void test_multi_vectorised_equals_sum_of_scalars(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof refs / sizeof refs[0]; c++) {
        const mcase *m = &refs[c];
        const gb_dist_ops *d = find(m->dist);
        size_t K = m->K, ny = block(d->variate_rank, K), np = psize(d, K);
        double ys[3 * MAXY], ps[3 * MAXP], sum = 0, bsum = 0;
        double gy[3 * MAXY] = {0}, gp[3 * MAXP] = {0}, ey[3 * MAXY] = {0}, ep[3 * MAXP] = {0};
        double bgp[MAXP] = {0}, ebgp[MAXP] = {0}, bgy[3 * MAXY] = {0}, ebgy[3 * MAXY] = {0};
        for (int r = 0; r < 3; r++) {
            memcpy(ys + r * ny, m->y, ny * sizeof(double));
            memcpy(ps + r * np, m->p, np * sizeof(double));
            if (r > 0 && d->support.kind == GB_SUPPORT_VECTOR)
                ys[r * ny] += 0.25 * r; /* another point, and another mean */
            if (r > 0 && d->support.kind == GB_SUPPORT_VECTOR)
                ps[r * np + 1] -= 0.5 * r;
            if (r > 0 && d->params[0].rank == 0)
                ps[r * np] += 0.5 * r; /* eta, nu */
            sum += meval(d, ys + r * ny, ps + r * np, K, ey + r * ny, ep + r * np);
            bsum += meval(d, ys + r * ny, m->p, K, ebgy + r * ny, ebgp);
        }
        assert_near(meval_n(d, 3, ys, ny, ps, np, K, gy, gp), sum, 1e-12, 1e-12);
        for (size_t k = 0; k < 3 * ny; k++)
            assert_near(gy[k], ey[k], 1e-12, 1e-12);
        for (size_t k = 0; k < 3 * np; k++)
            assert_near(gp[k], ep[k], 1e-12, 1e-12);
        assert_near(meval_n(d, 3, ys, ny, m->p, 0, K, bgy, bgp), bsum, 1e-12, 1e-12);
        for (size_t k = 0; k < np; k++)
            assert_near(bgp[k], ebgp[k], 1e-11, 1e-12);
        for (size_t k = 0; k < 3 * ny; k++)
            assert_near(bgy[k], ebgy[k], 1e-12, 1e-12);
        assert_true(meval_n(d, 0, ys, ny, ps, np, K, gy, gp) == 0);
    }
}

/* propto may drop terms constant in the arguments without adjoints: differences between two
 * variates, and the gradients, stay those of the full density. */
static void test_multi_propto_keeps_differences_and_gradients(void **state)
{
    (void)state;
    for (size_t c = 0; c < 3; c++) {
        const mcase *m = &refs[c]; /* multi_normal, multi_normal_cholesky, dirichlet */
        const gb_dist_ops *d = find(m->dist);
        size_t ny = block(d->variate_rank, m->K);
        double y2[MAXY], full[2], prop[2], gf[MAXY] = {0}, gq[MAXY] = {0};
        memcpy(y2, m->y, sizeof y2);
        if (d->support.kind == GB_SUPPORT_SIMPLEX) {
            y2[0] += 0.05;
            y2[1] -= 0.05;
        } else {
            y2[0] += 0.3;
        }
        for (int k = 0; k < 2; k++) {
            gb_arg args[2] = {{k ? y2 : m->y, k ? NULL : gf, 0}, {m->p, NULL, 0}};
            gb_arg args3[3] = {args[0], {m->p, NULL, 0}, {m->p + m->K, NULL, 0}};
            size_t dims[2] = {m->K, m->K};
            const gb_arg *a = d->nparams == 1 ? args : args3;
            full[k] = d->lpdf(1, a, dims, 0);
            if (!k)
                args[0].adj = args3[0].adj = gq;
            prop[k] = d->lpdf(1, d->nparams == 1 ? args : args3, dims, 1);
        }
        assert_near(prop[0] - prop[1], full[0] - full[1], 1e-12, 1e-12);
        for (size_t k = 0; k < ny; k++)
            assert_near(gq[k], gf[k], 1e-12, 1e-12);
    }
}

#define DRAWS 20000

/* Checks E[f] (estimate m, sample variance v over DRAWS independent draws, so ESS = DRAWS)
 * against want within z = 4 standard errors. */
static void check_mean(const char *what, double m, double v, double want)
{
    double se = sqrt(v / DRAWS), z = fabs(m - want) / se;
    if (!(z <= 4))
        fail_msg("%s: estimate %g, expected %g, MCSE %g, z %.2f", what, m, want, se, z);
}

/* Checks the mean of each coordinate and of each centred product against mean and cov (a
 * product's variance estimated from the draws).  K = 3: 3 + 6 checks per call at z = 4, a false
 * alarm rate of about 9 * 6.3e-5 = 5.7e-4 per call. */
static void check_moments(const char *name, const double *x, size_t K, const double *mean,
                          const double *cov)
{
    for (size_t a = 0; a < K; a++) {
        double s = 0, s2 = 0;
        for (size_t i = 0; i < DRAWS; i++) {
            s += x[i * K + a];
            s2 += x[i * K + a] * x[i * K + a];
        }
        double m = s / DRAWS;
        check_mean(name, m, s2 / DRAWS - m * m, mean[a]);
        for (size_t b = 0; b <= a; b++) {
            double t = 0, t2 = 0;
            for (size_t i = 0; i < DRAWS; i++) {
                double q = (x[i * K + a] - mean[a]) * (x[i * K + b] - mean[b]);
                t += q;
                t2 += q * q;
            }
            double mq = t / DRAWS;
            check_mean(name, mq, t2 / DRAWS - mq * mq, cov[a * K + b]);
        }
    }
}

static double draws[DRAWS * MAXY];

static void draw(const gb_dist_ops *d, gsl_rng *r, const double *p, size_t K)
{
    gb_arg args[GB_DIST_MAX_PARAMS];
    size_t off = 0, dims[2] = {K, K};
    for (int j = 0; j < d->nparams; j++) {
        args[j] = (gb_arg){p + off, NULL, 0};
        off += block(d->params[j].rank, K);
    }
    d->rng(r, DRAWS, args, dims, draws);
}

static void test_multi_normal_rngs_match_moments(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 424242);
    draw(find("multi_normal"), r, refs[0].p, 3);
    check_moments("multi_normal", draws, 3, refs[0].p, refs[0].p + 3);
    const double *L = refs[1].p + 3;
    double S[9];
    for (size_t a = 0; a < 3; a++)
        for (size_t b = 0; b < 3; b++)
            S[a * 3 + b] =
                L[a * 3] * L[b * 3] + L[a * 3 + 1] * L[b * 3 + 1] + L[a * 3 + 2] * L[b * 3 + 2];
    draw(find("multi_normal_cholesky"), r, refs[1].p, 3);
    check_moments("multi_normal_cholesky", draws, 3, refs[1].p, S);
    gsl_rng_free(r);
}

static void test_multi_dirichlet_rng_matches_moments(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 99);
    const double al[3] = {1.5, 2, 0.7};
    double a0 = 4.2, mean[3], cov[9];
    for (size_t a = 0; a < 3; a++) {
        mean[a] = al[a] / a0;
        for (size_t b = 0; b < 3; b++)
            cov[a * 3 + b] = ((a == b ? mean[a] : 0) - mean[a] * mean[b]) / (a0 + 1);
    }
    draw(find("dirichlet"), r, al, 3);
    for (size_t i = 0; i < DRAWS; i++)
        assert_near(draws[3 * i] + draws[3 * i + 1] + draws[3 * i + 2], 1.0, 1e-12, 0);
    check_moments("dirichlet", draws, 3, mean, cov);
    gsl_rng_free(r);
}

/* LKJ(eta) correlations: r_ij ~ 2 Beta(b, b) - 1 with b = eta - 1 + K / 2, so E r = 0 and
 * Var r = 1 / (2 b + 1).  Rows of L have unit norm. */
static void test_multi_lkj_rng_matches_moments(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    const double eta = 1.7;
    const size_t K = 3;
    draw(find("lkj_corr_cholesky"), r, &eta, K);
    static double R[DRAWS * 3];
    for (size_t i = 0; i < DRAWS; i++) {
        const double *L = draws + i * K * K;
        for (size_t a = 0; a < K; a++)
            assert_near(L[a * K] * L[a * K] + L[a * K + 1] * L[a * K + 1] +
                            L[a * K + 2] * L[a * K + 2],
                        1.0, 1e-12, 0);
        assert_true(L[1] == 0 && L[2] == 0 && L[5] == 0);
        R[3 * i] = L[3];                          /* R_21 */
        R[3 * i + 1] = L[6];                      /* R_31 */
        R[3 * i + 2] = L[3] * L[6] + L[4] * L[7]; /* R_32 */
    }
    double v = 1 / (2 * (eta - 1 + 1.5) + 1), mean[3] = {0, 0, 0};
    for (size_t a = 0; a < 3; a++) {
        double s = 0, s2 = 0, q2 = 0;
        for (size_t i = 0; i < DRAWS; i++) {
            s += R[3 * i + a];
            s2 += R[3 * i + a] * R[3 * i + a];
            q2 += pow(R[3 * i + a], 4);
        }
        check_mean("lkj mean", s / DRAWS, s2 / DRAWS, mean[a]);
        check_mean("lkj variance", s2 / DRAWS, q2 / DRAWS - (s2 / DRAWS) * (s2 / DRAWS), v);
    }
    gsl_rng_free(r);
}

/* E W = nu S; Var W_ij = nu (S_ij^2 + S_ii S_jj). */
static void test_multi_wishart_rng_matches_moments(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2024);
    const double *p = refs[8].p, nu = p[0], *S = p + 1;
    draw(find("wishart"), r, p, 3);
    for (size_t e = 0; e < 9; e++) {
        double s = 0, s2 = 0;
        for (size_t i = 0; i < DRAWS; i++)
            s += draws[9 * i + e];
        double m = s / DRAWS;
        for (size_t i = 0; i < DRAWS; i++)
            s2 += (draws[9 * i + e] - m) * (draws[9 * i + e] - m);
        size_t a = e / 3, b = e % 3;
        assert_near(draws[9 * 7 + e], draws[9 * 7 + b * 3 + a], 1e-12, 0);
        check_mean("wishart", m, s2 / DRAWS, nu * S[e]);
        (void)a;
    }
    gsl_rng_free(r);
}

/* ---- GLM shortcuts ---- */

#define GN 6
#define GK 2

static const double gx[GN * GK] = {0.5, -1, 1.2, 0.3, -0.7, 2, 0, 0.1, 1.5, -0.4, -2, 0.8};
static const double gy_real[GN] = {0.3, -1.2, 2.5, 0.1, 1.9, -0.8};
static const double gy_bin[GN] = {1, 0, 1, 1, 0, 0};
static const double gy_cnt[GN] = {0, 3, 1, 7, 2, 0};

/* params: x (N*K), alpha, beta (K), sigma */
static double glm_eval(const gb_dist_ops *d, const double *y, const double *x, double al,
                       const double *be, double sg, double *gy, double *gx_, double *ga, double *gb,
                       double *gs)
{
    gb_arg args[5] = {{y, gy, 0}, {x, gx_, 0}, {&al, ga, 0}, {be, gb, 0}, {&sg, gs, 0}};
    size_t dims[2] = {GN, GK};
    double lp = d->lpdf(1, args, dims, 0);
    assert_false(isnan(lp));
    return lp;
}

/* The same model written elementwise with the scalar distributions. */
static double elementwise(const char *glm, const double *y, const double *x, double al,
                          const double *be, double sg)
{
    double lp = 0;
    for (size_t i = 0; i < GN; i++) {
        double eta = al + x[i * GK] * be[0] + x[i * GK + 1] * be[1];
        if (strcmp(glm, "normal_id_glm") == 0) {
            double z = (y[i] - eta) / sg;
            lp += -0.91893853320467274178 - log(sg) - 0.5 * z * z;
            continue;
        }
        const gb_dist_ops *d =
            find(strcmp(glm, "poisson_log_glm") == 0 ? "poisson_log" : "bernoulli_logit");
        gb_arg args[2] = {{&y[i], NULL, 0}, {&eta, NULL, 0}};
        lp += d->lpdf(1, args, NULL, 0);
    }
    return lp;
}

/* Many rows: bernoulli_logit_glm takes the softplus logs of blocks of 256 rows as the log of a
 * product; the result must still equal the sum of the rows' bernoulli_logit terms (each computed
 * with its own log1p) to the rounding of a sum of N terms of this size: N ulp of |lp|. */
static void test_multi_bernoulli_glm_blocks_match_row_sums(void **state)
{
    (void)state;
    enum { BN = 3001, BK = 2 };
    static double x[BN * BK], y[BN];
    double be[BK] = {0.7, -1.9}, al = 0.3;
    unsigned long st = 12345;
    for (size_t i = 0; i < BN * BK; i++) {
        st = (48271 * st) % 2147483647;
        x[i] = 6.0 * ((double)st / 2147483647.0) - 3.0;
    }
    const gb_dist_ops *row = find("bernoulli_logit");
    double sum = 0;
    for (size_t i = 0; i < BN; i++) {
        double eta = al + x[i * BK] * be[0] + x[i * BK + 1] * be[1];
        y[i] = i % 3 == 0;
        gb_arg a[2] = {{&y[i], NULL, 0}, {&eta, NULL, 0}};
        sum += row->lpdf(1, a, NULL, 0);
    }
    gb_arg args[4] = {{y, NULL, 0}, {x, NULL, 0}, {&al, NULL, 0}, {be, NULL, 0}};
    size_t dims[2] = {BN, BK};
    double lp = find("bernoulli_logit_glm")->lpdf(1, args, dims, 0);
    assert_true(lp < -100);
    assert_true(fabs(lp - sum) <= BN * fabs(sum) * DBL_EPSILON);
}

/* normal_id_glm from sufficient statistics (y and x fixed) equals the streaming pass, value and
 * gradients, at points near and far from the least-squares fit; the data's noise is small, so
 * the fit is tight (R^2 near 1), the case where a naive y'y - 2 b'X'y + b'X'X b would cancel.
 * Collinear columns, or data not fixed, decline. */
static void test_multi_normal_glm_prepared_matches_streaming(void **state)
{
    (void)state;
    enum { PN = 2000, PK = 3 };
    static double x[PN * PK], y[PN];
    unsigned long st = 777;
    for (size_t i = 0; i < PN; i++) {
        double eta = 5;
        for (size_t k = 0; k < PK; k++) {
            st = (48271 * st) % 2147483647;
            x[i * PK + k] = 10 + 4 * ((double)st / 2147483647.0); /* far from centred */
            eta += (double)(k + 1) * 20 * x[i * PK + k];
        }
        st = (48271 * st) % 2147483647;
        y[i] = eta + 0.01 * ((double)st / 2147483647.0 - 0.5);
    }
    const gb_dist_ops *d = find("normal_id_glm");
    size_t dims[2] = {PN, PK};
    gb_arg fixed_args[5] = {{y, NULL, 0}, {x, NULL, 0}, {NULL, NULL, 0}, {NULL, NULL, 0},
                            {NULL, NULL, 0}};
    void *prep = d->prepare(1, fixed_args, dims, 3u);
    assert_non_null(prep);
    const double pts[3][PK + 2] = {{5, 20, 40, 60, 0.003}, /* at the truth, sigma small */
                                   {5.1, 20.01, 39.98, 60.02, 0.05},
                                   {-3, 0, 1, 2, 7}};
    for (int t = 0; t < 3; t++) {
        double al = pts[t][0], be[PK], sg = pts[t][PK + 1];
        memcpy(be, pts[t] + 1, sizeof be);
        double g1[PK + 2] = {0}, g2[PK + 2] = {0};
        gb_arg a1[5] = {{y, NULL, 0}, {x, NULL, 0}, {&al, &g1[0], 0}, {be, &g1[1], 0},
                        {&sg, &g1[PK + 1], 0}};
        gb_arg a2[5] = {{y, NULL, 0}, {x, NULL, 0}, {&al, &g2[0], 0}, {be, &g2[1], 0},
                        {&sg, &g2[PK + 1], 0}};
        double l1 = d->lpdf(1, a1, dims, 0), l2 = d->lpdf_prepared(prep, 1, a2, dims, 0);
        assert_near(l2, l1, 1e-9 * fabs(l1), 1e-9);
        for (int k = 0; k < PK + 2; k++)
            assert_near(g2[k], g1[k], 1e-7 * fabs(g1[k]) + 1e-6, 1e-7);
    }
    d->free_prepared(prep);
    for (size_t i = 0; i < PN; i++) /* column 3 = 2 x column 1: A is singular */
        x[i * PK + 2] = 2 * x[i * PK];
    assert_null(d->prepare(1, fixed_args, dims, 3u));
    assert_null(d->prepare(1, fixed_args, dims, 1u)); /* x not fixed */
}

static const char *const glms[3] = {"normal_id_glm", "bernoulli_logit_glm", "poisson_log_glm"};
static const double *const glm_ys[3] = {gy_real, gy_bin, gy_cnt};

static void test_multi_glms_equal_elementwise_sums(void **state)
{
    (void)state;
    const double be[GK] = {0.4, -0.3};
    for (int f = 0; f < 3; f++) {
        const gb_dist_ops *d = find(glms[f]);
        assert_near(glm_eval(d, glm_ys[f], gx, 0.2, be, 1.3, NULL, NULL, NULL, NULL, NULL),
                    elementwise(glms[f], glm_ys[f], gx, 0.2, be, 1.3), 1e-12, 1e-13);
        double lp = glm_eval(d, glm_ys[f], gx, -1, be, 0.5, NULL, NULL, NULL, NULL, NULL);
        assert_near(lp, elementwise(glms[f], glm_ys[f], gx, -1, be, 0.5), 1e-12, 1e-13);
        /* invalid alpha / sigma; non-finite data */
        assert_true(glm_eval(d, glm_ys[f], gx, NAN, be, 1, NULL, NULL, NULL, NULL, NULL) ==
                    -INFINITY);
        double xb[GN * GK];
        memcpy(xb, gx, sizeof xb);
        xb[5] = NAN;
        assert_true(glm_eval(d, glm_ys[f], xb, 0, be, 1, NULL, NULL, NULL, NULL, NULL) ==
                    -INFINITY);
    }
    assert_true(glm_eval(find("normal_id_glm"), gy_real, gx, 0, (double[]){0, 0}, 0, NULL, NULL,
                         NULL, NULL, NULL) == -INFINITY);
    double ybad[GN] = {1, 0, 2, 1, 0, 0};
    assert_true(glm_eval(find("bernoulli_logit_glm"), ybad, gx, 0, (double[]){0, 0}, 1, NULL, NULL,
                         NULL, NULL, NULL) == -INFINITY);
    ybad[2] = 1.5;
    assert_true(glm_eval(find("poisson_log_glm"), ybad, gx, 0, (double[]){0, 0}, 1, NULL, NULL,
                         NULL, NULL, NULL) == -INFINITY);
}

/* All arguments packed in one vector for the difference quotient: y, x, alpha, beta, sigma. */
#define GALL (GN + GN * GK + 1 + GK + 1)

static double glm_packed(const gb_dist_ops *d, const double *v, double *g)
{
    return glm_eval(d, v, v + GN, v[GN + GN * GK], v + GN + GN * GK + 1, v[GALL - 1], g ? g : NULL,
                    g ? g + GN : NULL, g ? g + GN + GN * GK : NULL, g ? g + GN + GN * GK + 1 : NULL,
                    g ? g + GALL - 1 : NULL);
}

static void test_multi_glm_gradients_match_finite_differences(void **state)
{
    (void)state;
    static const double w[6] = {-1, 9, -45, 45, -9, 1}, s[6] = {-3, -2, -1, 1, 2, 3};
    for (int f = 0; f < 3; f++) {
        const gb_dist_ops *d = find(glms[f]);
        double v[GALL], g[GALL] = {0};
        memcpy(v, glm_ys[f], GN * sizeof(double));
        memcpy(v + GN, gx, sizeof gx);
        v[GN + GN * GK] = 0.2;
        v[GN + GN * GK + 1] = 0.4;
        v[GN + GN * GK + 2] = -0.3;
        v[GALL - 1] = 1.3;
        glm_packed(d, v, g);
        size_t first = d->variate_type == GB_REAL ? 0 : GN; /* integer y: no gradient */
        size_t last = f == 0 ? GALL : GALL - 1;             /* sigma only for the normal */
        for (size_t k = first; k < last; k++) {
            double h = step_of(v[k]), sum = 0;
            for (int t = 0; t < 6; t++) {
                double u[GALL];
                memcpy(u, v, sizeof u);
                u[k] += s[t] * h;
                sum += w[t] * glm_packed(d, u, NULL);
            }
            char what[64];
            snprintf(what, sizeof what, "%s argument %zu", d->name, k);
            check_grad(what, g[k], sum / (60 * h));
        }
    }
}

/* GLM draws: each y_i's mean is its family's mean at eta_i (z = 4 per row; 18 checks, a false
 * alarm rate of about 1.1e-3). */
static void test_multi_glm_rngs_match_means(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    const double al = 0.2, be[GK] = {0.4, -0.3}, sg = 1.3;
    static double out[DRAWS * GN];
    for (int f = 0; f < 3; f++) {
        const gb_dist_ops *d = find(glms[f]);
        gb_arg p[4] = {{gx, NULL, 0}, {&al, NULL, 0}, {be, NULL, 0}, {&sg, NULL, 0}};
        size_t dims[2] = {GN, GK};
        for (size_t i = 0; i < DRAWS; i++)
            d->rng(r, 1, p, dims, out + i * GN);
        for (size_t row = 0; row < GN; row++) {
            double eta = al + gx[row * GK] * be[0] + gx[row * GK + 1] * be[1];
            double mean = f == 0 ? eta : f == 1 ? 1 / (1 + exp(-eta)) : exp(eta);
            double var = f == 0 ? sg * sg : f == 1 ? mean * (1 - mean) : mean, s = 0;
            for (size_t i = 0; i < DRAWS; i++)
                s += out[i * GN + row];
            check_mean(d->name, s / DRAWS, var, mean);
        }
    }
    gsl_rng_free(r);
}

static void test_multi_tables_are_complete(void **state)
{
    (void)state;
    size_t n = 0;
    for (const gb_dist_ops *const *t = gb_dists_multivariate; *t; t++, n++) {
        const gb_dist_ops *d = *t;
        assert_ptr_equal(gb_dist_find(d->name), d);
        /* the tree statistics are scalars that sit beside their tree priors */
        assert_true(d->variate_rank >= 1 || strncmp(d->name, "tree_", 5) == 0);
        assert_non_null(d->lpdf);
        assert_non_null(d->doc);
        assert_non_null(strstr(d->example, d->name));
        assert_null(d->lcdf);
    }
    assert_int_equal(n, 14);
    assert_int_equal(find("dirichlet")->support.kind, GB_SUPPORT_SIMPLEX);
    assert_int_equal(find("lkj_corr_cholesky")->support.kind, GB_SUPPORT_CHOL_CORR);
    assert_int_equal(find("lkj_corr_cholesky")->size_param, GB_NO_PARAM);
    assert_int_equal(find("wishart")->support.kind, GB_SUPPORT_SPD);
    assert_int_equal(find("multinomial")->support.kind, GB_SUPPORT_INT_VECTOR);
}

/* The tree priors have no density in f (the tree sampler moves it): 0 for valid arguments,
 * -INFINITY for invalid ones (dist_tree.c), and no rng. */
static void test_multi_tree_priors_are_flat_with_checked_arguments(void **state)
{
    (void)state;
    static const double x[6] = {1, 2, 3, 4, 5, 6}, f[3] = {0.5, -1, 2};
    const size_t dims[2] = {3, 0};
    static const struct {
        const char *name;
        double a[4]; /* the arguments after X (bart_prior: 3) */
        double want;
    } cases[] = {
        {"bart_prior", {200, 2, 0}, 0},
        {"bart_prior", {200, 2, 1}, 0},
        {"bart_prior", {0, 2, 0}, -INFINITY},
        {"bart_prior", {2.5, 2, 0}, -INFINITY},
        {"bart_prior", {200, 0, 0}, -INFINITY},
        {"bart_prior", {200, 2, 2}, -INFINITY},
        {"cart_prior", {0.95, 2, 5, 1}, 0},
        {"cart_prior", {0.95, 2, 5, 8}, 0},
        {"cart_prior", {0.95, 2, 5, 65}, -INFINITY},
        {"cart_prior", {0.95, 2, 5, 0}, -INFINITY},
        {"cart_prior", {0.95, 2, 5, 2.5}, -INFINITY},
        {"cart_prior", {1, 2, 5, 1}, -INFINITY},
        {"cart_prior", {0.95, -1, 5, 1}, -INFINITY},
        {"cart_prior", {0.95, 2, 0, 1}, -INFINITY},
        {"cart_class_prior", {0.5, 0, 1, 1}, 0},
        {"cart_class_prior", {0, 2, 1, 1}, -INFINITY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const gb_dist_ops *d = find(cases[i].name);
        assert_null(d->rng);
        gb_arg a[6] = {{f, NULL, 0},
                       {x, NULL, 0},
                       {&cases[i].a[0], NULL, 0},
                       {&cases[i].a[1], NULL, 0},
                       {&cases[i].a[2], NULL, 0},
                       {&cases[i].a[3], NULL, 0}};
        double lp = d->lpdf(1, a, dims, 0);
        if (!(lp == cases[i].want))
            fail_msg("case %zu (%s): lpdf %g, expected %g", i, cases[i].name, lp, cases[i].want);
    }
}

/* The tree statistics (dist_tree.c) are scalars the tree sampler sets: no density in any value
 * of their own or of f, and no rng (drawing them needs a forest). */
static void test_multi_tree_statistics_are_flat_scalars(void **state)
{
    (void)state;
    static const double v[2] = {-3, 7}, f[3] = {0.5, -1, 2};
    const size_t dims[1] = {3};
    const char *names[] = {"tree_leaves", "tree_depth"};
    for (size_t i = 0; i < 2; i++) {
        const gb_dist_ops *d = find(names[i]);
        assert_null(d->rng);
        assert_int_equal(d->variate_rank, 0);
        assert_int_equal(d->support.kind, GB_SUPPORT_INTERVAL);
        assert_true(isinf(d->support.lower) && isinf(d->support.upper)); /* identity transform */
        gb_arg a[2] = {{v, NULL, 1}, {f, NULL, 0}};
        assert_true(d->lpdf(2, a, dims, 0) == 0);
    }
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multi_lpdf_matches_reference),
        cmocka_unit_test(test_multi_tree_priors_are_flat_with_checked_arguments),
        cmocka_unit_test(test_multi_tree_statistics_are_flat_scalars),
        cmocka_unit_test(test_multi_invalid_arguments_give_neg_inf),
        cmocka_unit_test(test_multi_gradients_match_finite_differences),
        cmocka_unit_test(test_multi_vectorised_equals_sum_of_scalars),
        cmocka_unit_test(test_multi_propto_keeps_differences_and_gradients),
        cmocka_unit_test(test_multi_normal_rngs_match_moments),
        cmocka_unit_test(test_multi_dirichlet_rng_matches_moments),
        cmocka_unit_test(test_multi_lkj_rng_matches_moments),
        cmocka_unit_test(test_multi_wishart_rng_matches_moments),
        cmocka_unit_test(test_multi_glms_equal_elementwise_sums),
        cmocka_unit_test(test_multi_bernoulli_glm_blocks_match_row_sums),
        cmocka_unit_test(test_multi_normal_glm_prepared_matches_streaming),
        cmocka_unit_test(test_multi_glm_gradients_match_finite_differences),
        cmocka_unit_test(test_multi_glm_rngs_match_means),
        cmocka_unit_test(test_multi_tables_are_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
