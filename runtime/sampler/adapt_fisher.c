/* adapt_fisher.c - nutpie's Fisher-divergence diagonal metric with its foreground/background
 * estimators and schedule; see adapt_fisher.h for the algorithm and its source.  Owns one block
 * of 9 * dim doubles, allocated in gb_fisher_new.
 */
#include "adapt_fisher.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"

/* nuts-rs defaults (AdaptOptions, mass_matrix_adapt.rs). */
#define EARLY_FRACTION 0.3
#define FINAL_FRACTION 0.15
#define EARLY_SWITCH 10
#define LATE_SWITCH 80
#define MIN_COUNT 3
#define LOWER_LIMIT 1e-20
#define UPPER_LIMIT 1e20

/* Welford's running mean and sum of squared deviations of draws and gradients. */
typedef struct est {
    size_t n;
    double *mq, *sq, *mg, *sg;
} est;

struct gb_fisher {
    size_t dim, warmup, early_end, final_start, draw;
    int estimated; /* a metric has been estimated from draws */
    est fg, bg;
    double *cur; /* the inverse metric last handed out */
    double *block;
};

gb_status gb_fisher_new(size_t warmup, size_t dim, gb_fisher **out)
{
    size_t len;
    if (dim == 0)
        return GB_EUSAGE;
    if (gb_size_mul(dim, 9, &len) != 0 || gb_size_fits_budget(len, sizeof(double)) != 0)
        return GB_ENOMEM;
    gb_fisher *f = calloc(1, sizeof *f);
    double *b = calloc(len, sizeof *b);
    if (!f || !b) {
        free(f);
        free(b);
        return GB_ENOMEM;
    }
    f->dim = dim;
    f->warmup = warmup;
    f->early_end = (size_t)(EARLY_FRACTION * (double)warmup);
    f->final_start = warmup - (size_t)(FINAL_FRACTION * (double)warmup);
    f->block = b;
    f->cur = b + 8 * dim;
    est *e[] = {&f->fg, &f->bg};
    for (size_t k = 0; k < 2; k++) {
        e[k]->mq = b + (4 * k + 0) * dim;
        e[k]->sq = b + (4 * k + 1) * dim;
        e[k]->mg = b + (4 * k + 2) * dim;
        e[k]->sg = b + (4 * k + 3) * dim;
    }
    *out = f;
    return GB_OK;
}

void gb_fisher_free(gb_fisher *f)
{
    if (!f)
        return;
    free(f->block);
    free(f);
}

size_t gb_fisher_final_start(const gb_fisher *f)
{
    return f->final_start;
}

size_t gb_fisher_early_end(const gb_fisher *f)
{
    return f->early_end;
}

static void est_reset(est *e, size_t dim)
{
    e->n = 0;
    double *v[] = {e->mq, e->sq, e->mg, e->sg};
    for (size_t k = 0; k < 4; k++)
        memset(v[k], 0, dim * sizeof *v[k]);
}

static void welford(double *mean, double *ss, const double *x, size_t dim, double n)
{
    for (size_t i = 0; i < dim; i++) {
        double d = x[i] - mean[i];
        mean[i] += d / n;
        ss[i] += d * (x[i] - mean[i]);
    }
}

static void est_add(est *e, const double *q, const double *g, size_t dim)
{
    e->n++;
    welford(e->mq, e->sq, q, dim, (double)e->n);
    welford(e->mg, e->sg, g, dim, (double)e->n);
}

/* The background becomes the foreground: swap the two and clear the new background. */
static void est_switch(gb_fisher *f)
{
    est t = f->fg;
    f->fg = f->bg;
    f->bg = t;
    est_reset(&f->bg, f->dim);
}

static double clamp(double x)
{
    return fmin(fmax(x, LOWER_LIMIT), UPPER_LIMIT);
}

void gb_fisher_start(gb_fisher *f, const double *q, const double *g, double *inv_metric)
{
    est_reset(&f->fg, f->dim);
    est_reset(&f->bg, f->dim);
    est_add(&f->fg, q, g, f->dim);
    est_add(&f->bg, q, g, f->dim);
    for (size_t i = 0; i < f->dim; i++) {
        double v = 1.0 / fabs(g[i]);
        f->cur[i] = isfinite(v) && v > 0 ? clamp(v) : 1.0;
    }
    memcpy(inv_metric, f->cur, f->dim * sizeof *inv_metric);
}

/* sqrt(var(q) / var(g)) from the foreground; the sums of squares share the count, so it
 * cancels.  A coordinate without two positive finite sums keeps its old value. */
static void estimate(gb_fisher *f, double *inv_metric)
{
    for (size_t i = 0; i < f->dim; i++) {
        double sq = f->fg.sq[i], sg = f->fg.sg[i];
        if (sq > 0 && sg > 0 && isfinite(sq) && isfinite(sg))
            f->cur[i] = clamp(sqrt(sq / sg));
    }
    memcpy(inv_metric, f->cur, f->dim * sizeof *inv_metric);
}

int gb_fisher_learn(gb_fisher *f, const double *q, const double *g, int good, double *inv_metric)
{
    size_t draw = f->draw++;
    if (draw >= f->warmup)
        return 0;
    if (draw >= f->final_start)
        return draw == f->final_start ? GB_FISHER_RESTART_STEP : 0;
    if (good) {
        est_add(&f->fg, q, g, f->dim);
        est_add(&f->bg, q, g, f->dim);
    }
    size_t every = draw < f->early_end ? EARLY_SWITCH : LATE_SWITCH;
    if (f->bg.n >= every && draw + every <= f->final_start)
        est_switch(f);
    if (f->fg.n < MIN_COUNT)
        return 0;
    estimate(f, inv_metric);
    int first = !f->estimated;
    f->estimated = 1;
    return GB_FISHER_NEW_METRIC | (first ? GB_FISHER_RESTART_STEP : 0);
}
