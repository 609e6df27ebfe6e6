/* model_split.c - the data-parallel likelihood (split.h): which terms are split, the pool of
 * share threads, and the summation in share order.
 *
 * The pool: each worker waits on `go` for a new generation, evaluates its share at the published
 * theta into its own work space and gradient row, and the last one to finish signals `done`.
 * The caller's thread evaluates the first share meanwhile.  A mutex and two condition variables
 * per evaluation, nothing allocated.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model_int.h"

typedef struct worker_arg {
    gb_split *sp;
    size_t i; /* local share index, 1 .. nlocal - 1 */
} worker_arg;

struct gb_split {
    const gb_model *m;
    size_t nlocal, first, total, dim;
    gb_split_reduce reduce;
    void *ctx;
    gb_model_ws **ws; /* per local share; [0] unused (the caller's) */
    double *grad;     /* share i's gradient at i * dim; [0 .. dim) unused */
    double *lp;       /* per local share */
    double *buf;      /* 1 + dim: log density and gradient handed to reduce */
    double *cpu;      /* per local share: its thread's CPU seconds spent evaluating */
    size_t *ops;      /* per op: ws->share_ops (term_ops) */
    size_t *rows;     /* per op: ws->share_rows (mop_rows_plan) */
    size_t *trows;    /* per tensor: ws->share_trows */
    worker_arg *arg;
    pthread_t *tid;
    size_t started;
    pthread_mutex_t lock;
    pthread_cond_t go, done;
    unsigned long gen;
    size_t pending;
    int quit;
    const double *theta;
};

int gb_split_term_is_split(const gb_model *m, const mop *o)
{
    return o->kind == OP_TERM && !o->prep && !o->marg &&
           gb_node_is_observed(gb_graph_node(m->g, o->node)) &&
           !o->dist->is_target;
}

void gb_split_items(const gb_model *m, const gb_model_ws *ws, size_t k, size_t *b0, size_t *b1)
{
    size_t batch = m->ops.items[m->terms.items[k].b - 1].batch;
    *b0 = batch * ws->share_k / ws->share_n;
    *b1 = batch * (ws->share_k + 1) / ws->share_n;
}

void gb_split_term_reps(const gb_model *m, const gb_model_ws *ws, const mop *o, size_t *r0,
                        size_t *r1)
{
    size_t cnt = mop_term_obs_count(o), k = ws->share_k, n = ws->share_n;
    *r0 = 0;
    *r1 = cnt;
    if (n <= 1)
        return;
    if (!gb_split_term_is_split(m, o)) {
        *r1 = k == 0 ? cnt : 0;
    } else if (o->batch > 1) {
        size_t le = o->n / o->batch;
        *r0 = o->batch * k / n * le;
        *r1 = o->batch * (k + 1) / n * le;
    } else {
        *r0 = cnt * k / n;
        *r1 = cnt * (k + 1) / n;
    }
}

/* Can split term range tr's argument ops run over a share of its loop's iterations?  Every op
 * then reads and writes item b of its batch for iteration b only: none runs a comprehension's
 * body, a sequence, a summed-out latent's terms or writes a node, and each batched one runs over
 * the term's own loop (an op folded into a fixed value runs nothing). */
static int term_ops_itemwise(const gb_model *m, const term_range *tr)
{
    const mop *t = &m->ops.items[tr->b - 1];
    if (!gb_split_term_is_split(m, t) || t->batch < 2)
        return 0;
    for (size_t q = tr->a; q + 1 < tr->b; q++) {
        const mop *o = &m->ops.items[q];
        if (o->kind == OP_SKIP && o->body1 == q + 1)
            continue; /* folded into a fixed value (model_fold.c): runs nothing */
        if (o->kind == OP_SKIP || o->kind == OP_COMPREH || o->kind == OP_SCATTER ||
            o->kind == OP_ASSIGN || o->kind == OP_TRANSFORM || o->kind == OP_TERM || o->seq ||
            o->marg)
            return 0;
        const tensor *x = &m->t.items[o->out];
        if (x->batched && x->batch != t->batch)
            return 0;
    }
    return 1;
}

/* ws->share_ops of m: 1 + k for the argument ops of term range k when term_ops_itemwise. */
static void term_ops(const gb_model *m, size_t *ops)
{
    for (size_t k = 0; k < m->terms.len; k++) {
        const term_range *tr = &m->terms.items[k];
        for (size_t q = tr->a; q + 1 < tr->b && term_ops_itemwise(m, tr); q++)
            ops[q] = k + 1;
    }
}

gb_status gb_split_check(const gb_model *m, const char *what, gb_errlist *errs)
{
    for (size_t k = 0; k < m->lat.len; k++) {
        const latent *L = &m->lat.items[k];
        if (L->kind->joint)
            continue;
        const gb_node *n = gb_graph_node(m->g, L->node);
        gb_error(errs, GB_EUSAGE, n->loc,
                 "%s cannot split this model's rows: '%s' is updated by the %s sampler, not "
                 "by NUTS",
                 what, n->name, L->kind->name);
        gb_error_hint(errs,
                      "a latent outside the NUTS block (Gibbs, slice, summed out) reads its "
                      "likelihood terms whole, which a share of the rows does not hold; "
                      "run without %s",
                      what);
        return GB_EUSAGE;
    }
    return GB_OK;
}

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Share i's evaluation into its work space and gradient row, timed. */
static double eval_share(gb_split *sp, size_t i, gb_model_ws *ws, const double *theta, double *g)
{
    double t0 = thread_cpu();
    double lp = gb_model_logp_local(sp->m, ws, theta, g);
    sp->cpu[i] += thread_cpu() - t0;
    return lp;
}

static void *worker(void *p)
{
    const worker_arg *a = p;
    gb_split *sp = a->sp;
    unsigned long seen = 0;
    for (;;) {
        pthread_mutex_lock(&sp->lock);
        while (sp->gen == seen && !sp->quit)
            pthread_cond_wait(&sp->go, &sp->lock);
        if (sp->quit) {
            pthread_mutex_unlock(&sp->lock);
            return NULL;
        }
        seen = sp->gen;
        const double *theta = sp->theta;
        pthread_mutex_unlock(&sp->lock);
        sp->lp[a->i] = eval_share(sp, a->i, sp->ws[a->i], theta, sp->grad + a->i * sp->dim);
        pthread_mutex_lock(&sp->lock);
        if (--sp->pending == 0)
            pthread_cond_signal(&sp->done);
        pthread_mutex_unlock(&sp->lock);
    }
}

gb_status gb_split_new(const gb_model *m, size_t nlocal, size_t first, size_t total,
                       gb_split_reduce reduce, void *ctx, gb_split **out)
{
    gb_split *sp = calloc(1, sizeof *sp);
    if (!sp)
        return GB_ENOMEM;
    sp->m = m;
    sp->nlocal = nlocal ? nlocal : 1;
    sp->first = first;
    sp->total = total;
    sp->dim = gb_model_dim(m);
    sp->reduce = reduce;
    sp->ctx = ctx;
    pthread_mutex_init(&sp->lock, NULL);
    pthread_cond_init(&sp->go, NULL);
    pthread_cond_init(&sp->done, NULL);
    size_t d1 = sp->dim ? sp->dim : 1;
    sp->ws = calloc(sp->nlocal, sizeof *sp->ws);
    sp->grad = calloc(sp->nlocal * d1, sizeof *sp->grad);
    sp->lp = calloc(sp->nlocal, sizeof *sp->lp);
    sp->buf = calloc(1 + d1, sizeof *sp->buf);
    sp->arg = calloc(sp->nlocal, sizeof *sp->arg);
    sp->tid = calloc(sp->nlocal, sizeof *sp->tid);
    sp->cpu = calloc(sp->nlocal, sizeof *sp->cpu);
    sp->ops = calloc(m->ops.len ? m->ops.len : 1, sizeof *sp->ops);
    sp->rows = calloc(m->ops.len ? m->ops.len : 1, sizeof *sp->rows);
    sp->trows = calloc(m->t.len ? m->t.len : 1, sizeof *sp->trows);
    if (!sp->ws || !sp->grad || !sp->lp || !sp->buf || !sp->arg || !sp->tid || !sp->cpu ||
        !sp->ops || !sp->rows || !sp->trows || mop_rows_plan(m, sp->rows, sp->trows) != GB_OK) {
        gb_split_free(sp);
        return GB_ENOMEM;
    }
    term_ops(m, sp->ops);
    for (size_t i = 1; i < sp->nlocal; i++) {
        if (!(sp->ws[i] = gb_model_ws_new(m))) {
            gb_split_free(sp);
            return GB_ENOMEM;
        }
        sp->ws[i]->share_k = first + i;
        sp->ws[i]->share_n = total;
        sp->ws[i]->share_ops = sp->ops;
        sp->ws[i]->share_rows = sp->rows;
        sp->ws[i]->share_trows = sp->trows;
    }
    for (size_t i = 1; i < sp->nlocal; i++) {
        sp->arg[i] = (worker_arg){sp, i};
        if (pthread_create(&sp->tid[i], NULL, worker, &sp->arg[i]) != 0) {
            gb_split_free(sp);
            return GB_ENOMEM;
        }
        sp->started = i;
    }
    *out = sp;
    return GB_OK;
}

void gb_split_free(gb_split *sp)
{
    if (!sp)
        return;
    pthread_mutex_lock(&sp->lock);
    sp->quit = 1;
    pthread_cond_broadcast(&sp->go);
    pthread_mutex_unlock(&sp->lock);
    for (size_t i = 1; i <= sp->started; i++)
        pthread_join(sp->tid[i], NULL);
    for (size_t i = 1; sp->ws && i < sp->nlocal; i++)
        gb_model_ws_free(sp->ws[i]);
    pthread_cond_destroy(&sp->go);
    pthread_cond_destroy(&sp->done);
    pthread_mutex_destroy(&sp->lock);
    free(sp->ws);
    free(sp->grad);
    free(sp->lp);
    free(sp->buf);
    free(sp->arg);
    free(sp->tid);
    free(sp->cpu);
    free(sp->ops);
    free(sp->rows);
    free(sp->trows);
    free(sp);
}

void gb_split_cpu_seconds(gb_split *sp, double *out)
{
    memcpy(out, sp->cpu, sp->nlocal * sizeof *out);
}

void gb_model_ws_set_split(gb_model_ws *ws, gb_split *sp)
{
    ws->split = sp;
}

/* Adds share i's log density and gradient into (*lp, grad); a share outside the support makes
 * the sum -INFINITY with its gradient left out (never a NaN handed on). */
static void add_share(double *lp, double *grad, double lpi, const double *gi, size_t dim)
{
    if (!(lpi > -INFINITY)) {
        *lp = -INFINITY;
        return;
    }
    *lp += lpi;
    for (size_t k = 0; k < dim; k++)
        grad[k] += gi[k];
}

double gb_split_logp(gb_split *sp, gb_model_ws *ws, const double *theta, double *grad)
{
    size_t dim = sp->dim;
    if (!grad)
        grad = ws->grad;
    if (sp->nlocal > 1) {
        pthread_mutex_lock(&sp->lock);
        sp->theta = theta;
        sp->pending = sp->nlocal - 1;
        sp->gen++;
        pthread_cond_broadcast(&sp->go);
        pthread_mutex_unlock(&sp->lock);
    }
    ws->share_k = sp->first;
    ws->share_n = sp->total;
    ws->share_ops = sp->ops;
    ws->share_rows = sp->rows;
    ws->share_trows = sp->trows;
    double lp0 = eval_share(sp, 0, ws, theta, sp->buf + 1);
    ws->share_k = ws->share_n = 0;
    ws->share_ops = ws->share_rows = ws->share_trows = NULL;
    if (sp->nlocal > 1) {
        pthread_mutex_lock(&sp->lock);
        while (sp->pending > 0)
            pthread_cond_wait(&sp->done, &sp->lock);
        pthread_mutex_unlock(&sp->lock);
    }
    /* in share order: the same bits for the same share count, whatever finished first */
    double lp = 0;
    memset(grad, 0, dim * sizeof *grad);
    add_share(&lp, grad, lp0, sp->buf + 1, dim);
    for (size_t i = 1; i < sp->nlocal; i++)
        add_share(&lp, grad, sp->lp[i], sp->grad + i * dim, dim);
    if (sp->reduce) {
        sp->buf[0] = lp;
        if (!(lp > -INFINITY))
            memset(grad, 0, dim * sizeof *grad);
        memcpy(sp->buf + 1, grad, dim * sizeof *grad);
        if (sp->reduce(sp->ctx, sp->buf, 1 + dim) != 0)
            return -INFINITY;
        lp = sp->buf[0];
        memcpy(grad, sp->buf + 1, dim * sizeof *grad);
    }
    if (!(lp > -INFINITY) || isnan(lp))
        return -INFINITY;
    for (size_t k = 0; k < dim; k++)
        if (!isfinite(grad[k]))
            return -INFINITY;
    ws->logp = lp;
    return lp;
}
