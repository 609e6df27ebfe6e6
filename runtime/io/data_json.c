/* data_json.c - CmdStan JSON data, parsed by jansson, with key and element locations found
 * by a small scanner over the text (see data.c). */
#include "data.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data_int.h"
#include "size.h"

/* ---- JSON: locating keys and elements ---------------------------------------------------- */

typedef struct jkey {
    size_t off, end; /* the key with its quotes: text[off, end) */
    size_t voff;     /* its value */
    int line, col, end_col;
} jkey;

typedef GB_VEC(jkey) jkey_list;

static size_t skip_ws(const char *t, size_t len, size_t i)
{
    while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
        i++;
    return i;
}

/* From the opening quote at i, returns the offset just past the closing quote. */
static size_t skip_string(const char *t, size_t len, size_t i)
{
    for (i++; i < len && t[i] != '"'; i++)
        if (t[i] == '\\' && i + 1 < len)
            i++;
    return i < len ? i + 1 : len;
}

/* Records every key of the top-level object with its line and column.  Works on any text. */
static int scan_keys(const gb_source *src, jkey_list *out)
{
    const char *t = src->text;
    size_t len = src->len, bol = 0;
    int line = 1, depth = 0;
    for (size_t i = 0; i < len;) {
        char c = t[i];
        if (c == '"') {
            size_t end = skip_string(t, len, i);
            size_t colon = skip_ws(t, len, end);
            if (depth == 1 && colon < len && t[colon] == ':') {
                int col = 1 + gb_data_chars_between(t, bol, i);
                jkey k = {i,    end, skip_ws(t, len, colon + 1),
                          line, col, col + gb_data_chars_between(t, i, end)};
                if (GB_VEC_PUSH(out, k) != 0)
                    return -1;
            }
            for (size_t j = i; j < end; j++) /* strings may hold raw newlines in bad input */
                if (t[j] == '\n') {
                    line++;
                    bol = j + 1;
                }
            i = end;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        else if (c == '\n') {
            line++;
            bol = i + 1;
        }
        i++;
    }
    return 0;
}

/* Whether the key text[k->off, k->end) decodes to name. */
static int key_is(const gb_source *src, const jkey *k, const char *name)
{
    const char *raw = src->text + k->off + 1;
    size_t n = k->end - k->off - 2;
    if (!memchr(raw, '\\', n))
        return strlen(name) == n && memcmp(raw, name, n) == 0;
    json_t *s = json_loadb(src->text + k->off, k->end - k->off, JSON_DECODE_ANY, NULL);
    int same = s && json_is_string(s) && strcmp(json_string_value(s), name) == 0;
    json_decref(s);
    return same;
}

static size_t skip_value(const char *t, size_t len, size_t i)
{
    if (i < len && t[i] == '"')
        return skip_string(t, len, i);
    if (i < len && (t[i] == '[' || t[i] == '{')) {
        int depth = 0;
        while (i < len) {
            if (t[i] == '"') {
                i = skip_string(t, len, i);
                continue;
            }
            if (t[i] == '[' || t[i] == '{')
                depth++;
            else if ((t[i] == ']' || t[i] == '}') && --depth == 0)
                return i + 1;
            i++;
        }
        return len;
    }
    while (i < len && !strchr(",]} \t\r\n", t[i]))
        i++;
    return i;
}

/* The location of the element reached by path (n indices) inside the value at voff. */
static gb_loc locate(const gb_source *src, size_t voff, const size_t *path, int n)
{
    const char *t = src->text;
    size_t len = src->len, i = skip_ws(t, len, voff);
    for (int k = 0; k < n && i < len && t[i] == '['; k++) {
        i = skip_ws(t, len, i + 1);
        for (size_t j = 0; j < path[k] && i < len; j++) {
            i = skip_ws(t, len, skip_value(t, len, i));
            if (i < len && t[i] == ',')
                i = skip_ws(t, len, i + 1);
        }
    }
    return gb_data_loc_at(src, i, skip_value(t, len, i));
}

/* ---- JSON: values ------------------------------------------------------------------------ */

typedef struct jconv {
    const gb_source *src;
    gb_errlist *errs;
    const char *name;
    size_t voff;
    gb_shape shape;
    double *val;
    size_t pos;
    int all_int;
    size_t path[GB_MAX_RANK + 1];
    size_t nonfinite; /* the first NaN or infinity, and where it is written */
    gb_loc nonfinite_loc;
} jconv;

static const char *describe(const json_t *x, char *buf, size_t len)
{
    switch (json_typeof(x)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        snprintf(buf, len, "the string \"%.40s%s\"", json_string_value(x),
                 json_string_length(x) > 40 ? "..." : "");
        return buf;
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    default:
        return "a number";
    }
}

static gb_status elem_error(jconv *c, int depth, const json_t *x, const char *expected)
{
    char el[128], what[96];
    gb_data_elem_name(el, sizeof el, c->name, c->path, depth);
    gb_error(c->errs, GB_EDATA, locate(c->src, c->voff, c->path, depth), "'%s' is %s, expected %s",
             el, describe(x, what, sizeof what), expected);
    if (json_is_string(x))
        gb_error_hint(c->errs, "the only strings allowed are \"NaN\", \"Inf\" and \"-Inf\"");
    return GB_EDATA;
}

static gb_status put_number(jconv *c, int depth, const json_t *x)
{
    double v;
    if (json_is_integer(x)) {
        json_int_t i = json_integer_value(x);
        v = (double)i;
        if (i > MAX_EXACT_INT_I || i < -MAX_EXACT_INT_I) {
            char el[128];
            gb_data_elem_name(el, sizeof el, c->name, c->path, depth);
            return gb_error(c->errs, GB_EDATA, locate(c->src, c->voff, c->path, depth),
                            "'%s' is %" JSON_INTEGER_FORMAT ", too large to hold exactly "
                            "(integers must be within +-2^53)",
                            el, i);
        }
    } else if (json_is_real(x)) {
        v = json_real_value(x);
        c->all_int = 0;
    } else if (json_is_string(x) && gb_data_special_value(json_string_value(x), json_string_length(x), &v))
        c->all_int = 0;
    else
        return elem_error(c, depth, x, depth ? "a number" : "a number or an array of numbers");
    if (!isfinite(v) && c->nonfinite_loc.line == 0) {
        c->nonfinite = c->pos;
        c->nonfinite_loc = locate(c->src, c->voff, c->path, depth);
    }
    c->val[c->pos++] = v;
    return GB_OK;
}

/* Fills values in row-major order, checking that every array has the shape of the first one.
 * Recursion depth is at most the rank (GB_MAX_RANK). */
static gb_status fill(jconv *c, const json_t *x, int depth)
{
    if (depth == c->shape.rank)
        return json_is_array(x) ? elem_error(c, depth, x, "a number (arrays must be rectangular)")
                                : put_number(c, depth, x);
    char el[128], first[128];
    gb_data_elem_name(el, sizeof el, c->name, c->path, depth);
    if (!json_is_array(x)) {
        char want[192];
        size_t save = c->path[depth - 1];
        c->path[depth - 1] = 0;
        gb_data_elem_name(first, sizeof first, c->name, c->path, depth);
        c->path[depth - 1] = save;
        snprintf(want, sizeof want, "an array of %zu like '%s' (arrays must be rectangular)",
                 c->shape.dim[depth], first);
        return elem_error(c, depth, x, want);
    }
    if (json_array_size(x) != c->shape.dim[depth]) {
        size_t save = c->path[depth - 1];
        c->path[depth - 1] = 0;
        gb_data_elem_name(first, sizeof first, c->name, c->path, depth);
        c->path[depth - 1] = save;
        return gb_error(c->errs, GB_EDATA, locate(c->src, c->voff, c->path, depth),
                        "'%s' has %zu elements but '%s' has %zu; arrays must be rectangular", el,
                        json_array_size(x), first, c->shape.dim[depth]);
    }
    for (size_t i = 0; i < c->shape.dim[depth]; i++) {
        c->path[depth] = i;
        gb_status st = fill(c, json_array_get(x, i), depth + 1);
        if (st != GB_OK)
            return st;
    }
    return GB_OK;
}

/* Builds one variable from a top-level value. */
static gb_status json_var(jconv *c, const json_t *x, gb_loc keyloc, var_list *out)
{
    const json_t *y = x;
    int rank = 0;
    while (json_is_array(y)) {
        if (rank == GB_MAX_RANK)
            return gb_error(c->errs, GB_EDATA, locate(c->src, c->voff, c->path, rank),
                            "'%s' is nested more than %d deep; arrays have at most %d dimensions",
                            c->name, GB_MAX_RANK, GB_MAX_RANK);
        c->shape.dim[rank] = json_array_size(y);
        c->path[rank++] = 0;
        if (json_array_size(y) == 0)
            break;
        y = json_array_get(y, 0);
    }
    c->shape.rank = rank;
    size_t len = 1;
    for (int k = 0; k < rank; k++)
        if (gb_size_mul(len, c->shape.dim[k], &len) != 0)
            return gb_error(c->errs, GB_ENOMEM, keyloc, "'%s' is too large", c->name);
    gb_status st = gb_data_alloc_values(len, &c->val, c->errs, keyloc, c->name);
    if (st != GB_OK)
        return st;
    c->pos = 0;
    c->all_int = 1;
    c->nonfinite_loc = (gb_loc){0};
    st = fill(c, x, 0);
    gb_data_var v = {gb_strdup(c->name),
                     c->all_int ? GB_INT : GB_REAL,
                     c->shape,
                     c->val,
                     len,
                     keyloc,
                     c->nonfinite,
                     c->nonfinite_loc};
    if (st == GB_OK && (!v.name || GB_VEC_PUSH(out, v) != 0))
        st = gb_error(c->errs, GB_ENOMEM, keyloc, "out of memory storing '%s'", c->name);
    if (st != GB_OK)
        gb_data_var_free(&v);
    return st;
}

/* Turns jansson's error (position = bytes read, just past the bad token) into a location at the
 * start of the token it quotes. */
static gb_status json_syntax(const gb_source *src, const json_error_t *je, gb_errlist *errs)
{
    size_t end = je->position > 0 ? (size_t)je->position : 0, start = end;
    const char *near = strstr(je->text, "near '");
    if (near) {
        near += 6;
        size_t n = strlen(near);
        if (n > 0 && near[n - 1] == '\'')
            n--;
        if (n > 0 && n <= end && end <= src->len && memcmp(src->text + end - n, near, n) == 0)
            start = end - n;
    }
    if (start == end && start >= src->len) { /* at end of file: point after the last token */
        while (start > 0 && isspace((unsigned char)src->text[start - 1]))
            start--;
        end = start;
    }
    if (skip_ws(src->text, src->len, 0) == src->len)
        return gb_error(errs, GB_EDATA, gb_data_loc_at(src, 0, 0),
                        "the file is empty; expected a JSON object {\"name\": value, ...}");
    return gb_error(errs, GB_EDATA, gb_data_loc_at(src, start, end), "invalid JSON: %s", je->text);
}

static void duplicate_key(const gb_source *src, const jkey_list *keys, gb_errlist *errs)
{
    for (size_t i = 1; i < keys->len; i++) {
        const jkey *k = &keys->items[i];
        char *name = NULL;
        json_t *s = json_loadb(src->text + k->off, k->end - k->off, JSON_DECODE_ANY, NULL);
        if (s && json_is_string(s))
            name = gb_strdup(json_string_value(s));
        json_decref(s);
        for (size_t j = 0; name && j < i; j++)
            if (key_is(src, &keys->items[j], name)) {
                gb_error(errs, GB_EDATA, (gb_loc){src->name, k->line, k->col, k->end_col},
                         "duplicate key '%s'", name);
                gb_error_hint(errs, "'%s' is first given at line %d, column %d", name,
                              keys->items[j].line, keys->items[j].col);
                free(name);
                return;
            }
        free(name);
    }
}

/* "X_names": ["age", "income"] names the columns of X (README, data files); it is not a
 * variable: the tree command and the tree summary read it (runtime/cli/cli_tree_x.c). */
static int is_colnames(const char *name, const json_t *val)
{
    size_t n = strlen(name), i;
    const json_t *v;
    if (n <= 6 || strcmp(name + n - 6, "_names") != 0 || !json_is_array(val) ||
        json_array_size(val) == 0)
        return 0;
    json_array_foreach(val, i, v) if (!json_is_string(v)) return 0;
    return 1;
}

gb_status gb_data_load_json(gb_data *d, const gb_source *src, gb_errlist *errs)
{
    json_error_t je;
    jkey_list keys = {0};
    json_t *root = json_loadb(src->text, src->len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        size_t n0 = gb_errlist_count(errs);
        if (strstr(je.text, "duplicate object key") && scan_keys(src, &keys) == 0)
            duplicate_key(src, &keys, errs);
        free(keys.items);
        return gb_errlist_count(errs) > n0 ? GB_EDATA : json_syntax(src, &je, errs);
    }
    if (!json_is_object(root)) {
        json_decref(root);
        size_t i = skip_ws(src->text, src->len, 0);
        return gb_error(errs, GB_EDATA, gb_data_loc_at(src, i, i + 1),
                        "expected a JSON object {\"name\": value, ...} at the top, found an "
                        "array");
    }
    if (scan_keys(src, &keys) != 0) {
        json_decref(root);
        return gb_error(errs, GB_ENOMEM, (gb_loc){src->name, 0, 0, 0}, "out of memory");
    }
    var_list pend = {0};
    gb_status st = GB_OK;
    int nerr = 0;
    size_t idx = 0;
    const char *name;
    json_t *val;
    json_object_foreach(root, name, val)
    {
        jconv c = {.src = src, .errs = errs, .name = name};
        const jkey *k = NULL;
        if (idx < keys.len && key_is(src, &keys.items[idx], name))
            k = &keys.items[idx];
        for (size_t j = 0; !k && j < keys.len; j++)
            if (key_is(src, &keys.items[j], name))
                k = &keys.items[j];
        idx++;
        if (is_colnames(name, val))
            continue;
        gb_loc kl = {src->name, 0, 0, 0};
        if (k) {
            kl = (gb_loc){src->name, k->line, k->col, k->end_col};
            c.voff = k->voff;
        }
        gb_status s1 = json_var(&c, val, kl, &pend);
        if (s1 != GB_OK) {
            st = st == GB_OK || s1 == GB_ENOMEM ? s1 : st;
            if (++nerr >= MAX_ERRS || s1 == GB_ENOMEM)
                break;
        }
    }
    json_decref(root);
    free(keys.items);
    if (st != GB_OK) {
        gb_data_list_free(&pend);
        return st;
    }
    return gb_data_commit(d, &pend, errs);
}

