/* gradbench.c - the cost of glassbox's log density + gradient against a hand-written C one.
 *
 *   build/bench/gradbench MODEL.gb DATA.json [SECONDS]
 *
 * MODEL is linreg_100k or logistic_10k (told apart by the data: a real or a 0/1 y).  The model
 * is lowered and compiled as `glassbox run` does; the same unconstrained point (uniform in
 * (-2, 2), fixed seed, as the samplers' inits) is given to gb_model_logp and to a plain C loop
 * over the rows of X.  Gradients must agree to 1e-8 relative (they are free of the constant
 * terms glassbox drops; the log densities are compared as differences between two points).
 * Then each is run for about SECONDS (default 3) of CPU time and the gradient evaluations per
 * CPU second are printed as one line (CPU, not wall, time: the machine is often shared):
 *
 *   gradbench MODEL N K gb_evals_per_s gb_streaming_evals_per_s C_evals_per_s
 *             ratio(C/gb_streaming) max_rel_grad_err
 *
 * gb is glassbox as `run` compiles the model (a normal_id_glm of data is evaluated from
 * sufficient statistics, O(K^2) per gradient); gb_streaming is the same model after
 * gb_model_drop_prepared, a pass over the N rows like the C loop: its ratio to the C loop is the
 * interpreter's overhead.  Both are checked against the C loop.  The logistic C loop is blocked
 * (64 rows: linear predictors, then one exp and one log1p per row, then X' r into an unaliased
 * local array), the shape a careful programmer writes at -O2, so it is a fair reference.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

typedef struct hand {
    const double *X, *y;
    size_t n, k;
    int logistic;
} hand;

/* Unconstrained layout used by the hand-written density: alpha, beta[1..K], (log sigma). */
static double hand_logp(const hand *h, const double *th, double *grad)
{
    size_t n = h->n, k = h->k;
    double alpha = th[0];
    const double *beta = th + 1;
    double lp = 0, ga = 0;
    for (size_t j = 0; j < k; j++)
        grad[1 + j] = 0;
    if (h->logistic) {
        /* Blocked as a careful C programmer would write it at -O2: HAND_BLOCK rows' linear
           predictors (four partial sums per row), then one exp and one log1p per row, then the
           block's X' r into a local array the compiler knows is not aliased. */
        enum { HAND_BLOCK = 64 };
        double eta[HAND_BLOCK], r[HAND_BLOCK], gl[64];
        double *gk = k <= 64 ? gl : grad + 1;
        memset(gk, 0, k * sizeof gk[0]);
        for (size_t i0 = 0; i0 < n; i0 += HAND_BLOCK) {
            size_t nb = n - i0 < HAND_BLOCK ? n - i0 : HAND_BLOCK;
            const double *xb = h->X + i0 * k;
            for (size_t i = 0; i < nb; i++) {
                const double *x = xb + i * k;
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                size_t j = 0;
                for (; j + 4 <= k; j += 4) {
                    s0 += x[j] * beta[j];
                    s1 += x[j + 1] * beta[j + 1];
                    s2 += x[j + 2] * beta[j + 2];
                    s3 += x[j + 3] * beta[j + 3];
                }
                for (; j < k; j++)
                    s0 += x[j] * beta[j];
                eta[i] = alpha + ((s0 + s1) + (s2 + s3));
            }
            for (size_t i = 0; i < nb; i++) {
                /* log p(y | eta) = y eta - log(1 + exp(eta)), stably, with one exp */
                double e = eta[i], t = exp(-fabs(e));
                lp += h->y[i0 + i] * e - (e > 0 ? e : 0) - log1p(t);
                r[i] = h->y[i0 + i] - (e >= 0 ? 1 / (1 + t) : t / (1 + t));
                ga += r[i];
            }
            for (size_t i = 0; i < nb; i++)
                for (size_t j = 0; j < k; j++)
                    gk[j] += r[i] * xb[i * k + j];
        }
        if (gk == gl)
            for (size_t j = 0; j < k; j++)
                grad[1 + j] = gl[j];
        lp += -0.5 * alpha * alpha / 25; /* alpha ~ normal(0, 5) */
        ga += -alpha / 25;
        for (size_t j = 0; j < k; j++) { /* beta ~ normal(0, 2.5) */
            lp += -0.5 * beta[j] * beta[j] / 6.25;
            grad[1 + j] += -beta[j] / 6.25;
        }
        grad[0] = ga;
        return lp;
    }
    double ls = th[1 + k], sigma = exp(ls), inv2 = 1 / (sigma * sigma), ss = 0;
    for (size_t i = 0; i < n; i++) {
        const double *x = h->X + i * k;
        double mu = alpha;
        for (size_t j = 0; j < k; j++)
            mu += x[j] * beta[j];
        double r = h->y[i] - mu;
        ss += r * r;
        ga += r;
        for (size_t j = 0; j < k; j++)
            grad[1 + j] += r * x[j];
    }
    lp = -(double)n * ls - 0.5 * ss * inv2;
    ga *= inv2;
    for (size_t j = 0; j < k; j++)
        grad[1 + j] *= inv2;
    lp += -0.5 * alpha * alpha / 1e4; /* alpha ~ normal(0, 100) */
    ga += -alpha / 1e4;
    for (size_t j = 0; j < k; j++) { /* beta ~ normal(0, 100) */
        lp += -0.5 * beta[j] * beta[j] / 1e4;
        grad[1 + j] += -beta[j] / 1e4;
    }
    lp += -0.5 * sigma * sigma / 100 + ls; /* sigma ~ half_normal(10), log-Jacobian */
    grad[0] = ga;
    grad[1 + k] = -(double)n + ss * inv2 - sigma * sigma / 100 + 1;
    return lp;
}

/* One timed call: glassbox's density or the hand-written one, each at a point moved by 1e-12 in
 * one coordinate per call (a different point each time, so no call can be skipped). */
typedef struct timed {
    const gb_model *m;
    gb_model_ws *ws;
    const hand *h;
    double *pt, *grad;
    size_t d, calls;
    int is_hand;
} timed;

static double timed_call(void *ctx)
{
    timed *c = ctx;
    c->pt[c->calls++ % c->d] += 1e-12;
    return c->is_hand ? hand_logp(c->h, c->pt, c->grad)
                      : gb_model_logp(c->m, c->ws, c->pt, c->grad);
}

static void die(const char *msg)
{
    bench_die("gradbench", msg);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        die("usage: gradbench MODEL.gb DATA.json [SECONDS]");
    double secs = argc > 3 ? atof(argv[3]) : 3.0;
    bench_model bm;
    bench_load("gradbench", argv[1], argv[2], &bm);
    gb_model *m = bm.m;
    gb_data *data = bm.data;
    gb_model_ws *ws = gb_model_ws_new(m);
    const gb_data_var *X = gb_data_find(data, "X"), *y = gb_data_find(data, "y");
    if (!X || !y || X->shape.rank != 2)
        die("data need X (N x K) and y");
    hand h = {X->val, y->val, (size_t)X->shape.dim[0], (size_t)X->shape.dim[1], 1};
    for (size_t i = 0; i < y->len; i++)
        if (y->val[i] != 0 && y->val[i] != 1)
            h.logistic = 0;
    size_t d = gb_model_dim(m), dh = 1 + h.k + (h.logistic ? 0 : 1);
    if (d != dh)
        die("unexpected parameter count (model and data do not match?)");

    /* Map glassbox's unconstrained coordinates to the hand layout: give coordinate c the value
     * 0.01 (c + 1), read the constrained outputs by name and find which coordinate each is. */
    size_t nout = gb_model_output_size(m), *map = calloc(d, sizeof *map);
    double *th = calloc(d, sizeof *th), *out = calloc(nout, sizeof *out);
    for (size_t c = 0; c < d; c++)
        th[c] = 0.01 * (double)(c + 1);
    gb_model_logp(m, ws, th, NULL);
    gb_model_values(m, ws, th, out);
    for (size_t col = 0; col < nout; col++) {
        const char *nm = gb_model_output_name(m, col);
        size_t hi;
        double v = out[col];
        if (strcmp(nm, "alpha") == 0)
            hi = 0;
        else if (strncmp(nm, "beta.", 5) == 0)
            hi = (size_t)atoi(nm + 5);
        else if (strcmp(nm, "sigma") == 0)
            hi = 1 + h.k, v = log(v);
        else
            continue;
        long c = lround(v / 0.01) - 1;
        if (c < 0 || (size_t)c >= d || hi >= d)
            die("could not map the parameters");
        map[hi] = (size_t)c;
    }

    double *gth = calloc(d, sizeof *gth), *hth = calloc(d, sizeof *hth);
    double *gg = calloc(d, sizeof *gg), *hg = calloc(d, sizeof *hg);
    /* pass 0: glassbox as `run` compiles it (normal_id_glm of data from sufficient statistics);
       pass 1: the evaluator streaming over the rows, after gb_model_drop_prepared */
    double rate[3], maxrel = 0, lprel = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            gb_model_drop_prepared(m);
        unsigned long s = 20251124;
        double lpg[2], lph[2];
        for (int p = 0; p < 2; p++) {
            for (size_t j = 0; j < d; j++) {
                s = s * 6364136223846793005UL + 1442695040888963407UL;
                hth[j] = 4.0 * (double)(s >> 11) / 9007199254740992.0 - 2.0;
            }
            if (!h.logistic)
                hth[1 + h.k] = log(1.5 + 0.5 * p); /* sigma near the data's noise scale */
            for (size_t j = 0; j < d; j++)
                gth[map[j]] = hth[j];
            lpg[p] = gb_model_logp(m, ws, gth, gg);
            lph[p] = hand_logp(&h, hth, hg);
            for (size_t j = 0; j < d; j++) {
                double a = gg[map[j]], b = hg[j];
                double rel = fabs(a - b) / fmax(fabs(b), 1e-300);
                if (rel > maxrel)
                    maxrel = rel;
            }
        }
        double dlp = (lpg[0] - lpg[1]) - (lph[0] - lph[1]);
        double rel = fabs(dlp) / fmax(fabs(lph[0] - lph[1]), 1e-300);
        if (rel > lprel)
            lprel = rel;
        /* Timing: CPU time of this (single-threaded) process, not wall time: on a shared machine
           the rate then counts only the time the benchmark ran, and other processes' load does
           not lower it.  Pass 0 times glassbox; pass 1 glassbox streaming, then the C loop. */
        for (int who = pass; who < pass + 1 + pass; who++) {
            timed c = {m, ws, &h, who < 2 ? gth : hth, who < 2 ? gg : hg, d, 0, who == 2};
            long n = 0;
            double t = bench_repeat(CLOCK_PROCESS_CPUTIME_ID, secs, 1, timed_call, &c, &n);
            rate[who] = (double)n / t;
        }
    }
    fprintf(stderr,
            "gradbench: %s: max relative gradient difference %.3g, log density difference"
            " between two points agrees to %.3g relative\n",
            argv[1], maxrel, lprel);
    if (!(maxrel <= 1e-8) || !(lprel <= 1e-8))
        die("glassbox and the hand-written density disagree");
    printf("gradbench %s %zu %zu %.1f %.1f %.1f %.3f %.2g\n", h.logistic ? "logistic" : "linreg",
           h.n, h.k, rate[0], rate[1], rate[2], rate[2] / rate[1], maxrel);

    free(map);
    free(th);
    free(out);
    free(gth);
    free(hth);
    free(gg);
    free(hg);
    gb_model_ws_free(ws);
    bench_model_free(&bm);
    return 0;
}
