/* data.c - named input values from CmdStan JSON (parsed by jansson) and CSV (our own reader).
 *
 * A gb_data owns its variables (names and value arrays) and a hash from name to index.  A file
 * loads all or nothing: its variables are built into a pending list and added only when the
 * whole file was read without error and none of its names was loaded before.
 *
 * JSON: jansson gives no positions for keys or array elements, so a small scanner over the text
 * (string/escape state and bracket depth only; the text has already parsed) finds where each
 * top-level key is written and walks to the element an error is about.
 *
 * CSV: a header row of names, then one row per record; '#' lines and blank lines are skipped,
 * CRLF is accepted, cells may be quoted.  A plain column `y` becomes a vector of length rows.
 * Columns `x.1.2` or `x[1,2]` (or `x[1][2]`) group into one array whose dimensions are the
 * largest indices; with more than one data row the row index comes first (rows x dims).
 */
#include "data.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data_int.h"
#include "size.h"

struct gb_data {
    var_list vars;
    size_t *slot; /* open addressing: index + 1, 0 = empty */
    size_t nslot; /* a power of two, at least twice vars.len */
};

/* ---- registry ---------------------------------------------------------------------------- */

gb_data *gb_data_new(void)
{
    return calloc(1, sizeof(gb_data));
}

void gb_data_var_free(gb_data_var *v)
{
    free((char *)v->name);
    free(v->val);
}

void gb_data_list_free(var_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        gb_data_var_free(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}

void gb_data_free(gb_data *d)
{
    if (!d)
        return;
    gb_data_list_free(&d->vars);
    free(d->slot);
    free(d);
}

static size_t hash_name(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a, 64-bit */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return (size_t)h;
}

size_t gb_data_count(const gb_data *d)
{
    return d ? d->vars.len : 0;
}

const gb_data_var *gb_data_get(const gb_data *d, size_t i)
{
    return d && i < d->vars.len ? &d->vars.items[i] : NULL;
}

const gb_data_var *gb_data_find(const gb_data *d, const char *name)
{
    if (!d || !name || d->nslot == 0)
        return NULL;
    for (size_t h = hash_name(name) & (d->nslot - 1);; h = (h + 1) & (d->nslot - 1)) {
        if (d->slot[h] == 0)
            return NULL;
        const gb_data_var *v = &d->vars.items[d->slot[h] - 1];
        if (strcmp(v->name, name) == 0)
            return v;
    }
}

/* Makes room for n more variables (array and hash) so that adding them cannot fail. */
static int reserve(gb_data *d, size_t n)
{
    size_t want, nslot = d->nslot ? d->nslot : 16;
    if (gb_size_add(d->vars.len, n, &want) != 0)
        return -1;
    if (want > d->vars.cap) {
        if (want > SIZE_MAX / sizeof(gb_data_var))
            return -1;
        gb_data_var *p = realloc(d->vars.items, want * sizeof *p);
        if (!p)
            return -1;
        d->vars.items = p;
        d->vars.cap = want;
    }
    while (nslot / 2 < want)
        if ((nslot *= 2) > SIZE_MAX / sizeof(size_t))
            return -1;
    if (nslot == d->nslot)
        return 0;
    size_t *slot = calloc(nslot, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < d->vars.len; i++) {
        size_t h = hash_name(d->vars.items[i].name) & (nslot - 1);
        while (slot[h])
            h = (h + 1) & (nslot - 1);
        slot[h] = i + 1;
    }
    free(d->slot);
    d->slot = slot;
    d->nslot = nslot;
    return 0;
}

/* Adds the pending variables of one file, or none of them if one was loaded before.  Takes
 * ownership of everything in p and leaves it empty. */
gb_status gb_data_commit(gb_data *d, var_list *p, gb_errlist *errs)
{
    gb_status st = GB_OK;
    for (size_t i = 0; i < p->len; i++) {
        const gb_data_var *old = gb_data_find(d, p->items[i].name);
        if (old) {
            st = gb_error(errs, GB_EDATA, p->items[i].loc,
                          "'%s' is already defined by an earlier data file", old->name);
            gb_error_hint(errs, "it was loaded from %s:%d:%d", old->loc.file, old->loc.line,
                          old->loc.col);
        }
    }
    if (st == GB_OK && reserve(d, p->len) != 0)
        st = gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory storing the data");
    if (st != GB_OK) {
        gb_data_list_free(p);
        return st;
    }
    for (size_t i = 0; i < p->len; i++) {
        size_t h = hash_name(p->items[i].name) & (d->nslot - 1);
        while (d->slot[h])
            h = (h + 1) & (d->nslot - 1);
        d->vars.items[d->vars.len] = p->items[i];
        d->slot[h] = ++d->vars.len;
    }
    free(p->items);
    p->items = NULL;
    p->len = p->cap = 0;
    return GB_OK;
}

gb_status gb_data_add_copy(gb_data *d, const gb_data_var *v, gb_errlist *errs)
{
    var_list p = {0};
    gb_data_var c = *v;
    c.name = gb_strdup(v->name);
    c.val = malloc((v->len ? v->len : 1) * sizeof *c.val);
    if (!c.name || !c.val || GB_VEC_PUSH(&p, c) != 0) {
        gb_data_var_free(&c);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory storing the data");
    }
    if (v->len)
        memcpy(c.val, v->val, v->len * sizeof *c.val);
    return gb_data_commit(d, &p, errs);
}

/* ---- shared helpers ---------------------------------------------------------------------- */

/* NaN and infinities as CmdStan and common tools write them. */
int gb_data_special_value(const char *s, size_t n, double *out)
{
    static const struct {
        const char *s;
        double v;
    } tab[] = {{"NaN", NAN},
               {"nan", NAN},
               {"NAN", NAN},
               {"Inf", INFINITY},
               {"+Inf", INFINITY},
               {"inf", INFINITY},
               {"+inf", INFINITY},
               {"Infinity", INFINITY},
               {"-Inf", -INFINITY},
               {"-inf", -INFINITY},
               {"-Infinity", -INFINITY}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strlen(tab[i].s) == n && memcmp(tab[i].s, s, n) == 0) {
            *out = tab[i].v;
            return 1;
        }
    return 0;
}

static int is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Characters (UTF-8 code points) in t[a, b). */
int gb_data_chars_between(const char *t, size_t a, size_t b)
{
    int n = 0;
    for (size_t i = a; i < b; i++)
        n += !is_cont((unsigned char)t[i]);
    return n;
}

/* The location of byte offset off, spanning to byte offset end when that is on the same line. */
gb_loc gb_data_loc_at(const gb_source *src, size_t off, size_t end)
{
    gb_loc l = {src->name, 1, 1, 0};
    size_t bol = 0;
    if (off > src->len)
        off = src->len;
    for (size_t i = 0; i < off; i++)
        if (src->text[i] == '\n') {
            l.line++;
            bol = i + 1;
        }
    l.col = 1 + gb_data_chars_between(src->text, bol, off);
    if (end > off && end <= src->len && !memchr(src->text + off, '\n', end - off))
        l.end_col = l.col + gb_data_chars_between(src->text, off, end);
    return l;
}

/* Writes "y" or "y[2,3]" (1-based) into buf. */
void gb_data_elem_name(char *buf, size_t len, const char *name, const size_t *path, int n)
{
    size_t used = (size_t)snprintf(buf, len, "%s", name);
    for (int k = 0; k < n && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%zu%s", k ? "," : "[", path[k] + 1,
                                 k == n - 1 ? "]" : "");
}

/* Checks an element count against size overflow and the memory budget. */
gb_status gb_data_alloc_values(size_t len, double **out, gb_errlist *errs, gb_loc loc,
                              const char *name)
{
    size_t bytes;
    if (gb_size_mul(len, sizeof(double), &bytes) != 0 || gb_size_fits_budget(len, sizeof(double)))
        return gb_error(errs, GB_ENOMEM, loc,
                        "'%s' has %zu values, more than the memory budget allows", name, len);
    *out = malloc(bytes ? bytes : 1);
    if (!*out)
        return gb_error(errs, GB_ENOMEM, loc, "out of memory storing '%s'", name);
    return GB_OK;
}

static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), m = strlen(ext);
    if (n <= m || path[n - m - 1] != '.')
        return 0;
    for (size_t i = 0; i < m; i++)
        if (tolower((unsigned char)path[n - m + i]) != ext[i])
            return 0;
    return 1;
}

gb_status gb_data_load_file(gb_data *d, gb_sources *srcs, const char *path, gb_errlist *errs)
{
    int json = has_ext(path, "json"), csvf = has_ext(path, "csv");
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        gb_error(errs, GB_EIO, (gb_loc){path, 0, 0, 0}, "'%s' is a directory, not a file",
                 path);
        return GB_EIO;
    }
    if (!json && !csvf) {
        gb_error(errs, GB_EUSAGE, (gb_loc){path, 0, 0, 0},
                 "cannot tell the format of data file '%s' from its name", path);
        gb_error_hint(errs, "data files end in .json (CmdStan JSON) or .csv (a header row of "
                            "names, then numbers)");
        return GB_EUSAGE;
    }
    const gb_source *src;
    gb_status st = gb_sources_read(srcs, path, gb_memory_budget(), 1, &src, errs);
    if (st != GB_OK)
        return st;
    return json ? gb_data_load_json(d, src, errs) : gb_data_load_csv(d, src, errs);
}
