/* run.c - chains on threads: initialise, warm up (adapting NUTS), sample, hand draws to the
 * sink.  Each iteration is a Gibbs sweep of the discrete latents (when there are any) followed by
 * one NUTS transition of the continuous block at those values.
 *
 * Threads take chains from a shared counter; a chain's work depends only on its own RNG stream,
 * so the output is the same for any thread count.  What the threads share is either under
 * `lock` (the next chain, the status, the error list, the count of running workers) or atomic
 * (the stop flag, the sink's failure, the per-chain progress the monitor reads).  The calling
 * thread sleeps on a condition variable between monitor calls, so it wakes at once when the last
 * worker finishes and the run costs no polling delay.
 */
#include "run.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"
#include "rng.h"
#include "size.h"
#include "stream.h"

const char *const gb_sampler_col_names[GB_NSAMPLER_COLS] = {
    "lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__",
    "energy__"};

void gb_draws_free(gb_draws *d)
{
    if (!d)
        return;
    free(d->filled);
    free(d->iterations);
    free(d->warmup_seconds);
    free(d->sample_seconds);
    free(d->warmup_grads);
    free(d->sample_grads);
    free(d->rows);
    free(d->stepsize);
    free(d->col);
    free(d->stream_col);
    for (int c = 0; d->stream && c < d->nchains; c++)
        gb_stream_free(d->stream[c]);
    free(d->stream);
    free(d);
}

typedef struct shared {
    const gb_model *m;
    const gb_run_config *cfg;
    gb_draw_sink sink;
    void *sink_ctx;
    gb_draws *draws;
    pthread_mutex_t lock;
    pthread_cond_t worker_done; /* signalled (under lock) when a worker returns */
    int next_chain;       /* under lock */
    int workers_left;     /* under lock: workers started and not yet returned */
    gb_status status;     /* under lock */
    gb_errlist *errs;     /* under lock */
    atomic_int *progress; /* iterations done per chain; the monitor reads them while chains run */
    atomic_int stop;      /* set by the monitor's answer or a failed sink; polled per iteration */
    atomic_int sink_failed;
    int inline_monitor;   /* the chains run on the calling thread: they call the monitor */
    struct timespec t0;   /* when the chains started */
    int *snapshot;        /* the monitor's copy of progress (only the calling thread uses it) */
} shared;

static double seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + 1e-9 * (double)(now.tv_nsec - t0->tv_nsec);
}

static int stop_requested(shared *s)
{
    return atomic_load_explicit(&s->stop, memory_order_relaxed) != 0;
}

/* Hands the monitor a snapshot of the progress; a nonzero answer stops every chain.  Only the
 * calling thread runs it. */
static void call_monitor(shared *s)
{
    const gb_run_config *cfg = s->cfg;
    if (!cfg->monitor)
        return;
    for (int c = 0; c < cfg->chains; c++)
        s->snapshot[c] = atomic_load_explicit(&s->progress[c], memory_order_relaxed);
    gb_run_progress p = {cfg->chains, cfg->warmup, cfg->draws, s->snapshot, seconds_since(&s->t0)};
    if (cfg->monitor(cfg->monitor_ctx, &p) != 0)
        atomic_store(&s->stop, 1);
}

static void fail(shared *s, gb_status st, gb_errlist *local)
{
    pthread_mutex_lock(&s->lock);
    if (s->status == GB_OK)
        s->status = st;
    for (size_t i = 0; local && i < gb_errlist_count(local); i++) {
        const gb_err *e = gb_errlist_get(local, i);
        gb_error(s->errs, e->code, e->loc, "%s", e->msg);
        if (e->hint)
            gb_error_hint(s->errs, "%s", e->hint);
    }
    pthread_mutex_unlock(&s->lock);
}

/* The chain's data-parallel split (run.h's split_rows, shares and reduce), or none. */
static gb_status chain_split(const gb_model *m, const gb_run_config *cfg, gb_split **sp)
{
    size_t n = cfg->split_rows > 1 ? (size_t)cfg->split_rows : 1;
    if (n == 1 && !cfg->reduce)
        return GB_OK;
    return gb_split_new(m, n, (size_t)cfg->share_first,
                        cfg->share_total > 0 ? (size_t)cfg->share_total : n, cfg->reduce,
                        cfg->reduce_ctx, sp);
}

static void run_chain(shared *s, int c)
{
    const gb_model *m = s->m;
    const gb_run_config *cfg = s->cfg;
    gb_errlist *local = gb_errlist_new();
    gsl_rng *r = gb_rng_new(cfg->seed, (unsigned)c);
    gb_model_ws *ws = gb_model_ws_new(m);
    size_t dim = gb_model_dim(m), ncols = s->draws->ncols, nm = gb_model_output_size(m);
    double *theta = calloc(dim ? dim : 1, sizeof *theta);
    double *row = calloc(ncols, sizeof *row);
    double *all = calloc(nm ? nm : 1, sizeof *all), *sv = NULL;
    if (s->draws->nstream && !(sv = calloc(s->draws->nstream, sizeof *sv)))
        row = (free(row), NULL);
    gb_kernel *k = NULL;
    gb_split *sp = NULL;
    if (!local || !r || !ws || !theta || !row || !all || chain_split(m, cfg, &sp) != GB_OK) {
        fail(s, GB_ENOMEM, NULL);
        goto done;
    }
    gb_model_ws_set_split(ws, sp);
    gb_status st = gb_model_init(m, ws, r, cfg->init_radius, 100, theta, local);
    gb_run_config kcfg = *cfg; /* the kernel's: with the chain's index for the records */
    kcfg.chain = c;
    if (st == GB_OK)
        st = gb_kernel_new(m, &kcfg, &k, local);
    if (st != GB_OK) {
        fail(s, st, local);
        goto done;
    }
    int total = cfg->warmup + cfg->draws;
    struct timespec t_start, t_last;
    clock_gettime(CLOCK_MONOTONIC, &t_start);
    t_last = t_start;
    double warm_end = -1; /* seconds from t_start to the end of warmup */
    for (int it = 0; it < total && !stop_requested(s); it++) {
        if (s->inline_monitor && seconds_since(&t_last) * 1000 >= GB_RUN_TICK_MS) {
            clock_gettime(CLOCK_MONOTONIC, &t_last);
            call_monitor(s);
        }
        if (it == cfg->warmup)
            warm_end = seconds_since(&t_start);
        gb_kernel_info info = {0};
        const char *what = NULL, *hint = NULL;
        if ((st = gb_kernel_step(k, ws, r, theta, it < cfg->warmup, &info, &what, &hint)) !=
            GB_OK) {
            gb_error(local, st, (gb_loc){0}, "chain %d: %s (iteration %d)", c + 1, what, it + 1);
            if (hint)
                gb_error_hint(local, "%s", hint);
            fail(s, st, local);
            goto done;
        }
        atomic_store_explicit(&s->progress[c], it + 1, memory_order_relaxed);
        if (it < cfg->warmup) {
            s->draws->warmup_grads[c] += info.n_leapfrog;
            continue;
        }
        s->draws->sample_grads[c] += info.n_leapfrog;
        row[GB_COL_LP] = info.lp;
        row[GB_COL_ACCEPT] = info.accept_stat;
        row[GB_COL_STEPSIZE] = info.stepsize;
        row[GB_COL_TREEDEPTH] = info.treedepth;
        row[GB_COL_NLEAPFROG] = info.n_leapfrog;
        row[GB_COL_DIVERGENT] = info.divergent;
        row[GB_COL_ENERGY] = info.energy;
        gb_model_values(m, ws, theta, all);
        for (size_t j = GB_NSAMPLER_COLS; j < ncols; j++)
            row[j] = all[s->draws->col[j - GB_NSAMPLER_COLS]];
        if (sv) {
            for (size_t j = 0; j < s->draws->nstream; j++)
                sv[j] = all[s->draws->stream_col[j]];
            gb_stream_add(s->draws->stream[c], sv);
        }
        size_t d = s->draws->filled[c];
        if (s->draws->rows)
            memcpy(s->draws->rows + ((size_t)c * s->draws->ndraws + d) * ncols, row,
                   ncols * sizeof *row);
        s->draws->filled[c] = d + 1;
        if (s->sink && s->sink(s->sink_ctx, c, row) != 0) {
            atomic_store(&s->sink_failed, 1);
            atomic_store(&s->stop, 1);
        }
    }
    double all_s = seconds_since(&t_start);
    if (warm_end < 0) /* stopped during warmup, or no draws asked for */
        warm_end = all_s;
    s->draws->warmup_seconds[c] = warm_end;
    s->draws->sample_seconds[c] = all_s - warm_end;
    if (k)
        s->draws->stepsize[c] = gb_kernel_stepsize(k);
done:
    gb_kernel_free(k);
    gb_split_free(sp);
    free(row);
    free(all);
    free(sv);
    free(theta);
    gb_model_ws_free(ws);
    gb_rng_free(r);
    gb_errlist_free(local);
}

/* One past the last chain this call runs (gb_run_config's share). */
static int chains_end(const gb_run_config *cfg)
{
    return cfg->chain_hi > 0 ? cfg->chain_hi : cfg->chains;
}

static void *worker(void *arg)
{
    shared *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        int c = s->next_chain < chains_end(s->cfg) && s->status == GB_OK && !stop_requested(s)
                    ? s->next_chain++
                    : -1;
        if (c < 0) {
            s->workers_left--;
            pthread_cond_signal(&s->worker_done);
        }
        pthread_mutex_unlock(&s->lock);
        if (c < 0)
            return NULL;
        run_chain(s, c);
    }
}

/* Starts up to `n` workers with asynchronous signals blocked (a handler then runs on the calling
 * thread, which polls what it sets through the monitor); returns how many started. */
static int start_workers(shared *s, pthread_t *tid, int n)
{
    sigset_t block, old;
    sigfillset(&block);
    /* faults stay with the thread that caused them */
    int sync[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS};
    for (size_t i = 0; i < sizeof sync / sizeof sync[0]; i++)
        sigdelset(&block, sync[i]);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int started = 0;
    for (int t = 0; t < n; t++) {
        pthread_mutex_lock(&s->lock);
        s->workers_left++;
        pthread_mutex_unlock(&s->lock);
        if (pthread_create(&tid[started], NULL, worker, s) == 0) {
            started++;
        } else {
            pthread_mutex_lock(&s->lock);
            s->workers_left--;
            pthread_mutex_unlock(&s->lock);
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return started;
}

/* The calling thread's part: call the monitor every tick until every worker has returned. */
static void watch(shared *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->workers_left > 0) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += GB_RUN_TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->worker_done, &s->lock, &until);
        if (s->workers_left == 0)
            break;
        pthread_mutex_unlock(&s->lock);
        call_monitor(s);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
}

/* The run's arrays, all per chain; NULL when out of memory. */
static gb_draws *draws_new(const gb_run_config *cfg, size_t nm, size_t nkept, size_t cells)
{
    size_t nc = (size_t)cfg->chains;
    gb_draws *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->nchains = cfg->chains;
    d->ndraws = (size_t)cfg->draws;
    d->ncols = GB_NSAMPLER_COLS + nkept;
    d->filled = calloc(nc, sizeof *d->filled);
    d->iterations = calloc(nc, sizeof *d->iterations);
    d->warmup_seconds = calloc(nc, sizeof *d->warmup_seconds);
    d->sample_seconds = calloc(nc, sizeof *d->sample_seconds);
    d->warmup_grads = calloc(nc, sizeof *d->warmup_grads);
    d->sample_grads = calloc(nc, sizeof *d->sample_grads);
    d->rows = cfg->sink_only ? NULL : malloc((cells ? cells : 1) * sizeof(double));
    d->stepsize = calloc(nc, sizeof *d->stepsize);
    d->col = calloc(nkept ? nkept : 1, sizeof *d->col);
    d->nstream = nm - nkept;
    d->stream_col = calloc(d->nstream ? d->nstream : 1, sizeof *d->stream_col);
    int ok = d->filled && d->iterations && d->warmup_seconds && d->sample_seconds &&
             d->warmup_grads && d->sample_grads && (d->rows || cfg->sink_only) && d->stepsize && d->col && d->stream_col;
    if (ok && d->nstream && (ok = (d->stream = calloc(nc, sizeof *d->stream)) != NULL))
        for (size_t c = 0; c < nc && ok; c++)
            ok = (d->stream[c] = gb_stream_new(d->nstream)) != NULL;
    if (!ok) {
        gb_draws_free(d);
        return NULL;
    }
    for (size_t k = 0, a = 0, b = 0; k < nm; k++) {
        if (!cfg->keep || cfg->keep[k])
            d->col[a++] = k;
        else
            d->stream_col[b++] = k;
    }
    return d;
}

gb_status gb_run(const gb_model *m, const gb_run_config *cfg, gb_draw_sink sink, void *sink_ctx,
                 gb_draws **out, gb_errlist *errs)
{
    shared s;
    memset(&s, 0, sizeof s);
    s.m = m;
    s.cfg = cfg;
    s.sink = sink;
    s.sink_ctx = sink_ctx;
    s.errs = errs;
    atomic_init(&s.stop, 0);
    atomic_init(&s.sink_failed, 0);
    if (cfg->chain_lo < 0 || chains_end(cfg) > cfg->chains || cfg->chain_lo > chains_end(cfg))
        return GB_INTERNAL(errs);
    size_t nm = gb_model_output_size(m), nkept = 0;
    for (size_t k = 0; k < nm; k++)
        nkept += !cfg->keep || cfg->keep[k];
    size_t ncols = GB_NSAMPLER_COLS + nkept, cells;
    if (cfg->sink_only)
        cells = 0;
    else if (gb_size_mul((size_t)cfg->chains * (size_t)cfg->draws, ncols, &cells) != 0 ||
             gb_size_fits_budget(cells, sizeof(double)) != 0)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0},
                        "%d chains x %d draws x %zu columns do not fit in the memory budget",
                        cfg->chains, cfg->draws, ncols);
    gb_draws *d = draws_new(cfg, nm, nkept, cells);
    s.progress = calloc((size_t)cfg->chains, sizeof *s.progress);
    s.snapshot = calloc((size_t)cfg->chains, sizeof *s.snapshot);
    if (!d || !s.progress || !s.snapshot) {
        gb_draws_free(d);
        free(s.progress);
        free(s.snapshot);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    }
    for (int c = 0; c < cfg->chains; c++)
        atomic_init(&s.progress[c], 0);
    s.draws = d;
    s.next_chain = cfg->chain_lo;
    pthread_mutex_init(&s.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* timed waits immune to clock changes */
    pthread_cond_init(&s.worker_done, &ca);
    pthread_condattr_destroy(&ca);
    int nthreads = cfg->threads > 0 ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > chains_end(cfg) - cfg->chain_lo)
        nthreads = chains_end(cfg) - cfg->chain_lo;
    if (nthreads > 1024)
        nthreads = 1024;
    pthread_t tid[1024];
    clock_gettime(CLOCK_MONOTONIC, &s.t0);
    call_monitor(&s); /* a stop asked for before the start runs no chain */
    int started = start_workers(&s, tid, nthreads);
    if (started == 0) { /* no thread to be had: the chains run here, one after another */
        s.inline_monitor = 1;
        s.workers_left = 1;
        worker(&s);
    }
    watch(&s);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    pthread_cond_destroy(&s.worker_done);
    pthread_mutex_destroy(&s.lock);
    for (int c = 0; c < cfg->chains; c++)
        d->iterations[c] = atomic_load(&s.progress[c]);
    free(s.progress);
    free(s.snapshot);
    int failed = atomic_load(&s.sink_failed);
    d->interrupted = atomic_load(&s.stop) && !failed;
    *out = d;
    if (s.status != GB_OK)
        return s.status;
    if (failed)
        return GB_EIO;
    return d->interrupted ? GB_EINTERRUPT : GB_OK;
}
