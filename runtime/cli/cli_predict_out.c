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
#include "simulate.h"
#include "status.h"
#include "version.h"

/* Rows printed per node; the rest are in the CSV. */
#define ROWS_PER_NODE 20
/* Integer outcomes with at most this many distinct values get class probabilities. */
#define MAX_CLASSES 10

void cli_predict_cols_free(cli_predict_cols *c)
{
    for (size_t k = 0; c->name && k < c->nobs; k++)
        free((char *)c->name[k]);
    free(c->name);
    free(c->node);
    free(c->drawn);
    memset(c, 0, sizeof *c);
}

int cli_predict_cols_make(const gb_model *m, const unsigned char *drawn, cli_predict_cols *c)
{
    const gb_graph *g = gb_model_graph(m);
    size_t nobs = 0, nm = gb_model_output_size(m);
    for (size_t i = 0; i < gb_graph_node_count(g); i++)
        if (drawn[i] && gb_node_is_observed(gb_graph_node(g, i)))
            nobs += gb_graph_node(g, i)->len;
    memset(c, 0, sizeof *c);
    c->m = m;
    c->n = nobs + nm;
    c->name = calloc(c->n ? c->n : 1, sizeof *c->name);
    c->node = malloc((c->n ? c->n : 1) * sizeof *c->node);
    c->drawn = malloc(c->n ? c->n : 1);
    if (!c->name || !c->node || !c->drawn) {
        cli_predict_cols_free(c);
        return -1;
    }
    for (size_t i = 0; i < gb_graph_node_count(g); i++) {
        const gb_node *n = gb_graph_node(g, i);
        for (size_t e = 0; drawn[i] && gb_node_is_observed(n) && e < n->len; e++) {
            c->node[c->nobs] = i;
            c->drawn[c->nobs] = 1;
            if (!(c->name[c->nobs++] = gb_node_element_name(n, e, 0))) {
                cli_predict_cols_free(c);
                return -1;
            }
        }
    }
    for (size_t k = 0; k < nm; k++) {
        c->name[nobs + k] = gb_model_output_name(m, k);
        c->node[nobs + k] = gb_model_output_node(m, k);
        c->drawn[nobs + k] = drawn[c->node[nobs + k]];
    }
    return 0;
}

void cli_predict_cols_fill(const cli_predict_cols *c, gb_model_ws *ws, double *row)
{
    const gb_graph *g = gb_model_graph(c->m);
    for (size_t k = 0; k < c->nobs;) {
        const gb_node *n = gb_graph_node(g, c->node[k]);
        memcpy(row + k, n->value, n->len * sizeof *row);
        k += n->len;
    }
    gb_simulate_values(c->m, ws, row + c->nobs);
}

static void write_body(FILE *f, const cli_predict_out *w, const cli_predict_cols *c,
                       const double *draws, size_t S)
{
    fprintf(f, "# glassbox %s predict\n# model = %s\n", GB_VERSION, w->model);
    for (int i = 0; i < w->ndata; i++)
        fprintf(f, "# data = %s\n", w->data[i]);
    if (w->newdata)
        fprintf(f, "# new = %s\n", w->newdata);
    fprintf(f, "# seed = %lu\n", w->seed);
    gb_colname_write_map(f, c->name, c->n); /* write failures show in ferror at close */
    fputs("lp__", f);
    for (size_t k = 0; k < c->n; k++) {
        fputc(',', f);
        gb_colname_write_csv(f, c->name[k]);
    }
    fputc('\n', f);
    for (size_t s = 0; s < S; s++) {
        fputc('0', f);
        for (size_t k = 0; k < c->n; k++)
            fprintf(f, ",%.9g", draws[s * c->n + k]);
        fputc('\n', f);
    }
}

int cli_predict_write(const cli_predict_out *w, const char *path, const cli_predict_cols *c,
                      const double *draws, size_t S)
{
    char *tmp = NULL;
    FILE *f = gb_drawsout_side_open(path, &tmp);
    if (!f)
        return -1;
    write_body(f, w, c, draws, S);
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

/* The columns of node `node` (adjacent), at most ROWS_PER_NODE of them printed. */
static void summarise_node(const cli_predict_cols *c, size_t first, const double *draws, size_t S,
                           double *col, FILE *out)
{
    const gb_node *n = gb_graph_node(gb_model_graph(c->m), c->node[first]);
    size_t k = first;
    for (; k < c->n && c->node[k] == c->node[first]; k++) {
        if (k - first >= ROWS_PER_NODE)
            continue;
        for (size_t s = 0; s < S; s++)
            col[s] = draws[s * c->n + k];
        summarise_column(c->name[k], n->type == GB_INT, col, S, out);
    }
    if (k - first > ROWS_PER_NODE)
        fprintf(out, "  ... %zu more elements of %s (all in the CSV)\n", k - first - ROWS_PER_NODE,
                n->name);
}

int cli_predict_summary(const cli_predict_cols *c, const double *draws, size_t S, FILE *out)
{
    const gb_graph *g = gb_model_graph(c->m);
    double *col = malloc((S ? S : 1) * sizeof *col);
    if (!col)
        return -1;
    fprintf(out, "%-22s %10s %10s %10s %10s %10s\n", "name", "mean", "sd", "5%", "50%", "95%");
    for (int pass = 0; pass < 2; pass++) /* the drawn nodes, then the deterministic ones */
        for (size_t k = 0; k < c->n; k++) {
            if (k > 0 && c->node[k] == c->node[k - 1])
                continue; /* a node's first column starts it */
            const gb_node *n = gb_graph_node(g, c->node[k]);
            if (pass == 0 ? c->drawn[k] : n->kind == GB_NODE_DETERMINISTIC)
                summarise_node(c, k, draws, S, col, out);
        }
    free(col);
    return 0;
}
