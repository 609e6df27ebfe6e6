/* cli_optimize.c - `glassbox optimize`: the MAP estimate from several BFGS starts (optimize.h),
 * printed on the constrained scale, and optionally a Laplace approximation's draws (laplace.h)
 * written as CmdStan-layout CSV. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "cli.h"
#include "cli_flags.h"
#include "cli_optcsv.h"
#include "drawsout.h"
#include "laplace.h"
#include "memplan.h"
#include "optimize.h"
#include "size.h"

/* Starts, iterations per start: Stan's optimize makes 2000 iterations from one start; several
 * starts show whether the posterior has more than one mode. */
#define DEFAULT_STARTS 4
#define DEFAULT_ITER 2000

static void help(void)
{
    puts("usage: glassbox optimize MODEL.gb [--data FILE]... [options]\n\n"
         "The MAP estimate: the mode of the posterior density of the parameters, found by BFGS\n"
         "(GSL's vector_bfgs2) on the unconstrained scale from several random starts, printed on\n"
         "the constrained scale.  As Stan's optimize (jacobian = false), the mode is that of the\n"
         "density of the constrained values: the transforms' log-Jacobians are left out, so a\n"
         "positive parameter's estimate does not depend on how it is transformed.  Discrete\n"
         "parameters are refused (sample them with run).\n\n"
         "options:\n"
         "  --data FILE     JSON (CmdStan format) or CSV with a header; repeatable\n"
         "  --starts N      random starts, uniform on (-2, 2) per unconstrained coordinate (4);\n"
         "                  the best is shown, and starts that end elsewhere are reported\n"
         "  --iter N        BFGS iterations per start (2000)\n"
         "  --seed S        random seed of the starts and the Laplace draws (20261125)\n"
         "  --laplace N     also N draws from the Laplace approximation, as Stan's laplace: a\n"
         "                  normal on the unconstrained scale at the mode of the density with\n"
         "                  the log-Jacobians (found from the MAP), with covariance the inverse\n"
         "                  of the negative Hessian there (finite differences of the gradient);\n"
         "                  the table adds their mean, sd and 5/50/95% quantiles\n"
         "  --output FILE   write CmdStan-layout CSV: the N Laplace draws (columns log_p__,\n"
         "                  log_g__, then the model's), which summary, predict and loo read; or,\n"
         "                  without --laplace, one row (lp__ and the estimate)\n"
         "  --memory SIZE   the memory budget (bytes, or 512M, 16G ...)\n"
         "  --quiet         print only the table");
}

/* The MAP's line and its warnings: how many starts agree, convergence. */
static void report_starts(const gb_optimize_result *r, FILE *out)
{
    const gb_optimize_start *b = &r->start[r->best];
    fprintf(out,
            "MAP estimate (no Jacobian): lp = %.6g at the best of %d start%s (start %zu: %d "
            "iteration%s, |gradient| %.2g)\n",
            r->lp, r->nstarts, r->nstarts == 1 ? "" : "s", r->best + 1, b->iterations,
            b->iterations == 1 ? "" : "s", b->grad_norm);
    if (r->nagree < r->nstarts) {
        fprintf(stderr,
                "glassbox optimize: warning: the starts disagree: %d of %d reached the best "
                "log density; the others ended at lp =",
                r->nagree, r->nstarts);
        for (int s = 0; s < r->nstarts; s++)
            if (r->lp - r->start[s].lp >= GB_OPTIMIZE_SAME_LP)
                fprintf(stderr, " %.6g", r->start[s].lp);
        fputs(" (other modes, or starts that stopped early); the best is shown\n", stderr);
    }
    if (!b->converged)
        fprintf(stderr,
                "glassbox optimize: warning: the best start stopped before the gradient "
                "vanished (|gradient| %.2g after %d iterations): the estimate may be "
                "rough; try more --iter\n",
                b->grad_norm, b->iterations);
}

/* Quantile p of the n sorted values. */
static double quantile(const double *sorted, size_t n, double p)
{
    return gsl_stats_quantile_from_sorted_data(sorted, 1, n, p);
}

/* The table: every kept column's mode, and the Laplace draws' summary when there are draws. */
static int print_table(const gb_model *m, const unsigned char *keep, const double *mode_row,
                       const double *draws, size_t ndraws, FILE *out)
{
    size_t nm = gb_model_output_size(m), ncols = GB_LAPLACE_NCOLS + nm;
    double *col = ndraws ? malloc(ndraws * sizeof *col) : NULL;
    if (ndraws && !col)
        return -1;
    fprintf(out, "%-24s %12s", "name", "mode");
    if (ndraws)
        fprintf(out, " %12s %12s %12s %12s %12s", "mean", "sd", "5%", "50%", "95%");
    fputc('\n', out);
    for (size_t k = 0; k < nm; k++) {
        if (keep && !keep[k])
            continue;
        fprintf(out, "%-24s %12.5g", gb_model_output_name(m, k), mode_row[k]);
        if (ndraws) {
            for (size_t d = 0; d < ndraws; d++)
                col[d] = draws[d * ncols + GB_LAPLACE_NCOLS + k];
            gsl_sort(col, 1, ndraws);
            fprintf(out, " %12.5g %12.5g %12.5g %12.5g %12.5g", gsl_stats_mean(col, 1, ndraws),
                    ndraws > 1 ? gsl_stats_sd(col, 1, ndraws) : 0.0, quantile(col, ndraws, 0.05),
                    quantile(col, ndraws, 0.5), quantile(col, ndraws, 0.95));
        }
        fputc('\n', out);
    }
    free(col);
    return 0;
}

/* The Laplace draws: the mode with the log-Jacobians (from the MAP), then the draws into
 * *draws (a new array the caller frees). */
static gb_status laplace(const gb_model *m, const gb_optimize_result *map, long n, long iter,
                         unsigned long seed, double **draws, gb_errlist *errs)
{
    gb_optimize_config cfg = {
        .starts = 1, .seed = seed, .max_iter = (int)iter, .jacobian = 1, .init = map->theta};
    gb_optimize_result *r = NULL;
    gb_status st = gb_optimize_run(m, &cfg, &r, errs);
    if (st != GB_OK)
        return st;
    size_t ncols = GB_LAPLACE_NCOLS + gb_model_output_size(m), cells;
    double *rows = NULL;
    if (gb_size_mul((size_t)n, ncols, &cells) != 0 || gb_size_fits_budget(cells, sizeof(double)) ||
        !(rows = malloc(cells * sizeof *rows)))
        st = gb_error(errs, GB_ENOMEM, (gb_loc){0},
                      "%ld Laplace draws of %zu columns do not "
                      "fit in memory",
                      n, ncols);
    if (st == GB_OK)
        st = gb_laplace_draws(m, r->theta, (size_t)n, seed, rows, errs);
    gb_optimize_result_free(r);
    if (st != GB_OK) {
        free(rows);
        return st;
    }
    *draws = rows;
    return GB_OK;
}

/* Compiles, optimises, and makes the draws; the table's inputs come back in the pointers (the
 * caller frees them whatever the result).  Returns an exit code, errors printed. */
static int fit(const cli_opts *o, cli_session *s, long starts, long iter, long nlaplace,
               gb_model **m, gb_optimize_result **map, double **draws)
{
    gb_status st = gb_model_compile(s->graph, m, s->errs);
    if (st == GB_OK)
        st = gb_optimize_check(*m, s->errs);
    gb_optimize_config cfg = {.starts = (int)starts,
                              .seed = o->seed,
                              .init_radius = 2,
                              .max_iter = (int)iter,
                              .jacobian = 0};
    if (st == GB_OK)
        st = gb_optimize_run(*m, &cfg, map, s->errs);
    if (st == GB_OK && !o->quiet)
        report_starts(*map, stdout);
    if (st == GB_OK && nlaplace > 0)
        st = laplace(*m, *map, nlaplace, iter, o->seed, draws, s->errs);
    return st == GB_OK ? GB_EXIT_OK : cli_report(s->errs, s->srcs, st);
}

int cli_optimize(int argc, char **argv)
{
    long starts = DEFAULT_STARTS, iter = DEFAULT_ITER, nlaplace = 0;
    int rc = cli_take_count(&argc, argv, 2, "optimize", "starts", 1, 1000, &starts);
    if (!rc)
        rc = cli_take_count(&argc, argv, 2, "optimize", "iter", 1, 10000000, &iter);
    if (!rc)
        rc = cli_take_count(&argc, argv, 2, "optimize", "laplace", 1, 100000000, &nlaplace);
    cli_opts o;
    if (!rc)
        rc = cli_parse(argc, argv, 2, "optimize", "data,output,seed,memory,quiet,verbose", &o);
    if (rc || o.help) {
        if (!rc)
            help();
        return rc;
    }
    cli_session s;
    rc = cli_load(&o, &s, 0);
    gb_model *m = NULL;
    gb_optimize_result *map = NULL;
    double *draws = NULL, *mode_row = NULL;
    unsigned char *keep = NULL;
    gb_drawsout_meta meta = {o.model, o.data, o.ndata, NULL, 0};
    gb_status st = GB_OK;
    if (rc == GB_EXIT_OK && o.output &&
        (st = gb_drawsout_check_inputs("--output", o.output, o.output, &meta, s.errs)) != GB_OK)
        rc = cli_report(s.errs, s.srcs, st);
    if (rc == GB_EXIT_OK)
        rc = fit(&o, &s, starts, iter, nlaplace, &m, &map, &draws);
    if (rc != GB_EXIT_OK)
        goto out;
    keep = cli_keep_choose(m, &o, GB_MEMPLAN_STREAM_ABOVE, s.errs, &st);
    gb_model_ws *ws = st == GB_OK ? gb_model_ws_new(m) : NULL;
    mode_row = malloc((gb_model_output_size(m) + 1) * sizeof *mode_row);
    if (st != GB_OK || !ws || !mode_row) {
        gb_model_ws_free(ws);
        rc = cli_report(s.errs, s.srcs, st != GB_OK ? st : GB_ENOMEM);
        goto out;
    }
    gb_model_logp(m, ws, map->theta, NULL);
    gb_model_values(m, ws, map->theta, mode_row);
    gb_model_ws_free(ws);
    if (o.output) {
        cli_optcsv_file f = {o.output,
                             &o,
                             m,
                             keep,
                             nlaplace > 0 ? draws : mode_row,
                             nlaplace > 0 ? (size_t)nlaplace : 1,
                             map->lp,
                             starts,
                             iter};
        if ((st = cli_optcsv_write(&f, nlaplace > 0, s.errs)) != GB_OK)
            rc = cli_report(s.errs, s.srcs, st);
    }
    if (print_table(m, keep, mode_row, draws, (size_t)nlaplace, stdout) != 0)
        rc = cli_report(s.errs, s.srcs, GB_ENOMEM);
out:
    free(keep);
    free(mode_row);
    free(draws);
    gb_optimize_result_free(map);
    gb_model_free(m);
    cli_session_free(&s);
    return cli_finish_output(stdout, "optimize", rc);
}
