/* summary.c - the posterior summary table (see summary.h).
 *
 * Each column is copied out of the row-major draws into one array per chain and handed to
 * gb_diag_summarise (columns spread over the threads the caller allows); the table and warnings follow CmdStan's stansummary and posterior's
 * summarise_draws in content.  Owns only the per-column copy, freed before returning.
 */
#include "summary.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "colname.h"
#include "diag.h"
#include "size.h"

/* How many constant columns the note names before "and N more". */
#define CONST_NAMED 5

/* Tracks the worst offender of each kind for the warnings, and the constant columns, which are
 * kept out of them: their R-hat and ESS are undefined because nothing varies (posterior returns
 * NA for them too), which says nothing about whether the chains agree. */
typedef struct worst {
    size_t n_rhat, n_ess, n_const;
    const char *rhat_name, *ess_name, *const_name[CONST_NAMED];
    double rhat, ess;
} worst;

static int ends_with_dunder(const char *s)
{
    size_t n = strlen(s);
    return n >= 2 && s[n - 2] == '_' && s[n - 1] == '_';
}

/* Is column k a row of the table: chosen by show (NULL: every column), and not a sampler
 * column other than lp__? */
static int is_shown(const unsigned char *show, const char *const *names, size_t k)
{
    return (!show || show[k]) && (!ends_with_dunder(names[k]) || strcmp(names[k], "lp__") == 0);
}

/* ANSI colours, used only when the caller says the output is a terminal that wants them. */
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define PLAIN "\033[0m"


static long find_col(const char *const *names, size_t ncols, const char *name)
{
    for (size_t k = 0; k < ncols; k++)
        if (strcmp(names[k], name) == 0)
            return (long)k;
    return -1;
}

/* Writes " " and one number in a field of `width`: with 4 significant digits when decimals < 0,
 * else with that many decimals; NaN shows as NA.  Returns fprintf's result. */
static int put_num(FILE *out, int width, int decimals, double v)
{
    if (isnan(v))
        return fprintf(out, " %*s", width, "NA");
    if (decimals < 0)
        return fprintf(out, " %*.4g", width, v);
    return fprintf(out, " %*.*f", width, decimals, v);
}

/* put_num in colour when `flag` (a doubtful value) and colours are on. */
static int put_flagged(FILE *out, int colour, const char *c, int flag, int width, int decimals,
                       double v)
{
    if (!colour || !flag)
        return put_num(out, width, decimals, v);
    return fprintf(out, "%s", c) < 0 || put_num(out, width, decimals, v) < 0 ||
                   fprintf(out, PLAIN) < 0
               ? -1
               : 0;
}

/* A histogram of one column's bins: block characters rising with the count (one cell a bin;
 * an empty bin is a space), or an ASCII ramp where the terminal has no UTF-8. */
static int put_hist(FILE *out, int kind, const unsigned *bins)
{
    static const char *const blocks[8] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                          "\u2585", "\u2586", "\u2587", "\u2588"};
    static const char ramp[] = ".:-=+*#@";
    unsigned top = 0;
    for (int b = 0; b < GB_SUMMARY_HIST_BINS; b++)
        top = bins[b] > top ? bins[b] : top;
    int bad = fputs("  ", out) == EOF;
    for (int b = 0; b < GB_SUMMARY_HIST_BINS; b++) {
        if (bins[b] == 0 || top == 0) {
            bad |= fputc(' ', out) == EOF;
            continue;
        }
        int level = (int)((8.0 * bins[b] - 1) / top); /* 0..7: the fullest bin is a full block */
        level = level < 0 ? 0 : level > 7 ? 7 : level;
        if (kind == GB_SUMMARY_HIST_BLOCKS)
            bad |= fputs(blocks[level], out) == EOF;
        else
            bad |= fputc(ramp[level], out) == EOF;
    }
    return bad ? -1 : 0;
}

static gb_status print_row(FILE *out, int namew, const char *name, const gb_diag_summary *s,
                           const gb_summary_opts *o, const unsigned *bins)
{
    int bad = fprintf(out, "%-*s", namew, name) < 0;
    const double g[6] = {s->mean, s->sd, s->mcse_mean, s->q5, s->q50, s->q95};
    for (int k = 0; k < 6; k++)
        bad |= put_num(out, 10, -1, g[k]) < 0;
    int doubt = !s->constant && !ends_with_dunder(name);
    bad |= put_flagged(out, o->colour, RED, doubt && !(s->rhat <= GB_SUMMARY_RHAT_MAX), 6, 3,
                       s->rhat) < 0;
    bad |= put_flagged(out, o->colour, YELLOW, doubt && s->ess_bulk < GB_SUMMARY_ESS_MIN, 8, 0,
                       s->ess_bulk) < 0;
    bad |= put_flagged(out, o->colour, YELLOW, doubt && s->ess_tail < GB_SUMMARY_ESS_MIN, 8, 0,
                       s->ess_tail) < 0;
    if (bins)
        bad |= put_hist(out, o->hist, bins) < 0;
    bad |= fputc('\n', out) == EOF;
    return bad ? GB_EIO : GB_OK;
}

static void note_worst(worst *w, const char *name, const gb_diag_summary *s)
{
    if (s->constant) {
        if (w->n_const < CONST_NAMED)
            w->const_name[w->n_const] = name;
        w->n_const++;
        return;
    }
    if (s->rhat > GB_SUMMARY_RHAT_MAX || isnan(s->rhat)) {
        /* an undefined R-hat (NaN) is the worst there is */
        if (w->n_rhat++ == 0 || (!isnan(w->rhat) && !(s->rhat <= w->rhat))) {
            w->rhat = s->rhat;
            w->rhat_name = name;
        }
    }
    double ess = fmin(s->ess_bulk, s->ess_tail);
    if (ess < GB_SUMMARY_ESS_MIN) {
        if (w->n_ess++ == 0 || ess < w->ess) {
            w->ess = ess;
            w->ess_name = name;
        }
    }
}

/* Copies column k of every chain into cols[c]. */
static void gather(double **cols, const double *const *chains, size_t nchains, size_t ndraws,
                   size_t ncols, size_t k)
{
    for (size_t c = 0; c < nchains; c++)
        for (size_t i = 0; i < ndraws; i++)
            cols[c][i] = chains[c][i * ncols + k];
}

/* Length of the component path in a column name ("net.layer[1]" of "net.layer[1].h.3.2"): the
 * node name (without its trailing ".i.j" indices) up to its last dot; 0 at the top level. */
static size_t component_len(const char *name)
{
    size_t n = gb_colname_node_len(name);
    while (n > 0 && name[n - 1] != '.')
        n--;
    return n ? n - 1 : 0;
}

/* The summaries of every shown column, computed by up to `threads` threads (column k by thread
 * k mod threads, each with its own copy buffers): the numbers do not depend on the count. */
typedef struct sum_job {
    const char *const *names;
    const unsigned char *show;
    size_t ncols, nchains, ndraws, first, step;
    const double *const *chains;
    gb_diag_summary *out;
    unsigned *bins; /* GB_SUMMARY_HIST_BINS per column, or NULL for no histograms */
    gb_status st;
} sum_job;

/* The histogram of one column's pooled draws.  Its range is the draws' own, unless a far tail
 * would squeeze the bulk into a bin or two: then it is the 5-95% span widened by half of it on
 * each side, and the outer bins also hold what lies beyond. */
static void histogram(double *const *cols, size_t nchains, size_t ndraws, const gb_diag_summary *s,
                      unsigned *bins)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t c = 0; c < nchains; c++)
        for (size_t i = 0; i < ndraws; i++) {
            lo = fmin(lo, cols[c][i]);
            hi = fmax(hi, cols[c][i]);
        }
    double span = s->q95 - s->q5;
    if (span > 0 && hi - lo > 3 * span) {
        lo = fmax(lo, s->q5 - span / 2);
        hi = fmin(hi, s->q95 + span / 2);
    }
    memset(bins, 0, GB_SUMMARY_HIST_BINS * sizeof *bins);
    if (!(hi > lo)) /* constant or not finite: one full bin in the middle says so */
        return (void)(isfinite(lo) ? bins[GB_SUMMARY_HIST_BINS / 2] = 1 : 0);
    for (size_t c = 0; c < nchains; c++)
        for (size_t i = 0; i < ndraws; i++) {
            double x = (cols[c][i] - lo) / (hi - lo) * GB_SUMMARY_HIST_BINS;
            int b = isnan(x) ? -1 : x < 0 ? 0 : x >= GB_SUMMARY_HIST_BINS ? GB_SUMMARY_HIST_BINS - 1
                                                                        : (int)x;
            if (b >= 0)
                bins[b]++;
        }
}

static void *summarise_some(void *arg)
{
    sum_job *j = arg;
    double **cols = calloc(j->nchains, sizeof *cols);
    j->st = cols ? GB_OK : GB_ENOMEM;
    for (size_t c = 0; !j->st && c < j->nchains; c++)
        if (!(cols[c] = malloc(j->ndraws * sizeof *cols[c])))
            j->st = GB_ENOMEM;
    for (size_t k = j->first; !j->st && k < j->ncols; k += j->step)
        if (is_shown(j->show, j->names, k)) {
            gather(cols, j->chains, j->nchains, j->ndraws, j->ncols, k);
            j->st = gb_diag_summarise((const double *const *)cols, j->nchains, j->ndraws,
                                      &j->out[k]);
            if (!j->st && j->bins)
                histogram(cols, j->nchains, j->ndraws, &j->out[k],
                          j->bins + k * GB_SUMMARY_HIST_BINS);
        }
    for (size_t c = 0; cols && c < j->nchains; c++)
        free(cols[c]);
    free(cols);
    return NULL;
}

static gb_status summarise_all(const char *const *names, const unsigned char *show, size_t ncols,
                               const double *const *chains, size_t nchains, size_t ndraws,
                               int threads, gb_diag_summary *out, unsigned *bins)
{
    enum { MAX_THREADS = 16 };
    size_t T = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : (size_t)threads;
    if (T > ncols)
        T = ncols ? ncols : 1;
    sum_job jobs[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (size_t t = 0; t < T; t++) {
        jobs[t] = (sum_job){names, show, ncols, nchains, ndraws, t, T, chains, out, bins, GB_OK};
        /* thread 0's share runs here; a thread that cannot start leaves its share to it */
        if (t > 0)
            started[t] = pthread_create(&tid[t], NULL, summarise_some, &jobs[t]) == 0;
    }
    summarise_some(&jobs[0]);
    gb_status st = jobs[0].st;
    for (size_t t = 1; t < T; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            summarise_some(&jobs[t]);
        if (!st)
            st = jobs[t].st;
    }
    return st;
}

static gb_status print_table(FILE *out, const char *const *names, size_t ncols,
                             const gb_diag_summary *sums, const unsigned *bins,
                             const gb_summary_opts *o, worst *w)
{
    int namew = 4;
    for (size_t k = 0; k < ncols; k++)
        if (is_shown(o->show, names, k) && (int)strlen(names[k]) > namew)
            namew = (int)strlen(names[k]);
    if (fprintf(out, "%-*s %10s %10s %10s %10s %10s %10s %6s %8s %8s%s\n", namew, "name", "mean",
                "sd", "mcse", "5%", "50%", "95%", "rhat", "ess_bulk", "ess_tail",
                bins ? "  histogram" : "") < 0)
        return GB_EIO;
    const char *group = NULL; /* the component of the rows printed last */
    size_t glen = 0;
    for (size_t k = 0; k < ncols; k++) {
        if (!is_shown(o->show, names, k))
            continue;
        /* nodes of a component are listed together, under its name */
        size_t len = component_len(names[k]);
        if (len != glen || (len && strncmp(group, names[k], len) != 0)) {
            if (fprintf(out, len ? "\ncomponent %.*s\n" : "\n(top level)\n", (int)len,
                        names[k]) < 0)
                return GB_EIO;
            group = names[k];
            glen = len;
        }
        gb_status st = print_row(out, namew, names[k], &sums[k], o,
                                 bins ? bins + k * GB_SUMMARY_HIST_BINS : NULL);
        if (st)
            return st;
        if (ends_with_dunder(names[k]))
            continue; /* lp__ is shown but does not raise parameter warnings */
        note_worst(w, names[k], &sums[k]);
    }
    return GB_OK;
}

/* Sampler statistics and their warnings. */
static gb_status print_sampler(FILE *out, const char *const *names, size_t ncols,
                               const double *const *chains, size_t nchains, size_t ndraws,
                               int max_depth, double **cols, size_t *ndiv, size_t *nmax)
{
    long kdiv = find_col(names, ncols, "divergent__");
    long kdep = find_col(names, ncols, "treedepth__");
    long ken = find_col(names, ncols, "energy__");
    int bad = 0;
    *ndiv = *nmax = 0;
    for (size_t c = 0; c < nchains; c++)
        for (size_t i = 0; i < ndraws; i++) {
            const double *row = chains[c] + i * ncols;
            if (kdiv >= 0 && row[kdiv] != 0)
                (*ndiv)++;
            if (kdep >= 0 && max_depth > 0 && row[kdep] >= max_depth)
                (*nmax)++;
        }
    size_t total = nchains * ndraws;
    if (kdiv >= 0)
        bad |= fprintf(out, "\ndivergent transitions: %zu of %zu\n", *ndiv, total) < 0;
    if (kdep >= 0 && max_depth > 0)
        bad |= fprintf(out, "transitions at the maximum tree depth %d: %zu of %zu\n", max_depth,
                       *nmax, total) < 0;
    if (ken >= 0) {
        gather(cols, chains, nchains, ndraws, ncols, (size_t)ken);
        bad |= fprintf(out, "E-BFMI per chain:") < 0;
        for (size_t c = 0; c < nchains; c++)
            bad |= put_num(out, 1, 3, gb_diag_ebfmi(cols[c], ndraws)) < 0;
        bad |= fputc('\n', out) == EOF;
    }
    return bad ? GB_EIO : GB_OK;
}

static gb_status print_warnings(FILE *out, const worst *w, size_t ndiv, size_t nmax, int max_depth,
                                const char *const *names, size_t ncols, const double *const *chains,
                                size_t nchains, size_t ndraws, double **cols, int colour)
{
    int bad = 0;
    const char *wc = colour ? BOLD YELLOW : "", *wp = colour ? PLAIN : "";
    if (w->n_const) {
        bad |= fprintf(out, "note: %zu column(s) never vary (", w->n_const) < 0;
        for (size_t k = 0; k < w->n_const && k < CONST_NAMED; k++)
            bad |= fprintf(out, "%s%s", k ? ", " : "", w->const_name[k]) < 0;
        if (w->n_const > CONST_NAMED)
            bad |= fprintf(out, " and %zu more", w->n_const - CONST_NAMED) < 0;
        bad |= fprintf(out, "): R-hat and ESS are NA for them because nothing varies, not "
                            "because the chains disagree.\n") < 0;
    }
    if (w->n_rhat) {
        char at[32] = "undefined";
        if (!isnan(w->rhat))
            snprintf(at, sizeof at, "%.3f", w->rhat);
        bad |= fprintf(out,
                       "%swarning:%s R-hat is above %.2f (or undefined) for %zu parameter(s), worst "
                       "%s at %s: the chains do not agree, so the results cannot be trusted "
                       "yet; run longer or reparameterise.\n", wc, wp,
                       GB_SUMMARY_RHAT_MAX, w->n_rhat, w->rhat_name, at) < 0;
    }
    if (w->n_ess)
        bad |= fprintf(out,
                       "%swarning:%s the effective sample size is below %.0f for %zu parameter(s), "
                       "lowest %s at %.0f: means and quantiles are imprecise; draw more.\n", wc, wp,
                       GB_SUMMARY_ESS_MIN, w->n_ess, w->ess_name, w->ess) < 0;
    if (ndiv)
        bad |= fprintf(out,
                       "%swarning:%s %zu divergent transition(s): the sampler could not follow part "
                       "of the posterior, which may be missing from the draws; raise the target "
                       "acceptance rate or reparameterise.\n", wc, wp,
                       ndiv) < 0;
    if (nmax)
        bad |= fprintf(out,
                       "%swarning:%s %zu transition(s) stopped at the maximum tree depth %d: "
                       "sampling was slow there; raise the maximum depth.\n", wc, wp,
                       nmax, max_depth) < 0;
    long ken = find_col(names, ncols, "energy__");
    if (ken >= 0) {
        gather(cols, chains, nchains, ndraws, ncols, (size_t)ken);
        for (size_t c = 0; c < nchains; c++) {
            double e = gb_diag_ebfmi(cols[c], ndraws);
            if (e < GB_SUMMARY_EBFMI_MIN)
                bad |= fprintf(out,
                               "%swarning:%s E-BFMI of chain %zu is %.3f, below %.1f: the sampler "
                               "explored the energy poorly; reparameterise.\n", wc, wp,
                               c + 1, e, GB_SUMMARY_EBFMI_MIN) < 0;
        }
    }
    return bad ? GB_EIO : GB_OK;
}

gb_status gb_summary_print_with(FILE *out, const char *const *names, size_t ncols,
                                const double *const *chains, size_t nchains, size_t ndraws,
                                const gb_summary_opts *o)
{
    if (!out || !names || !chains || !o || nchains == 0 || ndraws < GB_DIAG_MIN_DRAWS)
        return GB_EUSAGE;
    size_t total, nbins;
    if (gb_size_mul(nchains, ndraws, &total) || gb_size_fits_budget(total, sizeof(double)) ||
        gb_size_mul(ncols ? ncols : 1, GB_SUMMARY_HIST_BINS, &nbins))
        return GB_ENOMEM;
    double **cols = calloc(nchains, sizeof *cols);
    gb_status st = cols ? GB_OK : GB_ENOMEM;
    for (size_t c = 0; !st && c < nchains; c++)
        if (!(cols[c] = malloc(ndraws * sizeof *cols[c])))
            st = GB_ENOMEM;
    worst w = {0};
    size_t ndiv = 0, nmax = 0;
    gb_diag_summary *sums = st ? NULL : calloc(ncols ? ncols : 1, sizeof *sums);
    unsigned *bins = st || !o->hist ? NULL : calloc(nbins, sizeof *bins);
    if (!st && (!sums || (o->hist && !bins)))
        st = GB_ENOMEM;
    if (!st)
        st = summarise_all(names, o->show, ncols, chains, nchains, ndraws, o->threads, sums,
                           bins);
    if (!st)
        st = print_table(out, names, ncols, sums, bins, o, &w);
    free(sums);
    free(bins);
    if (!st)
        st = print_sampler(out, names, ncols, chains, nchains, ndraws, o->max_depth, cols, &ndiv,
                           &nmax);
    if (!st)
        st = print_warnings(out, &w, ndiv, nmax, o->max_depth, names, ncols, chains, nchains,
                            ndraws, cols, o->colour);
    if (!st && fflush(out) != 0)
        st = GB_EIO;
    for (size_t c = 0; cols && c < nchains; c++)
        free(cols[c]);
    free(cols);
    return st;
}

gb_status gb_summary_print(FILE *out, const char *const *names, size_t ncols,
                           const double *const *chains, size_t nchains, size_t ndraws,
                           int max_depth, int threads)
{
    gb_summary_opts o = {.max_depth = max_depth, .threads = threads};
    return gb_summary_print_with(out, names, ncols, chains, nchains, ndraws, &o);
}

gb_status gb_summary_write_csv(FILE *out, const char *const *names, size_t ncols,
                               const double *const *chains, size_t nchains, size_t ndraws,
                               int threads)
{
    return gb_summary_write_csv_with(out, names, ncols, chains, nchains, ndraws, threads, NULL);
}

gb_status gb_summary_write_csv_with(FILE *out, const char *const *names, size_t ncols,
                                    const double *const *chains, size_t nchains, size_t ndraws,
                                    int threads, const unsigned char *show)
{
    if (!out || !names || !chains || nchains == 0 || ndraws < GB_DIAG_MIN_DRAWS)
        return GB_EUSAGE;
    size_t total;
    if (gb_size_mul(nchains, ndraws, &total) || gb_size_fits_budget(total, sizeof(double)))
        return GB_ENOMEM;
    gb_diag_summary *sums = calloc(ncols ? ncols : 1, sizeof *sums);
    gb_status st = sums ? GB_OK : GB_ENOMEM;
    if (!st)
        st = summarise_all(names, show, ncols, chains, nchains, ndraws, threads, sums, NULL);
    if (!st && fprintf(out, "name,mean,sd,mcse_mean,q5,q50,q95,rhat,ess_bulk,ess_tail\n") < 0)
        st = GB_EIO;
    for (size_t k = 0; !st && k < ncols; k++) {
        if (!is_shown(show, names, k))
            continue;
        const gb_diag_summary *s = &sums[k];
        if (fprintf(out, "%s,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g\n", names[k],
                    s->mean, s->sd, s->mcse_mean, s->q5, s->q50, s->q95, s->rhat, s->ess_bulk,
                    s->ess_tail) < 0)
            st = GB_EIO;
    }
    if (!st && fflush(out) != 0)
        st = GB_EIO;
    free(sums);
    return st;
}
