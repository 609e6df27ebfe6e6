/* cli_prior.h - run --prior's two ways (cli_prior.c: exact ancestral draws; cli_prior_mcmc.c:
 * MCMC on the prior-only model where a parameter cannot be drawn exactly). */
#ifndef GB_RUNTIME_CLI_CLI_PRIOR_H
#define GB_RUNTIME_CLI_CLI_PRIOR_H

#include "cli.h"

/* How many parameters of m cannot be drawn exactly although their prior is proper (they need
 * MCMC); -1 when out of memory. */
long cli_prior_mcmc_count(const gb_model *m);
/* The prior draws with MCMC where needed (see cli_prior_mcmc.c): writes o's output, prints
 * which way each parameter was drawn and the summary; errors printed; an exit code. */
int cli_prior_mcmc(const cli_opts *o, cli_session *s);
/* Prints run's summary of the prior draws rows (chains x draws x columns of m). */
int cli_prior_summarise(const gb_model *m, const cli_opts *o, const double *rows);

#endif
