/* cli_run.c - `glassbox run`: sample a model's posterior, write the draws, print the summary. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_mpi.h"
#include "cli_run_used.h"
#include "cli_tree.h"
#include "cli_tree_dot.h"
#include "cli_tree_x.h"
#include "drawsout.h"
#include "memplan.h"
#include "run.h"
#include "stream.h"
#include "summary.h"

/* Deterministic nodes with more elements than this are summarised while sampling instead of
 * keeping their draws (an N x H activation matrix), unless --keep names them.  The memory plan
 * assumes the same. */
#define STREAM_ABOVE GB_MEMPLAN_STREAM_ABOVE

/* Signals seen (SIGINT, SIGTERM) and the last one's number.  The handler only sets these; the
 * monitor (on the main thread, every GB_RUN_TICK_MS) turns the first into a stop request.  A
 * signal that arrives while the chains are stopping is the same request (`timeout -s INT` sends
 * two at once); one that arrives after they stopped skips the summary.  No signal ever removes
 * the draws: they are written, synced and renamed into place before the summary starts. */
static volatile sig_atomic_t signal_count, signal_last;

static void on_signal(int sig)
{
    signal_last = sig;
    if (signal_count < 1000)
        signal_count = signal_count + 1;
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT); /* one handler at a time: the count stays exact */
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = SA_RESTART; /* a write to a pipe is resumed, not failed with EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int interrupted_exit(void)
{
    return signal_last == SIGTERM ? 143 : 130;
}

/* The run's monitor: shows progress and asks the chains to stop once a signal has come.
 * On a terminal it redraws one line (runs longer than a second, at most every 0.2 s); written
 * to a log or CI (stderr not a terminal) it prints a whole line every LOG_EVERY seconds, so a
 * long run is visibly alive there too, and a short one prints nothing.  Both say how long is
 * left, estimated from the iterations done so far (warmup's first iterations are the slow
 * ones, so the estimate errs long early on). */
#define LOG_EVERY 10.0
typedef struct progress_bar {
    int enabled, shown, terminal;
    double last, log_every; /* GLASSBOX_PROGRESS_SECONDS overrides LOG_EVERY (for tests) */
} progress_bar;

static progress_bar progress_new(const cli_opts *o)
{
    const char *every = getenv("GLASSBOX_PROGRESS_SECONDS");
    return (progress_bar){.enabled = !o->quiet, .terminal = isatty(STDERR_FILENO),
                          .log_every = every && atof(every) > 0 ? atof(every) : LOG_EVERY};
}

/* "12 s", "3 min 20 s", "1 h 05 min" */
static void put_duration(double s)
{
    if (s < 60)
        fprintf(stderr, "%.0f s", s);
    else if (s < 3600)
        fprintf(stderr, "%d min %02d s", (int)(s / 60), (int)s % 60);
    else
        fprintf(stderr, "%d h %02d min", (int)(s / 3600), (int)(s / 60) % 60);
}

static int monitor(void *ctx, const gb_run_progress *p)
{
    progress_bar *bar = ctx;
    double every = bar->terminal ? 0.2 : bar->log_every, first = bar->terminal ? 1.0 : every;
    if (bar->enabled && p->elapsed > first && p->elapsed - bar->last >= every) {
        int total = p->warmup + p->draws;
        long done = 0;
        fputs(bar->terminal ? "\r" : "glassbox run: ", stderr);
        for (int c = 0; c < p->nchains; c++) {
            done += p->iterations[c];
            if (c < 8)
                fprintf(stderr, "chain %d %s %3d%%  ", c + 1,
                        p->iterations[c] < p->warmup ? "warmup" : "sample",
                        total ? 100 * p->iterations[c] / total : 100);
        }
        fprintf(stderr, "%.0f it/s", (double)done / p->elapsed);
        long all = (long)total * p->nchains;
        if (done > 0 && done < all) {
            fputs(", about ", stderr);
            put_duration(p->elapsed * (double)(all - done) / (double)done);
            fputs(" left", stderr);
        }
        fputs(bar->terminal ? "   " : "\n", stderr);
        fflush(stderr);
        bar->shown = bar->terminal;
        bar->last = p->elapsed;
    }
    return signal_count != 0;
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
         "(discrete ones; first-order chains of them as one block, by forward filtering,\n"
         "backward sampling) and slice sampling (the rest), then prints a summary of every\n"
         "variable with R-hat, bulk and tail ESS and MCSE.\n\n"
         "options:\n"
         "  --data FILE        JSON (CmdStan format) or CSV with a header; repeatable\n"
         "  --chains N         number of chains (4)\n"
         "  --warmup N         warmup iterations per chain, adapting step size and metric (400)\n"
         "  --draws N          draws kept per chain (1000)\n"
         "  --seed S           random seed; the same seed gives the same draws (20261125)\n"
         "  --threads T        threads running chains (default: one per core, at most one\n"
         "                     per chain); the draws do not depend on T\n"
         "  --split-rows S     split each chain's likelihood into S shares of the data's\n"
         "                     rows, evaluated on S threads and summed in a fixed order\n"
         "                     (Stan's reduce_sum); the draws depend on S, not on timing\n"
         "  --data-parallel    under mpirun (MPI build): every rank runs every chain on its\n"
         "                     share of the rows, the shares summed over the ranks\n"
         "  --output FILE      write the draws as CmdStan CSV: FILE for one chain,\n"
         "                     FILE_1.csv .. FILE_N.csv (FILE's stem) for N chains\n"
         "  --metric diag|dense  NUTS metric adapted during warmup (diag)\n"
         "  --adapt fisher|windowed  warmup scheme: nutpie's metric from draws and gradients,\n"
         "                     updated every draw (fisher), or Stan's windows (windowed);\n"
         "                     a dense metric always uses the windows\n"
         "  --adapt-delta D    target acceptance of step-size adaptation, in (0, 1) (0.8)\n"
         "  --max-depth N      NUTS tree depth limit (10)\n"
         "  --keep PATTERN     keep every draw of the nodes matching PATTERN ('net.layer[1].h',\n"
         "                     'fit.*', 'net.layer[*].h.3.*' or 'all': * and ? are wildcards,\n"
         "                     the rest literal); deterministic nodes and tree fits of\n"
         "                     more than 1000 elements are otherwise summarised while\n"
         "                     sampling (mean, sd,\n"
         "                     5/50/95% quantiles), not stored; repeatable\n"
         "  --memory SIZE      the memory budget (bytes, or 512M, 16G ...; default\n"
         "                     GLASSBOX_MEMORY_LIMIT, else 3/4 of the physical memory); a run\n"
         "                     estimated to need more is refused before it starts\n"
         "  --explain          say which sampler updates each variable, and why, and the\n"
         "                     memory the run needs\n"
         "  --vars PATTERN     summarise only the nodes or columns matching PATTERN ('fit.beta',\n"
         "                     'fit.*'); repeatable.  The draws files keep every column\n"
         "  --hist             a small histogram of each summarised column's draws\n"
         "  --report FILE      also write the run's HTML report (see glassbox report --help)\n"
         "  --pairs A,B        columns the report plots against each other; repeatable\n"
         "  --quiet            no progress line (in a log, one line every 10 s otherwise)\n"
         "  --prior            draw from the prior instead, exactly, by ancestral simulation\n"
         "                     (no MCMC; the sampler columns are 0)\n"
         "  --verbose          also name data variables the model does not use\n\n"
         "Ctrl-C stops the chains, writes the draws made so far and summarises them (exit 130);\n"
         "a second Ctrl-C after the chains stopped skips the summary (the draws are kept).");
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
static gb_status report_improper(const gb_graph *g, FILE *out)
{
    size_t nn = gb_graph_node_count(g);
    unsigned char *mark = malloc(nn ? nn : 1);
    if (!mark)
        return GB_ENOMEM;
    for (size_t i = 0; i < nn; i++) {
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
    return GB_OK;
}

/* The streamed nodes' summaries: the first few elements of each on out, every element in csv;
 * either may be NULL.  in_file: the csv file is (or was) written, so the text can point at it. */
static void print_streamed(const gb_model *m, const gb_draws *d, FILE *out, FILE *csv,
                           int in_file)
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
            if (out)
                fprintf(out, "\n%s: %zu elements, summarised while sampling (mean, sd, P-square "
                             "quantiles); --keep '%s' keeps its draws\n", n->name, n->len, n->name);
        }
        gb_stream_summary s;
        gb_stream_result((const gb_stream *const *)d->stream, (size_t)d->nchains, j, &s);
        const char *name = gb_model_output_name(m, col);
        if (csv)
            fprintf(csv, "%s,%.10g,%.10g,%.10g,%.10g,%.10g\n", name, s.mean, s.sd, s.q5, s.q50,
                    s.q95);
        if (out && shown < 8)
            fprintf(out, "  %-24s mean %10.4g  sd %9.3g  5%% %10.4g  50%% %10.4g  95%% %10.4g\n",
                    name, s.mean, s.sd, s.q5, s.q50, s.q95);
        else if (out && shown == 8)
            fprintf(out, "  ... %s\n", in_file ? "(every element is in the _stream.csv file)"
                                               : "(run with --output to get every element)");
        shown++;
    }
}

/* Every element of the streamed nodes in OUTPUT's stem + "_stream.csv", written whole or not at
 * all; 0, or -1 after a message. */
static int write_streamed(const gb_model *m, const gb_draws *d, const char *output)
{
    char *tmp = NULL, *path = gb_drawsout_stem_path(output, "_stream.csv");
    FILE *csv = path ? gb_drawsout_side_open(path, &tmp) : NULL;
    if (!csv || (print_streamed(m, d, NULL, csv, 1), gb_drawsout_side_close(csv, tmp, path)) != 0) {
        fprintf(stderr, "glassbox run: error: cannot write %s\n", path ? path : output);
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

/* After the draws are in their files, a further signal may end the process at once: it can
 * only cut the summary short, never lose draws. */
static void default_handlers(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

/* "1000/1000/779/233": the draws each chain made. */
static void print_counts(const gb_draws *d, FILE *out)
{
    for (int c = 0; c < d->nchains; c++)
        fprintf(out, "%s%zu", c ? "/" : "", d->filled[c]);
}

static int all_complete(const gb_draws *d)
{
    for (int c = 0; c < d->nchains; c++)
        if (d->filled[c] != d->ndraws)
            return 0;
    return 1;
}

static int all_empty(const gb_draws *d)
{
    for (int c = 0; c < d->nchains; c++)
        if (d->filled[c] != 0)
            return 0;
    return 1;
}

/* Prints the summary of the draws made (whole rows only).  After an interruption chains may
 * have made different numbers of draws: the summary takes the same number from each chain it
 * uses (the diagnostics need that), chosen by cli_used_length, and says which. */
static int print_summary(const gb_model *m, const gb_draws *d, const gb_run_config *cfg,
                         const cli_opts *o, const cli_session *s, const char *trees,
                         const char *trees_svg, int *report_rc)
{
    if (all_empty(d) && d->interrupted) {
        fprintf(stderr, "glassbox run: interrupted during warmup (iterations done per chain: ");
        for (int c = 0; c < d->nchains; c++)
            fprintf(stderr, "%s%d", c ? "/" : "", d->iterations[c]);
        fprintf(stderr, " of %d): no draws to summarise\n", cfg->warmup);
        return 0;
    }
    size_t n = cli_used_length(d, CLI_USED_MIN);
    if (n == 0) {
        fprintf(stderr, "glassbox run: fewer than %d draws in every chain (", CLI_USED_MIN);
        print_counts(d, stderr);
        fprintf(stderr, "): too few for a summary\n");
        return 0;
    }
    int used;
    if (!all_complete(d))
        cli_used_say(d, n);
    size_t nm = gb_model_output_size(m);
    const char **names = malloc((GB_NSAMPLER_COLS + nm) * sizeof *names);
    const double **chains = cli_used_chains(d, n, &used);
    int rc = -1;
    if (names && chains) {
        for (int k = 0; k < GB_NSAMPLER_COLS; k++)
            names[k] = gb_sampler_col_names[k];
        for (size_t k = GB_NSAMPLER_COLS; k < d->ncols; k++)
            names[k] = gb_model_output_name(m, d->col[k - GB_NSAMPLER_COLS]);
        int vrc;
        unsigned char *show = cli_vars_mask("run", names, d->ncols, o->vars, o->nvars, &vrc);
        gb_summary_opts so = {.max_depth = cfg->max_depth, .threads = cfg->threads,
                              .show = show, .hist = cli_hist_kind(o->hist),
                              .colour = cli_colour(stdout)};
        if (vrc == GB_EXIT_OK)
            rc = gb_summary_print_with(stdout, names, d->ncols, chains, (size_t)used, n, &so) ==
                         GB_OK
                     ? 0
                     : -1;
        free(show);
        if (o->report && vrc == GB_EXIT_OK) /* --report: the same draws as an HTML page */
            *report_rc = cli_write_report(o->report, s, o->model, m, names, d->ncols, chains,
                                          (size_t)used, n, cfg->max_depth, o->pairs,
                                          (size_t)o->npairs, NULL, trees, trees_svg);
    }
    free(names);
    free(chains);
    return rc;
}

/* The summary, then the report when asked for; returns an exit code.  *cols receives the
 * draws the trees' summary reads (cli_used_tree_cols; the caller frees cols->chains). */
static int summarise_run(const gb_model *m, const gb_draws *d, const gb_run_config *cfg,
                         const cli_opts *o, const cli_session *s, const cli_tree *trees,
                         const cli_tree_xs *xs, cli_tree_cols *cols)
{
    int report_rc = GB_EXIT_OK;
    char *text = NULL; /* the trees' summary, for the report */
    size_t len = 0;
    int bad = trees && !cli_tree_empty(trees) && cli_used_tree_cols(m, d, cols) != 0;
    FILE *mem =
        o->report && trees && !cli_tree_empty(trees) && !bad ? open_memstream(&text, &len) : NULL;
    if (mem && (cli_tree_print(trees, cols->chains ? cols : NULL, mem) != 0) + (fclose(mem) != 0)) {
        free(text);
        text = NULL;
    }
    char *svg = NULL, err[300]; /* the most visited trees' diagrams */
    gb_status st = text ? cli_tree_svg(trees, xs, &svg, err, sizeof err) : GB_OK;
    if (st == GB_EINTERNAL)
        fprintf(stderr, "glassbox run: internal error: Graphviz: %s, please report (the report "
                        "has no tree diagram)\n", err);
    int rc = st == GB_ENOMEM || bad ? -1 : print_summary(m, d, cfg, o, s, text, svg, &report_rc);
    free(text);
    free(svg);
    if (rc != 0) {
        fprintf(stderr, "glassbox run: error: out of memory making the summary%s\n",
                o->output ? " (the draws are in the files)" : "");
        return GB_EXIT_MODEL;
    }
    return report_rc;
}

/* Refuses, before sampling, a --vars pattern that names no column: the summary it filters is
 * printed only after the run. */
static int check_vars(const gb_model *m, const cli_opts *o)
{
    if (o->nvars == 0)
        return GB_EXIT_OK;
    size_t nm = gb_model_output_size(m);
    const char **names = malloc((GB_NSAMPLER_COLS + nm) * sizeof *names);
    if (!names)
        return cli_report(NULL, NULL, GB_ENOMEM);
    for (int k = 0; k < GB_NSAMPLER_COLS; k++)
        names[k] = gb_sampler_col_names[k];
    for (size_t k = 0; k < nm; k++)
        names[GB_NSAMPLER_COLS + k] = gb_model_output_name(m, k);
    int rc;
    free(cli_vars_mask("run", names, GB_NSAMPLER_COLS + nm, o->vars, o->nvars, &rc));
    free(names);
    return rc;
}

/* Refuses the side file OUTPUT's stem + suffix when it would overwrite an input. */
static gb_status check_side(const cli_opts *o, const gb_drawsout_meta *meta, const char *suffix,
                            cli_session *s)
{
    char *side = gb_drawsout_stem_path(o->output, suffix);
    if (!side)
        return gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    gb_status st = gb_drawsout_check_inputs("--output", o->output, side, meta, s->errs);
    free(side);
    return st;
}

/* Opens the draws' files (refusing names that would overwrite an input, the streamed
 * summaries' and the trees' files included); errors are in s->errs. */
static gb_status open_output(const gb_model *m, const cli_opts *o, const gb_run_config *cfg,
                             const unsigned char *keep, cli_session *s, gb_drawsout **w)
{
    gb_drawsout_meta meta = {o->model, o->data, o->ndata, cfg, 0};
    gb_status st = keep ? check_side(o, &meta, "_stream.csv", s) : GB_OK; /* streamed nodes */
    for (size_t k = 0; st == GB_OK && k < gb_model_kind_count(m); k++)
        if (strcmp(gb_model_kind(m, k)->name, "tree") == 0)
            st = check_side(o, &meta, "_tree.jsonl", s);
    if (st != GB_OK)
        return st;
    size_t nm = gb_model_output_size(m), nk = 0;
    const char **names = malloc((nm ? nm : 1) * sizeof *names);
    if (!names)
        return gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    for (size_t k = 0; k < nm; k++)
        if (!keep || keep[k])
            names[nk++] = gb_model_output_name(m, k);
    st = gb_drawsout_open(o->output, &meta, names, nk, w, s->errs);
    free(names);
    return st;
}

/* Compiles the model and settles what the run keeps and where it goes: --explain's table, the
 * improper-prior warnings, the kept columns and their CSV names, the draws' files (*w, with
 * --output).  Returns an exit code, the errors printed; *m, *keep and *w are the caller's to
 * free whatever the result. */
static int prepare(const cli_opts *o, cli_session *s, gb_run_config *cfg, gb_model **m,
                   unsigned char **keep, gb_drawsout **w)
{
    gb_status st = gb_model_compile(s->graph, m, s->errs);
    if (st != GB_OK)
        return cli_report(s->errs, s->srcs, st);
    gb_errlist_print(s->errs, s->srcs, stderr); /* the compiler's notes */
    int rc = check_vars(*m, o);
    if (rc != GB_EXIT_OK)
        return rc;
    if (o->explain && cli_print_samplers(*m, stdout) != GB_OK)
        return cli_report(s->errs, s->srcs,
                          gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory"));
    if ((st = report_improper(s->graph, stderr)) != GB_OK)
        return cli_report(s->errs, s->srcs, st);
    *keep = cli_keep_choose(*m, o, STREAM_ABOVE, s->errs, &st);
    if (st == GB_OK && o->output)
        st = cli_keep_check_csv_names(*m, s->errs);
    if (st != GB_OK)
        return cli_report(s->errs, s->srcs, st);
    cfg->keep = *keep;
    if (o->output && (st = open_output(*m, o, cfg, *keep, s, w)) != GB_OK)
        return cli_report(s->errs, s->srcs, st);
    return GB_EXIT_OK;
}

/* --split-rows S and --data-parallel: the model's likelihood must split (split.h); --explain
 * says how.  Returns an exit code, the error printed. */
static int setup_split(const gb_model *m, const cli_opts *o, gb_run_config *cfg, cli_session *s)
{
    if (o->split_rows < 2 && !o->data_parallel)
        return GB_EXIT_OK;
    const char *what = o->data_parallel ? "--data-parallel" : "--split-rows";
    gb_status st = gb_split_check(m, what, s->errs);
    if (st == GB_OK && o->data_parallel)
        st = cli_mpi_data_parallel((int)o->split_rows, s->errs);
    if (st != GB_OK)
        return cli_report(s->errs, s->srcs, st);
    long per = o->split_rows > 1 ? o->split_rows : 1;
    cfg->split_rows = (int)per;
    if (o->explain)
        printf("likelihood: each observation's rows split into %ld share%s (%ld thread%s per "
               "chain%s), summed in a fixed order: the draws depend on the share count only\n",
               per * cli_mpi_size(), per * cli_mpi_size() == 1 ? "" : "s", per,
               per == 1 ? "" : "s",
               o->data_parallel ? " on each MPI rank, every rank on every chain" : "");
    return GB_EXIT_OK;
}

/* When the tree sampler updates a latent, the run hands its record of each draw's forest to
 * *trees (cli_tree.h).  Returns an exit code, the error printed. */
static int listen_to_trees(const gb_model *m, gb_run_config *cfg, cli_tree **trees,
                           cli_session *s)
{
    for (size_t k = 0; k < gb_model_kind_count(m); k++)
        if (strcmp(gb_model_kind(m, k)->name, "tree") == 0) {
            if (!(*trees = cli_tree_new(cfg->chains)))
                return cli_report(s->errs, s->srcs,
                                  gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory"));
            cfg->record = cli_tree_record;
            cfg->record_ctx = *trees;
            return GB_EXIT_OK;
        }
    return GB_EXIT_OK;
}

/* The trees' file (with --output) and summary, leaves and depth from cols (summarise_run's,
 * chains NULL without draws to summarise); 0, or -1 after a message. */
static int finish_trees(const cli_tree *trees, const cli_tree_cols *cols, const char *output)
{
    int rc = !cli_tree_empty(trees) && output ? cli_tree_write(trees, output) : 0;
    if (cli_tree_print(trees, cols->chains ? cols : NULL, stdout) != 0) {
        fprintf(stderr, "glassbox run: error: out of memory summarising the trees\n");
        rc = -1;
    }
    return rc;
}

/* The closing line on stderr: chains, draws (counted per chain when a chain stopped early),
 * seconds, and the first and last draws file when there are files (first is not NULL). */
static void print_done(const gb_draws *d, const gb_run_config *cfg, const char *first,
                       const char *last, double seconds)
{
    if (all_complete(d)) {
        fprintf(stderr, "%d chain%s x %d draws", cfg->chains, cfg->chains == 1 ? "" : "s",
                cfg->draws);
    } else {
        fprintf(stderr, "%d chain%s with ", cfg->chains, cfg->chains == 1 ? "" : "s");
        print_counts(d, stderr);
        fprintf(stderr, " draws (of %d)", cfg->draws);
    }
    fprintf(stderr, " in %.2f s", seconds);
    if (first)
        fprintf(stderr, "; draws in %s%s%s", first, cfg->chains > 1 ? " ... " : "",
                cfg->chains > 1 ? last : "");
    fputc('\n', stderr);
}

/* Joins the MPI job when mpirun started this process; the ranks other than 0 write no files and
 * print nothing (rank 0 writes and summarises every chain).  Returns an exit code. */
static int join_ranks(cli_opts *o)
{
    gb_errlist *errs = gb_errlist_new();
    if (!errs)
        return cli_report(NULL, NULL, GB_ENOMEM);
    gb_status st = cli_mpi_begin(errs);
    int rc = st == GB_OK ? GB_EXIT_OK : cli_report(errs, NULL, st);
    gb_errlist_free(errs);
    if (cli_mpi_rank() > 0) {
        o->output = NULL;
        o->report = NULL;
        o->explain = 0;
        o->quiet = 1;
    }
    return rc;
}

/* What the ranks cannot share yet: streamed summaries and the trees' records live in one
 * process's memory.  Returns an exit code, the error printed. */
static int refuse_on_ranks(const gb_model *m, const unsigned char *keep, cli_session *s)
{
    if (cli_mpi_size() < 2)
        return GB_EXIT_OK;
    const char *why = NULL;
    if (keep)
        why = "some nodes are summarised while sampling instead of kept";
    for (size_t k = 0; k < gb_model_kind_count(m); k++)
        if (strcmp(gb_model_kind(m, k)->name, "tree") == 0)
            why = "the tree sampler's records stay in each rank";
    if (!why)
        return GB_EXIT_OK;
    gb_error(s->errs, GB_EUSAGE, (gb_loc){0}, "cannot spread these chains over MPI ranks: %s",
             why);
    gb_error_hint(s->errs, "run it without mpirun%s", keep ? ", or --keep every large node" : "");
    return cli_report(s->errs, s->srcs, GB_EUSAGE);
}

/* A long function: the run's one sequence of steps (load, plan, sample, write, summarise), each
 * with its exit path to the one cleanup at `out`; split, the cleanup would be scattered. */
int cli_run(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, 2, "run",
                       "data,output,chains,warmup,draws,seed,threads,metric,adapt,adapt-delta,"
                       "max-depth,keep,memory,explain,verbose,quiet,vars,hist,report,pairs,prior,"
                       "split-rows,data-parallel",
                       &o);
    if (o.help)
        help();
    if (rc || o.help || o.prior) /* --prior: ancestral simulation, no MCMC (cli_prior.c) */
        return rc || o.help ? rc : cli_run_prior(&o);
    double t0 = now();
    if ((rc = join_ranks(&o)) != GB_EXIT_OK)
        return cli_mpi_end(rc);
    int agreed = 0; /* every rank calls cli_mpi_agree once, also on a way out */
    signal_count = 0;
    install_handlers(); /* first: a background job may start with SIGINT ignored */
    cli_session s;
    rc = cli_load(&o, &s, 0);
    gb_model *m = NULL;
    gb_draws *d = NULL;
    gb_drawsout *w = NULL;
    unsigned char *keep = NULL;
    cli_tree *trees = NULL;
    gb_status st = GB_OK;
    cli_tree_xs xs = {0}; /* the trees' inputs: their names label the rules */
    cli_tree_cols cols = {0}; /* the draws the trees' summary reads (summarise_run) */
    if (rc != GB_EXIT_OK)
        goto out;
    long par = o.threads ? o.threads : default_threads((int)o.chains);
    rc = cli_check_memory(&o, &s, o.chains, par < o.chains ? par : o.chains, o.draws, o.explain);
    if (rc != GB_EXIT_OK)
        goto out;
    progress_bar bar = progress_new(&o);
    gb_run_config cfg = {
        .chains = (int)o.chains, .warmup = (int)o.warmup, .draws = (int)o.draws,
        .threads = o.threads ? (int)o.threads : default_threads((int)o.chains),
        .max_depth = (int)o.max_depth, .seed = o.seed, .adapt_delta = o.adapt_delta,
        .dense_metric = strcmp(o.metric, "dense") == 0,
        .adapt_fisher = strcmp(o.adapt, "fisher") == 0, .init_radius = 2,
        .monitor = monitor, .monitor_ctx = &bar};
    rc = prepare(&o, &s, &cfg, &m, &keep, &w);
    if (rc != GB_EXIT_OK)
        goto out;
    if ((rc = setup_split(m, &o, &cfg, &s)) != GB_EXIT_OK ||
        (!o.data_parallel && (rc = refuse_on_ranks(m, keep, &s)) != GB_EXIT_OK))
        goto out;
    if ((rc = listen_to_trees(m, &cfg, &trees, &s)) != GB_EXIT_OK)
        goto out;
    if (trees && (st = cli_tree_xs_find(&o, &s, m, &xs)) != GB_OK) {
        rc = cli_report(s.errs, s.srcs, st);
        goto out;
    }
    for (size_t i = 0; i < xs.n; i++)
        cli_tree_set_names(trees, xs.items[i].node, xs.items[i].names, xs.items[i].cols);
    if (signal_count) {
        fprintf(stderr, "glassbox run: interrupted before sampling began\n");
        rc = interrupted_exit();
        goto out;
    }
    agreed = 1;
    if (!cli_mpi_agree(1)) {
        fprintf(stderr, "glassbox run: error: another MPI rank failed before sampling (run the "
                        "same command without mpirun to see why)\n");
        rc = GB_EXIT_MODEL;
        goto out;
    }
    st = cli_mpi_run(m, &cfg, w, &d, s.errs);
    if (cli_mpi_rank() > 0) /* rank 0 has this rank's draws and speaks for the job */
        goto out;
    sig_atomic_t seen = signal_count; /* every signal up to here asked for this one stop */
    if (bar.shown)
        fputs("\r\033[K", stderr);
    int interrupted = seen != 0 || st == GB_EINTERRUPT;
    int write_failed = st == GB_EIO && w; /* the sink failed: its files say why */
    int failed = st != GB_OK && st != GB_EINTERRUPT && !write_failed;
    char first[512] = "", last[512] = "";
    if (w) {
        snprintf(first, sizeof first, "%s", gb_drawsout_path(w, 0));
        snprintf(last, sizeof last, "%s", gb_drawsout_path(w, cfg.chains - 1));
    }
    gb_drawsout_end end = {d ? d->warmup_seconds : NULL, d ? d->sample_seconds : NULL,
                           d ? d->warmup_grads : NULL, d ? d->sample_grads : NULL,
                           interrupted || write_failed};
    gb_status cst = gb_drawsout_close(w, failed ? NULL : &end, s.errs);
    w = NULL;
    if (failed || cst != GB_OK) {
        rc = cli_report(s.errs, s.srcs, failed ? st : cst);
        if (failed)
            goto out;
    }
    int streamed_ok = 1;
    if (d && d->nstream > 0 && o.output && write_streamed(m, d, o.output) != 0) {
        rc = GB_EXIT_MODEL;
        streamed_ok = 0;
    }
    if (signal_count == seen)
        default_handlers();
    if (signal_count > seen) {
        fprintf(stderr, "glassbox run: interrupted again: summary skipped%s\n",
                o.output ? "; the draws made are in the files" : "");
        rc = interrupted_exit();
        goto out;
    }
    if (interrupted && d && !all_empty(d)) { /* else print_summary says "during warmup" */
        fprintf(stderr, "glassbox run: interrupted; the chains made ");
        print_counts(d, stderr);
        fprintf(stderr, " draws%s\n", o.output && cst == GB_OK ? ", all written" : "");
    }
    int src = d ? summarise_run(m, d, &cfg, &o, &s, trees, &xs, &cols) : GB_EXIT_OK;
    rc = rc == GB_EXIT_OK ? src : rc;
    if (d && d->nstream > 0)
        print_streamed(m, d, stdout, NULL, o.output && streamed_ok);
    if (finish_trees(trees, &cols, o.output) != 0)
        rc = GB_EXIT_MODEL;
    if (!o.quiet && d)
        print_done(d, &cfg, o.output ? first : NULL, last, now() - t0);
    if (interrupted)
        rc = interrupted_exit();
out:
    if (!agreed)
        cli_mpi_agree(0);
    free(keep);
    cli_tree_free(trees);
    free((void *)cols.chains);
    cli_tree_xs_free(&xs);
    gb_drawsout_close(w, NULL, s.errs);
    gb_draws_free(d);
    gb_model_free(m);
    cli_session_free(&s);
    return cli_mpi_end(cli_finish_output(stdout, "run", rc));
}
