/* cli_mpi.c - cli_mpi.h over Open MPI (built only with `make MPI=1`).
 *
 * Rank r runs chains [r*C/R, (r+1)*C/R) with gb_run's chain share (run.h).  Only the thread
 * that called MPI_Init_thread makes MPI calls (MPI_THREAD_FUNNELED): on the other ranks the
 * chain threads' sink appends each draw to an outbox under a lock, and gb_run's monitor (on the
 * calling thread, every GB_RUN_TICK_MS) sends the outbox to rank 0 as one message.  Rank 0's
 * monitor receives what has come, writes each draw to its chain's file (the files of different
 * chains share nothing, so this thread and rank 0's chain threads may write at once) and keeps
 * it for the summary.  When a rank's chains are done it sends its per-chain totals (DONE), after
 * its error text (ERR) when a chain failed: messages from one rank arrive in order.
 *
 * A rank that dies sends no DONE.  mpirun then ends the job: it sends every other rank SIGTERM
 * and, odls_base_sigkill_timeout (1 s) later, SIGKILL.  Rank 0's signal handler stops its
 * chains; it waits GRACE_MS for the live ranks' DONE, then names the ranks that never
 * reported and returns GB_EINTERRUPT, so the caller writes the draws gathered so far whole,
 * within that second.
 */
#include "cli_mpi.h"

#include <mpi.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "size.h"

enum { TAG_ROWS = 1, TAG_DONE = 2, TAG_ERR = 3, TAG_PROG = 4 };
enum {
    DONE_HEAD = 2,
    DONE_PER_CHAIN = 4
};                   /* [status, interrupted], [iterations, warmup s,
                        sample s, step size] per chain */
#define GRACE_MS 300 /* wait for live ranks after a stop: well inside mpirun's 1 s to SIGKILL */
#define ROWS_PER_CHECK 256 /* rows written between two looks for a stop: well under 10 ms */
#define POLL_NS 1000000L   /* rank 0's pause between probes while it waits for the others */

static int joined, world_rank, world_size = 1, provided;
static int dp_shares; /* --data-parallel: shares per rank; 0: chains spread over the ranks */

/* Did a launcher start this process?  (MPI_Init outside mpirun would start a singleton job;
 * without one the MPI build behaves as the default build.) */
static int launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
}

gb_status cli_mpi_begin(gb_errlist *errs)
{
    if (!launched())
        return GB_OK;
    /* Open MPI's shared-memory transport reads a large message straight from its sender's
     * memory (CMA), and aborts the reader when the sender has died; copied through shared
     * segments instead, a message cut off by a death merely never completes, which rank 0
     * notices (receive).  An explicit setting of the user's wins. */
    if (setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0) != 0)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    /* serialized: a data-parallel run's chain thread sums the shares itself (dp_reduce) */
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
        return gb_error(errs, GB_EIO, (gb_loc){0}, "MPI_Init_thread failed");
    joined = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN); /* failures are values here */
    if (provided < MPI_THREAD_FUNNELED) {
        world_size = 1; /* not usable with chain threads: each rank must not run every chain */
        return gb_error(errs, GB_EIO, (gb_loc){0},
                        "this MPI library does not allow threads (MPI_THREAD_FUNNELED)");
    }
    /* mpirun hands each rank's stdout a pseudo-terminal whatever its own output is, so colour
     * cannot be judged from here: it is off (cli_colour reads NO_COLOR). */
    if (setenv("NO_COLOR", "1", 0) != 0)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    /* The other ranks print nothing: their messages would repeat rank 0's. */
    if (world_rank > 0 &&
        (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)))
        return gb_error(errs, GB_EIO, (gb_loc){0}, "cannot silence rank %d", world_rank);
    return GB_OK;
}

int cli_mpi_rank(void)
{
    return world_rank;
}

int cli_mpi_size(void)
{
    return world_size;
}

int cli_mpi_agree(int ok)
{
    if (world_size < 2)
        return ok;
    int all = 0;
    if (MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS)
        return 0;
    return all;
}

int cli_mpi_end(int rc)
{
    if (joined)
        MPI_Finalize();
    joined = 0;
    /* rank 0 speaks for the job: a nonzero code from another rank would make mpirun kill rank
     * 0 while it still writes the summary */
    return world_rank > 0 ? 0 : rc;
}

static int share_lo(int rank, int chains)
{
    return (int)((long)rank * chains / world_size);
}

/* rank's share of the chains as gb_run's chain_lo, chain_hi (hi 0 would mean every chain, so
 * an empty share is the empty range at the end). */
static void set_share(gb_run_config *c, int rank)
{
    c->chain_lo = share_lo(rank, c->chains);
    c->chain_hi = share_lo(rank + 1, c->chains);
    if (c->chain_lo == c->chain_hi)
        c->chain_lo = c->chain_hi = c->chains;
}

/* ---- the other ranks: send the draws as they come ---- */

typedef struct outbox {
    pthread_mutex_t lock;
    double *buf; /* rows of width doubles: the chain's index, then the draw */
    size_t n, cap, width;
    int oom;
} outbox;

/* The chain threads' sink: queue one draw. */
static int queue_row(void *ctx, int chain, const double *row)
{
    outbox *b = ctx;
    pthread_mutex_lock(&b->lock);
    if (b->n + b->width > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64 * b->width;
        double *p = realloc(b->buf, cap * sizeof *p);
        if (!p) {
            b->oom = 1;
            pthread_mutex_unlock(&b->lock);
            return -1;
        }
        b->buf = p;
        b->cap = cap;
    }
    b->buf[b->n] = chain;
    memcpy(b->buf + b->n + 1, row, (b->width - 1) * sizeof *row);
    b->n += b->width;
    pthread_mutex_unlock(&b->lock);
    return 0;
}

/* Sends what is queued (the lock is held only to take the buffer). */
static void send_outbox(outbox *b)
{
    pthread_mutex_lock(&b->lock);
    double *buf = b->buf;
    size_t n = b->n;
    b->buf = NULL;
    b->n = b->cap = 0;
    pthread_mutex_unlock(&b->lock);
    if (n)
        MPI_Send(buf, (int)n, MPI_DOUBLE, 0, TAG_ROWS, MPI_COMM_WORLD);
    free(buf);
}

typedef struct sender {
    outbox box;
    gb_run_monitor monitor;
    void *monitor_ctx;
    int lo, hi;   /* this rank's chains */
    double *prog; /* their iterations as last sent (PROG), or NULL: none sent */
} sender;

/* Sends the iterations of this rank's chains when they moved (PROG): rank 0's progress line
 * then counts them during warmup too, when no draw arrives. */
static void send_progress(sender *s, const gb_run_progress *p)
{
    int moved = 0;
    for (int c = s->lo; c < s->hi && s->prog; c++)
        if (s->prog[c - s->lo] != p->iterations[c]) {
            s->prog[c - s->lo] = p->iterations[c];
            moved = 1;
        }
    if (moved)
        MPI_Send(s->prog, s->hi - s->lo, MPI_DOUBLE, 0, TAG_PROG, MPI_COMM_WORLD);
}

static int sender_monitor(void *ctx, const gb_run_progress *p)
{
    sender *s = ctx;
    send_outbox(&s->box);
    send_progress(s, p);
    return s->monitor ? s->monitor(s->monitor_ctx, p) : 0;
}

/* The errors' text, one line each, for rank 0 to print; NULL when out of memory. */
static char *errors_text(const gb_errlist *errs)
{
    size_t len = 1;
    for (size_t i = 0; i < gb_errlist_count(errs); i++)
        len += strlen(gb_errlist_get(errs, i)->msg) + 1;
    char *t = malloc(len), *p = t;
    for (size_t i = 0; t && i < gb_errlist_count(errs); i++)
        p += sprintf(p, "%s%s", i ? "\n" : "", gb_errlist_get(errs, i)->msg);
    if (t)
        *p = '\0';
    return t;
}

static gb_status run_share(const gb_model *m, const gb_run_config *cfg, gb_draws **out,
                           gb_errlist *errs)
{
    gb_run_config c = *cfg;
    set_share(&c, world_rank);
    c.sink_only = 1; /* rank 0 keeps the draws: this rank only sends them */
    sender s = {.monitor = cfg->monitor, .monitor_ctx = cfg->monitor_ctx, .lo = c.chain_lo,
                .hi = c.chain_hi};
    if (s.hi > s.lo) /* without it, rank 0 counts this rank's draws only */
        s.prog = calloc((size_t)(s.hi - s.lo), sizeof *s.prog);
    s.box.width = 1 + GB_NSAMPLER_COLS;
    size_t nm = gb_model_output_size(m);
    for (size_t k = 0; k < nm; k++)
        s.box.width += !cfg->keep || cfg->keep[k];
    pthread_mutex_init(&s.box.lock, NULL);
    c.monitor = sender_monitor;
    c.monitor_ctx = &s;
    gb_draws *d = NULL;
    gb_status st = gb_run(m, &c, queue_row, &s.box, &d, errs);
    send_outbox(&s.box);
    free(s.prog);
    pthread_mutex_destroy(&s.box.lock);
    if (st == GB_EIO && s.box.oom) {
        st = gb_error(errs, GB_ENOMEM, (gb_loc){0}, "rank %d: out of memory queueing draws",
                      world_rank);
    }
    int nmine = c.chain_hi - c.chain_lo;
    double *done = calloc((size_t)(DONE_HEAD + DONE_PER_CHAIN * nmine), sizeof *done);
    char *text = st != GB_OK && st != GB_EINTERRUPT ? errors_text(errs) : NULL;
    if (text)
        MPI_Send(text, (int)strlen(text) + 1, MPI_CHAR, 0, TAG_ERR, MPI_COMM_WORLD);
    free(text);
    double fallback[DONE_HEAD] = {GB_ENOMEM, 0};
    if (done) {
        done[0] = st;
        done[1] = d && d->interrupted;
        for (int k = 0; d && k < nmine; k++) {
            double *e = done + DONE_HEAD + DONE_PER_CHAIN * k;
            int ch = c.chain_lo + k;
            e[0] = d->iterations[ch];
            e[1] = d->warmup_seconds[ch];
            e[2] = d->sample_seconds[ch];
            e[3] = d->stepsize[ch];
        }
    }
    /* DONE is sent whatever happened: rank 0 waits for it */
    MPI_Send(done ? done : fallback, done ? DONE_HEAD + DONE_PER_CHAIN * nmine : DONE_HEAD,
             MPI_DOUBLE, 0, TAG_DONE, MPI_COMM_WORLD);
    free(done);
    *out = d;
    return st;
}

/* ---- rank 0: gather ---- */

typedef struct gather {
    const gb_run_config *cfg;
    gb_drawsout *w;
    gb_errlist *errs;
    size_t width;   /* 1 + draw columns */
    int mine;       /* rank 0's chains: 0 .. mine-1 */
    double *rows;   /* the other chains' draws: chain c, draw d at (c - mine) * ndraws + d */
    size_t *filled; /* per chain */
    double *totals; /* per chain: DONE's DONE_PER_CHAIN values */
    int *reported;  /* per rank: sent DONE */
    int nreported;
    gb_status remote; /* the first failure a rank reported */
    int interrupted, write_failed, garbled;
    int *cut_off; /* per rank: a message of its never completed (it died sending) */
    int *iters;   /* the progress the monitor is shown, every rank's chains */
    double elapsed;
    gb_run_monitor monitor; /* the caller's */
    void *monitor_ctx;
    double stopped_at; /* when the monitor asked for a stop (now_ms); -1: not yet */
} gather;

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return 1e3 * (double)t.tv_sec + 1e-6 * (double)t.tv_nsec;
}

static int grace_over(gather *g);

static void take_rows(gather *g, const double *buf, size_t n)
{
    const gb_run_config *cfg = g->cfg;
    for (size_t i = 0; i + g->width <= n; i += g->width) {
        /* a backlog must not outlast mpirun's second before SIGKILL: the monitor is asked
           every so many rows whether a signal came */
        if ((i / g->width) % ROWS_PER_CHECK == 0 && grace_over(g))
            return;
        int c = (int)buf[i];
        if (c < g->mine || c >= cfg->chains || g->filled[c] >= (size_t)cfg->draws) {
            g->garbled = 1;
            continue;
        }
        const double *row = buf + i + 1;
        size_t ncols = g->width - 1, d = g->filled[c]++;
        if (g->rows)
            memcpy(g->rows + ((size_t)(c - g->mine) * (size_t)cfg->draws + d) * ncols, row,
                   ncols * sizeof *row);
        if (cfg->warmup + (int)g->filled[c] > g->iters[c])
            g->iters[c] = cfg->warmup + (int)g->filled[c];
        if (g->w && !g->write_failed && gb_drawsout_row(g->w, c, row) != 0)
            g->write_failed = 1;
    }
}

/* A rank's iterations so far (PROG): the progress of its chains while no draw comes. */
static void take_progress(gather *g, int rank, const double *buf, int n)
{
    int lo = share_lo(rank, g->cfg->chains), hi = share_lo(rank + 1, g->cfg->chains);
    for (int c = lo; c < hi && n == hi - lo; c++)
        if (buf[c - lo] > g->iters[c] && buf[c - lo] <= g->cfg->warmup + g->cfg->draws)
            g->iters[c] = (int)buf[c - lo];
}

static void take_done(gather *g, int rank, const double *buf, int n)
{
    int lo = share_lo(rank, g->cfg->chains), hi = share_lo(rank + 1, g->cfg->chains);
    if (n >= DONE_HEAD) {
        gb_status st = (gb_status)buf[0];
        if (st != GB_OK && st != GB_EINTERRUPT && g->remote == GB_OK)
            g->remote = st;
        g->interrupted |= buf[1] != 0 || st == GB_EINTERRUPT;
    }
    for (int c = lo; c < hi && n == DONE_HEAD + DONE_PER_CHAIN * (hi - lo); c++) {
        memcpy(g->totals + (size_t)c * DONE_PER_CHAIN, buf + DONE_HEAD + DONE_PER_CHAIN * (c - lo),
               DONE_PER_CHAIN * sizeof *buf);
        g->iters[c] = (int)buf[DONE_HEAD + DONE_PER_CHAIN * (c - lo)];
    }
    g->reported[rank] = 1;
    g->nreported++;
}

/* Shows every rank's progress (the others' as their draws arrive) to the caller's monitor;
 * nonzero once it asked for a stop (a signal: mpirun's SIGTERM when a rank died), from then on.
 * p: rank 0's own progress, NULL between its chains' ticks. */
static int stop_asked(gather *g, const gb_run_progress *p)
{
    for (int c = 0; c < g->mine && p; c++)
        g->iters[c] = p->iterations[c];
    if (p)
        g->elapsed = p->elapsed;
    gb_run_progress all = {g->cfg->chains, g->cfg->warmup, g->cfg->draws, g->iters, g->elapsed};
    if (g->stopped_at < 0 && g->monitor && g->monitor(g->monitor_ctx, &all) != 0)
        g->stopped_at = now_ms();
    return g->stopped_at >= 0;
}

/* After a stop the live ranks have GRACE_MS to report; then rank 0 writes what it has. */
static int grace_over(gather *g)
{
    return stop_asked(g, NULL) && now_ms() - g->stopped_at > GRACE_MS;
}

/* Receives one message whose envelope has arrived.  Its body may never come (its sender died
 * while sending): the wait polls, and gives up when grace_over.  0 when received; -1 when given
 * up or failed (the buffer then stays MPI's: it is not freed). */
static int receive(gather *g, void *buf, int n, MPI_Datatype type, const MPI_Status *ms)
{
    MPI_Request req;
    if (MPI_Irecv(buf, n, type, ms->MPI_SOURCE, ms->MPI_TAG, MPI_COMM_WORLD, &req) != MPI_SUCCESS)
        return -1;
    for (;;) {
        int done = 0;
        if (MPI_Test(&req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return -1;
        if (done)
            return 0;
        if (grace_over(g)) {
            MPI_Cancel(&req);
            return -1;
        }
        struct timespec pause = {0, POLL_NS};
        nanosleep(&pause, NULL);
    }
}

/* Receives every message that has arrived. */
static void drain(gather *g)
{
    for (;;) {
        if (grace_over(g)) /* a backlog of draws must not outlast the grace */
            return;
        int flag = 0, n = 0;
        MPI_Status ms;
        if (MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &ms) != MPI_SUCCESS ||
            !flag)
            return;
        MPI_Datatype type = ms.MPI_TAG == TAG_ERR ? MPI_CHAR : MPI_DOUBLE;
        MPI_Get_count(&ms, type, &n);
        size_t esize = type == MPI_CHAR ? 1 : sizeof(double);
        char *buf = malloc(n > 0 ? (size_t)n * esize : 1);
        if (!buf) { /* the message stays unreceived; its rank counts as lost */
            g->remote = GB_ENOMEM;
            return;
        }
        if (receive(g, buf, n, type, &ms) != 0) {
            g->cut_off[ms.MPI_SOURCE] = 1; /* it died mid-message: nothing more will come */
            g->nreported++;
            continue;
        }
        if (ms.MPI_TAG == TAG_ROWS)
            take_rows(g, (const double *)(void *)buf, (size_t)n);
        else if (ms.MPI_TAG == TAG_PROG)
            take_progress(g, ms.MPI_SOURCE, (const double *)(void *)buf, n);
        else if (ms.MPI_TAG == TAG_DONE)
            take_done(g, ms.MPI_SOURCE, (const double *)(void *)buf, n);
        else if (ms.MPI_TAG == TAG_ERR && n > 0) {
            buf[n - 1] = '\0';
            gb_error(g->errs, GB_EIO, (gb_loc){0}, "rank %d: %s", ms.MPI_SOURCE, buf);
        }
        free(buf);
    }
}

/* Rank 0's monitor: gather, then show the progress. */
static int receiver_monitor(void *ctx, const gb_run_progress *p)
{
    gather *g = ctx;
    drain(g);
    return stop_asked(g, p) || g->write_failed;
}

/* After rank 0's own chains: wait for every rank's DONE; after a stop, GRACE_MS at most. */
static void wait_for_ranks(gather *g)
{
    while (g->nreported < world_size - 1 && g->remote != GB_ENOMEM) {
        drain(g);
        if (g->nreported == world_size - 1 || grace_over(g))
            break;
        struct timespec pause = {0, POLL_NS};
        nanosleep(&pause, NULL);
    }
}

/* Says which ranks never reported (they died), after what they had sent arrived. */
static void name_lost_ranks(const gather *g)
{
    for (int rank = 1; rank < world_size; rank++) {
        if (g->reported[rank])
            continue;
        int lo = share_lo(rank, g->cfg->chains), hi = share_lo(rank + 1, g->cfg->chains);
        fprintf(stderr,
                "glassbox run: error: MPI rank %d (chains %d-%d) ended without reporting "
                "(it failed or was killed, or was inside an iteration when the job stopped); its "
                "draws gathered so far are kept (",
                rank, lo + 1, hi);
        for (int c = lo; c < hi; c++)
            fprintf(stderr, "%s%zu", c > lo ? "/" : "", g->filled[c]);
        fprintf(stderr, " draws)\n");
    }
}

/* The other ranks' chains into rank 0's draws. */
static void merge(const gather *g, gb_draws *d)
{
    size_t ncols = g->width - 1;
    for (int c = g->mine; c < d->nchains && g->rows; c++) {
        memcpy(d->rows + (size_t)c * d->ndraws * ncols,
               g->rows + (size_t)(c - g->mine) * d->ndraws * ncols,
               g->filled[c] * ncols * sizeof(double));
        d->filled[c] = g->filled[c];
        const double *t = g->totals + (size_t)c * DONE_PER_CHAIN;
        d->iterations[c] = t[0] > 0 ? (int)t[0] : g->iters[c];
        d->warmup_seconds[c] = t[1];
        d->sample_seconds[c] = t[2];
        d->stepsize[c] = t[3];
    }
}

static gather *gather_new(const gb_model *m, const gb_run_config *cfg, gb_drawsout *w,
                          gb_errlist *errs)
{
    gather *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->cfg = cfg;
    g->monitor = cfg->monitor;
    g->monitor_ctx = cfg->monitor_ctx;
    g->stopped_at = -1;
    g->w = w;
    g->errs = errs;
    g->width = 1 + GB_NSAMPLER_COLS;
    for (size_t k = 0, nm = gb_model_output_size(m); k < nm; k++)
        g->width += !cfg->keep || cfg->keep[k];
    g->mine = share_lo(1, cfg->chains);
    size_t others = (size_t)(cfg->chains - g->mine), cells = 0;
    if (gb_size_mul(others * (size_t)cfg->draws, g->width - 1, &cells) == 0)
        g->rows = malloc((cells ? cells : 1) * sizeof(double));
    g->filled = calloc((size_t)cfg->chains, sizeof *g->filled);
    g->totals = calloc((size_t)cfg->chains * DONE_PER_CHAIN, sizeof *g->totals);
    g->reported = calloc((size_t)world_size, sizeof *g->reported);
    g->cut_off = calloc((size_t)world_size, sizeof *g->cut_off);
    g->iters = calloc((size_t)cfg->chains, sizeof *g->iters);
    if (!g->rows) /* the draws still arrive and are written; the run then fails */
        g->remote = GB_ENOMEM;
    if (!g->filled || !g->totals || !g->reported || !g->cut_off || !g->iters) {
        free(g->rows);
        free(g->filled);
        free(g->totals);
        free(g->reported);
        free(g->cut_off);
        free(g->iters);
        free(g);
        return NULL;
    }
    return g;
}

static void gather_free(gather *g)
{
    if (!g)
        return;
    free(g->rows);
    free(g->filled);
    free(g->totals);
    free(g->reported);
    free(g->cut_off);
    free(g->iters);
    free(g);
}

/* Rank 0: its own chains, and every other rank's draws as they come. */
static gb_status run_and_gather(const gb_model *m, const gb_run_config *cfg, gb_drawsout *w,
                                gb_draws **out, gb_errlist *errs)
{
    gather *g = gather_new(m, cfg, w, errs);
    if (!g) /* a few per-chain integers: the draws' own space is allowed to fail (below) */
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory gathering the ranks' draws");
    gb_run_config c = *cfg;
    set_share(&c, 0);
    c.monitor = receiver_monitor;
    c.monitor_ctx = g;
    gb_draws *d = NULL;
    gb_status st = gb_run(m, &c, w ? gb_drawsout_row : NULL, w, &d, errs);
    wait_for_ranks(g);
    name_lost_ranks(g);
    if (d)
        merge(g, d);
    int lost = 0;
    for (int rank = 1; rank < world_size; rank++)
        lost |= !g->reported[rank];
    if (g->garbled && g->remote == GB_OK)
        g->remote = gb_error(errs, GB_EINTERNAL, (gb_loc){0},
                             "internal error in %s, please report: a rank sent a draw of a chain "
                             "it does not run",
                             __func__);
    if (st == GB_OK || st == GB_EINTERRUPT) {
        if (g->remote != GB_OK)
            st = g->remote;
        else if (g->write_failed && w)
            st = GB_EIO;
        else if (lost || g->interrupted || st == GB_EINTERRUPT)
            st = GB_EINTERRUPT;
    }
    if (d && st == GB_EINTERRUPT)
        d->interrupted = 1;
    gather_free(g);
    *out = d;
    return st;
}

/* ---- --data-parallel: every rank on every chain, the likelihood's shares summed ---- */

gb_status cli_mpi_data_parallel(int split_rows, gb_errlist *errs)
{
    if (world_size > 1 && provided < MPI_THREAD_SERIALIZED)
        return gb_error(errs, GB_EUSAGE, (gb_loc){0},
                        "--data-parallel needs an MPI library that allows calls from a chain's "
                        "thread (MPI_THREAD_SERIALIZED)");
    dp_shares = split_rows > 1 ? split_rows : 1;
    return GB_OK;
}

typedef struct dp_state {
    MPI_Comm comm;    /* its own, so no other message mixes with the sums */
    double *all;      /* world_size x n: every rank's buffer */
    atomic_int stop;  /* the monitor asked for a stop: a sum waiting for a lost rank gives up */
    gb_run_monitor monitor;
    void *monitor_ctx;
} dp_state;

/* gb_split_reduce: every rank's buffer gathered, then summed in rank order on each rank, so all
 * of them get the same bits (an MPI_Allreduce may add in a different order on each rank, and
 * one differing bit would send their trajectories, and then their calls, apart).  Waits by
 * polling, giving up when the monitor asked for a stop (mpirun's SIGTERM after a rank died). */
static int dp_reduce(void *ctx, double *buf, size_t n)
{
    dp_state *d = ctx;
    MPI_Request req;
    if (MPI_Iallgather(buf, (int)n, MPI_DOUBLE, d->all, (int)n, MPI_DOUBLE, d->comm, &req) !=
        MPI_SUCCESS)
        return -1;
    for (int done = 0; !done;) {
        if (MPI_Test(&req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return -1;
        if (!done && atomic_load(&d->stop))
            return -1;
    }
    memcpy(buf, d->all, n * sizeof *buf);
    for (int r = 1; r < world_size; r++)
        for (size_t k = 0; k < n; k++)
            buf[k] += d->all[(size_t)r * n + k];
    return 0;
}

static int dp_monitor(void *ctx, const gb_run_progress *p)
{
    dp_state *d = ctx;
    int stop = d->monitor ? d->monitor(d->monitor_ctx, p) : 0;
    if (stop)
        atomic_store(&d->stop, 1);
    return stop;
}

/* Every rank runs every chain on one thread (only that thread calls MPI while the chains run);
 * rank 0 alone writes. */
static gb_status run_data_parallel(const gb_model *m, const gb_run_config *cfg, gb_drawsout *w,
                                   gb_draws **out, gb_errlist *errs)
{
    dp_state d = {.monitor = cfg->monitor, .monitor_ctx = cfg->monitor_ctx};
    atomic_init(&d.stop, 0);
    size_t n = 1 + gb_model_dim(m);
    d.all = calloc((size_t)world_size * n, sizeof *d.all);
    if (!d.all)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    if (MPI_Comm_dup(MPI_COMM_WORLD, &d.comm) != MPI_SUCCESS) {
        free(d.all);
        return gb_error(errs, GB_EIO, (gb_loc){0}, "MPI_Comm_dup failed");
    }
    MPI_Comm_set_errhandler(d.comm, MPI_ERRORS_RETURN);
    gb_run_config c = *cfg;
    c.threads = 1;
    c.split_rows = dp_shares;
    c.share_first = world_rank * dp_shares;
    c.share_total = world_size * dp_shares;
    c.reduce = dp_reduce;
    c.reduce_ctx = &d;
    c.monitor = dp_monitor;
    c.monitor_ctx = &d;
    gb_status st = gb_run(m, &c, w && world_rank == 0 ? gb_drawsout_row : NULL, w, out, errs);
    if (!atomic_load(&d.stop)) /* after a lost rank the communicator cannot be freed */
        MPI_Comm_free(&d.comm);
    free(d.all);
    return st;
}

gb_status cli_mpi_run(const gb_model *m, const gb_run_config *cfg, gb_drawsout *w, gb_draws **out,
                      gb_errlist *errs)
{
    if (world_size < 2 || dp_shares > 0) {
        gb_run_config c = *cfg;
        if (dp_shares > 0 && c.split_rows < dp_shares)
            c.split_rows = dp_shares;
        if (world_size < 2)
            return gb_run(m, &c, w ? gb_drawsout_row : NULL, w, out, errs);
        return run_data_parallel(m, &c, w, out, errs);
    }
    if (world_rank > 0)
        return run_share(m, cfg, out, errs);
    return run_and_gather(m, cfg, w, out, errs);
}
