/* status.h - status codes, source locations and the error list every module reports into.
 *
 * Library code never prints: a fallible function returns a gb_status and, for problems a user
 * should read, appends a located gb_err to a gb_errlist.  Only the CLI renders the list (see
 * gb_errlist_print) and turns the worst status into an exit code.
 */
#ifndef GB_RUNTIME_CORE_STATUS_H
#define GB_RUNTIME_CORE_STATUS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

typedef enum gb_status {
    GB_OK = 0,
    GB_ESYNTAX,    /* the script does not parse */
    GB_ESEMANTIC,  /* names, types, shapes, arity */
    GB_EDATA,      /* a data file is malformed or does not match the declarations */
    GB_EIO,        /* a file could not be read or written */
    GB_ENOMEM,     /* allocation failed or a size exceeds the memory budget */
    GB_EUSAGE,     /* bad command-line flags */
    GB_ENUMERIC,   /* a value or gradient is not finite where it must be */
    GB_EINTERRUPT, /* the user stopped the run */
    GB_EINTERNAL   /* a bug: "internal error, please report" */
} gb_status;

/* A place in a file; lines and columns count from 1, 0 means "unknown". */
typedef struct gb_loc {
    const char *file; /* borrowed; must outlive the error list (sources are kept by gb_sources) */
    int line, col, end_col;
} gb_loc;

typedef struct gb_err {
    gb_status code;
    gb_loc loc;
    char *msg;  /* owned */
    char *hint; /* owned, may be NULL */
} gb_err;

/* At most this many errors are kept per file; one more adds a "too many errors" line. */
#define GB_MAX_ERRORS_PER_FILE 20

typedef struct gb_errlist gb_errlist;

gb_errlist *gb_errlist_new(void);
void gb_errlist_free(gb_errlist *errs);
size_t gb_errlist_count(const gb_errlist *errs);
const gb_err *gb_errlist_get(const gb_errlist *errs, size_t i);
/* The most severe code present, or GB_OK when the list is empty. */
gb_status gb_errlist_status(const gb_errlist *errs);

/* Appends an error; returns `code` so callers can write `return gb_error(...)`.
 * Allocation failures inside the list are remembered and reported as GB_ENOMEM. */
gb_status gb_error(gb_errlist *errs, gb_status code, gb_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
gb_status gb_verror(gb_errlist *errs, gb_status code, gb_loc loc, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* A "cannot happen" path (STYLE.md, section 2): an internal error that names the function and
 * its place, never mistaken for a user's error or for running out of memory.  Evaluates to
 * GB_EINTERNAL. */
#define GB_INTERNAL(errs)                                                                          \
    gb_error((errs), GB_EINTERNAL, (gb_loc){0}, "internal error in %s (%s:%d), please report",    \
             __func__, __FILE__, __LINE__)

/* Appends a note: something the user should know that is not an error (a constant input column
 * a tree never splits on).  Its code is GB_OK, so the list's status stays what it was; it is
 * printed as "note:".  A note equal to one already in the list (same place, same text) is not
 * added again.  Returns GB_OK. */
gb_status gb_note(gb_errlist *errs, gb_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Attaches a hint to the most recently added error (no-op on an empty list). */
void gb_error_hint(gb_errlist *errs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* printf into a new malloc'd string; NULL on allocation failure. Caller frees. */
char *gb_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *gb_strdup(const char *s);

/* A human name for a status ("syntax error", ...). */
const char *gb_status_name(gb_status s);

#endif
