/* cli_prior.c - `glassbox run --prior`: draws from the prior by ancestral simulation, exact and
 * without MCMC, where every parameter can be drawn so (else cli_prior_mcmc.c).  With the likelihood terms dropped every parameter's distribution depends only
 * on data, constants and parameters before it, so each chain visits the nodes in value order
 * and draws every parameter from its distribution's rng (model/simulate.h; declared bounds by
 * rejection), recomputing the deterministic nodes.  The draws have run's CSV layout; the
 * sampler columns (lp__, accept_stat__, ...) are 0, since nothing is evaluated or accepted, and
 * the header says algorithm = fixed_param.  A parameter whose type constrains its distribution
 * to a set it does not live on goes to cli_prior_mcmc.c; an improper prior is refused, naming
 * it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_prior.h"
#include "drawsout.h"
#include "loglik.h"
#include "rng.h"
#include "run.h"
#include "simulate.h"
#include "size.h"
#include "summary.h"

gb_status cli_prior_open(const gb_model *m, const cli_opts *o, const gb_run_config *cfg, int fixed,
                         cli_prior_out *out, gb_errlist *errs)
{
    size_t nm = gb_model_output_size(m), cells = 0;
    *out = (cli_prior_out){.ncols = GB_NSAMPLER_COLS + nm};
    if (gb_size_mul((size_t)o->chains * (size_t)o->draws, out->ncols, &cells) != 0 ||
        gb_size_fits_budget(cells, sizeof(double)) != 0 ||
        !(out->rows = malloc((cells ? cells : 1) * sizeof *out->rows)))
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory for the prior draws");
    if (!o->output)
        return GB_OK;
    const char **names = malloc((nm ? nm : 1) * sizeof *names);
    gb_drawsout_meta meta = {o->model, o->data, o->ndata, cfg, fixed};
    for (size_t k = 0; names && k < nm; k++)
        names[k] = gb_model_output_name(m, k);
    gb_status st = names ? gb_drawsout_open(o->output, &meta, names, nm, &out->w, errs)
                         : gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    free(names);
    return st;
}

gb_status cli_prior_draw(const gb_model *m, const gb_simulate *sim, gb_model_ws *ws, gsl_rng *r,
                         const cli_opts *o, int c, size_t k, const double *src, cli_prior_out *out,
                         size_t *bad)
{
    double *row = out->rows + ((size_t)c * (size_t)o->draws + k) * out->ncols;
    if (src) {
        memcpy(row, src, out->ncols * sizeof *row);
        gb_loglik_set_values(m, ws, src + GB_NSAMPLER_COLS);
    } else {
        memset(row, 0, GB_NSAMPLER_COLS * sizeof *row);
    }
    gb_status st = gb_simulate_draw(sim, ws, r, bad);
    if (st == GB_OK)
        gb_simulate_values(m, ws, row + GB_NSAMPLER_COLS);
    if (st == GB_OK && out->w && gb_drawsout_row(out->w, c, row) != 0)
        st = GB_EIO;
    return st;
}

void cli_prior_undrawable(gb_errlist *errs, const gb_graph *g, size_t bad)
{
    gb_error(errs, GB_ENUMERIC, gb_graph_node(g, bad)->loc,
             "'%s' could not be drawn: its distribution's arguments are invalid, or no value "
             "within its bounds was found in %d tries",
             gb_graph_node(g, bad)->name, GB_SIMULATE_MAX_TRIES);
}

/* Draws chain c into out (sampler columns 0). */
static gb_status draw_chain(const gb_model *m, const gb_simulate *sim, const cli_opts *o, int c,
                            cli_prior_out *out, size_t *bad)
{
    gb_model_ws *ws = gb_model_ws_new(m);
    gsl_rng *r = gb_rng_new(o->seed, (unsigned)c);
    gb_status st = ws && r ? GB_OK : GB_ENOMEM;
    for (long k = 0; st == GB_OK && k < o->draws; k++)
        st = cli_prior_draw(m, sim, ws, r, o, c, (size_t)k, NULL, out, bad);
    gb_rng_free(r);
    gb_model_ws_free(ws);
    return st;
}

int cli_prior_summarise(const gb_model *m, const cli_opts *o, const double *rows)
{
    size_t nm = gb_model_output_size(m), ncols = GB_NSAMPLER_COLS + nm;
    const char **names = malloc(ncols * sizeof *names);
    const double **chains = malloc((size_t)o->chains * sizeof *chains);
    int rc = GB_EXIT_MODEL;
    if (names && chains) {
        for (int k = 0; k < GB_NSAMPLER_COLS; k++)
            names[k] = gb_sampler_col_names[k];
        for (size_t k = 0; k < nm; k++)
            names[GB_NSAMPLER_COLS + k] = gb_model_output_name(m, k);
        for (long c = 0; c < o->chains; c++)
            chains[c] = rows + (size_t)c * (size_t)o->draws * ncols;
        gb_status st = gb_summary_print(stdout, names, ncols, chains, (size_t)o->chains,
                                        (size_t)o->draws, (int)o->max_depth, 1);
        rc = st == GB_OK || st == GB_EUSAGE ? GB_EXIT_OK : GB_EXIT_MODEL;
    }
    if (rc != GB_EXIT_OK)
        fprintf(stderr, "glassbox run: error: out of memory making the summary%s\n",
                o->output ? " (the draws are in the files)" : "");
    free(names);
    free(chains);
    return rc;
}

static int prior(const cli_opts *o, cli_session *s)
{
    gb_model *m = NULL;
    gb_simulate *sim = NULL;
    cli_prior_out out = {0};
    size_t nn = gb_graph_node_count(s->graph);
    unsigned char *target = calloc(nn ? nn : 1, 1);
    gb_status st = target ? gb_model_compile(s->graph, &m, s->errs) : GB_ENOMEM;
    long mcmc = st == GB_OK ? cli_prior_mcmc_count(m) : 0;
    if (mcmc != 0) { /* a parameter cannot be drawn exactly (or out of memory): MCMC for it */
        gb_model_free(m);
        free(target);
        return mcmc < 0 ? cli_report(s->errs, s->srcs, GB_ENOMEM) : cli_prior_mcmc(o, s);
    }
    for (size_t i = 0; st == GB_OK && i < nn; i++)
        target[i] = (unsigned char)gb_node_is_parameter(gb_graph_node(s->graph, i));
    if (st == GB_OK)
        st = gb_simulate_new(m, target, &sim, s->errs);
    if (st == GB_ESEMANTIC)
        gb_error_hint(s->errs, "an improper prior has no draws: give the parameter a proper "
                               "distribution to draw from its prior");
    gb_run_config cfg = {.chains = (int)o->chains,
                         .warmup = 0,
                         .draws = (int)o->draws,
                         .threads = 1,
                         .max_depth = (int)o->max_depth,
                         .seed = o->seed};
    if (st == GB_OK)
        st = cli_prior_open(m, o, &cfg, 1, &out, s->errs);
    size_t bad = 0;
    for (long c = 0; st == GB_OK && c < o->chains; c++)
        if ((st = draw_chain(m, sim, o, (int)c, &out, &bad)) == GB_ENUMERIC)
            cli_prior_undrawable(s->errs, s->graph, bad);
    gb_drawsout_end end = {.interrupted = 0}; /* no timing, no gradients */
    gb_status cst = gb_drawsout_close(out.w, st == GB_OK ? &end : NULL, s->errs);
    int rc = cli_report(s->errs, s->srcs, st != GB_OK ? st : cst);
    if (rc == GB_EXIT_OK) /* as run prints its summary, --quiet or not */
        rc = cli_prior_summarise(m, o, out.rows);
    free(out.rows);
    gb_simulate_free(sim);
    gb_model_free(m);
    free(target);
    return rc;
}

int cli_run_prior(const cli_opts *o)
{
    cli_session s;
    int rc = cli_load(o, &s, 0);
    if (rc == GB_EXIT_OK)
        rc = cli_check_memory(o, &s, o->chains, 1, o->draws, o->explain);
    if (rc == GB_EXIT_OK)
        rc = prior(o, &s);
    cli_session_free(&s);
    return cli_finish_output(stdout, "run", rc);
}
