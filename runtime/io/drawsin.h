/* drawsin.h - saved draws read back for a compiled model: the driver that `loo`, `predict`,
 * `compare` and `optimize` share.  Draws files (CmdStan's CSV layout, one per chain, as `run
 * --output` writes them) are read, every latent node's columns are found by their CSV names
 * (colname.h: fit_beta.1 for fit.beta.1), and each draw is handed out as a model output row that
 * gb_loglik_set_values (loglik.h) puts into a work space.  Warmup rows a file saved are left out.
 */
#ifndef GB_RUNTIME_IO_DRAWSIN_H
#define GB_RUNTIME_IO_DRAWSIN_H

#include <stddef.h>

#include "model.h"
#include "status.h"

typedef struct gb_drawsin gb_drawsin;

/* Reads paths[0 .. npaths-1] (borrowed; they must outlive errs) for model m (borrowed; must
 * outlive the result).  Errors, located at the file's header: a file cannot be read or is
 * malformed (stancsv.h), a latent column of m is missing (a draws file of another model: the
 * missing names are listed), a file has no draws.  Returns a new object (gb_drawsin_free) or
 * NULL with the errors in errs. */
gb_drawsin *gb_drawsin_read(const gb_model *m, const char *const *paths, size_t npaths,
                            gb_errlist *errs);
void gb_drawsin_free(gb_drawsin *d);

/* Draws in all (chains one after the other), chains, and draws of chain c. */
size_t gb_drawsin_count(const gb_drawsin *d);
size_t gb_drawsin_chains(const gb_drawsin *d);
size_t gb_drawsin_chain_count(const gb_drawsin *d, size_t c);
/* Draw k as an output row of m (gb_model_output_size doubles): latent columns from the file,
 * the others NaN (gb_loglik_set_values recomputes them). */
void gb_drawsin_row(const gb_drawsin *d, size_t k, double *row);
/* Where draw k came from, for messages: its file (as given to gb_drawsin_read) and its 1-based
 * row among that file's draws (warmup rows not counted) in *row. */
const char *gb_drawsin_where(const gb_drawsin *d, size_t k, size_t *row);

#endif
