/* drawsout.h - writing draws as CSV in CmdStan's layout, one file per chain.
 *
 * With one chain the draws go to PATH; with C > 1 chains to PATH_1.csv ... PATH_C.csv (PATH's
 * extension moved after the number, as CmdStan names per-chain files), so cmdstanpy, ArviZ
 * and `glassbox summary` read them as separate chains.  Each file is written under a temporary
 * name (PATH.tmp-PID), synced and renamed into place by gb_drawsout_close, so an existing file is
 * never left half-written.  A row is written (one write(2)) as soon as it is drawn.  When a write
 * fails (a full disk) the file is cut back to its last whole row, written no further, and still
 * renamed into place at close: the draws that fitted are kept, and the error says so.
 */
#ifndef GB_RUNTIME_IO_DRAWSOUT_H
#define GB_RUNTIME_IO_DRAWSOUT_H

#include <stddef.h>

#include <stdio.h>

#include "run.h"
#include "status.h"

typedef struct gb_drawsout gb_drawsout;

/* What the comment header records. */
typedef struct gb_drawsout_meta {
    const char *model_path;
    const char *const *data_paths;
    int ndata;
    const gb_run_config *cfg;
    int fixed_param; /* not MCMC (run --prior's exact draws): "algorithm = fixed_param", as
                        CmdStan's header says for draws no sampler made, and no adaptation */
} gb_drawsout_meta;

/* Opens the chains' temporary files and writes their headers (config comments and the column
 * names: the sampler's columns then `names`, borrowed until close, written with the names Stan's
 * readers take and a comment for each renamed node, see colname.h).  Refuses (GB_EUSAGE) a chain
 * file that is one of the inputs in meta.  Errors name the file. */
gb_status gb_drawsout_open(const char *path, const gb_drawsout_meta *meta,
                           const char *const *names, size_t ncols, gb_drawsout **out,
                           gb_errlist *errs);

/* A gb_draw_sink: appends one row (GB_NSAMPLER_COLS + ncols values) to chain's file. */
int gb_drawsout_row(void *ctx, int chain, const double *row);

/* How the run ended, for the closing comments. */
typedef struct gb_drawsout_end {
    const double *warmup_seconds, *sample_seconds; /* per chain; NULL: no Elapsed Time block */
    const double *warmup_grads, *sample_grads;     /* per chain; NULL: no gradients comment */
    int interrupted;                               /* add a comment saying so */
} gb_drawsout_end;

/* Writes the closing comments (CmdStan's "Elapsed Time" block, then "interrupted" when the run
 * was stopped), syncs, closes and renames every file into place, also a file whose writes
 * failed (it holds whole rows only; the error names it, the cause and the draws it keeps).  With
 * `end` NULL the temporary files are removed instead.  Frees w (NULL accepted). */
gb_status gb_drawsout_close(gb_drawsout *w, const gb_drawsout_end *end, gb_errlist *errs);

/* Refuses (GB_EUSAGE, message naming `flag`, `path` and the input) to write `written`, a file
 * the output `path` leads to, when it is one of meta's inputs (model or data; compared by device
 * and inode, so links are caught). */
gb_status gb_drawsout_check_inputs(const char *flag, const char *path, const char *written,
                                   const gb_drawsout_meta *meta, gb_errlist *errs);

/* The final path of chain c's file (valid until close); for messages. */
const char *gb_drawsout_path(const gb_drawsout *w, int chain);

/* PATH without its extension, then suffix: ("out.csv", "_stream.csv") -> "out_stream.csv", the
 * same stem the chains' files use.  The caller frees; NULL when out of memory. */
char *gb_drawsout_stem_path(const char *path, const char *suffix);

/* A side file written whole or not at all: gb_drawsout_side_open opens PATH.tmp-PID (its name in
 * *tmp; NULL when it cannot), gb_drawsout_side_close flushes, closes and renames it to PATH, or
 * removes it when anything failed (-1).  Either way it frees tmp. */
FILE *gb_drawsout_side_open(const char *path, char **tmp);
int gb_drawsout_side_close(FILE *f, char *tmp, const char *path);

#endif
