/* source.c - the registry of file texts and the rendering of located errors with a caret.
 *
 * Columns count characters (UTF-8 code points) from 1.  The caret line repeats the source
 * line's tabs so the caret lands under the right character whatever the tab width.
 */
#include "source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vec.h"

struct gb_sources {
    GB_VEC(gb_source *) items;
};

gb_sources *gb_sources_new(void)
{
    return calloc(1, sizeof(gb_sources));
}

void gb_sources_free(gb_sources *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->items.len; i++) {
        free((char *)s->items.items[i]->name);
        free((char *)s->items.items[i]->text);
        free(s->items.items[i]);
    }
    free(s->items.items);
    free(s);
}

static gb_status add_owned(gb_sources *s, char *name, char *text, size_t len, const gb_source **out)
{
    gb_source *src = malloc(sizeof *src);
    if (!src || GB_VEC_PUSH(&s->items, src) != 0) {
        free(src);
        free(name);
        free(text);
        return GB_ENOMEM;
    }
    src->name = name;
    src->text = text;
    src->len = len;
    *out = src;
    return GB_OK;
}

gb_status gb_sources_add(gb_sources *s, const char *name, const char *text, size_t len,
                         const gb_source **out)
{
    char *n = gb_strdup(name);
    char *t = malloc(len + 1);
    if (!n || !t) {
        free(n);
        free(t);
        return GB_ENOMEM;
    }
    memcpy(t, text, len);
    t[len] = '\0';
    return add_owned(s, n, t, len, out);
}

const gb_source *gb_sources_find(const gb_sources *s, const char *name)
{
    if (!s || !name)
        return NULL;
    for (size_t i = 0; i < s->items.len; i++)
        if (strcmp(s->items.items[i]->name, name) == 0)
            return s->items.items[i];
    return NULL;
}

gb_status gb_sources_read(gb_sources *s, const char *path, size_t max_bytes, int text_only,
                          const gb_source **out, gb_errlist *errs)
{
    gb_loc none = {path, 0, 0, 0};
    struct stat st;
    if (stat(path, &st) != 0)
        return gb_error(errs, GB_EIO, none, "cannot open '%s': %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return gb_error(errs, GB_EIO, none, "'%s' is a directory, not a file", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return gb_error(errs, GB_EIO, none, "cannot open '%s': %s", path, strerror(errno));
    GB_VEC(char) buf = {0};
    char chunk[65536];
    size_t n;
    gb_status st_out = GB_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf.len + n > max_bytes) {
            st_out = gb_error(errs, GB_EIO, none, "'%s' is larger than the limit of %zu bytes",
                              path, max_bytes);
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (GB_VEC_PUSH(&buf, chunk[i]) != 0) {
                st_out = gb_error(errs, GB_ENOMEM, none, "out of memory reading '%s'", path);
                break;
            }
        if (st_out != GB_OK)
            break;
    }
    if (st_out == GB_OK && ferror(f))
        st_out = gb_error(errs, GB_EIO, none, "cannot read '%s': %s", path, strerror(errno));
    fclose(f);
    if (st_out == GB_OK && text_only && memchr(buf.items ? buf.items : "", '\0', buf.len)) {
        st_out =
            gb_error(errs, GB_EIO, none, "'%s' contains a NUL byte; is it a binary file?", path);
    }
    if (st_out == GB_OK && GB_VEC_PUSH(&buf, '\0') != 0)
        st_out = gb_error(errs, GB_ENOMEM, none, "out of memory reading '%s'", path);
    if (st_out != GB_OK) {
        free(buf.items);
        return st_out;
    }
    char *name = gb_strdup(path);
    if (!name) {
        free(buf.items);
        return gb_error(errs, GB_ENOMEM, none, "out of memory reading '%s'", path);
    }
    return add_owned(s, name, buf.items, buf.len - 1, out);
}

/* Start of 1-based line `line` in text, or NULL when the text has fewer lines. */
/* Lines longer than SHOW_MAX bytes are shown as a window starting SHOW_BEFORE bytes before the
 * column. */
#define SHOW_MAX 100
#define SHOW_BEFORE 40

static const char *line_start(const gb_source *src, int line, size_t *len)
{
    const char *p = src->text, *end = src->text + src->len;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return NULL;
        p = nl + 1;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *len = (size_t)((nl ? nl : end) - p);
    if (*len > 0 && p[*len - 1] == '\r')
        (*len)--;
    return p;
}

/* Writes the source line, escaping control bytes and invalid UTF-8 as \xNN so the terminal
 * shows what is there. */
static void put_line(FILE *out, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\t' || (c >= 0x20 && c != 0x7f))
            fputc(c, out);
        else
            fprintf(out, "\\x%02X", c);
    }
}

/* Writes spaces up to character column `col` (1-based), repeating the line's tabs. */
static void put_pad(FILE *out, const char *p, size_t len, int col)
{
    int c = 1;
    for (size_t i = 0; i < len && c < col; i++) {
        unsigned char b = (unsigned char)p[i];
        if ((b & 0xC0) == 0x80)
            continue; /* UTF-8 continuation byte: same character */
        fputc(b == '\t' ? '\t' : ' ', out);
        if (b != '\t' && (b < 0x20 || b == 0x7f))
            fputs("   ", out); /* shown as \xNN */
        c++;
    }
    for (; c < col; c++)
        fputc(' ', out);
}

static void print_one(const gb_err *e, const gb_sources *srcs, FILE *out)
{
    if (e->loc.file && e->loc.line > 0)
        fprintf(out, "%s:%d:%d: ", e->loc.file, e->loc.line, e->loc.col > 0 ? e->loc.col : 1);
    else if (e->loc.file)
        fprintf(out, "%s: ", e->loc.file);
    fprintf(out, "%s: %s\n", e->code == GB_OK ? "note" : "error",
            e->msg ? e->msg : "(out of memory)");
    const gb_source *src = gb_sources_find(srcs, e->loc.file);
    size_t len = 0;
    const char *p = (src && e->loc.line > 0) ? line_start(src, e->loc.line, &len) : NULL;
    if (p) {
        char num[16];
        int w = snprintf(num, sizeof num, "%d", e->loc.line);
        fprintf(out, "%*s | ", w + 4, num);
        int col = e->loc.col > 0 ? e->loc.col : 1;
        /* a long line is shown as a window around the column, cut at character boundaries */
        size_t off = 0, a = 0, b = len;
        for (int c = 1; off < len && c < col; off++)
            c += ((unsigned char)p[off + 1] & 0xC0) != 0x80;
        if (len > SHOW_MAX) {
            a = off > SHOW_BEFORE ? off - SHOW_BEFORE : 0;
            while (a > 0 && ((unsigned char)p[a] & 0xC0) == 0x80)
                a--;
            b = a + SHOW_MAX < len ? a + SHOW_MAX : len;
            while (b < len && ((unsigned char)p[b] & 0xC0) == 0x80)
                b++;
        }
        fputs(a > 0 ? "..." : "", out);
        put_line(out, p + a, b - a);
        fputs(b < len ? "..." : "", out);
        fprintf(out, "\n%*s | %s", w + 4, "", a > 0 ? "   " : "");
        int skipped = 0;
        for (size_t i = 0; i < a; i++)
            skipped += ((unsigned char)p[i] & 0xC0) != 0x80;
        put_pad(out, p + a, b - a, col - skipped);
        fputc('^', out);
        int end_col = e->loc.end_col;
        if (b < len) { /* the underline stops where the window does */
            int last = col - skipped;
            for (size_t i = off; i < b; i++)
                last += ((unsigned char)p[i] & 0xC0) != 0x80;
            if (end_col > last + skipped)
                end_col = last + skipped;
        }
        for (int c = col + 1; c < end_col; c++)
            fputc('~', out);
        fputc('\n', out);
    }
    if (e->hint)
        fprintf(out, "hint: %s\n", e->hint);
}

int gb_errlist_print(const gb_errlist *errs, const gb_sources *srcs, FILE *out)
{
    size_t n = gb_errlist_count(errs);
    for (size_t i = 0; i < n; i++)
        print_one(gb_errlist_get(errs, i), srcs, out);
    if (gb_errlist_status(errs) == GB_ENOMEM && n == 0)
        fputs("error: out of memory\n", out);
    return ferror(out) ? -1 : 0;
}
