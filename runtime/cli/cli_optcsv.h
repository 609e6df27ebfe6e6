/* cli_optcsv.h - optimize's output file in CmdStan's CSV layout: the Laplace draws (log_p__,
 * log_g__, then the model's columns, as CmdStan's laplace method writes them) or the MAP as one
 * row (lp__, then the model's columns, as CmdStan's optimize). */
#ifndef GB_RUNTIME_CLI_CLI_OPTCSV_H
#define GB_RUNTIME_CLI_CLI_OPTCSV_H

#include <stddef.h>

#include "cli.h"

typedef struct cli_optcsv_file {
    const char *path;
    const cli_opts *o; /* model and data paths, seed, for the header and input checks */
    const gb_model *m;
    const unsigned char *keep; /* per model output column (NULL: all) */
    const double *rows;        /* Laplace: nrows x (GB_LAPLACE_NCOLS + output size); MAP: the
                                  output row */
    size_t nrows;              /* draws, or 1 for the MAP */
    double lp;                 /* the MAP's log density (lp__ of the MAP row) */
    long starts, iter;
} cli_optcsv_file;

/* Writes the file (laplace: f->rows are draws; else the MAP row) under a temporary name in its
 * folder, synced and renamed into place; refuses (GB_EUSAGE) a path that is one of the inputs.
 * Errors name the file. */
gb_status cli_optcsv_write(const cli_optcsv_file *f, int laplace, gb_errlist *errs);

#endif
