/* data.h - named input values read from CmdStan-format JSON and CSV files.
 *
 * A gb_data holds variables as dense row-major arrays of doubles (integers included: exact up to
 * 2^53) with a shape and a record of whether every value was written as an integer.  Loading
 * only checks the file itself (syntax, ragged arrays, sizes); checking against the model's
 * declarations happens in lowering, which reports through gb_data_var.loc.
 */
#ifndef GB_RUNTIME_IO_DATA_H
#define GB_RUNTIME_IO_DATA_H

#include <stddef.h>

#include "func.h"
#include "source.h"
#include "status.h"

typedef struct gb_data_var {
    const char *name;  /* owned by the gb_data */
    gb_vtype type;     /* GB_INT when every value is a whole number written without a fraction or
                          exponent (JSON integer, CSV "12"); GB_REAL otherwise */
    gb_shape shape;    /* rank 0 for a scalar; [] in JSON is rank 1 with dim 0 */
    double *val;       /* owned; len elements, row-major; NaN/inf kept as read ("NaN", "Inf") */
    size_t len;
    gb_loc loc;        /* where the variable is named in its file: JSON key or CSV header cell;
                          file points into the gb_sources registry the file was read into */
    size_t nonfinite;  /* the first element (row-major) that is NaN or infinite ... */
    gb_loc nonfinite_loc; /* ... and where it is written (its cell); line 0 when none is */
} gb_data_var;

typedef struct gb_data gb_data;

gb_data *gb_data_new(void);
void gb_data_free(gb_data *d);

/* Reads `path` into srcs and loads its variables: ".json" as CmdStan JSON, ".csv" as CSV (the
 * extension in any case; others are refused with GB_EUSAGE).  A file loads all or nothing.
 * Refuses a variable already loaded from an earlier file.  Errors carry file:line:column. */
gb_status gb_data_load_file(gb_data *d, gb_sources *srcs, const char *path, gb_errlist *errs);
gb_status gb_data_load_json(gb_data *d, const gb_source *src, gb_errlist *errs);
gb_status gb_data_load_csv(gb_data *d, const gb_source *src, gb_errlist *errs);

/* Adds a copy of v (name and values copied; loc kept, so its file must stay registered) for
 * `predict`, which merges new data over the training data.  GB_EDATA when d has a variable of
 * that name, GB_ENOMEM; reported in errs. */
gb_status gb_data_add_copy(gb_data *d, const gb_data_var *v, gb_errlist *errs);

size_t gb_data_count(const gb_data *d);
const gb_data_var *gb_data_get(const gb_data *d, size_t i);
const gb_data_var *gb_data_find(const gb_data *d, const char *name);

#endif
