/* test_run.c - gb_run's contract with its caller: the monitor runs on the calling thread and can
 * stop every chain (the draws made are kept), a failing sink stops the run with GB_EIO, the chain
 * threads block asynchronous signals, each chain's warmup and sampling times are recorded, and a
 * share of the chains (an MPI rank's) draws what the whole run draws for them.
 * These tests start threads: make check runs them under ThreadSanitizer too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "gbt_model.h"
#include "run.h"

static const char *const MODEL = "mu ~ normal(0, 1)\n";

static gb_run_config config(int chains, int warmup, int draws)
{
    gb_run_config cfg = {.chains = chains, .warmup = warmup, .draws = draws, .threads = 2,
                         .max_depth = 10, .seed = 11, .adapt_delta = 0.8, .init_radius = 2.0};
    return cfg;
}

typedef struct watch {
    pthread_t caller;
    int calls, other_thread, stop_after; /* stop once a chain has done stop_after iterations */
    int last_seen;
} watch;

static int monitor(void *ctx, const gb_run_progress *p)
{
    watch *w = ctx;
    w->calls++;
    w->other_thread |= !pthread_equal(pthread_self(), w->caller);
    for (int c = 0; c < p->nchains; c++) {
        w->last_seen = p->iterations[c] > w->last_seen ? p->iterations[c] : w->last_seen;
        if (w->stop_after > 0 && p->iterations[c] >= w->stop_after)
            return 1;
    }
    return 0;
}

/* The monitor's answer stops every chain at its next iteration; the draws made are kept and the
 * run says it was interrupted.  Before the monitor existed, the library drew the progress bar
 * itself and only a global signal flag could stop it. */
static void test_run_monitor_stops_every_chain(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f, MODEL, NULL), GB_OK);
    watch w = {.caller = pthread_self(), .stop_after = 2000};
    gb_run_config cfg = config(2, 100, 100000000);
    cfg.monitor = monitor;
    cfg.monitor_ctx = &w;
    assert_int_equal(gb_run(f->m, &cfg, NULL, NULL, &f->d, f->errs), GB_EINTERRUPT);
    assert_true(f->d->interrupted);
    assert_true(w.calls >= 2); /* once before the start, then every tick */
    assert_false(w.other_thread);
    for (int c = 0; c < 2; c++) {
        assert_true(f->d->filled[c] < f->d->ndraws);
        /* every iteration after warmup made one draw */
        assert_int_equal(f->d->filled[c], (size_t)(f->d->iterations[c] - cfg.warmup));
    }
    gbt_model_free(f);
}

/* A monitor that says stop before the start runs no chain at all. */
static int stop_at_once(void *ctx, const gb_run_progress *p)
{
    (void)ctx;
    (void)p;
    return 1;
}

static void test_run_stop_before_start_runs_nothing(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f, MODEL, NULL), GB_OK);
    gb_run_config cfg = config(3, 100, 100);
    cfg.monitor = stop_at_once;
    assert_int_equal(gb_run(f->m, &cfg, NULL, NULL, &f->d, f->errs), GB_EINTERRUPT);
    for (int c = 0; c < 3; c++)
        assert_int_equal(f->d->iterations[c], 0);
    gbt_model_free(f);
}

typedef struct sink_state {
    atomic_int rows, sigint_blocked, unblocked_seen;
    int fail_at; /* the sink fails on chain 0's fail_at-th row */
    atomic_int chain0_rows;
} sink_state;

static int sink(void *ctx, int chain, const double *row)
{
    (void)row;
    sink_state *s = ctx;
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    if (sigismember(&cur, SIGINT) && sigismember(&cur, SIGTERM))
        atomic_store(&s->sigint_blocked, 1);
    else
        atomic_store(&s->unblocked_seen, 1);
    atomic_fetch_add(&s->rows, 1);
    if (chain == 0 && atomic_fetch_add(&s->chain0_rows, 1) + 1 == s->fail_at)
        return -1;
    return 0;
}

/* A failing sink stops every chain and the run returns GB_EIO (the sink's owner says why); the
 * draws made, the failing row's included, are kept. */
static void test_run_sink_failure_stops_the_run(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f, MODEL, NULL), GB_OK);
    sink_state s = {.fail_at = 10};
    gb_run_config cfg = config(2, 50, 100000000);
    assert_int_equal(gb_run(f->m, &cfg, sink, &s, &f->d, f->errs), GB_EIO);
    assert_false(f->d->interrupted);
    assert_int_equal(f->d->filled[0], 10);
    assert_true(f->d->filled[1] < f->d->ndraws);
    assert_int_equal(gb_errlist_count(f->errs), 0);
    gbt_model_free(f);
}

/* The chains' threads block SIGINT and SIGTERM: a handler then runs on the calling thread, never
 * in the middle of a chain's write. */
static void test_run_chain_threads_block_signals(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f, MODEL, NULL), GB_OK);
    sink_state s = {.fail_at = -1};
    gb_run_config cfg = config(2, 20, 20);
    assert_int_equal(gb_run(f->m, &cfg, sink, &s, &f->d, f->errs), GB_OK);
    assert_int_equal(atomic_load(&s.rows), 40);
    assert_true(atomic_load(&s.sigint_blocked));
    assert_false(atomic_load(&s.unblocked_seen));
    sigset_t cur; /* and the caller's mask is as it was */
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    assert_false(sigismember(&cur, SIGINT));
    gbt_model_free(f);
}

/* Each chain's warmup and sampling times (for the CSV's Elapsed Time block) are recorded. */
static void test_run_records_elapsed_times(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f, MODEL, NULL), GB_OK);
    gb_run_config cfg = config(2, 2000, 2000);
    assert_int_equal(gb_run(f->m, &cfg, NULL, NULL, &f->d, f->errs), GB_OK);
    for (int c = 0; c < 2; c++) {
        assert_true(f->d->warmup_seconds[c] > 0);
        assert_true(f->d->sample_seconds[c] > 0);
        assert_true(f->d->warmup_seconds[c] + f->d->sample_seconds[c] < 60);
        assert_int_equal(f->d->iterations[c], 4000);
    }
    gbt_model_free(f);
}

/* A share of the chains (chain_lo .. chain_hi-1, what an MPI rank runs) draws exactly what the
 * whole run draws for those chains and leaves the others empty; the shares add up to the run. */
static void test_run_shares_of_chains_add_up_to_the_run(void **state)
{
    (void)state;
    gbt_model *whole = gbt_model_new(), *part = gbt_model_new();
    assert_int_equal(gbt_model_build(whole, MODEL, NULL), GB_OK);
    assert_int_equal(gbt_model_build(part, MODEL, NULL), GB_OK);
    gb_run_config cfg = config(4, 100, 50);
    assert_int_equal(gb_run(whole->m, &cfg, NULL, NULL, &whole->d, whole->errs), GB_OK);
    int shares[][2] = {{0, 1}, {1, 3}, {3, 4}};
    for (int k = 0; k < 3; k++) {
        gb_run_config c = cfg;
        c.chain_lo = shares[k][0];
        c.chain_hi = shares[k][1];
        gb_draws_free(part->d);
        part->d = NULL;
        assert_int_equal(gb_run(part->m, &c, NULL, NULL, &part->d, part->errs), GB_OK);
        size_t per_chain = part->d->ndraws * part->d->ncols;
        for (int ch = 0; ch < 4; ch++) {
            int in = ch >= c.chain_lo && ch < c.chain_hi;
            assert_int_equal(part->d->filled[ch], in ? 50 : 0);
            if (in)
                assert_memory_equal(part->d->rows + (size_t)ch * per_chain,
                                    whole->d->rows + (size_t)ch * per_chain,
                                    per_chain * sizeof(double));
        }
    }
    gb_run_config bad = cfg; /* a share outside the chains is a caller's bug */
    bad.chain_lo = 2;
    bad.chain_hi = 5;
    gb_draws *d = NULL;
    assert_int_equal(gb_run(part->m, &bad, NULL, NULL, &d, part->errs), GB_EINTERNAL);
    assert_null(d);
    gbt_model_free(whole);
    gbt_model_free(part);
}

/* sink_only: the draws reach the sink and no rows are kept, so a run whose draws would not fit
 * in the memory budget still runs (an MPI rank sending its chains' draws to rank 0 holds none;
 * before, every rank allocated the rows of every chain). */
static void test_run_sink_only_keeps_no_rows(void **state)
{
    (void)state;
    gbt_model *f = gbt_model_new();
    assert_int_equal(gbt_model_build(f, MODEL, NULL), GB_OK);
    sink_state s = {.fail_at = 30};
    gb_run_config cfg = config(2, 10, 1000000000);
    gb_draws *d = NULL;
    assert_int_equal(gb_run(f->m, &cfg, sink, &s, &d, f->errs), GB_ENOMEM);
    assert_null(d);
    gb_errlist_free(f->errs);
    f->errs = gb_errlist_new();
    cfg.sink_only = 1;
    assert_int_equal(gb_run(f->m, &cfg, sink, &s, &f->d, f->errs), GB_EIO);
    assert_null(f->d->rows);
    assert_int_equal(f->d->filled[0], 30);
    gbt_model_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_monitor_stops_every_chain),
        cmocka_unit_test(test_run_stop_before_start_runs_nothing),
        cmocka_unit_test(test_run_sink_failure_stops_the_run),
        cmocka_unit_test(test_run_chain_threads_block_signals),
        cmocka_unit_test(test_run_records_elapsed_times),
        cmocka_unit_test(test_run_shares_of_chains_add_up_to_the_run),
        cmocka_unit_test(test_run_sink_only_keeps_no_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
