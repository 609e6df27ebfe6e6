/* plot.c - the report's plots with PLplot's SVG driver (see plot.h for the choice).
 *
 * Every plot goes through begin() and end(): a temporary file named for PLplot, a white page of
 * a fixed size, glassbox's palette, then the file read back into memory without its prolog. */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <plplot.h>

#define PAGE_W 420
#define PAGE_H 260
#define TRACE_POINTS 500 /* per chain, in the picture only */
#define RANK_BINS 20
#define DENSITY_BINS 40
#define PAIR_POINTS 800 /* draws in a pairs plot (evenly thinned); divergent ones always */

/* Colours: index 0 the background, 1 the axes and text, 2.. the chains (colour-blind safe,
 * Okabe & Ito), then the shading and the highlight. */
enum { COL_AXES = 1, COL_CHAIN0 = 2, NCHAINCOL = 6, COL_SHADE = 8, COL_RED = 9, NCOL = 10 };
static const unsigned char palette[NCOL][3] = {
    {255, 255, 255}, {40, 40, 40},    {0, 114, 178},   {230, 159, 0},   {0, 158, 115},
    {204, 121, 167}, {86, 180, 233},  {213, 94, 0},    {200, 215, 235}, {220, 30, 30}};

/* PLplot reports a failed call through the stream's error code and message (plsError) rather
 * than on stderr, since library code here never prints; a failure is a bug of ours and comes
 * back as GB_EINTERNAL. */
typedef struct canvas {
    char path[64];
    PLINT errcode;
    char errmsg[1024]; /* PLplot's message buffer size */
} canvas;

static gb_status begin(canvas *cv, int w, int h)
{
    const char *dir = getenv("TMPDIR");
    snprintf(cv->path, sizeof cv->path, "%s/glassbox-plot-XXXXXX",
             dir && *dir && strlen(dir) < 40 ? dir : "/tmp");
    int fd = mkstemp(cv->path);
    if (fd < 0)
        return GB_EIO;
    close(fd);
    plsdev("svg");
    plsfnam(cv->path);
    plspage(0, 0, w, h, 0, 0);
    plscmap0n(NCOL);
    for (int i = 0; i < NCOL; i++)
        plscol0(i, palette[i][0], palette[i][1], palette[i][2]);
    plinit();
    cv->errcode = 0;
    cv->errmsg[0] = '\0';
    plsError(&cv->errcode, cv->errmsg);
    plschr(0, 1.0);
    plcol0(COL_AXES);
    return GB_OK;
}

/* Ends the plot and reads it back, from "<svg" on. */
static gb_status end(canvas *cv, char **svg)
{
    plsError(NULL, NULL);
    plend();
    *svg = NULL;
    if (cv->errcode != 0) {
        unlink(cv->path);
        return GB_EINTERNAL;
    }
    FILE *f = fopen(cv->path, "rb");
    gb_status st = GB_EIO;
    if (f && fseek(f, 0, SEEK_END) == 0) {
        long len = ftell(f);
        char *buf = len > 0 ? malloc((size_t)len + 1) : NULL;
        if (len > 0 && !buf)
            st = GB_ENOMEM;
        if (buf && fseek(f, 0, SEEK_SET) == 0 && fread(buf, 1, (size_t)len, f) == (size_t)len) {
            buf[len] = '\0';
            char *start = strstr(buf, "<svg");
            if (start) {
                memmove(buf, start, strlen(start) + 1);
                *svg = buf;
                buf = NULL;
                st = GB_OK;
            }
        }
        free(buf);
    }
    if (f)
        fclose(f);
    unlink(cv->path);
    return st;
}

static double draw_at(const gb_plot_draws *d, size_t c, size_t i)
{
    return d->ch[c][i * d->stride];
}

/* The range of the finite draws, widened a little (or to +-0.5 when they are all equal). */
static void draws_range(const gb_plot_draws *d, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t c = 0; c < d->nchains; c++)
        for (size_t i = 0; i < d->n; i++) {
            double v = draw_at(d, c, i);
            if (isfinite(v)) {
                *lo = fmin(*lo, v);
                *hi = fmax(*hi, v);
            }
        }
    if (!(*hi >= *lo)) {
        *lo = 0;
        *hi = 1;
    } else if (*hi == *lo) {
        *lo -= 0.5;
        *hi += 0.5;
    } else {
        double pad = 0.04 * (*hi - *lo);
        *lo -= pad;
        *hi += pad;
    }
}

gb_status gb_plot_trace(const gb_plot_draws *d, const char *name, char **svg)
{
    *svg = NULL;
    size_t step = d->n > TRACE_POINTS ? (d->n + TRACE_POINTS - 1) / TRACE_POINTS : 1;
    size_t m = (d->n + step - 1) / step;
    PLFLT *x = malloc((m ? m : 1) * sizeof *x), *y = malloc((m ? m : 1) * sizeof *y);
    canvas cv;
    gb_status st = x && y ? begin(&cv, PAGE_W, PAGE_H) : GB_ENOMEM;
    if (st == GB_OK) {
        double lo, hi;
        draws_range(d, &lo, &hi);
        plenv(1, (PLFLT)(d->n > 1 ? d->n : 2), lo, hi, 0, 0);
        pllab("iteration", "", name);
        for (size_t c = 0; c < d->nchains; c++) {
            for (size_t k = 0; k < m; k++) {
                x[k] = (PLFLT)(k * step + 1);
                y[k] = draw_at(d, c, k * step);
            }
            plcol0(COL_CHAIN0 + (int)(c % NCHAINCOL));
            plline((PLINT)m, x, y);
        }
        st = end(&cv, svg);
    }
    free(x);
    free(y);
    return st;
}

typedef struct ranked {
    double v;
    size_t chain;
} ranked;

static int by_value(const void *a, const void *b)
{
    double x = ((const ranked *)a)->v, y = ((const ranked *)b)->v;
    return (x > y) - (x < y);
}

gb_status gb_plot_rank(const gb_plot_draws *d, const char *name, char **svg)
{
    *svg = NULL;
    size_t total = d->nchains * d->n;
    ranked *r = malloc((total ? total : 1) * sizeof *r);
    double *count = calloc(d->nchains * RANK_BINS, sizeof *count);
    if (!r || !count) {
        free(r);
        free(count);
        return GB_ENOMEM;
    }
    for (size_t c = 0, k = 0; c < d->nchains; c++)
        for (size_t i = 0; i < d->n; i++, k++)
            r[k] = (ranked){draw_at(d, c, i), c};
    qsort(r, total, sizeof *r, by_value); /* a draw's rank is its place in the pooled order */
    for (size_t k = 0; k < total; k++)
        count[r[k].chain * RANK_BINS + k * RANK_BINS / total]++;
    double expect = (double)d->n / RANK_BINS, top = expect * 2;
    for (size_t k = 0; k < d->nchains * RANK_BINS; k++)
        top = fmax(top, count[k] * 1.05);
    canvas cv;
    gb_status st = begin(&cv, PAGE_W, PAGE_H);
    if (st == GB_OK) {
        plenv(0, (PLFLT)total, 0, top, 0, 0);
        pllab("rank of the draw among all chains", "draws", name);
        PLFLT x[2 * RANK_BINS], y[2 * RANK_BINS], ex[2] = {0, (PLFLT)total},
                                                 ey[2] = {expect, expect};
        for (size_t c = 0; c < d->nchains; c++) { /* each chain's histogram as a step line */
            for (int b = 0; b < RANK_BINS; b++) {
                x[2 * b] = (PLFLT)total * b / RANK_BINS;
                x[2 * b + 1] = (PLFLT)total * (b + 1) / RANK_BINS;
                y[2 * b] = y[2 * b + 1] = count[c * RANK_BINS + (size_t)b];
            }
            plcol0(COL_CHAIN0 + (int)(c % NCHAINCOL));
            plline(2 * RANK_BINS, x, y);
        }
        plcol0(COL_AXES);
        pllsty(2); /* what a uniform rank histogram would give */
        plline(2, ex, ey);
        pllsty(1);
        st = end(&cv, svg);
    }
    free(r);
    free(count);
    return st;
}

gb_status gb_plot_density(const gb_plot_draws *d, const char *name, double mean, double q5,
                          double q95, char **svg)
{
    *svg = NULL;
    size_t m = 0; /* the finite draws, binned in one pass: no sort, the caller has the quantiles */
    for (size_t c = 0; c < d->nchains; c++)
        for (size_t i = 0; i < d->n; i++)
            m += isfinite(draw_at(d, c, i)) != 0;
    double lo, hi;
    draws_range(d, &lo, &hi);
    PLFLT x[DENSITY_BINS], h[DENSITY_BINS] = {0};
    double w = (hi - lo) / DENSITY_BINS, top = 0;
    for (size_t c = 0; c < d->nchains; c++)
        for (size_t i = 0; i < d->n; i++) {
            double v = draw_at(d, c, i);
            if (!isfinite(v))
                continue;
            int b = (int)((v - lo) / w);
            h[b < 0 ? 0 : b >= DENSITY_BINS ? DENSITY_BINS - 1 : b] += 1.0 / ((double)m * w);
        }
    for (int b = 0; b < DENSITY_BINS; b++) {
        x[b] = lo + w * b;
        top = fmax(top, h[b]);
    }
    double q[2] = {q5, q95};
    canvas cv;
    gb_status st = begin(&cv, PAGE_W, PAGE_H);
    if (st == GB_OK) {
        top = top > 0 ? top * 1.08 : 1;
        plenv(lo, hi, 0, top, 0, 0);
        pllab("", "density", name);
        PLFLT sx[4] = {q[0], q[1], q[1], q[0]}, sy[4] = {0, 0, top, top};
        plcol0(COL_SHADE); /* the 90% interval behind the bars */
        plfill(4, sx, sy);
        plcol0(COL_CHAIN0);
        plbin(DENSITY_BINS, x, h, PL_BIN_NOEXPAND);
        PLFLT mx[2] = {mean, mean}, my[2] = {0, top};
        plcol0(COL_RED);
        plline(2, mx, my);
        plcol0(COL_AXES);
        plbox("bc", 0, 0, "bc", 0, 0); /* the frame again, over the shading */
        st = end(&cv, svg);
    }
    return st;
}

gb_status gb_plot_forest(const char *title, const char *const *labels, const double *mean,
                         const double *q5, const double *q95, size_t k, char **svg)
{
    *svg = NULL;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < k; i++) {
        if (isfinite(q5[i]))
            lo = fmin(lo, q5[i]);
        if (isfinite(q95[i]))
            hi = fmax(hi, q95[i]);
    }
    if (!(hi > lo)) {
        lo = (isfinite(lo) ? lo : 0) - 0.5;
        hi = lo + 1;
    }
    double pad = 0.05 * (hi - lo);
    int h = 60 + 16 * (int)k;
    canvas cv;
    gb_status st = begin(&cv, PAGE_W, h < 120 ? 120 : h);
    if (st != GB_OK)
        return st;
    pladv(0);
    plvpor(0.25, 0.95, 0.12, 0.88);
    plwind(lo - pad, hi + pad, 0.5, (PLFLT)k + 0.5);
    plbox("bcnstg", 0, 0, "bc", 0, 0);
    plmtex("t", 1.5, 0.5, 0.5, title);
    for (size_t i = 0; i < k; i++) {
        PLFLT y = (PLFLT)(k - i), lx[2] = {q5[i], q95[i]}, ly[2] = {y, y}, px = mean[i];
        plcol0(COL_CHAIN0);
        plwidth(2);
        plline(2, lx, ly);
        plwidth(1);
        plcol0(COL_RED);
        plpoin(1, &px, &y, 17);
        plcol0(COL_AXES);
        plmtex("lv", 0.8, (PLFLT)(y - 0.5) / (PLFLT)k, 1.0, labels[i]);
    }
    return end(&cv, svg);
}

gb_status gb_plot_pairs(const double *x, const double *y, const unsigned char *div, size_t n,
                        const char *xname, const char *yname, char **svg)
{
    *svg = NULL;
    PLFLT *px = malloc((n ? n : 1) * sizeof *px), *py = malloc((n ? n : 1) * sizeof *py);
    canvas cv;
    gb_status st = px && py ? begin(&cv, 320, 300) : GB_ENOMEM;
    if (st == GB_OK) {
        gb_plot_draws dx = {&x, 1, n, 1}, dy = {&y, 1, n, 1};
        double xlo, xhi, ylo, yhi;
        draws_range(&dx, &xlo, &xhi);
        draws_range(&dy, &ylo, &yhi);
        plenv(xlo, xhi, ylo, yhi, 0, 0);
        pllab(xname, yname, "");
        size_t step = n > PAIR_POINTS ? (n + PAIR_POINTS - 1) / PAIR_POINTS : 1;
        for (int pass = 0; pass < 2; pass++) { /* divergent draws last, so they show on top */
            size_t m = 0;
            for (size_t i = 0; i < n; i++)
                if ((div && div[i]) == pass && (pass || i % step == 0)) {
                    px[m] = x[i];
                    py[m++] = y[i];
                }
            plcol0(pass ? COL_RED : COL_CHAIN0);
            if (m > 0) /* a dot per draw is a tiny line in the SVG; a circle is a glyph */
                plpoin((PLINT)m, px, py, pass ? 4 : -1);
        }
        st = end(&cv, svg);
    }
    free(px);
    free(py);
    return st;
}

/* The bin of v among nb bins over [lo, hi], the last bin closed; -1 when not finite. */
static int bin_of(double v, double lo, double hi, int nb)
{
    if (!isfinite(v))
        return -1;
    int b = (int)((v - lo) / (hi - lo) * nb);
    return b < 0 ? 0 : b >= nb ? nb - 1 : b;
}

gb_status gb_plot_ppc(const char *name, const double *obs, size_t n, const double *rep,
                      size_t nrep, char **svg)
{
    *svg = NULL;
    enum { NB = 30 };
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(obs[i])) {
            lo = fmin(lo, obs[i]);
            hi = fmax(hi, obs[i]);
        }
    for (size_t i = 0; i < n * nrep; i++)
        if (isfinite(rep[i])) {
            lo = fmin(lo, rep[i]);
            hi = fmax(hi, rep[i]);
        }
    if (!(hi > lo)) {
        lo = isfinite(lo) ? lo - 0.5 : 0;
        hi = lo + 1;
    }
    PLFLT x[NB], h[NB] = {0}, lx[2 * NB], ly[2 * NB];
    double w = (hi - lo) / NB, top = 0;
    for (size_t i = 0; i < n; i++) {
        int b = bin_of(obs[i], lo, hi, NB);
        if (b >= 0)
            h[b] += 1.0 / ((double)n * w);
    }
    for (int b = 0; b < NB; b++) {
        x[b] = lo + w * b;
        top = fmax(top, h[b]);
    }
    double *hr = calloc((nrep ? nrep : 1) * NB, sizeof *hr);
    if (!hr)
        return GB_ENOMEM;
    for (size_t r = 0; r < nrep; r++)
        for (size_t i = 0; i < n; i++) {
            int b = bin_of(rep[r * n + i], lo, hi, NB);
            if (b >= 0)
                hr[r * NB + (size_t)b] += 1.0 / ((double)n * w);
        }
    for (size_t k = 0; k < nrep * NB; k++)
        top = fmax(top, hr[k]);
    canvas cv;
    gb_status st = begin(&cv, PAGE_W, PAGE_H);
    if (st == GB_OK) {
        plenv(lo, hi, 0, top * 1.08 + (top == 0), 0, 0);
        pllab(name, "density", "observed (dark) and replicated (light)");
        plscol0a(COL_SHADE, 0, 114, 178, 0.35); /* the replicates: light, see-through */
        plcol0(COL_SHADE);
        for (size_t r = 0; r < nrep; r++) { /* each replicate's histogram as a step line */
            for (int b = 0; b < NB; b++) {
                lx[2 * b] = lo + w * b;
                lx[2 * b + 1] = lo + w * (b + 1);
                ly[2 * b] = ly[2 * b + 1] = hr[r * NB + (size_t)b];
            }
            plline(2 * NB, lx, ly);
        }
        for (int b = 0; b < NB; b++) { /* the data last, on top */
            lx[2 * b] = x[b];
            lx[2 * b + 1] = x[b] + w;
            ly[2 * b] = ly[2 * b + 1] = h[b];
        }
        plcol0(COL_AXES);
        plwidth(2.5);
        plline(2 * NB, lx, ly);
        plwidth(1);
        plcol0(COL_AXES);
        plbox("bc", 0, 0, "bc", 0, 0);
        st = end(&cv, svg);
    }
    free(hr);
    return st;
}

gb_status gb_plot_heatmap(const char *title, const char *xlab, const char *ylab,
                          const double *z, size_t rows, size_t cols, char **svg)
{
    *svg = NULL;
    PLFLT **cells = NULL;
    plAlloc2dGrid(&cells, (PLINT)cols, (PLINT)rows);
    if (!cells)
        return GB_ENOMEM;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++) {
            double v = z[r * cols + c];
            cells[c][r] = v;
            if (isfinite(v)) {
                lo = fmin(lo, v);
                hi = fmax(hi, v);
            }
        }
    if (!(hi > lo)) {
        lo = isfinite(lo) ? lo - 0.5 : 0;
        hi = lo + 1;
    }
    canvas cv;
    gb_status st = begin(&cv, PAGE_W, PAGE_H);
    if (st == GB_OK) {
        /* white to blue: a pale cell is low, a dark one high */
        PLFLT pos[2] = {0, 1}, r[2] = {1, 0}, g[2] = {1, 0.3}, b[2] = {1, 0.6};
        plscmap1l(1, 2, pos, r, g, b, NULL);
        plenv(0.5, (PLFLT)cols + 0.5, 0.5, (PLFLT)rows + 0.5, 0, 0);
        char full[256];
        snprintf(full, sizeof full, "%s (%.3g to %.3g)", title, lo, hi);
        pllab(xlab, ylab, full);
        plimage((PLFLT_MATRIX)cells, (PLINT)cols, (PLINT)rows, 0.5, (PLFLT)cols + 0.5, 0.5,
                (PLFLT)rows + 0.5, lo, hi, 0.5, (PLFLT)cols + 0.5, 0.5, (PLFLT)rows + 0.5);
        st = end(&cv, svg);
    }
    plFree2dGrid(cells, (PLINT)cols, (PLINT)rows);
    return st;
}
