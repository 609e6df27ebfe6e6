/* cli.h - the command-line tool: argument parsing shared by the subcommands, loading a model
 * and its data, and turning error lists into text and exit codes.  Only runtime/cli/ prints. */
#ifndef GB_RUNTIME_CLI_CLI_H
#define GB_RUNTIME_CLI_CLI_H

#include <stdio.h>

#include "data.h"
#include "graph.h"
#include "model.h"
#include "source.h"

#include "version.h"

enum { GB_EXIT_OK = 0, GB_EXIT_MODEL = 1, GB_EXIT_USAGE = 2 };

#define CLI_MAX_DATA 64
/* Warmup iterations by default: with the Fisher-divergence warmup (--adapt fisher), 400 give
 * a bulk ESS per sampling gradient no worse than Stan's windows with 1000 on the bench models
 * (tests/bench/run_warmup.sh; numbers in the commit that set it). */
#define CLI_DEFAULT_WARMUP 400

typedef struct cli_opts {
    const char *model;
    const char *data[CLI_MAX_DATA];
    int ndata;
    const char *format;
    const char *output;
    int verbose, quiet, help, explain;
    /* run */
    long chains, warmup, draws, threads, max_depth;
    long split_rows;   /* --split-rows S: each chain's likelihood in S shares on S threads */
    int data_parallel; /* --data-parallel: the likelihood's rows split over the MPI ranks */
    unsigned long seed;
    double adapt_delta;
    const char *metric;
    const char *adapt; /* "fisher" or "windowed" (--adapt) */
    const char *keep[CLI_MAX_DATA]; /* --keep PATTERN: nodes whose every draw is kept */
    int nkeep;
    size_t memory; /* --memory SIZE in bytes (cli_parse sets the budget); 0: the default */
    const char *vars[CLI_MAX_DATA]; /* --vars PATTERN: the summary's rows */
    int nvars;
    int hist; /* --hist: a text histogram per row of the summary */
    const char *report;              /* run --report FILE: the HTML report */
    const char *pairs[CLI_MAX_DATA]; /* report --pairs A,B: two columns plotted together */
    int npairs;
    /* loo, predict: --draws FILE... (when the command allows "draws-files"), --loglik FILE */
    const char *draws_files[CLI_MAX_DATA];
    int ndraws_files;
    const char *loglik;
    const char *newdata; /* predict --new FILE */
    int prior;           /* run --prior */
} cli_opts;

/* Everything a subcommand works on; cli_session_free releases it. */
typedef struct cli_session {
    gb_sources *srcs;
    gb_errlist *errs;
    gb_data *data;
    gb_graph *graph;
} cli_session;

/* Parses argv[first..] into o; `allowed` lists the flags this command takes ("data,format").
 * Prints a usage message and returns GB_EXIT_USAGE on a bad flag, else 0. */
int cli_parse(int argc, char **argv, int first, const char *cmd, const char *allowed,
              cli_opts *o);
/* Loads data files and lowers the model; prints errors; returns an exit code. */
int cli_load(const cli_opts *o, cli_session *s, int need_data);
void cli_session_free(cli_session *s);
/* Lowers the model again with s->data as it is now (after a caller changed values in it),
 * replacing s->graph (which the caller's compiled models must no longer use); prints errors and
 * returns an exit code. */
int cli_relower(const cli_opts *o, cli_session *s);
/* Lowers the model again with other data (predict's), its sources and errors in s's registry
 * and list; a new graph in *out on success. */
gb_status cli_lower(cli_session *s, const char *model, const gb_data *data, gb_graph **out);
/* Refuses, before anything large is allocated, a model whose run (chains in all, parallel at
 * once, draws stored per chain) would not fit in the memory budget; prints the error and
 * returns an exit code.  With explain, prints the estimate on stdout. */
int cli_check_memory(const cli_opts *o, const cli_session *s, long chains, long parallel,
                     long draws, int explain);
int cli_exit_code(gb_status st);
/* Flushes out (stdout); when that or an earlier write failed, says so on stderr and returns
 * the model/IO exit code instead of rc (cmd names the subcommand in the message, or is ""). */
int cli_finish_output(FILE *out, const char *cmd, int rc);
/* Prints the error list to stderr and returns the exit code of the worse of its status and st.
 * A failure st that left nothing in the list is still reported: as "out of memory" for
 * GB_ENOMEM, as an internal error otherwise.  errs and srcs may be NULL. */
int cli_report(const gb_errlist *errs, const gb_sources *srcs, gb_status st);
/* Which sampler updates each latent node, and why (inspect, run --explain).  GB_ENOMEM when a
 * kind's detail line could not be made (nothing reported: the caller says so). */
gb_status cli_print_samplers(const gb_model *m, FILE *out);

/* Which model columns keep their draws (cli_keep.c): parameters and deterministic nodes of up
 * to stream_above elements always, larger ones when a --keep pattern names them.  Returns NULL
 * with *st = GB_OK when every column is kept; NULL with an error (GB_EUSAGE: a pattern matched
 * nothing, the closest names in the hint) in errs otherwise; else a new array the caller frees. */
unsigned char *cli_keep_choose(const gb_model *m, const cli_opts *o, size_t stream_above,
                               gb_errlist *errs, gb_status *st);
/* Refuses (GB_ESEMANTIC, at the node) two nodes, or a node and a sampler column, whose names in
 * the draws CSV would be equal (colname.h). */
gb_status cli_keep_check_csv_names(const gb_model *m, gb_errlist *errs);

/* The summary rows --vars PATTERN... selects among columns `names` (NULL for no patterns, or
 * on an error, which is printed, with *rc its exit code). */
unsigned char *cli_vars_mask(const char *cmd, const char *const *names, size_t ncols,
                             const char *const *pats, int npats, int *rc);
/* Colour on `out`: only a terminal, and not when NO_COLOR is set or TERM is dumb. */
int cli_colour(FILE *out);
/* The histogram --hist asks for: block characters where the locale is UTF-8, else ASCII. */
int cli_hist_kind(int wanted);

struct gb_stancsv;
/* The columns' names to show for a draws file: glassbox's names back for renamed component
 * columns (fit_beta.1 -> fit.beta.1).  NULL when out of memory; else free each and the array. */
char **cli_shown_names(const struct gb_stancsv *f);
/* The NUTS depth limit a draws file's header records ("max_depth = 10"), else CmdStan's 10. */
int cli_header_max_depth(const struct gb_stancsv *f);
/* Saved draws as a command reads them (cli_draws.c): chain i's ndraws rows of ncols values
 * after its warmup rows at chains[i], and the columns' glassbox names. */
typedef struct cli_draws {
    struct gb_stancsv *files[CLI_MAX_DATA];
    const double *chains[CLI_MAX_DATA];
    int n;
    size_t ndraws, ncols;
    char **names;
} cli_draws;
/* Reads o's --draws files (all of one run); prints errors and returns an exit code.  Free d
 * with cli_draws_free whatever the result. */
int cli_draws_load(const char *cmd, const cli_opts *o, cli_session *s, cli_draws *d);
void cli_draws_free(cli_draws *d);

/* Writes the HTML report of draws (report.h) to path, whole or not at all: the model's source,
 * its graph, its sampler plan (m, when not NULL), the plots and the posterior predictive checks
 * (ppc, when not NULL), and the tree components' rules (trees: cli_tree_print's text, or NULL)
 * with their most visited trees' diagrams (trees_svg: inline SVG, or NULL).  Prints errors; returns an
 * exit code. */
struct cli_ppc;
int cli_write_report(const char *path, const cli_session *s, const char *model,
                     const gb_model *m, const char *const *names, size_t ncols,
                     const double *const *chains, size_t nchains, size_t ndraws, int max_depth,
                     const char *const *pairs, size_t npairs, const struct cli_ppc *ppc,
                     const char *trees, const char *trees_svg);

int cli_check(int argc, char **argv);
int cli_graph(int argc, char **argv);
int cli_inspect(int argc, char **argv);
int cli_parse_cmd(int argc, char **argv);
int cli_compare(int argc, char **argv);
int cli_optimize(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_reference(int argc, char **argv);
int cli_summary(int argc, char **argv);
int cli_report_cmd(int argc, char **argv);
int cli_loo(int argc, char **argv);
int cli_predict(int argc, char **argv);
int cli_tree_cmd(int argc, char **argv);
/* run --prior (cli_prior.c): prior draws by ancestral simulation; an exit code, errors printed. */
int cli_run_prior(const cli_opts *o);

#endif
