/* cli_run.c - `glassbox run`: sample a model's posterior, write the draws, print the summary. */
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "drawsout.h"
#include "memplan.h"
#include "run.h"
#include "stream.h"
#include "summary.h"

/* Deterministic nodes with more elements than this are summarised while sampling instead of
 * keeping their draws (an N x H activation matrix), unless --keep names them.  The memory plan
 * assumes the same. */
#define STREAM_ABOVE GB_MEMPLAN_STREAM_ABOVE

static volatile sig_atomic_t signal_seen;

/* First SIGINT/SIGTERM: stop at the next iteration, keep the draws.  Second: leave at once,
 * removing the temporary output so no half-written file is left behind. */
static void on_signal(int sig)
{
    if (signal_seen) {
        gb_drawsout_abandon();
        _exit(sig == SIGTERM ? 143 : 130);
    }
    signal_seen = sig;
    gb_run_request_stop();
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void help(void)
{
    puts("usage: glassbox run MODEL.gb [--data FILE]... [options]\n\n"
         "Samples the posterior with NUTS (continuous parameters), Gibbs by enumeration\n"
         "(discrete ones) and slice sampling (the rest), then prints a summary of every\n"
         "variable with R-hat, bulk and tail ESS and MCSE.\n\n"
         "options:\n"
         "  --data FILE        JSON (CmdStan format) or CSV with a header; repeatable\n"
         "  --chains N         number of chains (4)\n"
         "  --warmup N         warmup iterations per chain, adapting step size and metric (1000)\n"
         "  --draws N          draws kept per chain (1000)\n"
         "  --seed S           random seed; the same seed gives the same draws (20261125)\n"
         "  --threads T        threads running chains (default: one per core, at most one\n"
         "                     per chain); the draws do not depend on T\n"
         "  --output FILE      write the draws as CmdStan CSV: FILE for one chain,\n"
         "                     FILE_1.csv .. FILE_N.csv (FILE's stem) for N chains\n"
         "  --metric diag|dense  NUTS metric adapted during warmup (diag)\n"
         "  --adapt-delta D    target acceptance of step-size adaptation, in (0, 1) (0.8)\n"
         "  --max-depth N      NUTS tree depth limit (10)\n"
         "  --keep PATTERN     keep every draw of the nodes matching PATTERN (a glob: 'net.layer[[]1].h',\n"
         "                     'fit.*', or 'all'); deterministic nodes of more than 1000\n"
         "                     elements are otherwise summarised while sampling (mean, sd,\n"
         "                     5/50/95% quantiles), not stored; repeatable\n"
         "  --memory SIZE      the memory budget (bytes, or 512M, 16G ...; default\n"
         "                     GLASSBOX_MEMORY_LIMIT, else 3/4 of the physical memory); a run\n"
         "                     estimated to need more is refused before it starts\n"
         "  --explain          say which sampler updates each variable, and why, and the\n"
         "                     memory the run needs\n"
         "  --quiet            no progress line\n"
         "  --verbose          also name data variables the model does not use\n\n"
         "Ctrl-C stops the chains, writes the draws made so far and summarises them (exit 130);\n"
         "a second Ctrl-C quits at once.");
}

static int default_threads(int chains)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    return chains < cores ? chains : (int)cores;
}

/* Does data inform node i: is an observed node among its descendants?  (mark: per node, 0
 * unvisited, 1 visited.) */
static int reaches_data(const gb_graph *g, size_t i, unsigned char *mark)
{
    if (mark[i])
        return 0;
    mark[i] = 1;
    const gb_node *n = gb_graph_node(g, i);
    for (size_t k = 0; k < n->nchildren; k++) {
        const gb_node *c = gb_graph_node(g, n->children[k]);
        if (gb_node_is_observed(c) || reaches_data(g, n->children[k], mark))
            return 1;
    }
    return 0;
}

/* Names the parameters with improper priors (flat, half_flat), and warns when no data reach
 * one: its posterior is then improper too, and no sampler can draw from it. */
static void report_improper(const gb_graph *g, FILE *out)
{
    size_t nn = gb_graph_node_count(g);
    unsigned char *mark = malloc(nn ? nn : 1);
    for (size_t i = 0; mark && i < nn; i++) {
        const gb_node *n = gb_graph_node(g, i);
        if (!gb_node_is_parameter(n) || n->ndefs == 0 || !n->defs[0].dist ||
            !n->defs[0].dist->improper)
            continue;
        memset(mark, 0, nn);
        if (reaches_data(g, i, mark))
            fprintf(out, "note: '%s' has an improper prior (%s); the data make its posterior "
                         "proper\n", n->name, n->defs[0].dist->name);
        else
            fprintf(out, "%s:%d:%d: warning: '%s' has an improper prior (%s) and no data depend "
                         "on it, so its posterior is improper: give it a proper prior\n",
                    n->loc.file, n->loc.line, n->loc.col, n->name, n->defs[0].dist->name);
    }
    free(mark);
}

/* Which model columns keep their draws: parameters and small deterministic nodes always,
 * large deterministic nodes when a --keep pattern names them.  Returns NULL (keep all) when
 * nothing is streamed; the caller frees. */
static unsigned char *choose_kept(const gb_model *m, const cli_opts *o)
{
    const gb_graph *g = gb_model_graph(m);
    size_t nm = gb_model_output_size(m), nstream = 0;
    unsigned char *keep = malloc(nm ? nm : 1);
    if (!keep)
        return NULL;
    for (size_t k = 0; k < nm; k++) {
        const gb_node *n = gb_graph_node(g, gb_model_output_node(m, k));
        int kept = n->kind != GB_NODE_DETERMINISTIC || n->len <= STREAM_ABOVE;
        for (int p = 0; p < o->nkeep && !kept; p++)
            kept = strcmp(o->keep[p], "all") == 0 || fnmatch(o->keep[p], n->name, 0) == 0 ||
                   fnmatch(o->keep[p], gb_model_output_name(m, k), 0) == 0;
        keep[k] = (unsigned char)kept;
        nstream += !kept;
    }
    if (nstream == 0) {
        free(keep);
        return NULL;
    }
    return keep;
}

/* The streamed nodes' summaries: the first few elements of each on out, every element in csv
 * (when non-NULL). */
static void print_streamed(const gb_model *m, const gb_draws *d, FILE *out, FILE *csv)
{
    const gb_graph *g = gb_model_graph(m);
    if (csv)
        fputs("name,mean,sd,q5,q50,q95\n", csv);
    size_t shown = 0, node = (size_t)-1;
    for (size_t j = 0; j < d->nstream; j++) {
        size_t col = d->stream_col[j], nd = gb_model_output_node(m, col);
        if (nd != node) {
            const gb_node *n = gb_graph_node(g, nd);
            node = nd;
            shown = 0;
            fprintf(out, "\n%s: %zu elements, summarised while sampling (mean, sd, P-square "
                         "quantiles); --keep '%s' keeps its draws\n", n->name, n->len, n->name);
        }
        gb_stream_summary s;
        gb_stream_result((const gb_stream *const *)d->stream, (size_t)d->nchains, j, &s);
        const char *name = gb_model_output_name(m, col);
        if (csv)
            fprintf(csv, "%s,%.10g,%.10g,%.10g,%.10g,%.10g\n", name, s.mean, s.sd, s.q5, s.q50,
                    s.q95);
        if (shown < 8)
            fprintf(out, "  %-24s mean %10.4g  sd %9.3g  5%% %10.4g  50%% %10.4g  95%% %10.4g\n",
                    name, s.mean, s.sd, s.q5, s.q50, s.q95);
        else if (shown == 8)
            fprintf(out, "  ... %s\n", csv ? "(every element is in the _stream.csv file)"
                                            : "(run with --output to get every element)");
        shown++;
    }
}

/* The streamed nodes on stdout, and all their elements in OUTPUT's stem + "_stream.csv" when
 * the draws are written. */
static int streamed_report(const gb_model *m, const gb_draws *d, const char *output)
{
    FILE *csv = NULL;
    char *path = NULL, *tmp = NULL;
    if (output) {
        path = gb_drawsout_stem_path(output, "_stream.csv");
        csv = path ? gb_drawsout_side_open(path, &tmp) : NULL;
        if (!csv) {
            fprintf(stderr, "glassbox run: error: cannot write %s\n", path ? path : output);
            free(path);
            return -1;
        }
    }
    print_streamed(m, d, stdout, csv);
    int rc = 0;
    if (csv && gb_drawsout_side_close(csv, tmp, path) != 0) {
        fprintf(stderr, "glassbox run: error: cannot write %s\n", path);
        rc = -1;
    }
    free(path);
    return rc;
}

/* Prints the summary of the draws made (whole rows only).  After an interruption chains may
 * have made different numbers of draws: the summary takes the first n of every chain that has
 * at least 4 (n the fewest among them) and names the chains left out. */
static int print_summary(const gb_model *m, const gb_draws *d, int max_depth, int threads)
{
    enum { MIN_DRAWS = 4 };
    size_t n = d->ndraws;
    int used = 0;
    for (int c = 0; c < d->nchains; c++)
        if (d->filled[c] >= MIN_DRAWS) {
            used++;
            if (d->filled[c] < n)
                n = d->filled[c];
        }
    if (used == 0) {
        fprintf(stderr, "glassbox run: fewer than %d draws in every chain: too few for a "
                        "summary\n", MIN_DRAWS);
        return 0;
    }
    if (used < d->nchains) {
        fprintf(stderr, "glassbox run: the summary leaves out chain");
        for (int c = 0, k = 0; c < d->nchains; c++)
            if (d->filled[c] < MIN_DRAWS)
                fprintf(stderr, "%s %d", k++ ? "," : "", c + 1);
        fprintf(stderr, " (fewer than %d draws)\n", MIN_DRAWS);
    }
    size_t nm = gb_model_output_size(m);
    const char **names = malloc((GB_NSAMPLER_COLS + nm) * sizeof *names);
    const double **chains = malloc((size_t)d->nchains * sizeof *chains);
    int rc = -1;
    if (names && chains) {
        for (int k = 0; k < GB_NSAMPLER_COLS; k++)
            names[k] = gb_sampler_col_names[k];
        for (size_t k = GB_NSAMPLER_COLS; k < d->ncols; k++)
            names[k] = gb_model_output_name(m, d->col[k - GB_NSAMPLER_COLS]);
        for (int c = 0, k = 0; c < d->nchains; c++)
            if (d->filled[c] >= MIN_DRAWS)
                chains[k++] = d->rows + (size_t)c * d->ndraws * d->ncols;
        rc = gb_summary_print(stdout, names, d->ncols, chains, (size_t)used, n, max_depth,
                              threads) == GB_OK ? 0 : -1;
    }
    free(names);
    free(chains);
    return rc;
}

int cli_run(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, 2, "run",
                       "data,output,chains,warmup,draws,seed,threads,metric,adapt-delta,"
                       "max-depth,keep,memory,explain,verbose,quiet", &o);
    if (rc || o.help) {
        if (o.help)
            help();
        return rc;
    }
    double t0 = now();
    signal_seen = 0;
    install_handlers(); /* first: a background job may start with SIGINT ignored */
    cli_session s;
    rc = cli_load(&o, &s, 0);
    gb_model *m = NULL;
    gb_draws *d = NULL;
    gb_drawsout *w = NULL;
    unsigned char *keep = NULL;
    if (rc != GB_EXIT_OK)
        goto out;
    long par = o.threads ? o.threads : default_threads((int)o.chains);
    rc = cli_check_memory(&o, &s, o.chains, par < o.chains ? par : o.chains, o.draws, o.explain);
    if (rc != GB_EXIT_OK)
        goto out;
    if (gb_model_compile(s.graph, &m, s.errs) != GB_OK) {
        gb_errlist_print(s.errs, s.srcs, stderr);
        rc = cli_exit_code(gb_errlist_status(s.errs));
        goto out;
    }
    if (o.explain)
        cli_print_samplers(m, stdout);
    report_improper(s.graph, stderr);
    gb_run_config cfg = {
        .chains = (int)o.chains, .warmup = (int)o.warmup, .draws = (int)o.draws,
        .threads = o.threads ? (int)o.threads : default_threads((int)o.chains),
        .max_depth = (int)o.max_depth, .seed = o.seed, .adapt_delta = o.adapt_delta,
        .dense_metric = strcmp(o.metric, "dense") == 0, .init_radius = 2,
        .progress = !o.quiet && isatty(STDERR_FILENO)};
    keep = choose_kept(m, &o);
    cfg.keep = keep;
    if (o.output) {
        size_t nm = gb_model_output_size(m), nk = 0;
        const char **names = malloc((nm ? nm : 1) * sizeof *names);
        if (!names) {
            rc = GB_EXIT_MODEL;
            goto out;
        }
        for (size_t k = 0; k < nm; k++)
            if (!keep || keep[k])
                names[nk++] = gb_model_output_name(m, k);
        gb_drawsout_meta meta = {o.model, o.data, o.ndata, &cfg};
        gb_status st = gb_drawsout_open(o.output, &meta, names, nk, &w, s.errs);
        free(names);
        if (st != GB_OK) {
            gb_errlist_print(s.errs, s.srcs, stderr);
            rc = cli_exit_code(st);
            goto out;
        }
    }
    if (signal_seen) { /* stopped before sampling began: nothing to keep */
        rc = signal_seen == SIGTERM ? 143 : 130;
        goto out;
    }
    gb_status st = gb_run(m, &cfg, w ? gb_drawsout_row : NULL, w, &d, s.errs);
    int interrupted = signal_seen != 0 || (d && d->interrupted && st == GB_EINTERRUPT);
    char first[512] = "", last[512] = "";
    if (w) {
        snprintf(first, sizeof first, "%s", gb_drawsout_path(w, 0));
        snprintf(last, sizeof last, "%s", gb_drawsout_path(w, cfg.chains - 1));
    }
    gb_status cst = gb_drawsout_close(w, interrupted, st != GB_OK && !interrupted, s.errs);
    w = NULL;
    if ((st != GB_OK && !interrupted) || cst != GB_OK) {
        gb_errlist_print(s.errs, s.srcs, stderr);
        rc = cli_exit_code(st != GB_OK && !interrupted ? st : cst);
        goto out;
    }
    if (interrupted)
        fprintf(stderr, "glassbox run: interrupted; summarising the draws made so far\n");
    if (d && print_summary(m, d, cfg.max_depth, cfg.threads) != 0)
        rc = GB_EXIT_MODEL;
    if (d && d->nstream > 0 && streamed_report(m, d, o.output) != 0)
        rc = GB_EXIT_MODEL;
    if (!o.quiet) {
        fprintf(stderr, "%d chain%s x %d draws in %.2f s", cfg.chains, cfg.chains == 1 ? "" : "s",
                cfg.draws, now() - t0);
        if (o.output)
            fprintf(stderr, "; draws in %s%s%s", first, cfg.chains > 1 ? " ... " : "",
                    cfg.chains > 1 ? last : "");
        fputc('\n', stderr);
    }
    if (interrupted)
        rc = signal_seen == SIGTERM ? 143 : 130;
out:
    free(keep);
    gb_drawsout_close(w, 0, 1, s.errs);
    gb_draws_free(d);
    gb_model_free(m);
    cli_session_free(&s);
    if (fflush(stdout) != 0 && rc == GB_EXIT_OK)
        rc = GB_EXIT_MODEL;
    return rc;
}
