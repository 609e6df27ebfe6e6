/* sbc.c - simulation-based calibration (Talts, Betancourt, Simpson, Vehtari, Gelman 2018).
 *
 * For each model: draw parameters from the prior and data from the likelihood (hand-written
 * simulators using GSL, independent of glassbox's own RNGs), fit with glassbox, and record the
 * rank of the true value among L thinned posterior draws.  If sampling is right the ranks are
 * uniform on 0..L; a chi-square test on B bins checks it.  With SIMS simulations per model:
 *   build/tests/stat/sbc [SIMS [NAME]]  (make sbc runs 200; make test runs a short 30; NAME:
 *                                      only the models whose name contains it)
 * Each check passes when its p-value exceeds 1e-4; over the ~10 checks here the false-alarm rate
 * is about 1e-3 per run.  Fixed seeds: a failure is a finding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "data.h"
#include "lower.h"
#include "model.h"
#include "run.h"

#define THIN 10
#define L 99   /* thinned draws per fit: ranks 0..L */
#define BINS 10
#define MAXP 4
#define P_MIN 1e-4

typedef struct sbc_model {
    const char *name, *script;
    int nparams;
    const char *params[MAXP];
    /* draws the truth into theta and writes the data as JSON into buf */
    void (*simulate)(gsl_rng *r, double *theta, char *buf, size_t len);
} sbc_model;

static int put_vec(char *buf, size_t len, const char *name, const double *x, int n, int as_int)
{
    int w = snprintf(buf, len, "\"%s\": [", name);
    for (int i = 0; i < n && (size_t)w < len; i++)
        w += snprintf(buf + w, len - (size_t)w, as_int ? "%s%.0f" : "%s%.17g", i ? ", " : "",
                      x[i]);
    w += snprintf(buf + w, len - (size_t)w, "]");
    return w;
}

static void sim_normal_mean(gsl_rng *r, double *th, char *buf, size_t len)
{
    double y[10];
    th[0] = gsl_ran_gaussian(r, 1);
    for (int i = 0; i < 10; i++)
        y[i] = th[0] + gsl_ran_gaussian(r, 1);
    int w = snprintf(buf, len, "{");
    w += put_vec(buf + w, len - (size_t)w, "y", y, 10, 0);
    snprintf(buf + w, len - (size_t)w, "}");
}

static void sim_normal_mean_sd(gsl_rng *r, double *th, char *buf, size_t len)
{
    double y[10];
    th[0] = gsl_ran_gaussian(r, 2);
    th[1] = fabs(gsl_ran_gaussian(r, 1));
    for (int i = 0; i < 10; i++)
        y[i] = th[0] + gsl_ran_gaussian(r, th[1]);
    int w = snprintf(buf, len, "{");
    w += put_vec(buf + w, len - (size_t)w, "y", y, 10, 0);
    snprintf(buf + w, len - (size_t)w, "}");
}

static void sim_beta_binomial(gsl_rng *r, double *th, char *buf, size_t len)
{
    th[0] = gsl_ran_beta(r, 2, 2);
    snprintf(buf, len, "{\"n\": 20, \"k\": %u}", gsl_ran_binomial(r, th[0], 20));
}

static void sim_gamma_poisson(gsl_rng *r, double *th, char *buf, size_t len)
{
    double y[8];
    th[0] = gsl_ran_gamma(r, 2, 1); /* shape 2, scale 1 = rate 1 */
    for (int i = 0; i < 8; i++)
        y[i] = gsl_ran_poisson(r, th[0]);
    int w = snprintf(buf, len, "{");
    w += put_vec(buf + w, len - (size_t)w, "y", y, 8, 1);
    snprintf(buf + w, len - (size_t)w, "}");
}

static void sim_hierarchical(gsl_rng *r, double *th, char *buf, size_t len)
{
    double y[4];
    th[0] = gsl_ran_gaussian(r, 1);
    th[1] = fabs(gsl_ran_gaussian(r, 1));
    for (int j = 0; j < 4; j++)
        y[j] = th[0] + th[1] * gsl_ran_gaussian(r, 1) + gsl_ran_gaussian(r, 1);
    int w = snprintf(buf, len, "{");
    w += put_vec(buf + w, len - (size_t)w, "y", y, 4, 0);
    snprintf(buf + w, len - (size_t)w, "}");
}

static void sim_changepoint(gsl_rng *r, double *th, char *buf, size_t len)
{
    double c[10];
    th[0] = 1 + (double)gsl_rng_uniform_int(r, 10);
    th[1] = gsl_ran_gamma(r, 2, 1);
    th[2] = gsl_ran_gamma(r, 2, 1);
    for (int i = 1; i <= 10; i++)
        c[i - 1] = gsl_ran_poisson(r, i < th[0] ? th[1] : th[2]);
    int w = snprintf(buf, len, "{");
    w += put_vec(buf + w, len - (size_t)w, "c", c, 10, 1);
    snprintf(buf + w, len - (size_t)w, "}");
}

/* A change point read from the latent's side (tau <= i) with a support one wider than the data
 * at each end, normal observations: the step sums of model_marg_step.c with breakpoints at
 * both ends of the support. */
static void sim_changepoint_normal(gsl_rng *r, double *th, char *buf, size_t len)
{
    double y[10];
    th[0] = (double)gsl_rng_uniform_int(r, 12); /* 0 .. 11 */
    th[1] = gsl_ran_gaussian(r, 2);
    th[2] = gsl_ran_gaussian(r, 2);
    for (int i = 1; i <= 10; i++)
        y[i - 1] = (th[0] <= i ? th[2] : th[1]) + gsl_ran_gaussian(r, 1);
    int w = snprintf(buf, len, "{");
    w += put_vec(buf + w, len - (size_t)w, "y", y, 10, 0);
    snprintf(buf + w, len - (size_t)w, "}");
}

/* A two-state hidden Markov model, T = 20, known transitions and noise, emission means with
 * priors far enough apart (3 prior sds of 0.5 each side) that the label-swapped mode carries
 * e^-36 of the mass: the chain is updated by FFBS (sampler_chain.c), the means by NUTS. */
#define HMM_T 20
static const double hmm_G[2][2] = {{0.9, 0.1}, {0.2, 0.8}}, hmm_M0[2] = {-1.5, 1.5};

static void sim_hmm(gsl_rng *r, double *th, char *buf, size_t len)
{
    double y[HMM_T], z[HMM_T], mu[2];
    for (int k = 0; k < 2; k++)
        mu[k] = hmm_M0[k] + gsl_ran_gaussian(r, 0.5);
    for (int t = 0; t < HMM_T; t++) {
        int prev = t ? (int)z[t - 1] - 1 : -1;
        double p1 = prev < 0 ? 0.5 : hmm_G[prev][0];
        z[t] = gsl_rng_uniform(r) < p1 ? 1 : 2;
        y[t] = mu[(int)z[t] - 1] + gsl_ran_gaussian(r, 1);
    }
    th[0] = mu[0];
    th[1] = mu[1];
    th[2] = z[4];
    th[3] = z[14];
    int w = snprintf(buf, len, "{\"G\": [[0.9, 0.1], [0.2, 0.8]], \"M0\": [-1.5, 1.5], ");
    w += put_vec(buf + w, len - (size_t)w, "y", y, HMM_T, 0);
    snprintf(buf + w, len - (size_t)w, "}");
}

/* The same chain with its stay probabilities a, b ~ beta(8, 2) sampled too: glassbox sums the
 * chain out by the forward algorithm (model_marg_chain.c), NUTS moves mu, a, b on log Z, and
 * the path is drawn by FFBS after each step. */
static void sim_hmm_summed(gsl_rng *r, double *th, char *buf, size_t len)
{
    double y[HMM_T], z[HMM_T], mu[2], stay[2];
    for (int k = 0; k < 2; k++) {
        mu[k] = hmm_M0[k] + gsl_ran_gaussian(r, 0.5);
        stay[k] = gsl_ran_beta(r, 8, 2);
    }
    for (int t = 0; t < HMM_T; t++) {
        int prev = t ? (int)z[t - 1] - 1 : -1;
        double p1 = prev < 0 ? 0.5 : prev == 0 ? stay[0] : 1 - stay[1];
        z[t] = gsl_rng_uniform(r) < p1 ? 1 : 2;
        y[t] = mu[(int)z[t] - 1] + gsl_ran_gaussian(r, 1);
    }
    th[0] = mu[0];
    th[1] = mu[1];
    th[2] = stay[0];
    th[3] = z[4];
    int w = snprintf(buf, len, "{\"M0\": [-1.5, 1.5], ");
    w += put_vec(buf + w, len - (size_t)w, "y", y, HMM_T, 0);
    snprintf(buf + w, len - (size_t)w, "}");
}

/* Two-component mixture, labels summed out of the density by glassbox (model_marg.c) and drawn
 * after each step: z.1 is checked as a discrete parameter (ties broken at random). */
static void sim_mixture(gsl_rng *r, double *th, char *buf, size_t len)
{
    double y[10], z[10];
    th[0] = -2 + gsl_ran_gaussian(r, 1);
    th[1] = 2 + gsl_ran_gaussian(r, 1);
    th[2] = gsl_ran_beta(r, 2, 2);
    for (int i = 0; i < 10; i++) {
        z[i] = gsl_rng_uniform(r) < th[2] ? 1 : 2;
        y[i] = (z[i] == 1 ? th[0] : th[1]) + gsl_ran_gaussian(r, 1);
    }
    th[3] = z[0];
    int w = snprintf(buf, len, "{");
    w += put_vec(buf + w, len - (size_t)w, "y", y, 10, 0);
    snprintf(buf + w, len - (size_t)w, "}");
}

/* Two-component mixture whose labels Gibbs updates (`@sample z`), a scale per component:
 * NUTS moves mu and s with the likelihood evaluated from per-label statistics (model_group.c),
 * rebuilt after each Gibbs sweep. */
static void sim_mixture_gibbs(gsl_rng *r, double *th, char *buf, size_t len)
{
    double y[20], z[20], mu[2], s[2];
    for (int k = 0; k < 2; k++) {
        mu[k] = hmm_M0[k] + gsl_ran_gaussian(r, 0.5);
        s[k] = gsl_ran_gamma(r, 4, 0.25);
    }
    for (int i = 0; i < 20; i++) {
        z[i] = gsl_rng_uniform(r) < 0.5 ? 1 : 2;
        y[i] = mu[(int)z[i] - 1] + gsl_ran_gaussian(r, s[(int)z[i] - 1]);
    }
    th[0] = mu[0];
    th[1] = mu[1];
    th[2] = s[0];
    th[3] = z[0];
    int w = snprintf(buf, len, "{\"M0\": [-1.5, 1.5], ");
    w += put_vec(buf + w, len - (size_t)w, "y", y, 20, 0);
    snprintf(buf + w, len - (size_t)w, "}");
}

/* Bayesian CART classification (cart_class_prior, tempered with 4 replicas): a tree drawn from
 * the CGM prior by forward simulation on a fixed X (40 rows; column 1 distinct, column 2 with
 * ties), written here independently of the tree library: a node at depth d splits with
 * probability 0.95 (1 + d)^-1 on a uniform column at a uniform value among those leaving 2 rows
 * each side; a tree with a split that has no such value, or more than 20 leaves (the library's
 * cap, rows / min_leaf), is drawn again (the prior conditions on valid trees).  Each leaf's class
 * probabilities ~ Dirichlet(1, 1), labels from them.  Checked: F[1, 1] (row 1's log probability
 * of class 1) and the number of leaves (ties broken at random). */
#define CART_N 40
#define CART_ML 2
static double cart_x(int i, int j)
{
    return j == 0 ? i : (i * 7) % 5;
}

static int cmp_dbl(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/* Grows the subtree on rows[0..n) at depth d, numbering its leaves into leaf_of; 0: rejected. */
static int cart_grow(gsl_rng *r, int *rows, int n, int d, int *leaf_of, int *leaves)
{
    if (gsl_rng_uniform(r) >= 0.95 / (1.0 + d)) {
        for (int k = 0; k < n; k++)
            leaf_of[rows[k]] = *leaves;
        return ++*leaves <= CART_N / CART_ML;
    }
    int j = (int)gsl_rng_uniform_int(r, 2), nc = 0;
    double v[CART_N], cuts[CART_N];
    for (int k = 0; k < n; k++)
        v[k] = cart_x(rows[k], j);
    qsort(v, (size_t)n, sizeof *v, cmp_dbl);
    for (int k = CART_ML - 1; k < n - CART_ML; k++) /* x <= v[k]: k + 1 rows left if no tie */
        if (v[k] < v[k + 1] && (nc == 0 || cuts[nc - 1] != v[k]))
            cuts[nc++] = v[k];
    if (nc == 0)
        return 0;
    double cut = cuts[gsl_rng_uniform_int(r, (unsigned long)nc)];
    int left[CART_N], right[CART_N], nl = 0, nr = 0;
    for (int k = 0; k < n; k++) {
        if (cart_x(rows[k], j) <= cut)
            left[nl++] = rows[k];
        else
            right[nr++] = rows[k];
    }
    return cart_grow(r, left, nl, d + 1, leaf_of, leaves) &&
           cart_grow(r, right, nr, d + 1, leaf_of, leaves);
}

static void sim_cart_class(gsl_rng *r, double *th, char *buf, size_t len)
{
    int rows[CART_N], leaf_of[CART_N], leaves = 0;
    do {
        for (int i = 0; i < CART_N; i++)
            rows[i] = i;
        leaves = 0;
    } while (!cart_grow(r, rows, CART_N, 0, leaf_of, &leaves));
    double p[CART_N][2], y[CART_N];
    static const double ones[2] = {1, 1};
    for (int l = 0; l < leaves; l++)
        gsl_ran_dirichlet(r, 2, ones, p[l]);
    for (int i = 0; i < CART_N; i++)
        y[i] = gsl_rng_uniform(r) < p[leaf_of[i]][0] ? 1 : 2;
    th[0] = log(p[leaf_of[0]][0]);
    th[1] = leaves;
    int w = snprintf(buf, len, "{\"X\": [");
    for (int i = 0; i < CART_N; i++)
        w += snprintf(buf + w, len - (size_t)w, "%s[%g, %g]", i ? ", " : "", cart_x(i, 0),
                      cart_x(i, 1));
    w += snprintf(buf + w, len - (size_t)w, "], ");
    w += put_vec(buf + w, len - (size_t)w, "y", y, CART_N, 1);
    snprintf(buf + w, len - (size_t)w, "}");
}

static const sbc_model models[] = {
    {"normal mean", "data y: real[N]\nmu ~ normal(0, 1)\ny ~ normal(mu, 1)\n", 1, {"mu"},
     sim_normal_mean},
    {"normal mean and sd",
     "data y: real[N]\nmu ~ normal(0, 2)\nsigma ~ half_normal(1)\ny ~ normal(mu, sigma)\n", 2,
     {"mu", "sigma"}, sim_normal_mean_sd},
    {"beta-binomial", "data n: int\ndata k: int\ntheta ~ beta(2, 2)\nk ~ binomial(n, theta)\n", 1,
     {"theta"}, sim_beta_binomial},
    {"gamma-poisson", "data y: int[N]\nlambda ~ gamma(2, 1)\ny ~ poisson(lambda)\n", 1,
     {"lambda"}, sim_gamma_poisson},
    {"hierarchical (non-centred)",
     "data y: real[J]\nmu ~ normal(0, 1)\ntau ~ half_normal(1)\neta: real[J] ~ normal(0, 1)\n"
     "y ~ normal(mu + tau * eta, 1)\n",
     2, {"mu", "tau"}, sim_hierarchical},
    {"change point (summed out)",
     "data c: int[N]\ntau ~ uniform_int(1, N)\nl1 ~ gamma(2, 1)\nl2 ~ gamma(2, 1)\n"
     "for i in 1..N {\n  c[i] ~ poisson(if i < tau then l1 else l2)\n}\n",
     3, {"tau", "l1", "l2"}, sim_changepoint},
    {"hidden Markov (FFBS)",
     "@sample z\ndata y: real[N]\ndata G: real[2, 2]\ndata M0: real[2]\n"
     "for k in 1..2 {\n  mu[k] ~ normal(M0[k], 0.5)\n}\n"
     "z[1] ~ categorical([0.5, 0.5])\nfor t in 2..N {\n  z[t] ~ categorical(G[z[t - 1]])\n}\n"
     "for t in 1..N {\n  y[t] ~ normal(mu[z[t]], 1)\n}\n",
     4, {"mu.1", "mu.2", "z.5", "z.15"}, sim_hmm},
    {"hidden Markov (summed)",
     "@marginalise z\ndata y: real[N]\ndata M0: real[2]\nfor k in 1..2 {\n  mu[k] ~ normal(M0[k], 0.5)\n}\n"
     "a ~ beta(8, 2)\nb ~ beta(8, 2)\nz[1] ~ categorical([0.5, 0.5])\nfor t in 2..N {\n"
     "  z[t] ~ categorical(if z[t - 1] == 1 then [a, 1 - a] else [1 - b, b])\n}\n"
     "for t in 1..N {\n  y[t] ~ normal(mu[z[t]], 1)\n}\n",
     4, {"mu.1", "mu.2", "a", "z.5"}, sim_hmm_summed},
    {"mixture (labels summed out)",
     "data y: real[N]\nm1 ~ normal(-2, 1)\nm2 ~ normal(2, 1)\nw ~ beta(2, 2)\n"
     "for n in 1..N {\n  z[n] ~ categorical([w, 1 - w])\n"
     "  y[n] ~ normal(if z[n] == 1 then m1 else m2, 1)\n}\n",
     4, {"m1", "m2", "w", "z.1"}, sim_mixture},
    {"mixture (Gibbs labels, grouped statistics)",
     "@sample z\ndata y: real[N]\ndata M0: real[2]\nfor k in 1..2 {\n  mu[k] ~ normal(M0[k], 0.5)\n}\n"
     "s: real<lower=0>[2] ~ gamma(4, 4)\nfor n in 1..N {\n  z[n] ~ categorical([0.5, 0.5])\n"
     "  y[n] ~ normal(mu[z[n]], s[z[n]])\n}\n",
     4, {"mu.1", "mu.2", "s.1", "z.1"}, sim_mixture_gibbs},
    {"tempered CART (classes)",
     "data X: real[N, 2]\ndata y: int[N]\nF: real[N, 2] ~ cart_class_prior(X, 0.95, 1, 2, 4)\n"
     "y ~ categorical_logit(F)\nleaves ~ tree_leaves(F[1, ])\n",
     2, {"F.1.1", "leaves"}, sim_cart_class},
    {"change point (normal, tau <= i)",
     "data y: real[N]\ntau ~ uniform_int(0, N + 1)\nm1 ~ normal(0, 2)\nm2 ~ normal(0, 2)\n"
     "for i in 1..N {\n  y[i] ~ normal(if tau <= i then m2 else m1, 1)\n}\n",
     3, {"tau", "m1", "m2"}, sim_changepoint_normal},
};

/* Fits one simulated data set; writes the rank of each truth into rank[]. */
static int fit_one(const sbc_model *sm, const char *json, const double *truth, gsl_rng *tie,
                   unsigned long seed, int *rank)
{
    gb_sources *srcs = gb_sources_new();
    gb_errlist *errs = gb_errlist_new();
    gb_data *data = gb_data_new();
    gb_graph *g = NULL;
    gb_model *m = NULL;
    gb_draws *d = NULL;
    const gb_source *src;
    int rc = -1;
    gb_status st = gb_sources_add(srcs, "sim.json", json, strlen(json), &src);
    if (st == GB_OK)
        st = gb_data_load_json(data, src, errs);
    if (st == GB_OK)
        st = gb_sources_add(srcs, "sbc.gb", sm->script, strlen(sm->script), &src);
    gb_lower_opts o = {data, NULL, NULL, 0};
    if (st == GB_OK)
        st = gb_lower_source(srcs, src, &o, &g, errs);
    if (st == GB_OK)
        st = gb_model_compile(g, &m, errs);
    gb_run_config cfg = {.chains = 1, .warmup = 500, .draws = L * THIN, .threads = 1,
                         .max_depth = 10, .seed = seed, .adapt_delta = 0.8, .init_radius = 2.0,
                         .adapt_fisher = 1 /* the CLI's default warmup */};
    if (st == GB_OK)
        st = gb_run(m, &cfg, NULL, NULL, &d, errs);
    if (st != GB_OK) {
        gb_errlist_print(errs, srcs, stderr);
        goto done;
    }
    for (int p = 0; p < sm->nparams; p++) {
        size_t col = 0;
        while (col < gb_model_output_size(m) && strcmp(gb_model_output_name(m, col), sm->params[p]))
            col++;
        if (col == gb_model_output_size(m)) {
            fprintf(stderr, "sbc: %s has no column %s\n", sm->name, sm->params[p]);
            goto done;
        }
        int less = 0, ties = 0;
        for (int k = 0; k < L; k++) {
            double x = d->rows[(size_t)(k * THIN + THIN - 1) * d->ncols + GB_NSAMPLER_COLS + col];
            less += x < truth[p];
            ties += x == truth[p];
        }
        /* ties (discrete parameters) are broken at random, as Talts et al. advise: the truth's
           place among the tied draws is uniform on 0..ties (a coin per tied draw would pile the
           ranks of a binary parameter up in the middle) */
        rank[p] = less + (int)gsl_rng_uniform_int(tie, (unsigned long)ties + 1);
    }
    rc = 0;
done:
    gb_draws_free(d);
    gb_model_free(m);
    gb_graph_free(g);
    gb_data_free(data);
    gb_errlist_free(errs);
    gb_sources_free(srcs);
    return rc;
}

int main(int argc, char **argv)
{
    int sims = argc > 1 ? atoi(argv[1]) : 200;
    if (sims < 10)
        sims = 10;
    int pass = 0, fail = 0;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 20181001);
    for (size_t mi = 0; mi < sizeof models / sizeof models[0]; mi++) {
        const sbc_model *sm = &models[mi];
        if (argc > 2 && !strstr(sm->name, argv[2]))
            continue;
        int hist[MAXP][BINS] = {{0}};
        int ok = 1;
        for (int s = 0; s < sims && ok; s++) {
            double truth[MAXP];
            char json[4096];
            int rank[MAXP];
            sm->simulate(r, truth, json, sizeof json);
            if (fit_one(sm, json, truth, r, 1000 + (unsigned long)s, rank) != 0) {
                ok = 0;
                break;
            }
            for (int p = 0; p < sm->nparams; p++)
                hist[p][rank[p] * BINS / (L + 1)]++;
        }
        if (!ok) {
            printf("FAIL %s: a fit failed\n", sm->name);
            fail++;
            continue;
        }
        for (int p = 0; p < sm->nparams; p++) {
            double e = (double)sims / BINS, chi = 0;
            for (int b = 0; b < BINS; b++)
                chi += (hist[p][b] - e) * (hist[p][b] - e) / e;
            double pv = gsl_cdf_chisq_Q(chi, BINS - 1);
            int good = pv > P_MIN;
            printf("%s %-28s %-6s chi2 %6.2f  p %.4f  ranks:", good ? "ok  " : "FAIL", sm->name,
                   sm->params[p], chi, pv);
            for (int b = 0; b < BINS; b++)
                printf(" %d", hist[p][b]);
            printf("\n");
            good ? pass++ : fail++;
        }
    }
    gsl_rng_free(r);
    printf("sbc: %d passed, %d failed\n", pass, fail);
    return fail ? 1 : 0;
}
