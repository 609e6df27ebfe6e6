/* report.c - the HTML report (see report.h).
 *
 * The page is written top to bottom in one pass; a failed write is remembered in the writer and
 * reported at the end, so no section needs its own error path.  Numbers come from diag.h, the
 * same functions as `summary`, so the page and the table always agree. */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "colname.h"
#include "diag.h"
#include "plot.h"
#include "summary.h"

#define MAX_SCALAR_PLOTS 12 /* scalars with trace, rank and density plots */
#define MAX_FORESTS 16      /* vector nodes with a forest plot */
#define FOREST_ROWS 40      /* elements per forest plot */
#define TABLE_ELEMENTS 12   /* a node with more is one row, its elements behind <details> */
#define DETAIL_ROWS 100     /* elements listed behind <details> */
#define DEFAULT_PAIRS 3     /* scalars plotted pairwise when the caller chose none */
#define MAX_HEATMAPS 8      /* matrix nodes drawn as heat maps */
#define HEAT_ROWS 200       /* rows and columns of a heat map, at most */
#define HEAT_COLS 60

typedef struct writer {
    FILE *out;
    gb_status st;
} writer;

__attribute__((format(printf, 2, 3))) static void put(writer *w, const char *fmt, ...)
{
    if (w->st != GB_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(w->out, fmt, ap) < 0)
        w->st = GB_EIO;
    va_end(ap);
}

int gb_report_escape(FILE *out, const char *s)
{
    int bad = 0;
    for (; *s && !bad; s++) {
        switch (*s) {
        case '&':
            bad = fputs("&amp;", out) == EOF;
            break;
        case '<':
            bad = fputs("&lt;", out) == EOF;
            break;
        case '>':
            bad = fputs("&gt;", out) == EOF;
            break;
        case '"':
            bad = fputs("&quot;", out) == EOF;
            break;
        default:
            bad = fputc(*s, out) == EOF;
        }
    }
    return bad ? -1 : 0;
}

static void esc(writer *w, const char *s)
{
    if (w->st == GB_OK && gb_report_escape(w->out, s) != 0)
        w->st = GB_EIO;
}

/* A plot's SVG into the page, or a line saying why it is missing; frees the SVG.  (The
 * status is computed before the call, in its own statement: the SVG pointer is only set by the
 * plotting call, so it must not be an argument evaluated beside it.) */
static void plot(writer *w, gb_status st, char *svg)
{
    if (st == GB_OK && svg)
        put(w, "<div class=\"plot\">%s</div>\n", svg);
    else if (st == GB_ENOMEM)
        w->st = GB_ENOMEM;
    else
        put(w, "<div class=\"plot missing\">(this plot could not be drawn%s)</div>\n",
            st == GB_EIO ? ": its temporary file could not be written" : "");
    free(svg);
}

static int is_sampler_col(const char *name)
{
    size_t n = strlen(name);
    return n >= 2 && name[n - 2] == '_' && name[n - 1] == '_';
}

static long find_col(const gb_report_in *in, const char *name)
{
    for (size_t k = 0; k < in->ncols; k++)
        if (strcmp(in->names[k], name) == 0)
            return (long)k;
    return -1;
}

/* The nodes: runs of adjacent columns with the same node name ("theta" for theta.1 ..). */
typedef struct node_run {
    size_t first, count;
} node_run;

static size_t node_runs(const gb_report_in *in, node_run *runs)
{
    size_t n = 0;
    for (size_t k = 0; k < in->ncols; k++) {
        if (is_sampler_col(in->names[k]))
            continue;
        size_t len = gb_colname_node_len(in->names[k]);
        if (n > 0) {
            const char *prev = in->names[runs[n - 1].first];
            if (runs[n - 1].first + runs[n - 1].count == k &&
                gb_colname_node_len(prev) == len && strncmp(prev, in->names[k], len) == 0) {
                runs[n - 1].count++;
                continue;
            }
        }
        runs[n++] = (node_run){k, 1};
    }
    return n;
}

static void head(writer *w, const gb_report_in *in)
{
    put(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    esc(w, in->title);
    put(w, " - glassbox report</title>\n<style>\n"
           "body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:70em;"
           "color:#222;line-height:1.4}\n"
           "h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;margin-top:2em}\n"
           "pre{background:#f6f6f6;padding:.8em;overflow-x:auto}\n"
           "table{border-collapse:collapse;font-size:.85em}"
           "td,th{padding:.15em .6em;text-align:right;border-bottom:1px solid #eee}"
           "td:first-child,th:first-child{text-align:left}\n"
           ".bad{color:#b00;font-weight:bold}.good{color:#070}\n"
           ".plots{display:flex;flex-wrap:wrap;gap:.5em}.plot svg{width:26em;height:auto}\n"
           ".graph svg{max-width:100%%;height:auto}\nnav a{margin-right:1em}\n"
           "</style>\n</head>\n<body>\n<h1>");
    esc(w, in->title);
    put(w, "</h1>\n<p>%zu chains &times; %zu draws. Made by glassbox.</p>\n<nav>"
           "<a href=\"#model\">model</a><a href=\"#graph\">graph</a>"
           "<a href=\"#diagnostics\">diagnostics</a><a href=\"#plan\">sampler plan</a>"
           "<a href=\"#summary\">summary</a><a href=\"#scalars\">traces and densities</a>"
           "<a href=\"#vectors\">forest plots</a><a href=\"#pairs\">pairs</a>%s</nav>\n",
        in->nchains, in->ndraws,
        in->nppc ? "<a href=\"#ppc\">predictive checks</a>" : "");
}

/* One summary cell per number; a doubtful R-hat or ESS is marked. */
static void summary_cells(writer *w, const gb_diag_summary *s)
{
    const double v[6] = {s->mean, s->sd, s->mcse_mean, s->q5, s->q50, s->q95};
    for (int k = 0; k < 6; k++)
        put(w, "<td>%.4g</td>", v[k]);
    int doubt = !s->constant;
    put(w, "<td%s>%.3f</td>", doubt && !(s->rhat <= GB_SUMMARY_RHAT_MAX) ? " class=\"bad\"" : "",
        s->rhat);
    put(w, "<td%s>%.0f</td>", doubt && s->ess_bulk < GB_SUMMARY_ESS_MIN ? " class=\"bad\"" : "",
        s->ess_bulk);
    put(w, "<td%s>%.0f</td>", doubt && s->ess_tail < GB_SUMMARY_ESS_MIN ? " class=\"bad\"" : "",
        s->ess_tail);
}

static void summary_header(writer *w)
{
    put(w, "<tr><th>name</th><th>mean</th><th>sd</th><th>mcse</th><th>5%%</th><th>50%%</th>"
           "<th>95%%</th><th>R-hat</th><th>ESS bulk</th><th>ESS tail</th></tr>\n");
}

static void summary_table(writer *w, const gb_report_in *in, const node_run *runs, size_t nruns,
                          const gb_diag_summary *sums)
{
    put(w, "<h2 id=\"summary\">Summary</h2>\n<p>Every node's posterior: mean, sd, the Monte "
           "Carlo standard error of the mean, the 5%%, 50%% and 95%% quantiles, R-hat and the "
           "effective sample sizes. A node of more than %d elements is one row; open it for its "
           "first %d elements (the draws files have them all).</p>\n<table>\n",
        TABLE_ELEMENTS, DETAIL_ROWS);
    summary_header(w);
    long lp = find_col(in, "lp__");
    if (lp >= 0) {
        put(w, "<tr><td>lp__</td>");
        summary_cells(w, &sums[lp]);
        put(w, "</tr>\n");
    }
    for (size_t r = 0; r < nruns; r++) {
        const node_run *nr = &runs[r];
        if (nr->count <= TABLE_ELEMENTS) {
            for (size_t k = nr->first; k < nr->first + nr->count; k++) {
                put(w, "<tr><td>");
                esc(w, in->names[k]);
                put(w, "</td>");
                summary_cells(w, &sums[k]);
                put(w, "</tr>\n");
            }
            continue;
        }
        double lo = INFINITY, hi = -INFINITY, rhat = 0, ess = INFINITY;
        for (size_t k = nr->first; k < nr->first + nr->count; k++) {
            lo = fmin(lo, sums[k].mean);
            hi = fmax(hi, sums[k].mean);
            if (!sums[k].constant) {
                rhat = isnan(sums[k].rhat) ? INFINITY : fmax(rhat, sums[k].rhat);
                ess = fmin(ess, fmin(sums[k].ess_bulk, sums[k].ess_tail));
            }
        }
        const char *name = in->names[nr->first];
        put(w, "<tr><td colspan=\"10\"><details><summary>%.*s: %zu elements, means from %.4g "
               "to %.4g, worst R-hat <span class=\"%s\">%.3f</span>, lowest ESS <span "
               "class=\"%s\">%.0f</span></summary>\n<table>\n",
            (int)gb_colname_node_len(name), name, nr->count, lo, hi,
            rhat > GB_SUMMARY_RHAT_MAX ? "bad" : "good", rhat,
            ess < GB_SUMMARY_ESS_MIN ? "bad" : "good", isfinite(ess) ? ess : NAN);
        summary_header(w);
        size_t shown = nr->count < DETAIL_ROWS ? nr->count : DETAIL_ROWS;
        for (size_t k = nr->first; k < nr->first + shown; k++) {
            put(w, "<tr><td>");
            esc(w, in->names[k]);
            put(w, "</td>");
            summary_cells(w, &sums[k]);
            put(w, "</tr>\n");
        }
        if (shown < nr->count)
            put(w, "<tr><td colspan=\"10\">... and %zu more elements</td></tr>\n",
                nr->count - shown);
        put(w, "</table></details></td></tr>\n");
    }
    put(w, "</table>\n");
}

/* The diagnostics, each said in words with what to do about it. */
static void diagnostics(writer *w, const gb_report_in *in, const gb_diag_summary *sums,
                        size_t ndiv, size_t ndeep, const double *ebfmi)
{
    double rhat = 0, ess = INFINITY;
    const char *rname = NULL, *ename = NULL;
    for (size_t k = 0; k < in->ncols; k++) {
        if (is_sampler_col(in->names[k]) || sums[k].constant)
            continue;
        double r = isnan(sums[k].rhat) ? INFINITY : sums[k].rhat;
        if (!rname || r > rhat) {
            rhat = r;
            rname = in->names[k];
        }
        double e = fmin(sums[k].ess_bulk, sums[k].ess_tail);
        if (!ename || e < ess) {
            ess = e;
            ename = in->names[k];
        }
    }
    size_t total = in->nchains * in->ndraws;
    put(w, "<h2 id=\"diagnostics\">Diagnostics in plain words</h2>\n<ul>\n");
    if (rname) {
        int ok = rhat <= GB_SUMMARY_RHAT_MAX;
        put(w, "<li class=\"%s\">R-hat compares the chains with each other; near 1 they agree. "
               "The worst is %.3f (", ok ? "good" : "bad", rhat);
        esc(w, rname);
        if (ok)
            put(w, "): the chains agree.</li>\n");
        else
            put(w, "): above %.2f, the chains disagree and the results cannot be trusted yet; "
                   "run longer or reparameterise.</li>\n",
                GB_SUMMARY_RHAT_MAX);
        ok = ess >= GB_SUMMARY_ESS_MIN;
        put(w, "<li class=\"%s\">The effective sample size says how many independent draws "
               "the correlated ones are worth. The lowest is %.0f (", ok ? "good" : "bad", ess);
        esc(w, ename);
        if (ok)
            put(w, "): enough for means and 5-95%% intervals.</li>\n");
        else
            put(w, "): below %.0f, means and quantiles are imprecise; draw more.</li>\n",
                GB_SUMMARY_ESS_MIN);
    }
    if (find_col(in, "divergent__") >= 0)
        put(w, "<li class=\"%s\">Divergent transitions: %zu of %zu. %s</li>\n",
            ndiv ? "bad" : "good", ndiv, total,
            ndiv ? "The sampler could not follow part of the posterior, which may be missing "
                   "from the draws; the pairs plots below show where (red). Raise the target "
                   "acceptance rate or reparameterise."
                 : "The sampler followed the posterior's curvature everywhere.");
    if (find_col(in, "treedepth__") >= 0 && in->max_depth > 0)
        put(w, "<li class=\"%s\">Transitions at the maximum tree depth %d: %zu of %zu.%s</li>\n",
            ndeep ? "bad" : "good", in->max_depth, ndeep, total,
            ndeep ? " Sampling was slow there; raise the maximum depth." : "");
    if (ebfmi) {
        double worst = INFINITY;
        for (size_t c = 0; c < in->nchains; c++)
            worst = fmin(worst, ebfmi[c]);
        put(w, "<li class=\"%s\">E-BFMI, how well the sampler explored the energy, is at "
               "least %.2f in every chain%s</li>\n",
            worst >= GB_SUMMARY_EBFMI_MIN ? "good" : "bad", worst,
            worst >= GB_SUMMARY_EBFMI_MIN ? " (0.3 or more is fine)."
                                          : ": below 0.3, reparameterise.");
    }
    put(w, "</ul>\n");
}

/* Trace, rank and density plots of the first scalars (lp__ first, then the model's). */
static void scalar_plots(writer *w, const gb_report_in *in, const node_run *runs, size_t nruns,
                         const gb_diag_summary *sums)
{
    put(w, "<h2 id=\"scalars\">Traces, ranks and densities</h2>\n<p>Left: each chain's draws "
           "in order (chains that mix overlap like noise). Middle: where each chain's draws rank "
           "among all draws (flat and alike when the chains agree; the dashed line is what "
           "perfect mixing gives). Right: the posterior as a histogram, its 90%% interval "
           "shaded and its mean in red.</p>\n");
    size_t shown = 0, scalars = 0;
    long lp = find_col(in, "lp__");
    for (size_t r = 0; r <= nruns && w->st == GB_OK; r++) {
        long k = r == 0 ? lp : runs[r - 1].count == 1 ? (long)runs[r - 1].first : -1;
        if (k < 0)
            continue;
        scalars++;
        if (shown == MAX_SCALAR_PLOTS)
            continue;
        shown++;
        gb_plot_draws d = {in->chains, in->nchains, in->ndraws, in->ncols};
        const double *col[64];
        size_t nc = in->nchains < 64 ? in->nchains : 64;
        for (size_t c = 0; c < nc; c++)
            col[c] = in->chains[c] + k;
        d.ch = col;
        d.nchains = nc;
        char *svg = NULL;
        put(w, "<h3>");
        esc(w, in->names[k]);
        put(w, "</h3>\n<div class=\"plots\">\n");
        gb_status st = gb_plot_trace(&d, in->names[k], &svg);
        plot(w, st, svg);
        st = gb_plot_rank(&d, in->names[k], &svg);
        plot(w, st, svg);
        st = gb_plot_density(&d, in->names[k], sums[k].mean, sums[k].q5, sums[k].q95, &svg);
        plot(w, st, svg);
        put(w, "</div>\n");
    }
    if (scalars > shown)
        put(w, "<p>%zu more scalars are not plotted; their numbers are in the summary.</p>\n",
            scalars - shown);
}

/* Forest plots of the vector nodes: each element's mean and 90% interval. */
static void forest_plots(writer *w, const gb_report_in *in, const node_run *runs, size_t nruns,
                         const gb_diag_summary *sums)
{
    put(w, "<h2 id=\"vectors\">Forest plots</h2>\n<p>One row per element: the line is its 90%% "
           "interval, the point its mean. Rows that overlap a lot are not told apart by the "
           "data.</p>\n<div class=\"plots\">\n");
    size_t shown = 0, vectors = 0;
    for (size_t r = 0; r < nruns && w->st == GB_OK; r++) {
        const node_run *nr = &runs[r];
        if (nr->count < 2)
            continue;
        vectors++;
        if (shown == MAX_FORESTS)
            continue;
        shown++;
        size_t k = nr->count < FOREST_ROWS ? nr->count : FOREST_ROWS;
        const char *labels[FOREST_ROWS];
        double mean[FOREST_ROWS], q5[FOREST_ROWS], q95[FOREST_ROWS];
        for (size_t i = 0; i < k; i++) {
            const gb_diag_summary *s = &sums[nr->first + i];
            labels[i] = in->names[nr->first + i];
            mean[i] = s->mean;
            q5[i] = s->q5;
            q95[i] = s->q95;
        }
        char title[300], *svg = NULL;
        const char *name = in->names[nr->first];
        int len = (int)gb_colname_node_len(name);
        if (k < nr->count)
            snprintf(title, sizeof title, "%.*s (first %zu of %zu)", len, name, k, nr->count);
        else
            snprintf(title, sizeof title, "%.*s", len, name);
        gb_status st = gb_plot_forest(title, labels, mean, q5, q95, k, &svg);
        plot(w, st, svg);
    }
    put(w, "</div>\n");
    if (vectors == 0)
        put(w, "<p>This model has no vector nodes.</p>\n");
    else if (vectors > shown)
        put(w, "<p>%zu more vector nodes are not plotted; their numbers are in the summary.</p>\n",
            vectors - shown);
}

/* A column's two indices ("net.layer[1].h.3.2": 3 and 2); 0 when it has not exactly two. */
static int two_indices(const char *name, size_t *i, size_t *j)
{
    const char *p = name + gb_colname_node_len(name);
    unsigned long a, b;
    int used = 0;
    if (sscanf(p, ".%lu.%lu%n", &a, &b, &used) != 2 || p[used] != '\0' || a == 0 || b == 0)
        return 0;
    *i = a;
    *j = b;
    return 1;
}

/* Heat maps of the matrix nodes' posterior means: a network's weights, its hidden units'
 * activations per observation (rows) and unit (columns). */
static void heatmaps(writer *w, const gb_report_in *in, const node_run *runs, size_t nruns,
                     const gb_diag_summary *sums)
{
    double *z = malloc(HEAT_ROWS * HEAT_COLS * sizeof *z);
    if (!z) {
        w->st = GB_ENOMEM;
        return;
    }
    size_t shown = 0, matrices = 0;
    for (size_t r = 0; r < nruns && w->st == GB_OK; r++) {
        size_t rows = 0, cols = 0, i, j;
        const node_run *nr = &runs[r];
        for (size_t k = nr->first; k < nr->first + nr->count; k++) {
            if (!two_indices(in->names[k], &i, &j)) {
                rows = 0;
                break;
            }
            rows = i > rows ? i : rows;
            cols = j > cols ? j : cols;
        }
        if (rows < 2 || cols < 2)
            continue;
        if (matrices++ == 0)
            put(w, "<h2 id=\"matrices\">Matrices</h2>\n<p>The posterior mean of every element "
                   "of each matrix node, row by row: a network's weights, or its hidden units' "
                   "activations with one row per observation and one column per unit. A column "
                   "that stays pale is a unit that does little.</p>\n<div class=\"plots\">\n");
        if (shown == MAX_HEATMAPS)
            continue;
        shown++;
        size_t hr = rows < HEAT_ROWS ? rows : HEAT_ROWS, hc = cols < HEAT_COLS ? cols : HEAT_COLS;
        for (size_t k = 0; k < hr * hc; k++)
            z[k] = NAN;
        for (size_t k = nr->first; k < nr->first + nr->count; k++)
            if (two_indices(in->names[k], &i, &j) && i <= hr && j <= hc)
                z[(i - 1) * hc + (j - 1)] = sums[k].mean;
        const char *name = in->names[nr->first];
        char title[300], *svg = NULL;
        snprintf(title, sizeof title, "%.*s%s", (int)gb_colname_node_len(name), name,
                 hr < rows || hc < cols ? " (first rows and columns)" : "");
        gb_status st = gb_plot_heatmap(title, "column", "row", z, hr, hc, &svg);
        plot(w, st, svg);
    }
    if (matrices)
        put(w, "</div>\n");
    if (matrices > shown)
        put(w, "<p>%zu more matrix nodes are not drawn.</p>\n", matrices - shown);
    free(z);
}

/* Posterior predictive checks: the data against data the fitted model makes. */
static void ppc_plots(writer *w, const gb_report_in *in)
{
    if (in->nppc == 0)
        return;
    put(w, "<h2 id=\"ppc\">Posterior predictive checks</h2>\n<p>The observed values (the dark "
           "line) against data sets the model simulates from posterior draws (light lines). "
           "Where the data stand apart from every replicate (a heavier tail, a second mode, "
           "more zeros), the model cannot have made them.</p>\n<div class=\"plots\">\n");
    for (size_t i = 0; i < in->nppc && w->st == GB_OK; i++) {
        const gb_report_ppc *p = &in->ppc[i];
        char *svg = NULL;
        gb_status st = gb_plot_ppc(p->name, p->obs, p->n, p->rep, p->nrep, &svg);
        plot(w, st, svg);
    }
    put(w, "</div>\n");
}

/* Column k of every chain, one after the other. */
static void pooled(const gb_report_in *in, size_t k, double *out)
{
    for (size_t c = 0, j = 0; c < in->nchains; c++)
        for (size_t i = 0; i < in->ndraws; i++)
            out[j++] = in->chains[c][i * in->ncols + k];
}

static void pairs_plots(writer *w, const gb_report_in *in, const node_run *runs, size_t nruns,
                        size_t ndiv)
{
    size_t total = in->nchains * in->ndraws;
    double *x = malloc(total * sizeof *x), *y = malloc(total * sizeof *y);
    unsigned char *div = calloc(total, 1);
    if (!x || !y || !div) {
        w->st = GB_ENOMEM;
        goto done;
    }
    long kdiv = find_col(in, "divergent__");
    if (kdiv >= 0) {
        pooled(in, (size_t)kdiv, x);
        for (size_t i = 0; i < total; i++)
            div[i] = x[i] != 0;
    }
    put(w, "<h2 id=\"pairs\">Pairs</h2>\n<p>Draws of two quantities against each other: a "
           "ridge or a funnel shows where they depend on each other. %s</p>\n<div "
           "class=\"plots\">\n",
        ndiv ? "Divergent transitions are red circles: where they gather is where the sampler "
               "struggled."
             : "There were no divergent transitions.");
    long pick[DEFAULT_PAIRS];
    size_t npick = 0;
    for (size_t r = 0; r < nruns && npick < DEFAULT_PAIRS && !in->npairs; r++)
        if (runs[r].count == 1)
            pick[npick++] = (long)runs[r].first;
    size_t n = in->npairs ? in->npairs / 2 : npick * (npick - (npick > 0)) / 2;
    for (size_t p = 0, a = 0, b = 1; p < n && w->st == GB_OK; p++) {
        long kx, ky;
        if (in->npairs) {
            kx = find_col(in, in->pairs[2 * p]);
            ky = find_col(in, in->pairs[2 * p + 1]);
        } else { /* every pair of the picked scalars */
            kx = pick[a];
            ky = pick[b];
            if (++b == npick) {
                a++;
                b = a + 1;
            }
        }
        if (kx < 0 || ky < 0) {
            w->st = GB_EUSAGE;
            break;
        }
        pooled(in, (size_t)kx, x);
        pooled(in, (size_t)ky, y);
        char *svg = NULL;
        gb_status st = gb_plot_pairs(x, y, div, total, in->names[kx], in->names[ky], &svg);
        plot(w, st, svg);
    }
    put(w, "</div>\n");
    if (n == 0)
        put(w, "<p>This model has fewer than two scalars to pair.</p>\n");
done:
    free(x);
    free(y);
    free(div);
}

/* The summaries of every column, and the sampler's counts. */
static gb_status summarise(const gb_report_in *in, gb_diag_summary *sums, size_t *ndiv,
                           size_t *ndeep, double *ebfmi, int *has_ebfmi)
{
    double *col = malloc(in->nchains * in->ndraws * sizeof *col);
    const double **ch = malloc(in->nchains * sizeof *ch);
    gb_status st = col && ch ? GB_OK : GB_ENOMEM;
    for (size_t c = 0; c < in->nchains && st == GB_OK; c++)
        ch[c] = col + c * in->ndraws;
    long kdiv = find_col(in, "divergent__"), kdep = find_col(in, "treedepth__"),
         ken = find_col(in, "energy__");
    *ndiv = *ndeep = 0;
    *has_ebfmi = ken >= 0;
    for (size_t k = 0; k < in->ncols && st == GB_OK; k++) {
        pooled(in, k, col);
        if ((long)k == kdiv || (long)k == kdep) {
            for (size_t i = 0; i < in->nchains * in->ndraws; i++)
                *((long)k == kdiv ? ndiv : ndeep) +=
                    (long)k == kdiv ? col[i] != 0 : in->max_depth > 0 && col[i] >= in->max_depth;
        } else if ((long)k == ken) {
            for (size_t c = 0; c < in->nchains; c++)
                ebfmi[c] = gb_diag_ebfmi(ch[c], in->ndraws);
        }
        if (is_sampler_col(in->names[k]) && strcmp(in->names[k], "lp__") != 0)
            continue;
        st = gb_diag_summarise(ch, in->nchains, in->ndraws, &sums[k]);
    }
    free(col);
    free(ch);
    return st;
}

gb_status gb_report_write(FILE *out, const gb_report_in *in)
{
    if (in->ndraws < GB_DIAG_MIN_DRAWS || in->nchains == 0 || in->npairs % 2)
        return GB_EUSAGE;
    for (size_t p = 0; p < in->npairs; p++)
        if (find_col(in, in->pairs[p]) < 0)
            return GB_EUSAGE;
    writer w = {out, GB_OK};
    gb_diag_summary *sums = calloc(in->ncols ? in->ncols : 1, sizeof *sums);
    node_run *runs = malloc((in->ncols ? in->ncols : 1) * sizeof *runs);
    double *ebfmi = malloc(in->nchains * sizeof *ebfmi);
    size_t ndiv = 0, ndeep = 0;
    int has_ebfmi = 0;
    w.st = sums && runs && ebfmi ? summarise(in, sums, &ndiv, &ndeep, ebfmi, &has_ebfmi)
                                 : GB_ENOMEM;
    size_t nruns = w.st == GB_OK ? node_runs(in, runs) : 0;
    head(&w, in);
    put(&w, "<h2 id=\"model\">Model</h2>\n<pre>");
    esc(&w, in->source ? in->source : "");
    put(&w, "</pre>\n<h2 id=\"graph\">Graph</h2>\n");
    if (in->graph_svg)
        put(&w, "<div class=\"graph\">%s</div>\n", in->graph_svg);
    else
        put(&w, "<p>(no picture of the graph)</p>\n");
    diagnostics(&w, in, sums, ndiv, ndeep, has_ebfmi ? ebfmi : NULL);
    put(&w, "<h2 id=\"plan\">Sampler plan</h2>\n<p>Which sampler updates each unknown, and "
            "why.</p>\n<pre>");
    esc(&w, in->plan ? in->plan : "(not given)");
    put(&w, "</pre>\n");
    summary_table(&w, in, runs, nruns, sums);
    scalar_plots(&w, in, runs, nruns, sums);
    forest_plots(&w, in, runs, nruns, sums);
    pairs_plots(&w, in, runs, nruns, ndiv);
    ppc_plots(&w, in);
    heatmaps(&w, in, runs, nruns, sums);
    if (in->extra_html)
        put(&w, "%s\n", in->extra_html);
    put(&w, "</body>\n</html>\n");
    if (w.st == GB_OK && fflush(out) != 0)
        w.st = GB_EIO;
    free(sums);
    free(runs);
    free(ebfmi);
    return w.st;
}
