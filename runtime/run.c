/* run.c - chains on threads: initialise, warm up (adapting NUTS), sample, hand draws to the
 * sink.  Each iteration is a Gibbs sweep of the discrete latents (when there are any) followed by
 * one NUTS transition of the continuous block at those values.
 *
 * Threads take chains from a shared counter; a chain's work depends only on its own RNG stream,
 * so the output is the same for any thread count.  The stop flag is a volatile sig_atomic_t set
 * by gb_run_request_stop (signal handlers call it) and polled once per iteration.
 */
#include "run.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
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

static volatile sig_atomic_t stop_flag;

void gb_run_request_stop(void)
{
    stop_flag = 1;
}

int gb_run_stop_requested(void)
{
    return stop_flag != 0;
}

void gb_draws_free(gb_draws *d)
{
    if (!d)
        return;
    free(d->filled);
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
    int next_chain;
    gb_status status;
    gb_errlist *errs;     /* guarded by lock */
    int *progress;        /* iterations done per chain */
    int sink_failed;
} shared;

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
    if (!local || !r || !ws || !theta || !row || !all) {
        fail(s, GB_ENOMEM, NULL);
        goto done;
    }
    gb_status st = gb_model_init(m, ws, r, cfg->init_radius, 100, theta, local);
    if (st == GB_OK)
        st = gb_kernel_new(m, cfg, &k, local);
    if (st != GB_OK) {
        fail(s, st, local);
        goto done;
    }
    int total = cfg->warmup + cfg->draws;
    for (int it = 0; it < total && !stop_flag; it++) {
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
        s->progress[c] = it + 1;
        if (it < cfg->warmup)
            continue;
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
        memcpy(s->draws->rows + ((size_t)c * s->draws->ndraws + d) * ncols, row,
               ncols * sizeof *row);
        s->draws->filled[c] = d + 1;
        if (s->sink && s->sink(s->sink_ctx, c, row) != 0) {
            s->sink_failed = 1;
            gb_run_request_stop();
        }
    }
    if (k)
        s->draws->stepsize[c] = gb_kernel_stepsize(k);
done:
    gb_kernel_free(k);
    free(row);
    free(all);
    free(sv);
    free(theta);
    gb_model_ws_free(ws);
    gb_rng_free(r);
    gb_errlist_free(local);
}

static void *worker(void *arg)
{
    shared *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        int c = s->next_chain < s->cfg->chains && s->status == GB_OK ? s->next_chain++ : -1;
        pthread_mutex_unlock(&s->lock);
        if (c < 0 || stop_flag)
            return NULL;
        run_chain(s, c);
    }
}

/* Redraws the progress line (stderr), at most every 0.2 s. */
static void draw_progress(const shared *s, double elapsed)
{
    const gb_run_config *cfg = s->cfg;
    int total = cfg->warmup + cfg->draws;
    fprintf(stderr, "\r");
    long done = 0;
    for (int c = 0; c < cfg->chains && c < 8; c++) {
        int p = s->progress[c];
        done += p;
        fprintf(stderr, "chain %d %s %3d%%  ", c + 1, p < cfg->warmup ? "warmup" : "sample",
                total ? 100 * p / total : 100);
    }
    fprintf(stderr, "%.0f it/s ", elapsed > 0 ? (double)done / elapsed : 0.0);
    fflush(stderr);
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
    stop_flag = 0;
    size_t nm = gb_model_output_size(m), nkept = 0;
    for (size_t k = 0; k < nm; k++)
        nkept += !cfg->keep || cfg->keep[k];
    size_t ncols = GB_NSAMPLER_COLS + nkept, cells;
    if (gb_size_mul((size_t)cfg->chains * (size_t)cfg->draws, ncols, &cells) != 0 ||
        gb_size_fits_budget(cells, sizeof(double)) != 0)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0},
                        "%d chains x %d draws x %zu columns do not fit in the memory budget",
                        cfg->chains, cfg->draws, ncols);
    gb_draws *d = calloc(1, sizeof *d);
    if (d) {
        d->nchains = cfg->chains;
        d->ndraws = (size_t)cfg->draws;
        d->ncols = ncols;
        d->filled = calloc((size_t)cfg->chains, sizeof *d->filled);
        d->rows = malloc((cells ? cells : 1) * sizeof(double));
        d->stepsize = calloc((size_t)cfg->chains, sizeof *d->stepsize);
        d->col = calloc(nkept ? nkept : 1, sizeof *d->col);
        d->nstream = nm - nkept;
        d->stream_col = calloc(d->nstream ? d->nstream : 1, sizeof *d->stream_col);
        if (d->nstream && (d->stream = calloc((size_t)cfg->chains, sizeof *d->stream)))
            for (int c = 0; c < cfg->chains; c++)
                if (!(d->stream[c] = gb_stream_new(d->nstream)))
                    d->col = (free(d->col), NULL);
        if (d->col && d->stream_col)
            for (size_t k = 0, a = 0, b = 0; k < nm; k++) {
                if (!cfg->keep || cfg->keep[k])
                    d->col[a++] = k;
                else
                    d->stream_col[b++] = k;
            }
    }
    s.progress = calloc((size_t)cfg->chains, sizeof *s.progress);
    if (!d || !d->filled || !d->rows || !d->stepsize || !d->col || !d->stream_col ||
        (d->nstream && !d->stream) || !s.progress) {
        gb_draws_free(d);
        free(s.progress);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    }
    s.draws = d;
    pthread_mutex_init(&s.lock, NULL);
    int nthreads = cfg->threads > 0 ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > cfg->chains)
        nthreads = cfg->chains;
    pthread_t tid[1024];
    int started = 0;
    for (int t = 0; t < nthreads && t < 1024; t++)
        if (pthread_create(&tid[started], NULL, worker, &s) == 0)
            started++;
    if (started == 0)
        worker(&s);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int shown = 0;
    if (cfg->progress) {
        /* the main thread draws progress until every chain is done */
        for (;;) {
            struct timespec nap = {0, 200000000L};
            nanosleep(&nap, NULL);
            clock_gettime(CLOCK_MONOTONIC, &now);
            double el = (double)(now.tv_sec - t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - t0.tv_nsec);
            int all = 1;
            for (int c = 0; c < cfg->chains; c++)
                all &= s.progress[c] >= cfg->warmup + cfg->draws;
            if (all || stop_flag || s.status != GB_OK)
                break;
            if (el > 1.0) { /* only runs longer than a second get a bar */
                draw_progress(&s, el);
                shown = 1;
            }
        }
    }
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    if (shown)
        fputs("\r\033[K", stderr);
    pthread_mutex_destroy(&s.lock);
    free(s.progress);
    d->interrupted = stop_flag && !s.sink_failed;
    *out = d;
    if (s.status != GB_OK)
        return s.status;
    if (s.sink_failed)
        return GB_EIO;
    return d->interrupted ? GB_EINTERRUPT : GB_OK;
}
