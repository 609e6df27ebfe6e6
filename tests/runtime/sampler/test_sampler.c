/* test_sampler.c - the sampler interface (core/sampler.h): the registry lists the kinds in the
 * planner's order, and a kind defined here, outside runtime/, plugs in through the public
 * interface alone: a random-walk Metropolis kernel for one scalar, asked before the registry's
 * kinds, takes the parameter of a normal model and its draws match the exact posterior. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "gbt_ess.h"
#include "gbt_model.h"
#include "model.h"
#include "sampler_registry.h"

static void test_sampler_registry_lists_kinds_in_update_order(void **state)
{
    (void)state;
    size_t n = 0;
    const gb_sampler_ops *const *k = gb_sampler_registry_kinds(&n);
    assert_int_equal(n, 4);
    assert_string_equal(k[0]->name, "FFBS"); /* chains before single-site Gibbs */
    assert_string_equal(k[1]->name, "Gibbs");
    assert_string_equal(k[2]->name, "slice");
    assert_string_equal(k[3]->name, "NUTS");
    assert_true(k[3]->joint && !k[0]->joint && !k[1]->joint && !k[2]->joint);
}

/* ---- a random-walk Metropolis kind for one scalar (Metropolis et al. 1953) ---- */

static const gb_sampler_ops rwm_ops;

typedef struct rwm_state {
    const gb_model *m;
    size_t k; /* the latent it took */
} rwm_state;

static int rwm_can_update(const gb_model *m, size_t k, const char **why)
{
    if (gb_model_latent_is_discrete(m, k) || gb_model_latent_dim(m, k) != 1)
        return 0;
    *why = "one continuous scalar: random-walk Metropolis";
    return 1;
}

static gb_status rwm_state_new(const gb_model *m, const gb_sampler_config *cfg, void **state,
                               gb_errlist *errs)
{
    (void)cfg;
    (void)errs;
    rwm_state *s = calloc(1, sizeof *s);
    if (!s)
        return GB_ENOMEM;
    s->m = m;
    for (size_t k = 0; k < gb_model_latent_count(m); k++)
        if (gb_model_latent_kind(m, k) == &rwm_ops)
            s->k = k;
    *state = s;
    return GB_OK;
}

static gb_status rwm_step(void *state, gb_model_ws *ws, gsl_rng *r, double *theta, int warmup,
                          const char **fail)
{
    (void)theta;
    (void)warmup;
    rwm_state *s = state;
    double *x = gb_model_ws_coords(s->m, ws, s->k);
    double x0 = *x, lp0 = gb_model_latent_logp(s->m, ws, s->k);
    if (!(lp0 > -INFINITY)) {
        *fail = "no finite density";
        return GB_ENUMERIC;
    }
    *x = x0 + gsl_ran_gaussian(r, 1.5);
    double lp1 = gb_model_latent_logp(s->m, ws, s->k);
    if (!(log(gsl_rng_uniform_pos(r)) < lp1 - lp0)) {
        *x = x0;
        gb_model_latent_logp(s->m, ws, s->k); /* the values again at x0 */
    }
    gb_model_ws_set_changed(ws);
    gb_model_ws_refresh(s->m, ws);
    return GB_OK;
}

static void rwm_state_free(void *state)
{
    free(state);
}

static const gb_sampler_ops rwm_ops = {
    .name = "rwm",
    .can_update = rwm_can_update,
    .state_new = rwm_state_new,
    .step = rwm_step,
    .state_free = rwm_state_free,
};

/* mu ~ normal(0, 1), y[i] ~ normal(mu, 1), y = (1, 2, 0.5): the posterior is normal with mean
 * 3.5 / 4 and variance 1 / 4.  Two checks (mean and variance), Bonferroni z for a family false
 * alarm rate of 6.3e-5; MCSE from each statistic's ESS (gbt_model_summary). */
static void test_sampler_extra_kind_draws_match_normal_posterior(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    const char *src = "data y: real[N]\nmu ~ normal(0, 1)\ny ~ normal(mu, 1)\n";
    assert_int_equal(gbt_model_build(f, src, "{\"y\": [1, 2, 0.5]}"), GB_OK);
    assert_string_equal(gb_model_latent_kind(f->m, 0)->name, "NUTS");
    gb_model_free(f->m);
    f->m = NULL;
    size_t n = 0;
    const gb_sampler_ops *const *reg = gb_sampler_registry_kinds(&n);
    const gb_sampler_ops *kinds[8] = {&rwm_ops};
    memcpy(kinds + 1, reg, n * sizeof *reg);
    assert_int_equal(gb_model_compile_with(f->g, kinds, n + 1, &f->m, f->errs), GB_OK);
    assert_int_equal(gb_model_latent_kind(f->m, 0), &rwm_ops);
    assert_string_equal(gb_model_latent_reason(f->m, 0),
                        "one continuous scalar: random-walk Metropolis");
    assert_int_equal(gb_model_dim(f->m), 0);
    assert_int_equal(gbt_model_run(f, 4, 500, 4000, 20261203), GB_OK);
    double z = gbt_z_bonferroni(2), mean = 3.5 / 4, var = 0.25;
    gb_diag_summary s = gbt_model_summary(f, "mu");
    if (!(fabs(s.mean - mean) < z * s.mcse_mean))
        fail_msg("mean %.4f, exact %.4f, MCSE %.3g, z %.2f", s.mean, mean, s.mcse_mean, z);
    gb_diag_summary v = gbt_model_summary_sqdev(f, "mu", mean);
    if (!(fabs(v.mean - var) < z * v.mcse_mean))
        fail_msg("variance %.4f, exact %.4f, MCSE %.3g, z %.2f", v.mean, var, v.mcse_mean, z);
    gbt_model_free(f);
}

/* A latent no kind accepts is a located compile error naming it (only a program's own list of
 * kinds can leave one out: the registry's takes every latent). */
static void test_sampler_latent_no_kind_takes_is_located_error(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    const char *src = "data y: real[N]\nmu: real[2] ~ normal(0, 1)\ny ~ normal(mu[1], 1)\n";
    assert_int_equal(gbt_model_build(f, src, "{\"y\": [1, 2, 0.5]}"), GB_OK);
    gb_model_free(f->m);
    f->m = NULL;
    const gb_sampler_ops *kinds[1] = {&rwm_ops};
    assert_int_equal(gb_model_compile_with(f->g, kinds, 1, &f->m, f->errs), GB_ESEMANTIC);
    assert_null(f->m);
    assert_int_equal(gb_errlist_count(f->errs), 1);
    const gb_err *e = gb_errlist_get(f->errs, 0);
    assert_string_equal(e->msg, "no sampler can update 'mu'");
    assert_int_equal(e->loc.line, 2);
    assert_int_equal(e->loc.col, 1);
    gbt_model_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sampler_registry_lists_kinds_in_update_order),
        cmocka_unit_test(test_sampler_extra_kind_draws_match_normal_posterior),
        cmocka_unit_test(test_sampler_latent_no_kind_takes_is_located_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
