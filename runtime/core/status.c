/* status.c - the error list: located messages with optional hints, capped per file. */
#include "status.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

struct gb_errlist {
    GB_VEC(gb_err) errs;
    int oom; /* an allocation inside the list failed: report GB_ENOMEM */
};

gb_errlist *gb_errlist_new(void)
{
    return calloc(1, sizeof(gb_errlist));
}

void gb_errlist_free(gb_errlist *errs)
{
    if (!errs)
        return;
    for (size_t i = 0; i < errs->errs.len; i++) {
        free(errs->errs.items[i].msg);
        free(errs->errs.items[i].hint);
    }
    free(errs->errs.items);
    free(errs);
}

size_t gb_errlist_count(const gb_errlist *errs)
{
    return errs ? errs->errs.len : 0;
}

const gb_err *gb_errlist_get(const gb_errlist *errs, size_t i)
{
    return i < errs->errs.len ? &errs->errs.items[i] : NULL;
}

/* Severity order: an internal error beats out-of-memory beats everything a user caused. */
static int severity(gb_status s)
{
    switch (s) {
    case GB_OK:
        return 0;
    case GB_EINTERNAL:
        return 4;
    case GB_ENOMEM:
        return 3;
    case GB_EINTERRUPT:
        return 2;
    default:
        return 1;
    }
}

gb_status gb_errlist_status(const gb_errlist *errs)
{
    gb_status worst = GB_OK;
    if (!errs)
        return GB_OK;
    if (errs->oom)
        worst = GB_ENOMEM;
    for (size_t i = 0; i < errs->errs.len; i++)
        if (severity(errs->errs.items[i].code) > severity(worst))
            worst = errs->errs.items[i].code;
    return worst;
}

static size_t count_in_file(const gb_errlist *errs, const char *file)
{
    size_t n = 0;
    for (size_t i = 0; i < errs->errs.len; i++) {
        const char *f = errs->errs.items[i].loc.file;
        if ((f == NULL && file == NULL) || (f && file && strcmp(f, file) == 0))
            n++;
    }
    return n;
}

gb_status gb_verror(gb_errlist *errs, gb_status code, gb_loc loc, const char *fmt, va_list ap)
{
    if (!errs)
        return code;
    size_t n = count_in_file(errs, loc.file);
    if (n > GB_MAX_ERRORS_PER_FILE)
        return code;
    gb_err e = {code, loc, NULL, NULL};
    if (n == GB_MAX_ERRORS_PER_FILE) {
        e.msg = gb_strdup("too many errors in this file; stopping here");
        e.loc.line = e.loc.col = e.loc.end_col = 0;
    } else {
        va_list cp;
        va_copy(cp, ap);
        int len = vsnprintf(NULL, 0, fmt, cp);
        va_end(cp);
        if (len >= 0 && (e.msg = malloc((size_t)len + 1)) != NULL)
            vsnprintf(e.msg, (size_t)len + 1, fmt, ap);
    }
    if (!e.msg || GB_VEC_PUSH(&errs->errs, e) != 0) {
        free(e.msg);
        errs->oom = 1;
    }
    return code;
}

gb_status gb_error(gb_errlist *errs, gb_status code, gb_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gb_verror(errs, code, loc, fmt, ap);
    va_end(ap);
    return code;
}

/* Is there already a note at loc saying msg? */
static int has_note(const gb_errlist *errs, gb_loc loc, const char *msg)
{
    for (size_t i = 0; i < errs->errs.len; i++) {
        const gb_err *e = &errs->errs.items[i];
        if (e->code == GB_OK && e->msg && strcmp(e->msg, msg) == 0 && e->loc.line == loc.line &&
            e->loc.col == loc.col &&
            ((!e->loc.file && !loc.file) ||
             (e->loc.file && loc.file && !strcmp(e->loc.file, loc.file))))
            return 1;
    }
    return 0;
}

gb_status gb_note(gb_errlist *errs, gb_loc loc, const char *fmt, ...)
{
    if (!errs)
        return GB_OK;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (!msg) {
        errs->oom = 1;
        return GB_OK;
    }
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)len + 1, fmt, ap);
    va_end(ap);
    if (!has_note(errs, loc, msg)) /* a second compile of the same model says it once */
        gb_error(errs, GB_OK, loc, "%s", msg);
    free(msg);
    return GB_OK;
}

void gb_error_hint(gb_errlist *errs, const char *fmt, ...)
{
    if (!errs || errs->errs.len == 0)
        return;
    gb_err *e = &errs->errs.items[errs->errs.len - 1];
    if (e->loc.line == 0 && e->msg && strncmp(e->msg, "too many", 8) == 0)
        return;
    va_list ap, cp;
    va_start(ap, fmt);
    va_copy(cp, ap);
    int len = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    char *h = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (h) {
        vsnprintf(h, (size_t)len + 1, fmt, ap);
        free(e->hint);
        e->hint = h;
    } else {
        errs->oom = 1;
    }
    va_end(ap);
}

char *gb_strdup_printf(const char *fmt, ...)
{
    va_list ap, cp;
    va_start(ap, fmt);
    va_copy(cp, ap);
    int len = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (s)
        vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *gb_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

const char *gb_status_name(gb_status s)
{
    switch (s) {
    case GB_OK:
        return "ok";
    case GB_ESYNTAX:
        return "syntax error";
    case GB_ESEMANTIC:
        return "model error";
    case GB_EDATA:
        return "data error";
    case GB_EIO:
        return "i/o error";
    case GB_ENOMEM:
        return "out of memory";
    case GB_EUSAGE:
        return "usage error";
    case GB_ENUMERIC:
        return "numerical error";
    case GB_EINTERRUPT:
        return "interrupted";
    case GB_EINTERNAL:
        return "internal error, please report";
    }
    return "unknown error";
}
