/* cli_predict.h - the columns of `predict`'s draws (the drawn observed nodes' elements, then the
 * model's output columns), their CmdStan-layout CSV and their summary (cli_predict_out.c). */
#ifndef GB_RUNTIME_CLI_CLI_PREDICT_H
#define GB_RUNTIME_CLI_CLI_PREDICT_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

typedef struct cli_predict_cols {
    const gb_model *m;    /* borrowed */
    size_t n, nobs;       /* columns; the first nobs are observed nodes' elements */
    const char **name;    /* glassbox names ("y.3", "fit.mu.2"); the first nobs owned */
    size_t *node;         /* graph node of each column */
    unsigned char *drawn; /* 1: a drawn node's column, 0: computed */
} cli_predict_cols;

/* The columns of m with drawn[i] marking the drawn nodes (observed ones get their elements'
 * columns first).  0, or -1 when out of memory (c freed). */
int cli_predict_cols_make(const gb_model *m, const unsigned char *drawn, cli_predict_cols *c);
void cli_predict_cols_free(cli_predict_cols *c);
/* One row: the observed nodes' current values (in the graph), then gb_simulate_values. */
void cli_predict_cols_fill(const cli_predict_cols *c, gb_model_ws *ws, double *row);

/* What the file's header comments record. */
typedef struct cli_predict_out {
    const char *model;
    const char *const *data;
    int ndata;
    const char *newdata; /* or NULL */
    unsigned long seed;
} cli_predict_out;

/* Writes the S rows (S x c->n, row-major) to path: comments, the columns' CSV names
 * (colname.h) after an lp__ column of zeros, one row per draw; through a temporary file
 * renamed into place.  0, or -1 when a write failed. */
int cli_predict_write(const cli_predict_out *w, const char *path, const cli_predict_cols *c,
                      const double *draws, size_t S);

/* Prints per element of the drawn nodes, then of the deterministic ones, the mean, sd and
 * 5/50/95% quantiles; for integer nodes with at most 10 distinct values, each one's
 * probability.  0, or -1 when out of memory (nothing printed). */
int cli_predict_summary(const cli_predict_cols *c, const double *draws, size_t S, FILE *out);

/* Replicated data for the report's posterior predictive checks: each observed node's data and
 * up to maxrep replicates drawn at evenly spaced saved draws (o's model, --data and --draws;
 * o->seed).  Prints errors; returns an exit code.  Free with cli_ppc_free whatever happened. */
#define CLI_PPC_MAX 4 /* observed nodes checked */
typedef struct cli_ppc_node {
    const char *name;
    double *obs, *rep; /* n, and nrep x n */
    size_t n, nrep;
} cli_ppc_node;
typedef struct cli_ppc {
    cli_ppc_node node[CLI_PPC_MAX];
    size_t n;
} cli_ppc;
struct cli_opts;
int cli_predict_ppc(const struct cli_opts *o, size_t maxrep, cli_ppc *out);
void cli_ppc_free(cli_ppc *p);

#endif
