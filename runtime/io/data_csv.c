/* data_csv.c - CSV data with a header row; indexed column names group into arrays (see
 * data.c). */
#include "data.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data_int.h"
#include "size.h"

/* ---- CSV --------------------------------------------------------------------------------- */

typedef struct cell {
    size_t off, len;   /* content, without quotes and surrounding blanks */
    size_t start, end; /* the raw cell, for locations */
    int quoted, bad_quote;
} cell;

typedef struct ccol {
    char *name, *base; /* the header cell unquoted; the name before any indices */
    int nidx;
    size_t idx[GB_MAX_RANK]; /* 1-based as written */
    size_t pos;              /* column number, 0-based */
    gb_loc loc;
    int all_int;
    size_t bad_row; /* the first row holding NaN or an infinity in this column ... */
    gb_loc bad_loc; /* ... and that cell; line 0 when none does */
} ccol;

typedef struct csv {
    const gb_source *src;
    gb_errlist *errs;
    size_t i, ls, le; /* read position; the current line's start and end (without CR LF) */
    int line;
    int nerr;
    ccol *cols;
    size_t ncols;
    double *vals; /* rows x ncols, row-major */
    size_t nvals, cap, rows;
} csv;

/* Moves to the next line that is not blank or a comment; 0 at end of file. */
static int next_line(csv *r)
{
    const char *t = r->src->text;
    while (r->i < r->src->len) {
        const char *nl = memchr(t + r->i, '\n', r->src->len - r->i);
        r->ls = r->i;
        r->le = nl ? (size_t)(nl - t) : r->src->len;
        r->i = nl ? r->le + 1 : r->src->len;
        r->line++;
        if (r->le > r->ls && t[r->le - 1] == '\r')
            r->le--;
        size_t j = r->ls;
        while (j < r->le && (t[j] == ' ' || t[j] == '\t'))
            j++;
        if (j < r->le && t[j] != '#')
            return 1;
    }
    return 0;
}

static gb_loc cell_loc(const csv *r, size_t a, size_t b)
{
    int col = 1 + gb_data_chars_between(r->src->text, r->ls, a);
    return (gb_loc){r->src->name, r->line, col, col + gb_data_chars_between(r->src->text, a, b)};
}

/* Reads the cell starting at p; returns the offset of the ',' that ends it, or le. */
static size_t read_cell(const csv *r, size_t p, cell *c)
{
    const char *t = r->src->text;
    size_t le = r->le;
    memset(c, 0, sizeof *c);
    while (p < le && (t[p] == ' ' || t[p] == '\t'))
        p++;
    c->start = c->off = p;
    if (p < le && t[p] == '"') {
        c->quoted = 1;
        c->off = ++p;
        while (p < le && !(t[p] == '"' && (p + 1 >= le || t[p + 1] != '"')))
            p += t[p] == '"' ? 2 : 1;
        c->len = p - c->off;
        c->bad_quote = p >= le;
        if (p < le)
            p++;
        c->end = p;
        while (p < le && (t[p] == ' ' || t[p] == '\t'))
            p++;
        if (p < le && t[p] != ',') {
            c->bad_quote = 1;
            while (p < le && t[p] != ',')
                p++;
            c->end = p;
        }
        return p;
    }
    while (p < le && t[p] != ',')
        p++;
    size_t e = p;
    while (e > c->off && (t[e - 1] == ' ' || t[e - 1] == '\t'))
        e--;
    c->len = e - c->off;
    c->end = e;
    return p;
}

static gb_status csv_error(csv *r, gb_status code, gb_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static gb_status csv_error(csv *r, gb_status code, gb_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gb_verror(r->errs, code, loc, fmt, ap);
    va_end(ap);
    r->nerr++;
    return code;
}

/* Splits "x.1.2", "x[1,2]" or "x[1][2]" into base and indices; a name without them is plain.
 * Returns NULL, or a short reason the indices cannot be read. */
static const char *split_name(ccol *c)
{
    char *s = c->name, *br = strchr(s, '[');
    size_t n = strlen(s), cut = n;
    if (br && br > s) {
        cut = (size_t)(br - s);
        for (char *p = br; *p;) {
            if (*p++ != '[')
                return "expected '[' after ']'";
            for (;;) {
                if (!isdigit((unsigned char)*p))
                    return "indices must be whole numbers";
                size_t v = 0;
                for (; isdigit((unsigned char)*p); p++)
                    if (gb_size_mul(v, 10, &v) || gb_size_add(v, (size_t)(*p - '0'), &v))
                        return "an index is too large";
                if (c->nidx == GB_MAX_RANK)
                    return "more than 4 indices";
                c->idx[c->nidx++] = v;
                if (*p == ',') {
                    p++;
                    continue;
                }
                if (*p++ != ']')
                    return "expected ',' or ']'";
                break;
            }
        }
    } else {
        size_t starts[GB_MAX_RANK + 1];
        int k = 0;
        for (size_t e = n; e > 0;) {
            size_t d = e;
            while (d > 0 && isdigit((unsigned char)s[d - 1]))
                d--;
            if (d == e || d < 2 || s[d - 1] != '.')
                break;
            if (k == GB_MAX_RANK)
                return "more than 4 indices";
            starts[k++] = d;
            e = cut = d - 1;
        }
        for (int j = k - 1; j >= 0; j--) {
            size_t v = 0;
            for (size_t p = starts[j]; isdigit((unsigned char)s[p]); p++)
                if (gb_size_mul(v, 10, &v) || gb_size_add(v, (size_t)(s[p] - '0'), &v))
                    return "an index is too large";
            c->idx[c->nidx++] = v;
        }
    }
    for (int j = 0; j < c->nidx; j++)
        if (c->idx[j] == 0)
            return "indices start at 1";
    c->base = malloc(cut + 1);
    if (!c->base)
        return "out of memory";
    memcpy(c->base, s, cut);
    c->base[cut] = '\0';
    return NULL;
}

static gb_status read_header(csv *r)
{
    const char *t = r->src->text;
    GB_VEC(ccol) cols = {0};
    gb_status st = GB_OK;
    for (size_t p = r->ls;;) {
        cell c;
        size_t q = read_cell(r, p, &c);
        ccol col = {.pos = cols.len, .loc = cell_loc(r, c.start, c.end), .all_int = 1};
        col.name = malloc(c.len + 1);
        if (!col.name || GB_VEC_PUSH(&cols, col) != 0) {
            free(col.name);
            st = csv_error(r, GB_ENOMEM, col.loc, "out of memory reading the header");
            break;
        }
        size_t n = 0;
        for (size_t j = c.off; j < c.off + c.len; j++) {
            col.name[n++] = t[j];
            if (c.quoted && t[j] == '"') /* "" inside quotes stands for " */
                j++;
        }
        col.name[n] = '\0';
        ccol *cp = &cols.items[cols.len - 1];
        const char *why = NULL;
        if (c.bad_quote)
            st = csv_error(r, GB_EDATA, col.loc, "unterminated or misplaced quote in the header");
        else if (n == 0)
            st = csv_error(r, GB_EDATA, col.loc, "empty column name in the header");
        else if ((why = split_name(cp)) != NULL) {
            st = csv_error(r, GB_EDATA, col.loc, "cannot read column name '%s': %s", col.name, why);
            gb_error_hint(r->errs, "write array elements as x.1.2 or x[1,2]");
        }
        if (q >= r->le || r->nerr >= MAX_ERRS)
            break;
        p = q + 1;
    }
    r->cols = cols.items;
    r->ncols = cols.len;
    return st;
}

static int push_val(csv *r, double v)
{
    if (r->nvals == r->cap) {
        size_t ncap = r->cap ? r->cap : 4096, bytes;
        if (r->cap && gb_size_mul(r->cap, 2, &ncap) != 0)
            return -1;
        if (gb_size_mul(ncap, sizeof(double), &bytes) || gb_size_fits_budget(ncap, sizeof(double)))
            return -1;
        double *p = realloc(r->vals, bytes);
        if (!p)
            return -1;
        r->vals = p;
        r->cap = ncap;
    }
    r->vals[r->nvals++] = v;
    return 0;
}

/* Parses a decimal number (no hex, no "infinity" spelled by strtod) or a NaN/Inf spelling. */
static const char *parse_num(const char *s, size_t n, double *v, int *is_int)
{
    if (n == 0)
        return "empty cell";
    if (gb_data_special_value(s, n, v)) {
        *is_int = 0;
        return NULL;
    }
    size_t i = (s[0] == '+' || s[0] == '-'), d1 = 0, d2 = 0;
    for (; i < n && isdigit((unsigned char)s[i]); i++)
        d1++;
    *is_int = 1;
    if (i < n && s[i] == '.') {
        *is_int = 0;
        for (i++; i < n && isdigit((unsigned char)s[i]); i++)
            d2++;
    }
    if (d1 + d2 == 0)
        return "not a number";
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        *is_int = 0;
        i += 1 + (i + 1 < n && (s[i + 1] == '+' || s[i + 1] == '-'));
        size_t d3 = 0;
        for (; i < n && isdigit((unsigned char)s[i]); i++)
            d3++;
        if (d3 == 0)
            return "not a number";
    }
    if (i != n)
        return "not a number";
    /* Both stop at the cell's end: the byte after it is not part of a number. */
    if (!*is_int) {
        *v = strtod(s, NULL);
        return NULL;
    }
    errno = 0;
    long long w = strtoll(s, NULL, 10);
    if (errno == ERANGE || w > MAX_EXACT_INT_I || w < -MAX_EXACT_INT_I)
        return "an integer too large to hold exactly (integers must be within +-2^53)";
    *v = (double)w;
    return NULL;
}

static gb_status read_row(csv *r)
{
    const char *t = r->src->text;
    size_t k = 0, p = r->ls;
    for (;;) {
        cell c;
        size_t q = read_cell(r, p, &c);
        if (k == r->ncols) {
            gb_loc l = cell_loc(r, c.start, r->le);
            size_t n = k + 1;
            for (size_t j = q; j < r->le; j++)
                n += t[j] == ',';
            return csv_error(r, GB_EDATA, l, "row has %zu cell%s but the header has %zu columns", n,
                             n == 1 ? "" : "s", r->ncols);
        }
        double v = NAN;
        int is_int = 0;
        const char *why = c.bad_quote ? "unterminated or misplaced quote"
                                      : parse_num(t + c.off, c.len, &v, &is_int);
        if (why) {
            gb_loc l = cell_loc(r, c.start, c.end > c.start ? c.end : c.start + 1);
            if (c.len && !c.bad_quote)
                csv_error(r, GB_EDATA, l, "'%.*s' in column '%s' is %s", (int)c.len, t + c.off,
                          r->cols[k].name, why);
            else
                csv_error(r, GB_EDATA, l, "%s in column '%s'", why, r->cols[k].name);
        }
        r->cols[k].all_int &= is_int;
        if (!why && !isfinite(v) && r->cols[k].bad_loc.line == 0) {
            r->cols[k].bad_row = r->rows;
            r->cols[k].bad_loc = cell_loc(r, c.start, c.end);
        }
        if (push_val(r, v) != 0)
            return csv_error(r, GB_ENOMEM, cell_loc(r, c.start, c.end),
                             "the data are larger than the memory budget allows");
        k++;
        if (q >= r->le)
            break;
        p = q + 1;
    }
    if (k < r->ncols) {
        gb_loc l = cell_loc(r, r->le, r->le + 1);
        l.end_col = 0;
        csv_error(r, GB_EDATA, l, "row has %zu cell%s but the header has %zu columns", k,
                  k == 1 ? "" : "s", r->ncols);
        while (k++ < r->ncols)
            if (push_val(r, NAN) != 0)
                return csv_error(r, GB_ENOMEM, l, "out of memory");
    }
    return GB_OK;
}

static int cmp_col(const void *a, const void *b)
{
    const ccol *x = *(const ccol *const *)a, *y = *(const ccol *const *)b;
    int c = strcmp(x->base, y->base);
    if (c)
        return c;
    if (x->nidx != y->nidx)
        return x->nidx < y->nidx ? -1 : 1;
    for (int k = 0; k < x->nidx; k++)
        if (x->idx[k] != y->idx[k])
            return x->idx[k] < y->idx[k] ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

typedef struct group {
    ccol **m;        /* members sorted by index */
    size_t n, first; /* count; smallest column number */
} group;

static int cmp_group(const void *a, const void *b)
{
    const group *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

static const ccol *first_in_file(const group *g)
{
    const ccol *f = g->m[0];
    for (size_t j = 1; j < g->n; j++)
        if (g->m[j]->pos < f->pos)
            f = g->m[j];
    return f;
}

/* Checks that a group's columns have one index count, no repeats and fill a box; *prod gets
 * the number of elements per row and dims the box. */
static gb_status check_group(csv *r, const group *g, size_t *dims, size_t *prod)
{
    const ccol *f = first_in_file(g);
    for (size_t j = 0; j < g->n; j++)
        if (g->m[j]->nidx != f->nidx)
            return csv_error(r, GB_EDATA, g->m[j]->loc,
                             "column '%s' has %d ind%s but '%s' has %d; the columns of one "
                             "variable need the same number",
                             g->m[j]->name, g->m[j]->nidx, g->m[j]->nidx == 1 ? "ex" : "ices",
                             f->name, f->nidx);
    for (size_t j = 1; j < g->n; j++)
        if (memcmp(g->m[j - 1]->idx, g->m[j]->idx, sizeof(size_t) * (size_t)f->nidx) == 0) {
            csv_error(r, GB_EDATA, g->m[j]->loc, "duplicate column '%s'", g->m[j]->name);
            gb_error_hint(r->errs, "column %zu ('%s') is the same variable element",
                          g->m[j - 1]->pos + 1, g->m[j - 1]->name);
            return GB_EDATA;
        }
    *prod = 1;
    for (int k = 0; k < f->nidx; k++) {
        dims[k] = 0;
        for (size_t j = 0; j < g->n; j++)
            if (g->m[j]->idx[k] > dims[k])
                dims[k] = g->m[j]->idx[k];
        if (gb_size_mul(*prod, dims[k], prod) != 0)
            *prod = SIZE_MAX;
    }
    if (*prod == g->n)
        return GB_OK;
    size_t want[GB_MAX_RANK]; /* the first index combination in row-major order with no column */
    for (int k = 0; k < f->nidx; k++)
        want[k] = 1;
    for (size_t j = 0; j < g->n; j++) {
        if (memcmp(g->m[j]->idx, want, sizeof(size_t) * (size_t)f->nidx) != 0)
            break;
        for (int k = f->nidx - 1; k >= 0 && ++want[k] > dims[k]; k--)
            want[k] = 1;
    }
    char el[128], box[96];
    size_t used = (size_t)snprintf(el, sizeof el, "%s", f->base), bu = 0;
    box[0] = '\0';
    for (int k = 0; k < f->nidx; k++) {
        if (used < sizeof el)
            used += (size_t)snprintf(el + used, sizeof el - used, ".%zu", want[k]);
        if (bu < sizeof box)
            bu += (size_t)snprintf(box + bu, sizeof box - bu, "%s%zu", k ? " x " : "", dims[k]);
    }
    return csv_error(r, GB_EDATA, f->loc,
                     "the columns of '%s' make an array of size %s but column %s is missing",
                     f->base, box, el);
}

static gb_status build_group(csv *r, const group *g, var_list *out)
{
    size_t dims[GB_MAX_RANK], prod, len;
    gb_status st = check_group(r, g, dims, &prod);
    if (st != GB_OK)
        return st;
    const ccol *f = first_in_file(g);
    gb_data_var v = {.type = GB_INT, .loc = f->loc};
    int lead = f->nidx == 0 || r->rows > 1; /* the row index comes first */
    if (f->nidx + lead > GB_MAX_RANK)
        return csv_error(r, GB_EDATA, f->loc,
                         "'%s' has %d indices per row and %zu rows, more than %d dimensions",
                         f->base, f->nidx, r->rows, GB_MAX_RANK);
    v.shape.rank = f->nidx + lead;
    if (lead)
        v.shape.dim[0] = r->rows;
    for (int k = 0; k < f->nidx; k++)
        v.shape.dim[k + lead] = dims[k];
    if (gb_size_mul(prod, r->rows, &len) != 0)
        return csv_error(r, GB_ENOMEM, f->loc, "'%s' is too large", f->base);
    if ((st = gb_data_alloc_values(len, &v.val, r->errs, f->loc, f->base)) != GB_OK)
        return r->nerr++, st;
    v.len = len;
    for (size_t j = 0; j < g->n; j++) {
        const ccol *c = g->m[j];
        size_t e = 0;
        for (int k = 0; k < c->nidx; k++)
            e = e * dims[k] + (c->idx[k] - 1);
        for (size_t i = 0; i < r->rows; i++)
            v.val[i * prod + e] = r->vals[i * r->ncols + c->pos];
        if (!c->all_int)
            v.type = GB_REAL;
        size_t bad = c->bad_row * prod + e; /* the element that cell holds */
        if (c->bad_loc.line > 0 && (v.nonfinite_loc.line == 0 || bad < v.nonfinite)) {
            v.nonfinite = bad;
            v.nonfinite_loc = c->bad_loc;
        }
    }
    v.name = gb_strdup(f->base);
    if (!v.name || GB_VEC_PUSH(out, v) != 0) {
        gb_data_var_free(&v);
        return csv_error(r, GB_ENOMEM, f->loc, "out of memory storing '%s'", f->base);
    }
    return GB_OK;
}

static gb_status make_vars(csv *r, var_list *out)
{
    ccol **sorted = malloc(r->ncols * sizeof *sorted);
    group *gs = malloc(r->ncols * sizeof *gs);
    size_t ng = 0;
    if (!sorted || !gs) {
        free(sorted);
        free(gs);
        return csv_error(r, GB_ENOMEM, (gb_loc){r->src->name, 0, 0, 0}, "out of memory");
    }
    for (size_t j = 0; j < r->ncols; j++)
        sorted[j] = &r->cols[j];
    qsort(sorted, r->ncols, sizeof *sorted, cmp_col);
    for (size_t j = 0; j < r->ncols; j++) {
        if (ng == 0 || strcmp(gs[ng - 1].m[0]->base, sorted[j]->base) != 0)
            gs[ng++] = (group){sorted + j, 0, sorted[j]->pos};
        group *g = &gs[ng - 1];
        g->n++;
        if (sorted[j]->pos < g->first)
            g->first = sorted[j]->pos;
    }
    qsort(gs, ng, sizeof *gs, cmp_group);
    gb_status st = GB_OK;
    for (size_t i = 0; i < ng && r->nerr < MAX_ERRS; i++) {
        gb_status s1 = build_group(r, &gs[i], out);
        if (s1 != GB_OK && (st == GB_OK || s1 == GB_ENOMEM))
            st = s1;
    }
    free(sorted);
    free(gs);
    return st;
}

gb_status gb_data_load_csv(gb_data *d, const gb_source *src, gb_errlist *errs)
{
    csv r = {.src = src, .errs = errs};
    var_list pend = {0};
    gb_status st = GB_OK;
    if (!next_line(&r)) {
        return gb_error(errs, GB_EDATA, (gb_loc){src->name, 1, 1, 0},
                        "the file is empty; expected a header row of variable names");
    }
    st = read_header(&r);
    int hline = r.line;
    while (st != GB_ENOMEM && r.nerr < MAX_ERRS && next_line(&r)) {
        gb_status s1 = read_row(&r);
        r.rows++;
        if (s1 != GB_OK && (st == GB_OK || s1 == GB_ENOMEM))
            st = s1;
    }
    if (r.nerr == 0 && r.rows == 0)
        st = gb_error(errs, GB_EDATA, (gb_loc){src->name, hline, 1, 0},
                      "the file has a header but no data rows");
    if (r.nerr && st == GB_OK)
        st = GB_EDATA;
    if (st == GB_OK)
        st = make_vars(&r, &pend);
    for (size_t j = 0; j < r.ncols; j++) {
        free(r.cols[j].name);
        free(r.cols[j].base);
    }
    free(r.cols);
    free(r.vals);
    if (st != GB_OK) {
        gb_data_list_free(&pend);
        return st;
    }
    return gb_data_commit(d, &pend, errs);
}

/* ---- files ------------------------------------------------------------------------------- */

