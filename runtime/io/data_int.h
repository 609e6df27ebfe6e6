/* data_int.h - what the JSON and CSV readers of data.c share (not for other modules). */
#ifndef GB_RUNTIME_IO_DATA_INT_H
#define GB_RUNTIME_IO_DATA_INT_H

#include <stddef.h>

#include "data.h"
#include "vec.h"

/* Integers beyond this magnitude are not all representable in a double. */
#define MAX_EXACT_INT_I ((long long)1 << 53)
/* Stop reading a file after this many of our own errors (the list caps what it keeps too). */
#define MAX_ERRS GB_MAX_ERRORS_PER_FILE

typedef GB_VEC(gb_data_var) var_list;

/* Frees one variable's name and values. */
void gb_data_var_free(gb_data_var *v);
/* Frees the variables of a pending list and the list's array. */
void gb_data_list_free(var_list *l);
/* Adds the pending variables of one file, or none of them if one was loaded before.  Takes
 * ownership of everything in p and leaves it empty. */
gb_status gb_data_commit(gb_data *d, var_list *p, gb_errlist *errs);
/* NaN and infinities as CmdStan and common tools write them ("NaN", "-Inf", ...): 1 and *out
 * set when s[0, n) is one. */
int gb_data_special_value(const char *s, size_t n, double *out);
/* Characters (UTF-8 code points) in t[a, b). */
int gb_data_chars_between(const char *t, size_t a, size_t b);
/* The location of byte offset off, spanning to byte offset end when that is on the same line. */
gb_loc gb_data_loc_at(const gb_source *src, size_t off, size_t end);
/* Writes "y" or "y[2,3]" (1-based) into buf. */
void gb_data_elem_name(char *buf, size_t len, const char *name, const size_t *path, int n);
/* Allocates len doubles after checking size overflow and the memory budget. */
gb_status gb_data_alloc_values(size_t len, double **out, gb_errlist *errs, gb_loc loc,
                               const char *name);

#endif
