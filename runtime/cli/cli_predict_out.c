/* cli_predict_out.c - the CSV and the summary of simulated draws (cli_predict.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "cli_predict.h"
#include "colname.h"
#include "drawsout.h"
#include "graph.h"
#include "version.h"

/* Rows printed per node; the rest are in the CSV. */
#define ROWS_PER_NODE 20
/* Integer outcomes with at most this many distinct values get class probabilities. */
#define MAX_CLASSES 10

static void write_body(FILE *f, const cli_predict_out *w, const char *const *names, size_t nc,
                       const double *draws, size_t S)
{
    fprintf(f, "# glassbox %s %s\n# model = %s\n", GB_VERSION, w->method, w->model);
    for (int i = 0; i < w->ndata; i++)
        fprintf(f, "# data = %s\n", w->data[i]);
    if (w->newdata)
        fprintf(f, "# new = %s\n", w->newdata);
    fprintf(f, "# seed = %lu\n", w->seed);
    gb_colname_write_map(f, names, nc); /* write failures show in ferror at close */
    fputs("lp__", f);
    for (size_t c = 0; c < nc; c++) {
        fputc(',', f);
        gb_colname_write_csv(f, names[c]);
    }
    fputc('\n', f);
    for (size_t s = 0; s < S; s++) {
        fputc('0', f);
        for (size_t c = 0; c < nc; c++)
            fprintf(f, ",%.9g", draws[s * nc + c]);
        fputc('\n', f);
    }
}

int cli_predict_write(const cli_predict_out *w, const char *path, const gb_model *m,
                      const double *draws, size_t S)
{
    size_t nc = gb_model_output_size(m);
    const char **names = malloc((nc ? nc : 1) * sizeof *names);
    char *tmp = NULL;
    FILE *f = names ? gb_drawsout_side_open(path, &tmp) : NULL;
    if (!f) {
        free(names);
        return -1;
    }
    for (size_t c = 0; c < nc; c++)
        names[c] = gb_model_output_name(m, c);
    write_body(f, w, names, nc, draws, S);
    free(names);
    return gb_drawsout_side_close(f, tmp, path);
}

/* The distinct values of an integer column, when there are at most MAX_CLASSES: their count. */
static size_t classes(const double *sorted, size_t S, double *vals)
{
    size_t k = 0;
    for (size_t s = 0; s < S; s++)
        if (s == 0 || sorted[s] != sorted[s - 1]) {
            if (k == MAX_CLASSES)
                return 0;
            vals[k++] = sorted[s];
        }
    return k;
}

static void summarise_column(const char *name, int is_int, double *col, size_t S, FILE *out)
{
    gsl_sort(col, 1, S);
    double mean = gsl_stats_mean(col, 1, S), sd = S > 1 ? gsl_stats_sd(col, 1, S) : NAN;
    fprintf(out, "%-22s %10.4g %10.4g %10.4g %10.4g %10.4g", name, mean, sd,
            gsl_stats_quantile_from_sorted_data(col, 1, S, 0.05),
            gsl_stats_quantile_from_sorted_data(col, 1, S, 0.5),
            gsl_stats_quantile_from_sorted_data(col, 1, S, 0.95));
    double vals[MAX_CLASSES];
    size_t k = is_int ? classes(col, S, vals) : 0;
    for (size_t j = 0, s = 0; j < k; j++) {
        size_t c = 0;
        while (s < S && col[s] == vals[j])
            s++, c++;
        fprintf(out, "%sP(%g) = %.3f", j == 0 ? "   " : ", ", vals[j], (double)c / (double)S);
    }
    fputc('\n', out);
}

static void summarise_node(const gb_model *m, size_t node, const double *draws, size_t S,
                           double *col, FILE *out)
{
    size_t nc = gb_model_output_size(m), shown = 0, total = 0;
    const gb_node *n = gb_graph_node(gb_model_graph(m), node);
    for (size_t c = 0; c < nc; c++) {
        if (gb_model_output_node(m, c) != node)
            continue;
        if (total++ >= ROWS_PER_NODE)
            continue;
        for (size_t s = 0; s < S; s++)
            col[s] = draws[s * nc + c];
        summarise_column(gb_model_output_name(m, c), n->type == GB_INT, col, S, out);
        shown++;
    }
    if (total > shown)
        fprintf(out, "  ... %zu more elements of %s (all in the CSV)\n", total - shown, n->name);
}

void cli_predict_summary(const gb_model *m, const unsigned char *drawn, const double *draws,
                         size_t S, FILE *out)
{
    const gb_graph *g = gb_model_graph(m);
    double *col = malloc((S ? S : 1) * sizeof *col);
    if (!col || S == 0) {
        free(col);
        return;
    }
    fprintf(out, "%-22s %10s %10s %10s %10s %10s\n", "name", "mean", "sd", "5%", "50%", "95%");
    size_t nc = gb_model_output_size(m);
    for (int pass = 0; pass < 2; pass++) /* the drawn nodes, then the deterministic ones */
        for (size_t i = 0; i < gb_graph_node_count(g); i++) {
            const gb_node *n = gb_graph_node(g, i);
            int want = pass == 0 ? drawn[i] : n->kind == GB_NODE_DETERMINISTIC;
            size_t c = 0;
            while (c < nc && gb_model_output_node(m, c) != i)
                c++;
            if (want && c < nc)
                summarise_node(m, i, draws, S, col, out);
        }
    free(col);
}
