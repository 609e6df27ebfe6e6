/* stancsv.h - reads draws files in CmdStan's CSV layout (as CmdStan and glassbox write them).
 *
 * Layout: '#' comment lines (configuration, CmdStan's adaptation block after the header, timing
 * at the end; anywhere in the file), one header row of comma-separated column names (lp__,
 * accept_stat__, ..., then parameters such as beta.1 or beta[1]), then rows of numbers
 * ("nan", "inf" and "-inf" are numbers).  Blank lines are skipped, a trailing '\r' is ignored.
 */
#ifndef GB_RUNTIME_IO_STANCSV_H
#define GB_RUNTIME_IO_STANCSV_H

#include <stddef.h>

#include "status.h"

typedef struct gb_stancsv gb_stancsv;

/* Reads the whole file.  Returns a new object (free with gb_stancsv_free), or NULL after adding
 * located errors (file:line:col) to errs: the file cannot be read (GB_EIO), it is empty or has
 * no header row, a header name is empty, a row has more or fewer cells than the header, a cell
 * is empty or not a number (GB_EDATA), or the data exceed the memory budget (GB_ENOMEM).  Every
 * bad row is reported (the error list caps the count per file).
 *
 * A last line without a final newline is kept when it is a complete row.  When it is not (too
 * few cells, or a cell cut mid-number), the file was cut off while being written: the partial
 * row is dropped and gb_stancsv_dropped_line reports its line, which the caller should show as
 * a warning.  A cut that happens to fall between two digits of the last cell cannot be seen.
 *
 * `path` is borrowed and is used as the file name in the errors' locations, so it must outlive
 * errs. */
gb_stancsv *gb_stancsv_read(const char *path, gb_errlist *errs);
void gb_stancsv_free(gb_stancsv *s);

size_t gb_stancsv_ncols(const gb_stancsv *s);
size_t gb_stancsv_nrows(const gb_stancsv *s);
/* Column i's name (borrowed from s); i < ncols. */
const char *gb_stancsv_col_name(const gb_stancsv *s, size_t i);
/* Index of the first column called name, or -1. */
long gb_stancsv_find_col(const gb_stancsv *s, const char *name);
double gb_stancsv_value(const gb_stancsv *s, size_t row, size_t col);
/* Row `row` as ncols contiguous doubles (borrowed from s); all rows are contiguous, so
 * gb_stancsv_row(s, 0) is the row-major nrows x ncols matrix. */
const double *gb_stancsv_row(const gb_stancsv *s, size_t row);

/* Comment lines in file order, each without its leading '#' and line end (borrowed). */
size_t gb_stancsv_ncomments(const gb_stancsv *s);
const char *gb_stancsv_comment(const gb_stancsv *s, size_t i);
/* The file line of comment i, and how many data rows came before it (so a caller can tell the
 * configuration before the header, the adaptation block and the timing at the end apart). */
int gb_stancsv_comment_line(const gb_stancsv *s, size_t i);
size_t gb_stancsv_comment_row(const gb_stancsv *s, size_t i);
/* 1 if comment i belongs to CmdStan's adaptation block ("Adaptation terminated", "Step size =",
 * "Diagonal elements of inverse mass matrix:" / "Elements of inverse mass matrix:" and the
 * number lines that follow it). */
int gb_stancsv_comment_is_adaptation(const gb_stancsv *s, size_t i);
/* The adapted step size from "# Step size = x", or NaN when there is none. */
double gb_stancsv_step_size(const gb_stancsv *s);

/* How many of the first rows are warmup iterations, read from the configuration comments before
 * the header as CmdStan's stansummary does: with save_warmup = 1 (or "true", CmdStan 2.33 on),
 * ceil(num_warmup / thin) rows (rstan's files say "warmup" for num_warmup; a missing thin is 1),
 * the count cmdstanpy's check_sampler_csv and rstan's read_stan_csv expect; 0 without
 * save_warmup or num_warmup.  May exceed nrows when the file stops during warmup. */
size_t gb_stancsv_warmup_rows(const gb_stancsv *s);

/* The line of a partial last row that was dropped, or 0 when none was. */
int gb_stancsv_dropped_line(const gb_stancsv *s);

#endif
