/* test_diag.c - runtime/diag/diag.c against R's posterior 1.4.0 and against known ESS and R-hat
 * behaviour.
 *
 * Reference values: Debian 12's r-cran-posterior 1.4.0 (R 4.2.2), computed once on the same
 * deterministic draws this file generates (gen() below; the R transcription is exact because
 * every step is an IEEE double operation R and C round alike).  Producing command:
 *   Rscript ref.R      with ref.R =
 *     suppressMessages(library(posterior))
 *     st <- 0
 *     lcg <- function() { st <<- (48271 * st) %% 2147483647; st / 2147483647 }
 *     innov <- function() { s <- 0; for (k in 1:12) s <- s + lcg(); s - 6 }
 *     gen <- function(seed, nchains, ndraws, rho, shift, quant) {
 *       st <<- seed
 *       x <- matrix(0, ndraws, nchains)
 *       for (c in 1:nchains) {
 *         v <- innov()
 *         for (i in 1:ndraws) {
 *           if (i > 1) v <- rho * v + innov()
 *           y <- v + shift * (c - 1)
 *           if (quant) y <- floor(y * 4) / 4
 *           x[i, c] <- y
 *         }
 *       }
 *       x
 *     }
 *     f <- function(v) sprintf("%.17g", v)
 *     for (cs in list(list(12345, 4, 200, 0.9, 0, FALSE), list(777, 3, 101, 0.3, 0.5, TRUE),
 *                     list(42, 1, 7, 0.0, 0, FALSE))) {
 *       x <- do.call(gen, cs)
 *       cat(f(mean(x)), f(sd(x)), f(mcse_mean(x)), f(quantile(x, 0.05)), f(quantile(x, 0.5)),
 *           f(quantile(x, 0.95)), f(rhat(x)), f(ess_bulk(x)), f(ess_tail(x)),
 *           f(ess_basic(x, split = FALSE)), f(ess_mean(x)), "\n")
 *     }
 * The three cases cover: several chains with strong autocorrelation; an odd chain length (split
 * drops the middle draw), ties (values on a grid of 1/4, average ranks) and shifted chains; one
 * short chain where Geyer's loop never runs (posterior's tau = 2 corner).
 *
 * Statistical checks use fixed seeds; their tolerances are stated where they are made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "diag.h"
#include "near.h"

/* Agreement with R: both sides run the same double arithmetic except the FFT (R's fft vs GSL)
 * and summation order, so 1e-10 relative leaves ample room while catching any formula slip. */
#define REL 1e-10

typedef struct ref_case {
    unsigned long seed;
    size_t nchains, ndraws;
    double rho, shift;
    int quant;
    gb_diag_summary s;
    double ess_basic, ess_mean;
} ref_case;

static const ref_case cases[] = {
    {12345,
     4,
     200,
     0.9,
     0,
     0,
     {0.33804648368700496, 2.0128771732896991, 0.24448764581398591, -3.3024104768160329,
      0.40706015954853503, 3.6076972329789041, 1.0329433171365117, 68.752507446397701,
      150.94129030510791, 0},
     66.962984749241073,
     67.782988441651909},
    {777,
     3,
     101,
     0.3,
     0.5,
     1,
     {0.32673267326732675, 1.1307757774038847, 0.2430079158003656, -1.5, 0.25, 2.25,
      1.1042135937877655, 22.188087003736236, 177.11401987068285, 0},
     9.7458750684293367,
     21.65270466462901},
    {42,
     1,
     7,
     0,
     0,
     0,
     {-0.048701844999094898, 0.88186619853903725, 0.50914568711574515, -1.2169481866140606,
      -0.18979795518787412, 1.0290559833538988, 1.0666437591283342, 3, 3, 0},
     5.9156862800997976,
     3},
};

static uint64_t lcg_state;

/* MINSTD (Park & Miller 1988, multiplier 48271): exact in doubles, so R reproduces it. */
static double lcg(void)
{
    lcg_state = (48271 * lcg_state) % 2147483647;
    return (double)lcg_state / 2147483647.0;
}

/* Irwin-Hall approximate normal: a sum of 12 uniforms minus 6 (no libm, so R matches). */
static double innov(void)
{
    double s = 0;
    for (int k = 0; k < 12; k++)
        s += lcg();
    return s - 6;
}

static double **gen(const ref_case *rc)
{
    lcg_state = rc->seed;
    double **x = calloc(rc->nchains, sizeof *x);
    assert_non_null(x);
    for (size_t c = 0; c < rc->nchains; c++) {
        x[c] = calloc(rc->ndraws, sizeof *x[c]);
        assert_non_null(x[c]);
        double v = innov();
        for (size_t i = 0; i < rc->ndraws; i++) {
            if (i > 0)
                v = rc->rho * v + innov();
            double y = v + rc->shift * (double)c;
            x[c][i] = rc->quant ? floor(y * 4) / 4 : y;
        }
    }
    return x;
}

static void free_chains(double **x, size_t nchains)
{
    for (size_t c = 0; c < nchains; c++)
        free(x[c]);
    free(x);
}

static void test_diag_matches_posterior(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const ref_case *rc = &cases[k];
        const gb_diag_summary *e = &rc->s;
        double **x = gen(rc);
        const double *const *ch = (const double *const *)x;
        gb_diag_summary s;
        print_message("case %zu: %zu chains x %zu draws\n", k, rc->nchains, rc->ndraws);
        assert_int_equal(gb_diag_summarise(ch, rc->nchains, rc->ndraws, &s), GB_OK);
        assert_near(s.mean, e->mean, 1e-14, REL);
        assert_near(s.sd, e->sd, 0, REL);
        assert_near(s.mcse_mean, e->mcse_mean, 0, REL);
        assert_near(s.q5, e->q5, 0, REL);
        assert_near(s.q50, e->q50, 0, REL);
        assert_near(s.q95, e->q95, 0, REL);
        assert_near(s.rhat, e->rhat, 0, REL);
        assert_near(s.ess_bulk, e->ess_bulk, 0, REL);
        assert_near(s.ess_tail, e->ess_tail, 0, REL);
        double v;
        assert_int_equal(gb_diag_ess_basic(ch, rc->nchains, rc->ndraws, &v), GB_OK);
        assert_near(v, rc->ess_basic, 0, REL);
        assert_int_equal(gb_diag_ess_mean(ch, rc->nchains, rc->ndraws, &v), GB_OK);
        assert_near(v, rc->ess_mean, 0, REL);
        assert_int_equal(gb_diag_rhat(ch, rc->nchains, rc->ndraws, &v), GB_OK);
        assert_near(v, e->rhat, 0, REL);
        assert_int_equal(gb_diag_ess_bulk(ch, rc->nchains, rc->ndraws, &v), GB_OK);
        assert_near(v, e->ess_bulk, 0, REL);
        assert_int_equal(gb_diag_ess_tail(ch, rc->nchains, rc->ndraws, &v), GB_OK);
        assert_near(v, e->ess_tail, 0, REL);
        assert_int_equal(gb_diag_quantile(ch, rc->nchains, rc->ndraws, 0.95, &v), GB_OK);
        assert_near(v, e->q95, 0, REL);
        free_chains(x, rc->nchains);
    }
}

/* nchains chains of n draws of a Gaussian AR(1) with coefficient rho, stationary start, unit
 * marginal variance, plus shift * chain index. */
static double **ar1(unsigned long seed, size_t nchains, size_t n, double rho, double shift)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(r);
    gsl_rng_set(r, seed);
    double **x = calloc(nchains, sizeof *x);
    assert_non_null(x);
    double s = sqrt(1 - rho * rho);
    for (size_t c = 0; c < nchains; c++) {
        x[c] = calloc(n, sizeof *x[c]);
        assert_non_null(x[c]);
        double v = gsl_ran_ugaussian(r);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                v = rho * v + s * gsl_ran_ugaussian(r);
            x[c][i] = v + shift * (double)c;
        }
    }
    gsl_rng_free(r);
    return x;
}

/* iid draws: bulk ESS and ESS of the mean near S = 4000.  For iid draws the estimated tau sums
 * a few noisy autocorrelations, each with sd about 1/sqrt(S) = 0.016; a 15% band is more than
 * 4 sd of the resulting ESS estimate. */
static void test_diag_iid_ess_is_about_n(void **state)
{
    (void)state;
    double **x = ar1(2024, 4, 1000, 0, 0);
    gb_diag_summary s;
    assert_int_equal(gb_diag_summarise((const double *const *)x, 4, 1000, &s), GB_OK);
    print_message("iid: ess_bulk %.1f ess_tail %.1f rhat %.4f\n", s.ess_bulk, s.ess_tail, s.rhat);
    assert_near(s.ess_bulk, 4000, 0, 0.15);
    assert_near((s.sd / s.mcse_mean) * (s.sd / s.mcse_mean), 4000, 0, 0.15); /* ESS of the mean */
    assert_true(s.rhat < 1.01);
    assert_true(s.rhat >= 1 - 0.005);
    free_chains(x, 4);
}

/* Chains of 27927 draws split into halves of 13963, a prime: the autocovariance FFT must not
 * take the length 2 x 13963 (GSL's mixed-radix FFT then costs O(L x 13963); an interrupted run's
 * summary took minutes, which looked like a hang).  The padded length gives the same ESS: iid
 * draws, ESS near S = 55854, the 15% band of test_diag_iid_ess_is_about_n.  The time bound is
 * 20x what this takes under ASan on a loaded machine, and 1/5 of the old cost. */
static void test_diag_prime_half_length_is_fast(void **state)
{
    (void)state;
    double **x = ar1(77, 2, 27927, 0, 0);
    gb_diag_summary s;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(gb_diag_summarise((const double *const *)x, 2, 27927, &s), GB_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    print_message("2 x 27927 draws: %.3f s, ess_bulk %.0f\n", secs, s.ess_bulk);
    assert_true(secs < 10);
    assert_near(s.ess_bulk, 55854, 0, 0.15);
    free_chains(x, 2);
}

/* AR(1), rho = 0.9: ESS of the mean is S (1 - rho) / (1 + rho) = 20000 / 19 = 1053.  The
 * estimate of tau = 19 has a relative sd of roughly sqrt(2 * (2M + 1) / S) with M ~ 3 tau the
 * truncation lag (Sokal's rule), about 0.08 here; the band is 25% (3 sd). */
static void test_diag_ar1_ess_matches_theory(void **state)
{
    (void)state;
    const double rho = 0.9;
    double **x = ar1(99, 4, 5000, rho, 0);
    double ess, expect = 20000 * (1 - rho) / (1 + rho);
    assert_int_equal(gb_diag_ess_mean((const double *const *)x, 4, 5000, &ess), GB_OK);
    print_message("AR(1) 0.9: ess_mean %.1f, theory %.1f\n", ess, expect);
    assert_near(ess, expect, 0, 0.25);
    assert_int_equal(gb_diag_ess_basic((const double *const *)x, 4, 5000, &ess), GB_OK);
    assert_near(ess, expect, 0, 0.25);
    free_chains(x, 4);
}

static void test_diag_rhat_flags_shifted_chains(void **state)
{
    (void)state;
    double **x = ar1(7, 4, 500, 0.5, 0);
    double r;
    assert_int_equal(gb_diag_rhat((const double *const *)x, 4, 500, &r), GB_OK);
    print_message("same distribution: rhat %.4f\n", r);
    assert_true(r < 1.01);
    free_chains(x, 4);
    x = ar1(7, 4, 500, 0.5, 1.0); /* chain c shifted by c marginal sds */
    assert_int_equal(gb_diag_rhat((const double *const *)x, 4, 500, &r), GB_OK);
    print_message("shifted: rhat %.4f\n", r);
    assert_true(r > 1.1);
    free_chains(x, 4);
}

static void test_diag_constant_input_gives_nan(void **state)
{
    (void)state;
    double a[6] = {2, 2, 2, 2, 2, 2}, b[6] = {2, 2, 2, 2, 2, 2};
    const double *ch[2] = {a, b};
    gb_diag_summary s;
    assert_int_equal(gb_diag_summarise(ch, 2, 6, &s), GB_OK);
    assert_near(s.mean, 2, 0, 0);
    assert_near(s.sd, 0, 0, 0);
    assert_near(s.q50, 2, 0, 0);
    assert_true(isnan(s.rhat));
    assert_true(isnan(s.ess_bulk));
    assert_true(isnan(s.ess_tail));
    assert_true(isnan(s.mcse_mean));
    assert_int_equal(s.constant, 1);
    b[3] = NAN; /* undefined, but not constant */
    assert_int_equal(gb_diag_summarise(ch, 2, 6, &s), GB_OK);
    assert_true(isnan(s.rhat));
    assert_true(isnan(s.ess_bulk));
    assert_int_equal(s.constant, 0);
    b[3] = 2 + 1e-9; /* varies a little */
    assert_int_equal(gb_diag_summarise(ch, 2, 6, &s), GB_OK);
    assert_int_equal(s.constant, 0);
}

static void test_diag_refuses_short_or_empty_input(void **state)
{
    (void)state;
    double a[3] = {1, 2, 3};
    const double *ch[1] = {a};
    gb_diag_summary s;
    double v;
    assert_int_equal(gb_diag_summarise(ch, 1, 3, &s), GB_EUSAGE);
    assert_int_equal(gb_diag_summarise(ch, 0, 3, &s), GB_EUSAGE);
    assert_int_equal(gb_diag_summarise(NULL, 1, 8, &s), GB_EUSAGE);
    assert_int_equal(gb_diag_rhat(ch, 1, 3, &v), GB_EUSAGE);
    assert_int_equal(gb_diag_ess_basic(ch, 1, 2, &v), GB_EUSAGE);
    assert_int_equal(gb_diag_quantile(ch, 1, 3, 1.5, &v), GB_EUSAGE);
}

static void test_diag_quantile_is_type_7(void **state)
{
    (void)state;
    double a[2] = {4, 1}, b[2] = {3, 2};
    const double *ch[2] = {a, b};
    double v;
    /* R: quantile(c(4, 1, 3, 2), c(0, 0.1, 0.5, 1)) = 1, 1.3, 2.5, 4 */
    assert_int_equal(gb_diag_quantile(ch, 2, 2, 0.1, &v), GB_OK);
    assert_near(v, 1.3, 1e-15, 0);
    assert_int_equal(gb_diag_quantile(ch, 2, 2, 0.5, &v), GB_OK);
    assert_near(v, 2.5, 0, 0);
    assert_int_equal(gb_diag_quantile(ch, 2, 2, 0, &v), GB_OK);
    assert_near(v, 1, 0, 0);
    assert_int_equal(gb_diag_quantile(ch, 2, 2, 1, &v), GB_OK);
    assert_near(v, 4, 0, 0);
}

static void test_diag_ebfmi_by_hand(void **state)
{
    (void)state;
    /* mean 2.5; squared deviations sum to 5; squared differences 4 + 1 + 4 = 9. */
    const double e[4] = {1, 3, 2, 4};
    assert_near(gb_diag_ebfmi(e, 4), 1.8, 1e-15, 0);
    const double flat[3] = {1, 1, 1};
    assert_true(isnan(gb_diag_ebfmi(flat, 3)));
    assert_true(isnan(gb_diag_ebfmi(e, 1)));
}

/* Integer draws (a discrete latent's) are ranked by counting; shifted by 0.5 they are not
 * integers and go through qsort.  Ranks, folded ranks and tail indicators are the same for
 * both, so R-hat, bulk and tail ESS must agree exactly: for an even number of draws (ranked once,
 * pooled) and an odd one (split chains ranked on their own). */
static void test_diag_integer_draws_rank_as_shifted_ones(void **state)
{
    (void)state;
    enum { C = 4, N = 1000 };
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 77);
    double *x[C], *y[C];
    for (int c = 0; c < C; c++) {
        x[c] = malloc(N * sizeof **x);
        y[c] = malloc(N * sizeof **y);
        assert_non_null(x[c]);
        assert_non_null(y[c]);
        double v = 3;
        for (int i = 0; i < N; i++) {
            if (gsl_rng_uniform(r) < 0.3) /* a sticky walk, chain 3 higher; all in 0 .. 40 */
                v = (double)((int)gsl_rng_uniform_int(r, 8) + (c == 3 ? 2 : 0));
            x[c][i] = i % 97 == 0 ? 40 - c * 50 / 4 : v;
            y[c][i] = x[c][i] + 0.5;
        }
    }
    for (size_t n = N; n >= N - 1; n--) {
        gb_diag_summary a, b;
        assert_int_equal(gb_diag_summarise((const double *const *)x, C, n, &a), GB_OK);
        assert_int_equal(gb_diag_summarise((const double *const *)y, C, n, &b), GB_OK);
        if (memcmp(&a.rhat, &b.rhat, sizeof a.rhat) != 0 ||
            memcmp(&a.ess_bulk, &b.ess_bulk, sizeof a.ess_bulk) != 0 ||
            memcmp(&a.ess_tail, &b.ess_tail, sizeof a.ess_tail) != 0)
            fail_msg("n %zu: rhat %.17g / %.17g, ess_bulk %.17g / %.17g, ess_tail %.17g / %.17g",
                     n, a.rhat, b.rhat, a.ess_bulk, b.ess_bulk, a.ess_tail, b.ess_tail);
        assert_true(a.rhat > 1.01); /* chain 3 differs: the ranks matter */
    }
    for (int c = 0; c < C; c++) {
        free(x[c]);
        free(y[c]);
    }
    gsl_rng_free(r);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diag_matches_posterior),
        cmocka_unit_test(test_diag_iid_ess_is_about_n),
        cmocka_unit_test(test_diag_ar1_ess_matches_theory),
        cmocka_unit_test(test_diag_prime_half_length_is_fast),
        cmocka_unit_test(test_diag_rhat_flags_shifted_chains),
        cmocka_unit_test(test_diag_constant_input_gives_nan),
        cmocka_unit_test(test_diag_refuses_short_or_empty_input),
        cmocka_unit_test(test_diag_quantile_is_type_7),
        cmocka_unit_test(test_diag_ebfmi_by_hand),
        cmocka_unit_test(test_diag_integer_draws_rank_as_shifted_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
