/* cli_predict.h - what `predict` and `run --prior` share: the draws of simulated nodes written
 * as CmdStan-layout CSV (cli_predict_out.c) and their summary. */
#ifndef GB_RUNTIME_CLI_CLI_PREDICT_H
#define GB_RUNTIME_CLI_CLI_PREDICT_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

/* What the file's header comments record. */
typedef struct cli_predict_out {
    const char *model;
    const char *const *data;
    int ndata;
    const char *newdata; /* or NULL */
    unsigned long seed;
    const char *method;  /* "predict", "prior" */
} cli_predict_out;

/* Writes the S rows of draws (S x gb_model_output_size(m), row-major) to path: comments, the
 * columns' CSV names (colname.h) with lp__ first (0: not computed), then one row per draw;
 * through a temporary file renamed into place.  0, or -1 when a write failed. */
int cli_predict_write(const cli_predict_out *w, const char *path, const gb_model *m,
                      const double *draws, size_t S);

/* Prints the predictive summary: per element of the drawn nodes (drawn[node] nonzero), then of
 * the deterministic nodes, mean, sd and 5/50/95% quantiles; for integer nodes with at most 10
 * distinct values, the probability of each value. */
void cli_predict_summary(const gb_model *m, const unsigned char *drawn, const double *draws,
                         size_t S, FILE *out);

#endif
