/* cli_prior.h - run --prior's two ways (cli_prior.c: exact ancestral draws; cli_prior_mcmc.c:
 * MCMC on the prior-only model where a parameter cannot be drawn exactly). */
#ifndef GB_RUNTIME_CLI_CLI_PRIOR_H
#define GB_RUNTIME_CLI_CLI_PRIOR_H

#include <gsl/gsl_rng.h>

#include "cli.h"
#include "drawsout.h"
#include "simulate.h"

/* How many parameters of m cannot be drawn exactly although their prior is proper (they need
 * MCMC); -1 when out of memory. */
long cli_prior_mcmc_count(const gb_model *m);
/* The prior draws with MCMC where needed (see cli_prior_mcmc.c): writes o's output, prints
 * which way each parameter was drawn and the summary; errors printed; an exit code. */
int cli_prior_mcmc(const cli_opts *o, cli_session *s);
/* Prints run's summary of the prior draws rows (chains x draws x columns of m). */
int cli_prior_summarise(const gb_model *m, const cli_opts *o, const double *rows);

/* Where both ways put their draws: rows (o's chains x draws x ncols, run's layout; the caller
 * frees it) and o's output files when o->output is set (w, closed by the caller). */
typedef struct cli_prior_out {
    double *rows;
    gb_drawsout *w;
    size_t ncols;
} cli_prior_out;
/* Allocates out->rows within the memory budget and opens o's output, its header from cfg
 * (fixed: the fixed_param algorithm); on failure the error is in errs and what was made is in
 * out, for the caller to free. */
gb_status cli_prior_open(const gb_model *m, const cli_opts *o, const gb_run_config *cfg, int fixed,
                         cli_prior_out *out, gb_errlist *errs);
/* Draw k of chain c: the parameters sim targets drawn into ws given the values of src (a row
 * of an MCMC run, its sampler columns kept), or given nothing (src NULL: sampler columns 0);
 * the row stored in out->rows and written to out->w.  GB_ENUMERIC sets *bad to the node that
 * could not be drawn (cli_prior_undrawable says so); GB_EIO when the write failed. */
gb_status cli_prior_draw(const gb_model *m, const gb_simulate *sim, gb_model_ws *ws, gsl_rng *r,
                         const cli_opts *o, int c, size_t k, const double *src, cli_prior_out *out,
                         size_t *bad);
/* The located error for node `bad` of g, which could not be drawn. */
void cli_prior_undrawable(gb_errlist *errs, const gb_graph *g, size_t bad);

#endif
