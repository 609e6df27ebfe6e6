/* test_mixture.c - normal mixtures written with sampled labels, which glassbox sums out of the
 * density NUTS sees (runtime/model/model_marg.c) and draws after each step, sampled end to end
 * and compared with: the posterior computed by quadrature (means and label probabilities), the
 * same model marginalised by hand, and posteriordb's reference for low_dim_gauss_mix.
 *
 * Tolerance: |estimate - exact| < Z * MCSE with MCSE from the ESS of the draws, Z = 4.5 (false
 * alarm 6.8e-6 a check; about 30 checks here: 2e-4 a run).  A label's posterior probability is
 * checked through the mean of the label (values 1, 2: E[z] = 2 - P(z = 1)).  The reference
 * comparison follows ../shared/validation/README.md: |mean - ref| < 4 sqrt(mcse^2 +
 * (sd_ref/100)^2) and sd within 10%.  Fixed seeds: a failure is a finding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "gbt_model.h"
#include "model.h"

#define Z 4.5

static const double Y[8] = {-2.1, -1.4, 1.9, 2.6, 0.3, 2.2, 1.5, -0.8};
static const char *DATA = "{\"y\": [-2.1, -1.4, 1.9, 2.6, 0.3, 2.2, 1.5, -0.8], "
                          "\"zero\": [0, 0, 0, 0, 0, 0, 0, 0]}";

/* m1 ~ N(-1, 1), m2 ~ N(2, 1), weights 0.3 / 0.7, unit sd: the labels written out ... */
static const char *LABELS = "data y: real[N]\nm1 ~ normal(-1, 1)\nm2 ~ normal(2, 1)\n"
                            "for n in 1..N {\n  z[n] ~ categorical([0.3, 0.7])\n"
                            "  y[n] ~ normal(if z[n] == 1 then m1 else m2, 1)\n}\n";
/* ... and summed by hand with the zeros trick: log p(0 | phi) = -phi adds
 * log_sum_exp(...) - 50 per observation (the bracket is at most 0, so phi >= 50 > 0). */
static const char *BY_HAND =
    "data y: real[N]\ndata zero: int[N]\nm1 ~ normal(-1, 1)\nm2 ~ normal(2, 1)\n"
    "for n in 1..N {\n  zero[n] ~ poisson(50 - log_sum_exp(log(0.3) - 0.5 * (y[n] - m1) ^ 2, "
    "log(0.7) - 0.5 * (y[n] - m2) ^ 2))\n}\n";

static gbt_model *run_model(const char *model, const char *json, unsigned long seed)
{
    gbt_model *f = gbt_model_new();
    if (gbt_model_build(f, model, json) != GB_OK || gbt_model_run(f, 4, 1000, 1000, seed) != GB_OK)
        fail_msg("sampling failed");
    return f;
}

static void check_mean(const gbt_model *f, const char *name, double exact)
{
    gb_diag_summary s = gbt_model_summary(f, name);
    if (!(fabs(s.mean - exact) < Z * s.mcse_mean))
        fail_msg("%s mean %.6g, exact %.6g, MCSE %.3g, z %.2f", name, s.mean, exact, s.mcse_mean,
                 (s.mean - exact) / s.mcse_mean);
}

/* Posterior moments by quadrature on a grid over (m1, m2): E m1, E m2, and P(z[n] = 1). */
typedef struct quad {
    double m1, m2, p1[8];
} quad;

static quad quadrature(void)
{
    enum { G = 700 };
    const double lo = -7, hi = 8, h = (hi - lo) / G;
    double tot = 0, s1 = 0, s2 = 0, sp[8] = {0}, lmax = -INFINITY;
    /* two passes: the maximum first, so the weights do not underflow */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i <= G; i++)
            for (int j = 0; j <= G; j++) {
                double a = lo + i * h, b = lo + j * h, pz[8];
                double lp = -0.5 * (a + 1) * (a + 1) - 0.5 * (b - 2) * (b - 2);
                for (int n = 0; n < 8; n++) {
                    double u = 0.3 * exp(-0.5 * (Y[n] - a) * (Y[n] - a));
                    double v = 0.7 * exp(-0.5 * (Y[n] - b) * (Y[n] - b));
                    lp += log(u + v);
                    pz[n] = u / (u + v);
                }
                if (pass == 0) {
                    lmax = fmax(lmax, lp);
                    continue;
                }
                double w = exp(lp - lmax);
                tot += w;
                s1 += w * a;
                s2 += w * b;
                for (int n = 0; n < 8; n++)
                    sp[n] += w * pz[n];
            }
    quad q = {s1 / tot, s2 / tot, {0}};
    for (int n = 0; n < 8; n++)
        q.p1[n] = sp[n] / tot;
    return q;
}

static void test_mixture_labels_match_quadrature(void **state)
{
    (void)state;
    gbt_model *f = run_model(LABELS, DATA, 31);
    quad q = quadrature();
    check_mean(f, "m1", q.m1);
    check_mean(f, "m2", q.m2);
    for (int n = 0; n < 8; n++) {
        char name[16];
        snprintf(name, sizeof name, "z.%d", n + 1);
        gb_diag_summary s = gbt_model_summary(f, name);
        double exact = 2 - q.p1[n];
        /* a label whose probability is nearly 0 or 1 may show no variation at all */
        if (s.mcse_mean > 0 || fabs(s.mean - exact) > 1e-3)
            check_mean(f, name, exact);
    }
    gbt_model_free(f);
}

/* The summed-out labels and the mixture summed by hand give the same posterior. */
static void test_mixture_labels_match_hand_marginalised(void **state)
{
    (void)state;
    gbt_model *a = run_model(LABELS, DATA, 32), *b = run_model(BY_HAND, DATA, 33);
    const char *names[2] = {"m1", "m2"};
    for (int k = 0; k < 2; k++) {
        gb_diag_summary sa = gbt_model_summary(a, names[k]), sb = gbt_model_summary(b, names[k]);
        double se = sqrt(sa.mcse_mean * sa.mcse_mean + sb.mcse_mean * sb.mcse_mean);
        if (!(fabs(sa.mean - sb.mean) < Z * se))
            fail_msg("%s: labels %.5g, by hand %.5g, MCSE %.3g, z %.2f", names[k], sa.mean,
                     sb.mean, se, (sa.mean - sb.mean) / se);
    }
    gbt_model_free(a);
    gbt_model_free(b);
}

/* posteriordb's low_dim_gauss_mix, written with labels (tests/posteriordb), at three seeds
 * against the reference draws; skipped, saying so, without ../shared.  2 chains of 1000 warmup
 * + 500 draws: with 500 warmup iterations one chain of seed 41 ends warmup with step size 0.02
 * and 256 divergences, as the same model marginalised by hand does at that length. */
static void test_mixture_low_dim_gauss_mix_matches_reference(void **state)
{
    (void)state;
    const char *shared = getenv("GB_TEST_SHARED") ? getenv("GB_TEST_SHARED") : "../shared";
    char data[1024], ref[1024];
    snprintf(data, sizeof data, "%s/validation/data/low_dim_gauss_mix-low_dim_gauss_mix.json",
             shared);
    snprintf(ref, sizeof ref,
             "%s/validation/reference/low_dim_gauss_mix-low_dim_gauss_mix.csv", shared);
    FILE *rf = fopen(ref, "r");
    if (!rf) {
        printf("skipped: %s is absent (set GB_TEST_SHARED)\n", ref);
        skip();
    }
    char line[512], names[8][48];
    double mean[8], sd[8];
    int np = 0;
    while (np < 8 && fgets(line, sizeof line, rf)) {
        char p[32];
        int k;
        if (sscanf(line, "%31[^[,][%d],%lf,%lf", p, &k, &mean[np], &sd[np]) == 4)
            snprintf(names[np++], sizeof names[0], "%s.%d", p, k);
        else if (sscanf(line, "%31[^,],%lf,%lf", p, &mean[np], &sd[np]) == 3 &&
                 strcmp(p, "param") != 0)
            snprintf(names[np++], sizeof names[0], "%s", p);
    }
    fclose(rf);
    assert_int_equal(np, 5);
    static const unsigned long seeds[3] = {41, 42, 43};
    for (int s = 0; s < 3; s++) {
        gbt_model *f = gbt_model_new();
        if (gbt_model_build_files(f, "tests/posteriordb/low_dim_gauss_mix-low_dim_gauss_mix.gb",
                                  data) != GB_OK ||
            gbt_model_run(f, 2, 1000, 500, seeds[s]) != GB_OK)
            fail_msg("sampling failed");
        for (int i = 0; i < np; i++) {
            gb_diag_summary d = gbt_model_summary(f, names[i]);
            double tol = 4 * sqrt(d.mcse_mean * d.mcse_mean + sd[i] * sd[i] / 1e4);
            if (!(fabs(d.mean - mean[i]) < tol) || !(fabs(d.sd / sd[i] - 1) < 0.1))
                fail_msg("seed %lu %s: mean %.5g sd %.4g, reference %.5g sd %.4g (tol %.3g)",
                         seeds[s], names[i], d.mean, d.sd, mean[i], sd[i], tol);
        }
        gbt_model_free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixture_labels_match_quadrature),
        cmocka_unit_test(test_mixture_labels_match_hand_marginalised),
        cmocka_unit_test(test_mixture_low_dim_gauss_mix_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
