/* cli_loo.c - `glassbox loo MODEL.gb --data D --draws RUN_1.csv ...`: PSIS-LOO and WAIC of saved
 * draws (diag/psis.h) from the pointwise log-likelihood the model gives (model/loglik.h), with
 * k-hat per observation; --loglik writes the draws x observations matrix for other tools. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "colname.h"
#include "drawsin.h"
#include "drawsout.h"
#include "loglik.h"
#include "psis.h"
#include "size.h"

static void help(void)
{
    puts("usage: glassbox loo MODEL.gb --data FILE... --draws DRAWS.csv [DRAWS.csv]...\n"
         "                   [--loglik LL.csv]\n\n"
         "Leave-one-out cross-validation by Pareto-smoothed importance sampling (Vehtari,\n"
         "Gelman & Gabry 2017) of the draws `glassbox run` saved, as R's loo 2.5.1 computes it\n"
         "(relative efficiency 1): elpd_loo, p_loo and looic with their standard errors, WAIC,\n"
         "and the Pareto k-hat of every observation.  An observation is an element of an\n"
         "observed node (a row for a multivariate distribution); its log density is computed\n"
         "from the model, with every normalising constant.  k-hat classes are loo 2.5.1's:\n"
         "good <= 0.5 < ok <= 0.7 < bad <= 1 < very bad; observations above 0.7 are listed.\n\n"
         "  --data FILE    the data the draws were fitted to (repeatable)\n"
         "  --draws FILE.. the draws files, one per chain (the files run up to the next option)\n"
         "  --loglik FILE  also write the log-likelihood matrix: CSV, a header of observation\n"
         "                 names (y.1, fit_y.2 ...), then one row per draw\n"
         "  --format csv   print CSV instead of the table: quantity,observation,estimate,se;\n"
         "                 totals (elpd_loo, p_loo, looic, elpd_waic, p_waic, waic) have an\n"
         "                 empty observation, then elpd_loo, p_loo and khat of each one\n"
         "  --memory SIZE  the memory budget (bytes, or 512M, 16G ...)");
}

/* Writes the S x N matrix with the observations' CSV names as header; 0 or -1. */
static int write_matrix(const char *path, const gb_loglik *l, const double *ll, size_t S)
{
    char *tmp;
    FILE *f = gb_drawsout_side_open(path, &tmp);
    if (!f)
        return -1;
    size_t N = gb_loglik_count(l);
    for (size_t i = 0; i < N; i++) {
        if (i > 0)
            fputc(',', f);
        gb_colname_write_csv(f, gb_loglik_name(l, i)); /* failures show in ferror at close */
    }
    fputc('\n', f);
    for (size_t s = 0; s < S; s++)
        for (size_t i = 0; i < N; i++)
            fprintf(f, "%.17g%c", ll[s * N + i], i + 1 < N ? ',' : '\n');
    return gb_drawsout_side_close(f, tmp, path);
}

/* Every draw's pointwise log-likelihood into a new S x N matrix; NULL after printing why. */
static double *loglik_matrix(const gb_model *m, const gb_drawsin *d, const gb_loglik *l)
{
    size_t S = gb_drawsin_count(d), N = gb_loglik_count(l), cells;
    gb_model_ws *ws = gb_model_ws_new(m);
    double *row = malloc((gb_model_output_size(m) + 1) * sizeof *row);
    double *ll = NULL;
    if (gb_size_mul(S, N, &cells) == 0 && gb_size_fits_budget(cells, sizeof(double)) == 0)
        ll = malloc((cells ? cells : 1) * sizeof *ll);
    if (!ws || !row || !ll) {
        fputs("glassbox loo: error: out of memory (the log-likelihood matrix does not fit the "
              "memory budget)\n",
              stderr);
        free(ll), ll = NULL;
    }
    for (size_t k = 0; ll && k < S; k++) {
        gb_drawsin_row(d, k, row);
        gb_loglik_set_values(m, ws, row);
        gb_loglik_eval(l, ws, ll + k * N);
        for (size_t i = 0; i < N; i++)
            if (!isfinite(ll[k * N + i])) {
                size_t r;
                const char *path = gb_drawsin_where(d, k, &r);
                fprintf(stderr,
                        "glassbox loo: error: %s: draw %zu: the log density of "
                        "observation %s is %g\nhint: a draw outside the model's support, "
                        "or data other than those the draws were fitted to?\n",
                        path, r, gb_loglik_name(l, i), ll[k * N + i]);
                free(ll), ll = NULL;
                break;
            }
    }
    free(row);
    gb_model_ws_free(ws);
    return ll;
}

static void print_result(const gb_psis_result *r, const gb_loglik *l, const double *khat, size_t S,
                         size_t chains)
{
    size_t N = gb_loglik_count(l);
    printf("Computed from %zu by %zu log-likelihood matrix (%zu chain%s)\n\n", S, N, chains,
           chains == 1 ? "" : "s");
    printf("%-10s %10s %8s\n", "", "Estimate", "SE");
    printf("%-10s %10.2f %8.2f\n", "elpd_loo", r->elpd_loo, r->se_elpd_loo);
    printf("%-10s %10.2f %8.2f\n", "p_loo", r->p_loo, r->se_p_loo);
    printf("%-10s %10.2f %8.2f\n", "looic", r->looic, r->se_looic);
    printf("%-10s %10.2f %8.2f\n", "elpd_waic", r->elpd_waic, r->se_elpd_waic);
    printf("%-10s %10.2f %8.2f\n", "p_waic", r->p_waic, r->se_p_waic);
    printf("%-10s %10.2f %8.2f\n\n", "waic", r->waic, r->se_waic);
    size_t good = N - r->n_ok - r->n_bad - r->n_very_bad;
    printf("Pareto k diagnostic values (tails of %zu draws):\n", r->tail_len);
    printf("                         Count  Pct.\n");
    printf("(-Inf, 0.5]  (good)     %6zu %5.1f%%\n", good, 100.0 * (double)good / (double)N);
    printf(" (0.5, 0.7]  (ok)       %6zu %5.1f%%\n", r->n_ok, 100.0 * (double)r->n_ok / (double)N);
    printf("   (0.7, 1]  (bad)      %6zu %5.1f%%\n", r->n_bad,
           100.0 * (double)r->n_bad / (double)N);
    printf("   (1, Inf)  (very bad) %6zu %5.1f%%\n", r->n_very_bad,
           100.0 * (double)r->n_very_bad / (double)N);
    if (r->n_bad + r->n_very_bad == 0)
        return;
    printf("\nobservations with k-hat above %.1f:\n", GB_PSIS_K_BAD);
    for (size_t i = 0; i < N; i++)
        if (!(khat[i] <= GB_PSIS_K_BAD))
            printf("  %-20s %6.2f\n", gb_loglik_name(l, i), khat[i]);
}

static void print_csv(const gb_psis_result *r, const gb_loglik *l, const double *khat,
                      const double *elpd, const double *ploo)
{
    const char *names[] = {"elpd_loo", "p_loo", "looic", "elpd_waic", "p_waic", "waic"};
    const double v[][2] = {{r->elpd_loo, r->se_elpd_loo}, {r->p_loo, r->se_p_loo},
                           {r->looic, r->se_looic},       {r->elpd_waic, r->se_elpd_waic},
                           {r->p_waic, r->se_p_waic},     {r->waic, r->se_waic}};
    puts("quantity,observation,estimate,se");
    for (int q = 0; q < 6; q++)
        printf("%s,,%.17g,%.17g\n", names[q], v[q][0], v[q][1]);
    for (size_t i = 0; i < gb_loglik_count(l); i++) {
        printf("elpd_loo,%s,%.17g,\n", gb_loglik_name(l, i), elpd[i]);
        printf("p_loo,%s,%.17g,\n", gb_loglik_name(l, i), ploo[i]);
        printf("khat,%s,%.17g,\n", gb_loglik_name(l, i), khat[i]);
    }
}

static int report(const gb_model *m, const gb_drawsin *d, const gb_loglik *l, const cli_opts *o)
{
    size_t S = gb_drawsin_count(d), N = gb_loglik_count(l);
    if (N == 0) {
        fputs("glassbox loo: error: the model has no observed node: nothing to leave out\n",
              stderr);
        return GB_EXIT_MODEL;
    }
    if (S < 2) {
        fputs("glassbox loo: error: PSIS-LOO needs at least 2 draws\n", stderr);
        return GB_EXIT_MODEL;
    }
    double *ll = loglik_matrix(m, d, l);
    double *khat = malloc(3 * N * sizeof *khat), *elpd = khat + N, *ploo = khat + 2 * N;
    gb_psis_result r;
    int rc = GB_EXIT_MODEL;
    if (ll && khat && gb_psis_loo(ll, S, N, &r, khat, elpd, ploo) == GB_OK) {
        rc = GB_EXIT_OK;
        if (o->loglik && write_matrix(o->loglik, l, ll, S) != 0) {
            fprintf(stderr, "glassbox loo: error: cannot write %s\n", o->loglik);
            rc = GB_EXIT_MODEL;
        }
        if (o->format)
            print_csv(&r, l, khat, elpd, ploo);
        else
            print_result(&r, l, khat, S, gb_drawsin_chains(d));
        if (r.n_bad + r.n_very_bad > 0)
            fprintf(stderr,
                    "glassbox loo: warning: %zu of %zu observations have Pareto k-hat "
                    "above 0.7: PSIS-LOO is unreliable for them (refit without them, "
                    "or use K-fold cross-validation)\n",
                    r.n_bad + r.n_very_bad, N);
    } else if (ll) {
        fputs("glassbox loo: error: out of memory\n", stderr);
    }
    free(khat);
    free(ll);
    return rc;
}

int cli_loo(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, 2, "loo", "data,draws,draws-files,loglik,format,memory", &o);
    if (rc || o.help) {
        if (o.help)
            help();
        return rc;
    }
    if (o.format && strcmp(o.format, "csv") != 0 && strcmp(o.format, "table") != 0) {
        fprintf(stderr, "glassbox loo: error: unknown format '%s' (use table or csv)\n", o.format);
        return GB_EXIT_USAGE;
    }
    if (o.format && strcmp(o.format, "table") == 0)
        o.format = NULL;
    if (o.ndraws_files == 0) {
        fputs("glassbox loo: error: no draws given: --draws FILE [FILE]...\n", stderr);
        return GB_EXIT_USAGE;
    }
    cli_session s;
    rc = cli_load(&o, &s, 1);
    gb_model *m = NULL;
    gb_model_ws *ws = NULL;
    gb_drawsin *d = NULL;
    gb_loglik *l = NULL;
    gb_status st = GB_OK;
    if (rc == GB_EXIT_OK) {
        st = gb_model_compile(s.graph, &m, s.errs);
        if (st == GB_OK && !(ws = gb_model_ws_new(m)))
            st = gb_error(s.errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
        if (st == GB_OK && !(d = gb_drawsin_read(m, o.draws_files, (size_t)o.ndraws_files, s.errs)))
            st = gb_errlist_status(s.errs);
        if (st == GB_OK)
            st = gb_loglik_new(m, ws, &l, s.errs);
        rc = cli_report(s.errs, s.srcs, st);
    }
    if (rc == GB_EXIT_OK)
        rc = report(m, d, l, &o);
    gb_loglik_free(l);
    gb_drawsin_free(d);
    gb_model_ws_free(ws);
    gb_model_free(m);
    cli_session_free(&s);
    return cli_finish_output(stdout, "loo", rc);
}
