/* stancsv.c - reader for CmdStan-layout draws files (see stancsv.h).
 *
 * One pass over the file with getline: comment lines are kept with their position, the first
 * other non-blank line is the header, every later one a row of numbers parsed with strtod.
 * Values go into one growable row-major array whose size is checked against the memory budget
 * (size.h) before each growth.  Owns the names, comments and values it returns.
 */
#include "stancsv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"
#include "vec.h"

/* How much of a bad cell a message quotes. */
#define QUOTE_MAX 40

typedef struct comment {
    char *text;
    int line;
    size_t row;
    int adapt;
} comment;

struct gb_stancsv {
    GB_VEC(char *) names;
    GB_VEC(comment) comments;
    double *values; /* nrows x ncols, row-major */
    size_t nrows, cap;
    int dropped_line;
    double step_size;
    int in_mass_matrix; /* reading the number lines after the mass-matrix comment */
    /* warmup settings from the configuration comments before the header; -1 when absent */
    int save_warmup;
    long num_warmup, thin;
};

/* The reader's position, for located errors. */
typedef struct reader {
    const char *path;
    gb_errlist *errs;
    int line;
    int nerr;
} reader;

void gb_stancsv_free(gb_stancsv *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->names.len; i++)
        free(s->names.items[i]);
    free(s->names.items);
    for (size_t i = 0; i < s->comments.len; i++)
        free(s->comments.items[i].text);
    free(s->comments.items);
    free(s->values);
    free(s);
}

static gb_status fail(reader *r, gb_status code, int col, int end_col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static gb_status fail(reader *r, gb_status code, int col, int end_col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gb_loc loc = {r->path, r->line, col, end_col};
    gb_verror(r->errs, code, loc, fmt, ap);
    va_end(ap);
    r->nerr++;
    return code;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static int looks_numeric(const char *t)
{
    while (is_space(*t))
        t++;
    return (*t >= '0' && *t <= '9') || *t == '-' || *t == '+' || *t == '.';
}

/* The value of a "key = value" configuration comment (CmdStan writes "#     thin = 1", with
 * " (Default)" after values left at their default; rstan writes "# thin=1"), or NULL when the
 * comment is not about `key`.  Returns a pointer into text; *len is the value's length. */
static const char *config_value(const char *text, const char *key, size_t *len)
{
    while (is_space(*text))
        text++;
    size_t k = strlen(key);
    if (strncmp(text, key, k) != 0)
        return NULL;
    text += k;
    while (is_space(*text))
        text++;
    if (*text != '=')
        return NULL;
    text++;
    while (is_space(*text))
        text++;
    const char *end = strstr(text, "(Default)");
    size_t n = end ? (size_t)(end - text) : strlen(text);
    while (n > 0 && is_space(text[n - 1]))
        n--;
    *len = n;
    return text;
}

/* A non-negative integer value, or -1 when it is not one. */
static long config_long(const char *v, size_t n)
{
    char buf[32];
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, v, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    long x = strtol(buf, &end, 10);
    return *end || errno || x < 0 ? -1 : x;
}

/* Records the warmup settings: num_warmup (rstan: warmup), save_warmup (0/1, or false/true
 * from CmdStan 2.33 on), thin. */
static void read_config(gb_stancsv *s, const char *text)
{
    size_t n;
    const char *v;
    if ((v = config_value(text, "save_warmup", &n)))
        s->save_warmup = (n == 1 && v[0] == '1') || (n == 4 && strncmp(v, "true", 4) == 0);
    else if ((v = config_value(text, "num_warmup", &n)) || (v = config_value(text, "warmup", &n)))
        s->num_warmup = config_long(v, n);
    else if ((v = config_value(text, "thin", &n)))
        s->thin = config_long(v, n);
}

static gb_status add_comment(gb_stancsv *s, reader *r, const char *text)
{
    if (s->names.len == 0)
        read_config(s, text);
    comment c = {gb_strdup(text), r->line, s->nrows, 0};
    if (!c.text)
        return fail(r, GB_ENOMEM, 0, 0, "out of memory reading comments");
    if (strstr(text, "Adaptation terminated"))
        c.adapt = 1;
    const char *ss = strstr(text, "Step size =");
    if (ss) {
        c.adapt = 1;
        s->step_size = strtod(ss + strlen("Step size ="), NULL);
    }
    if (strstr(text, "inverse mass matrix:")) {
        c.adapt = 1;
        s->in_mass_matrix = 1;
    } else if (s->in_mass_matrix && looks_numeric(text)) {
        c.adapt = 1;
    } else {
        s->in_mass_matrix = 0;
    }
    if (GB_VEC_PUSH(&s->comments, c) != 0) {
        free(c.text);
        return fail(r, GB_ENOMEM, 0, 0, "out of memory reading comments");
    }
    return GB_OK;
}

/* Splits the header into names. */
static gb_status read_header(gb_stancsv *s, reader *r, const char *line)
{
    const char *p = line;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *a = p, *b = p + len;
        while (a < b && is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        int col = (int)(p - line) + 1;
        if (a == b)
            return fail(r, GB_EDATA, col, col, "empty column name in the header");
        char *name = malloc((size_t)(b - a) + 1);
        if (!name || GB_VEC_PUSH(&s->names, name) != 0) {
            free(name);
            return fail(r, GB_ENOMEM, col, col, "out of memory reading the header");
        }
        memcpy(name, a, (size_t)(b - a));
        name[b - a] = '\0';
        if (!end)
            return GB_OK;
        p = end + 1;
    }
}

/* Room for one more row; GB_ENOMEM (reported) past the budget. */
static gb_status reserve_row(gb_stancsv *s, reader *r)
{
    size_t ncols = s->names.len, need, bytes;
    if (gb_size_add(s->nrows, 1, &need) || gb_size_mul(need, ncols, &need) ||
        gb_size_fits_budget(need, sizeof(double)))
        return fail(r, GB_ENOMEM, 0, 0, "the draws exceed the memory budget (%zu rows read)",
                    s->nrows);
    if (need <= s->cap)
        return GB_OK;
    size_t cap = s->cap ? s->cap : ncols * 64;
    while (cap < need)
        if (gb_size_mul(cap, 2, &cap))
            cap = need;
    if (gb_size_fits_budget(cap, sizeof(double)))
        cap = need;
    double *v;
    if (gb_size_mul(cap, sizeof(double), &bytes) || !(v = realloc(s->values, bytes)))
        return fail(r, GB_ENOMEM, 0, 0, "out of memory after %zu rows", s->nrows);
    s->values = v;
    s->cap = cap;
    return GB_OK;
}

/* Parses one data row.  With `cut` (the unterminated last line), a row with too few cells or a
 * bad cell is not reported: *cut is set to 1 and the caller drops it. */
static gb_status read_row(gb_stancsv *s, reader *r, const char *line, int *cut)
{
    int quiet = cut != NULL;
    size_t ncols = s->names.len, ncells = 1;
    for (const char *q = line; *q; q++)
        ncells += *q == ',';
    if (ncells < ncols && quiet) {
        *cut = 1;
        return GB_OK;
    }
    if (ncells != ncols) {
        int col = (int)strlen(line) + 1;
        if (ncells > ncols) { /* point at the first extra cell */
            const char *q = line;
            for (size_t k = 0; k < ncols; k++)
                q = strchr(q, ',') + 1;
            col = (int)(q - line) + 1;
        }
        return fail(r, GB_EDATA, col, col, "row has %zu cells, the header has %zu", ncells, ncols);
    }
    gb_status st = reserve_row(s, r);
    if (st)
        return st;
    double *row = s->values + s->nrows * ncols;
    const char *p = line;
    gb_status bad = GB_OK;
    for (size_t k = 0; k < ncols; k++) {
        const char *end = strchr(p, ',');
        const char *b = end ? end : p + strlen(p), *a = p;
        while (a < b && is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        int col = (int)(a - line) + 1, len = (int)(b - a);
        char *stop = NULL;
        errno = 0;
        double v = a < b ? strtod(a, &stop) : 0;
        if (a == b || stop != b) {
            if (quiet) {
                *cut = 1;
                return GB_OK;
            }
            if (a == b)
                bad = fail(r, GB_EDATA, col, col, "empty cell in column '%s'", s->names.items[k]);
            else
                bad = fail(r, GB_EDATA, col, col + len - 1, "not a number in column '%s': '%.*s%s'",
                           s->names.items[k], len > QUOTE_MAX ? QUOTE_MAX : len, a,
                           len > QUOTE_MAX ? "..." : "");
        }
        row[k] = v; /* strtod's overflow gives +-HUGE_VAL = inf, as CmdStan would print it */
        p = end ? end + 1 : b;
    }
    if (!bad)
        s->nrows++;
    return bad;
}

static gb_status read_line(gb_stancsv *s, reader *r, char *line, ssize_t n)
{
    int has_nl = n > 0 && line[n - 1] == '\n';
    if (has_nl)
        line[--n] = '\0';
    if (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
    if (n == 0)
        return GB_OK;
    if (line[0] == '#')
        return add_comment(s, r, line + 1);
    if (s->names.len == 0)
        return read_header(s, r, line);
    if (has_nl)
        return read_row(s, r, line, NULL);
    int cut = 0;
    gb_status st = read_row(s, r, line, &cut);
    if (cut)
        s->dropped_line = r->line; /* cut off mid-row: dropped, the caller warns */
    return st;
}

gb_stancsv *gb_stancsv_read(const char *path, gb_errlist *errs)
{
    reader r = {path, errs, 0, 0};
    FILE *f = fopen(path, "r");
    if (!f) {
        fail(&r, GB_EIO, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    gb_stancsv *s = calloc(1, sizeof *s);
    if (!s) {
        fclose(f);
        fail(&r, GB_ENOMEM, 0, 0, "out of memory");
        return NULL;
    }
    s->step_size = NAN;
    s->save_warmup = -1;
    s->num_warmup = s->thin = -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    gb_status fatal = GB_OK;
    while (!fatal && (n = getline(&line, &cap, f)) >= 0) {
        r.line++;
        gb_status st = read_line(s, &r, line, n);
        if (st == GB_ENOMEM || (st && s->names.len == 0))
            fatal = st; /* no header to read rows against, or no memory: stop */
    }
    int read_err = ferror(f);
    free(line);
    fclose(f);
    if (read_err && !fatal)
        fail(&r, GB_EIO, 0, 0, "read error");
    else if (!fatal && r.line == 0)
        fail(&r, GB_EDATA, 0, 0, "empty file");
    else if (!fatal && s->names.len == 0)
        fail(&r, GB_EDATA, 0, 0, "no header row: the file has only comments or blank lines");
    if (r.nerr) {
        gb_stancsv_free(s);
        return NULL;
    }
    return s;
}

size_t gb_stancsv_ncols(const gb_stancsv *s)
{
    return s->names.len;
}

size_t gb_stancsv_nrows(const gb_stancsv *s)
{
    return s->nrows;
}

const char *gb_stancsv_col_name(const gb_stancsv *s, size_t i)
{
    return i < s->names.len ? s->names.items[i] : NULL;
}

long gb_stancsv_find_col(const gb_stancsv *s, const char *name)
{
    for (size_t i = 0; i < s->names.len; i++)
        if (strcmp(s->names.items[i], name) == 0)
            return (long)i;
    return -1;
}

double gb_stancsv_value(const gb_stancsv *s, size_t row, size_t col)
{
    if (row >= s->nrows || col >= s->names.len)
        return NAN;
    return s->values[row * s->names.len + col];
}

const double *gb_stancsv_row(const gb_stancsv *s, size_t row)
{
    return row < s->nrows ? s->values + row * s->names.len : NULL;
}

size_t gb_stancsv_ncomments(const gb_stancsv *s)
{
    return s->comments.len;
}

const char *gb_stancsv_comment(const gb_stancsv *s, size_t i)
{
    return i < s->comments.len ? s->comments.items[i].text : NULL;
}

int gb_stancsv_comment_line(const gb_stancsv *s, size_t i)
{
    return i < s->comments.len ? s->comments.items[i].line : 0;
}

size_t gb_stancsv_comment_row(const gb_stancsv *s, size_t i)
{
    return i < s->comments.len ? s->comments.items[i].row : 0;
}

int gb_stancsv_comment_is_adaptation(const gb_stancsv *s, size_t i)
{
    return i < s->comments.len && s->comments.items[i].adapt;
}

double gb_stancsv_step_size(const gb_stancsv *s)
{
    return s->step_size;
}

size_t gb_stancsv_warmup_rows(const gb_stancsv *s)
{
    if (s->save_warmup != 1 || s->num_warmup <= 0)
        return 0;
    size_t thin = s->thin > 0 ? (size_t)s->thin : 1;
    return ((size_t)s->num_warmup + thin - 1) / thin;
}

int gb_stancsv_dropped_line(const gb_stancsv *s)
{
    return s->dropped_line;
}
