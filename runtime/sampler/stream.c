/* stream.c - constant-memory summaries (see stream.h). */
#include "stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"

static const double PROBS[3] = {0.05, 0.5, 0.95};

/* P-square state of one quantile: marker heights, positions and desired positions. */
typedef struct p2 {
    double q[5], n[5], np[5];
} p2;

typedef struct qstate {
    double mean, m2;
    double first[5]; /* the first five values, until the markers start */
    p2 est[3];
} qstate;

struct gb_stream {
    size_t n, count;
    qstate *st;
};

gb_stream *gb_stream_new(size_t n)
{
    if (gb_size_fits_budget(n, sizeof(qstate)) != 0)
        return NULL;
    gb_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->n = n;
    s->st = calloc(n ? n : 1, sizeof *s->st);
    if (!s->st) {
        free(s);
        return NULL;
    }
    return s;
}

void gb_stream_free(gb_stream *s)
{
    if (!s)
        return;
    free(s->st);
    free(s);
}

size_t gb_stream_count(const gb_stream *s)
{
    return s->count;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void p2_start(p2 *e, const double *sorted, double p)
{
    for (int i = 0; i < 5; i++) {
        e->q[i] = sorted[i];
        e->n[i] = i;
    }
    double np[5] = {0, 2 * p, 4 * p, 2 + 2 * p, 4};
    memcpy(e->np, np, sizeof np);
}

static void p2_add(p2 *e, double x, double p)
{
    const double dn[5] = {0, p / 2, p, (1 + p) / 2, 1};
    int k;
    if (x < e->q[0]) {
        e->q[0] = x;
        k = 0;
    } else if (x >= e->q[4]) {
        e->q[4] = x;
        k = 3;
    } else {
        for (k = 0; k < 3 && !(x < e->q[k + 1]); k++)
            ;
    }
    for (int i = k + 1; i < 5; i++)
        e->n[i] += 1;
    for (int i = 0; i < 5; i++)
        e->np[i] += dn[i];
    for (int i = 1; i <= 3; i++) {
        double d = e->np[i] - e->n[i];
        if ((d >= 1 && e->n[i + 1] - e->n[i] > 1) || (d <= -1 && e->n[i - 1] - e->n[i] < -1)) {
            double s = d > 0 ? 1 : -1;
            double qp = e->q[i] + s / (e->n[i + 1] - e->n[i - 1]) *
                                      ((e->n[i] - e->n[i - 1] + s) * (e->q[i + 1] - e->q[i]) /
                                           (e->n[i + 1] - e->n[i]) +
                                       (e->n[i + 1] - e->n[i] - s) * (e->q[i] - e->q[i - 1]) /
                                           (e->n[i] - e->n[i - 1]));
            if (!(e->q[i - 1] < qp && qp < e->q[i + 1])) { /* parabola overshoots: linear */
                int j = i + (int)s;
                qp = e->q[i] + s * (e->q[j] - e->q[i]) / (e->n[j] - e->n[i]);
            }
            e->q[i] = qp;
            e->n[i] += s;
        }
    }
}

void gb_stream_add(gb_stream *s, const double *x)
{
    size_t c = ++s->count;
    for (size_t i = 0; i < s->n; i++) {
        qstate *q = &s->st[i];
        double d = x[i] - q->mean;
        q->mean += d / (double)c;
        q->m2 += d * (x[i] - q->mean);
        if (c <= 5) {
            q->first[c - 1] = x[i];
            if (c == 5) {
                double sorted[5];
                memcpy(sorted, q->first, sizeof sorted);
                qsort(sorted, 5, sizeof sorted[0], cmp_double);
                for (int k = 0; k < 3; k++)
                    p2_start(&q->est[k], sorted, PROBS[k]);
            }
        } else {
            for (int k = 0; k < 3; k++)
                p2_add(&q->est[k], x[i], PROBS[k]);
        }
    }
}

/* Quantile k of one stream's quantity: the P-square marker, or exact from the first values. */
static double quantile(const gb_stream *s, const qstate *q, int k)
{
    if (s->count >= 5)
        return q->est[k].q[2];
    double v[5];
    memcpy(v, q->first, s->count * sizeof v[0]);
    qsort(v, s->count, sizeof v[0], cmp_double);
    double h = PROBS[k] * (double)(s->count - 1);
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < s->count ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
}

void gb_stream_result(const gb_stream *const *s, size_t ns, size_t i, gb_stream_summary *out)
{
    double n = 0, mean = 0, m2 = 0, q[3] = {0, 0, 0};
    size_t nq = 0;
    for (size_t c = 0; c < ns; c++) {
        const qstate *st = &s[c]->st[i];
        double nc = (double)s[c]->count;
        if (nc == 0)
            continue;
        /* pooled mean and sum of squares (Chan et al.) */
        double d = st->mean - mean, tot = n + nc;
        m2 += st->m2 + d * d * n * nc / tot;
        mean += d * nc / tot;
        n = tot;
        for (int k = 0; k < 3; k++)
            q[k] += quantile(s[c], st, k);
        nq++;
    }
    out->count = (size_t)n;
    out->mean = n > 0 ? mean : NAN;
    out->sd = n > 1 ? sqrt(m2 / (n - 1)) : NAN;
    out->q5 = nq ? q[0] / (double)nq : NAN;
    out->q50 = nq ? q[1] / (double)nq : NAN;
    out->q95 = nq ? q[2] / (double)nq : NAN;
}
