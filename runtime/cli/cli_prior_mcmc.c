/* cli_prior_mcmc.c - `run --prior` where ancestral simulation cannot draw every parameter
 * exactly: a parameter whose declared type constrains a distribution that does not live there
 * (`c: ordered[3] ~ normal(0, 1)`: the prior is the normal restricted to ordered vectors, which
 * no rng draws).  Those parameters, and every parameter their priors depend on, are sampled by
 * MCMC (run's samplers, run's settings) on the prior-only model: the graph lowered again with
 * every observed node turned into plain data and cut from its parents, so no likelihood term is
 * left.  The other parameters are then drawn exactly at every MCMC draw, given the sampled ones
 * (simulate.h), so they are independent draws from their priors.  Which way each parameter was
 * drawn is printed before the summary.  An improper prior (no rng: flat) stays refused by
 * cli_prior.c: MCMC on it has no distribution to converge to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_prior.h"
#include "drawsout.h"
#include "rng.h"
#include "run.h"
#include "simulate.h"

/* Whether parameter i of m cannot be drawn exactly but has a proper prior (every definition's
 * distribution has an rng): 1, 0, or -1 when out of memory. */
static int needs_mcmc(const gb_model *m, size_t i)
{
    const gb_graph *g = gb_model_graph(m);
    const gb_node *n = gb_graph_node(g, i);
    for (size_t k = 0; k < n->ndefs; k++)
        if (!n->defs[k].dist || !n->defs[k].dist->rng)
            return 0;
    unsigned char *one = calloc(gb_graph_node_count(g), 1);
    gb_simulate *sim = NULL;
    int bad = -1;
    if (one) { /* no error list: only the status is wanted, and nothing is allocated for it */
        one[i] = 1;
        gb_status st = gb_simulate_new(m, one, &sim, NULL);
        bad = st == GB_ESEMANTIC ? 1 : st == GB_OK ? 0 : -1;
    }
    gb_simulate_free(sim);
    free(one);
    return bad;
}

/* mark[i] = 1 for the parameters MCMC samples: those needing it and their ancestors through any
 * node.  Returns how many need it (0: every parameter can be drawn exactly), or -1 (ENOMEM). */
static long plan(const gb_model *m, unsigned char *mark)
{
    const gb_graph *g = gb_model_graph(m);
    size_t nn = gb_graph_node_count(g), top = 0;
    size_t *stack = malloc((nn ? nn : 1) * sizeof *stack);
    unsigned char *seen = calloc(nn ? nn : 1, 1);
    long need = 0;
    if (!stack || !seen) {
        free(stack);
        free(seen);
        return -1;
    }
    for (size_t i = 0; i < nn && need >= 0; i++) {
        int why = gb_node_is_parameter(gb_graph_node(g, i)) ? needs_mcmc(m, i) : 0;
        if (why < 0)
            need = -1;
        if (why > 0) {
            need++;
            seen[i] = 1;
            stack[top++] = i;
        }
    }
    while (need > 0 && top > 0) { /* every node is pushed once: the stack holds at most nn */
        const gb_node *n = gb_graph_node(g, stack[--top]);
        for (size_t p = 0; p < n->nparents; p++)
            if (!seen[n->parents[p]]) {
                seen[n->parents[p]] = 1;
                stack[top++] = n->parents[p];
            }
    }
    for (size_t i = 0; i < nn; i++)
        mark[i] = need > 0 && seen[i] && gb_node_is_parameter(gb_graph_node(g, i));
    free(stack);
    free(seen);
    return need;
}

long cli_prior_mcmc_count(const gb_model *m)
{
    size_t nn = gb_graph_node_count(gb_model_graph(m));
    unsigned char *mark = calloc(nn ? nn : 1, 1);
    long need = mark ? plan(m, mark) : -1;
    free(mark);
    return need;
}

/* Turns every observed node of g into data with no definition and no parents: the prior-only
 * graph. */
static void drop_likelihood(gb_graph *g)
{
    for (size_t i = 0; i < gb_graph_node_count(g); i++) {
        gb_node *n = gb_graph_node(g, i);
        if (!gb_node_is_observed(n))
            continue;
        for (size_t p = 0; p < n->nparents; p++) {
            gb_node *q = gb_graph_node(g, n->parents[p]);
            size_t o = 0;
            for (size_t c = 0; c < q->nchildren; c++)
                if (q->children[c] != i)
                    q->children[o++] = q->children[c];
            q->nchildren = o;
        }
        n->kind = GB_NODE_DATA;
        n->observed = 0;
        n->ndefs = 0;
        n->nparents = 0;
    }
}

static void print_plan(const gb_model *m, const unsigned char *mark)
{
    const gb_graph *g = gb_model_graph(m);
    for (int pass = 0; pass < 2; pass++) {
        int any = 0;
        printf("%s", pass ? "prior: exact ancestral draws at every MCMC draw:"
                          : "prior: sampled by MCMC on the prior-only model (likelihood dropped):");
        for (size_t i = 0; i < gb_graph_node_count(g); i++)
            if (gb_node_is_parameter(gb_graph_node(g, i)) && mark[i] == !pass) {
                printf(" %s", gb_graph_node(g, i)->name);
                any = 1;
            }
        printf("%s\n", any ? "" : " (none)");
    }
}

/* The MCMC draws d of m with the unmarked parameters redrawn exactly (sim) into out.  *bad: the
 * node that could not be drawn. */
static gb_status redraw(const gb_model *m, const gb_simulate *sim, const gb_draws *d,
                        const cli_opts *o, cli_prior_out *out, size_t *bad)
{
    gb_model_ws *ws = gb_model_ws_new(m);
    gb_status st = ws ? GB_OK : GB_ENOMEM;
    for (int c = 0; st == GB_OK && c < d->nchains; c++) {
        gsl_rng *r = gb_rng_new(o->seed, (unsigned)(c + d->nchains)); /* not a chain's stream */
        st = r ? GB_OK : GB_ENOMEM;
        for (size_t k = 0; st == GB_OK && k < (size_t)o->draws; k++)
            st = cli_prior_draw(m, sim, ws, r, o, c, k,
                                d->rows + ((size_t)c * d->ndraws + k) * d->ncols, out, bad);
        gb_rng_free(r);
    }
    gb_model_ws_free(ws);
    return st;
}

/* The run's draws of m, by MCMC for the parameters marked and exactly for the rest, into a new
 * *rows (chains x draws x columns) and o's output files. */
static gb_status sample(const cli_opts *o, cli_session *s, const gb_model *m,
                        const unsigned char *mark, double **rows)
{
    size_t nn = gb_graph_node_count(gb_model_graph(m)), bad = 0;
    size_t ncols = GB_NSAMPLER_COLS + gb_model_output_size(m);
    unsigned char *target = calloc(nn ? nn : 1, 1);
    gb_simulate *sim = NULL;
    gb_draws *d = NULL;
    cli_prior_out out = {0};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    gb_run_config cfg = {.chains = (int)o->chains,
                         .warmup = (int)o->warmup,
                         .draws = (int)o->draws,
                         .threads = (int)(o->chains < cores ? o->chains : cores < 1 ? 1 : cores),
                         .max_depth = (int)o->max_depth,
                         .seed = o->seed,
                         .adapt_delta = o->adapt_delta,
                         .adapt_fisher = strcmp(o->adapt, "fisher") == 0,
                         .init_radius = 2};
    gb_status st = target ? GB_OK : GB_ENOMEM;
    for (size_t i = 0; st == GB_OK && i < nn; i++)
        target[i] = gb_node_is_parameter(gb_graph_node(gb_model_graph(m), i)) && !mark[i];
    if (st == GB_OK)
        st = gb_simulate_new(m, target, &sim, s->errs);
    if (st == GB_OK)
        st = gb_run(m, &cfg, NULL, NULL, &d, s->errs);
    if (st == GB_OK && (d->ncols != ncols || d->interrupted))
        st = gb_error(s->errs, GB_EINTERNAL, (gb_loc){0},
                      "internal error, please report: cli_prior_mcmc: the draws lack columns");
    if (st == GB_OK)
        st = cli_prior_open(m, o, &cfg, 0, &out, s->errs);
    *rows = out.rows;
    if (st == GB_OK && (st = redraw(m, sim, d, o, &out, &bad)) == GB_ENUMERIC)
        cli_prior_undrawable(s->errs, gb_model_graph(m), bad);
    gb_drawsout_end end = {d ? d->warmup_seconds : NULL, d ? d->sample_seconds : NULL,
                           d ? d->warmup_grads : NULL, d ? d->sample_grads : NULL, 0};
    gb_status cst = gb_drawsout_close(out.w, st == GB_OK ? &end : NULL, s->errs);
    if (st == GB_ENOMEM && !gb_errlist_count(s->errs))
        gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    gb_draws_free(d);
    gb_simulate_free(sim);
    free(target);
    return st != GB_OK ? st : cst;
}

int cli_prior_mcmc(const cli_opts *o, cli_session *s)
{
    gb_graph *g = NULL;
    gb_model *m = NULL;
    double *rows = NULL;
    unsigned char *mark = NULL;
    gb_status st = cli_lower(s, o->model, s->data, &g);
    if (st == GB_OK) {
        drop_likelihood(g);
        st = gb_model_compile(g, &m, s->errs);
    }
    size_t nn = g ? gb_graph_node_count(g) : 0;
    if (st == GB_OK && (!(mark = calloc(nn ? nn : 1, 1)) || plan(m, mark) < 0))
        st = gb_error(s->errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    if (st == GB_OK)
        st = sample(o, s, m, mark, &rows);
    int rc = cli_report(s->errs, s->srcs, st);
    if (rc == GB_EXIT_OK) {
        print_plan(m, mark);
        rc = cli_prior_summarise(m, o, rows);
    }
    free(rows);
    free(mark);
    gb_model_free(m);
    gb_graph_free(g);
    return rc;
}
