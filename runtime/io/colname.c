/* colname.c - glassbox column names, their CSV names, and --keep patterns (see colname.h).
 *
 * Pure string work; owns nothing beyond the scratch array gb_colname_clash sorts.
 */
#include "colname.h"

#include <stdlib.h>
#include <string.h>

/* The map comments' fixed text: "# glassbox name of CSV: NAME". */
#define MAP_PREFIX " glassbox name of "

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

size_t gb_colname_node_len(const char *name)
{
    size_t n = strlen(name);
    for (;;) {
        size_t j = n;
        while (j > 0 && is_digit(name[j - 1]))
            j--;
        if (j == n || j < 2 || name[j - 1] != '.')
            return n;
        n = j - 1;
    }
}

/* A node name's byte in the CSV: '.', '[' and ',' become '_'; ']' and ' ' are dropped (-1):
 * "layer[1]." -> "layer_1_", "grid[1, 2]" -> "grid_1_2". */
static int csv_char(char c)
{
    if (c == ']' || c == ' ')
        return -1;
    return c == '.' || c == '[' || c == ',' ? '_' : (unsigned char)c;
}

/* The CSV form of the first n bytes of a node name into buf[0 .. len), counting every byte. */
static size_t node_to_csv(const char *name, size_t n, char *buf, size_t len)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        int c = csv_char(name[i]);
        if (c < 0)
            continue;
        if (out + 1 < len)
            buf[out] = (char)c;
        out++;
    }
    return out;
}

size_t gb_colname_to_csv(const char *name, char *buf, size_t len)
{
    size_t node = gb_colname_node_len(name), rest = strlen(name + node);
    size_t out = node_to_csv(name, node, buf, len);
    for (size_t i = 0; i < rest; i++, out++)
        if (out + 1 < len)
            buf[out] = name[node + i];
    if (len > 0)
        buf[out < len ? out : len - 1] = '\0';
    return out;
}

typedef struct keyed {
    char *csv;
    size_t i;
} keyed;

static int by_csv(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = strcmp(x->csv, y->csv);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

int gb_colname_clash(const char *const *names, size_t n, size_t *a, size_t *b)
{
    keyed *k = calloc(n ? n : 1, sizeof *k);
    int rc = k ? 0 : -1;
    for (size_t i = 0; !rc && i < n; i++) {
        size_t node = gb_colname_node_len(names[i]);
        size_t len = node_to_csv(names[i], node, NULL, 0) + 1;
        k[i] = (keyed){malloc(len), i};
        if (!k[i].csv)
            rc = -1;
        else
            k[i].csv[node_to_csv(names[i], node, k[i].csv, len)] = '\0';
    }
    if (!rc) {
        qsort(k, n, sizeof *k, by_csv);
        for (size_t i = 1; i < n && !rc; i++)
            if (strcmp(k[i - 1].csv, k[i].csv) == 0) {
                *a = k[i - 1].i;
                *b = k[i].i;
                rc = 1;
            }
    }
    for (size_t i = 0; k && i < n; i++)
        free(k[i].csv);
    free(k);
    return rc;
}

/* Does the node part of name change in the CSV? */
static int is_renamed(const char *name, size_t node)
{
    for (size_t i = 0; i < node; i++)
        if (name[i] == '.' || name[i] == '[')
            return 1;
    return 0;
}

static int put_node_csv(FILE *f, const char *name, size_t node)
{
    for (size_t i = 0; i < node; i++) {
        int c = csv_char(name[i]);
        if (c >= 0 && fputc(c, f) == EOF)
            return -1;
    }
    return 0;
}

int gb_colname_write_map(FILE *f, const char *const *names, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        size_t node = gb_colname_node_len(names[k]);
        if (!is_renamed(names[k], node))
            continue;
        if (k > 0 && gb_colname_node_len(names[k - 1]) == node &&
            strncmp(names[k - 1], names[k], node) == 0)
            continue; /* the same node's next column */
        if (fprintf(f, "#" MAP_PREFIX) < 0 || put_node_csv(f, names[k], node) != 0 ||
            fprintf(f, ": %.*s\n", (int)node, names[k]) < 0)
            return -1;
    }
    return 0;
}

int gb_colname_write_csv(FILE *f, const char *name)
{
    size_t node = gb_colname_node_len(name);
    if (put_node_csv(f, name, node) != 0)
        return -1;
    return fputs(name + node, f) == EOF ? -1 : 0;
}

int gb_colname_parse_map(const char *comment, const char **csv, size_t *csv_len, const char **gb,
                         size_t *gb_len)
{
    size_t p = strlen(MAP_PREFIX);
    if (strncmp(comment, MAP_PREFIX, p) != 0)
        return 0;
    const char *c = comment + p, *colon = strstr(c, ": ");
    if (!colon || colon == c || !colon[2])
        return 0;
    *csv = c;
    *csv_len = (size_t)(colon - c);
    *gb = colon + 2;
    *gb_len = strlen(colon + 2);
    return 1;
}

int gb_colname_match(const char *pattern, const char *name)
{
    /* Iterative wildcard matching: on a mismatch, let the last '*' swallow one more character
     * and resume there (linear in practice, at worst |pattern| x |name|; no recursion). */
    const char *star = NULL, *resume = NULL;
    while (*name) {
        if (*pattern == '*') {
            star = pattern++;
            resume = name;
        } else if (*pattern == '?' || *pattern == *name) {
            pattern++;
            name++;
        } else if (star) {
            pattern = star + 1;
            name = ++resume;
        } else {
            return 0;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

size_t gb_colname_distance(const char *a, const char *b)
{
    enum { MAXLEN = 127 };
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAXLEN || lb > MAXLEN)
        return (size_t)-1;
    /* Damerau-Levenshtein (optimal string alignment), three rows of the table */
    size_t r0[MAXLEN + 1], r1[MAXLEN + 1], r2[MAXLEN + 1];
    size_t *pp = r0, *prev = r1, *cur = r2;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t c = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < c)
                c = prev[j] + 1;
            if (cur[j - 1] + 1 < c)
                c = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < c)
                c = pp[j - 2] + 1;
            cur[j] = c;
        }
        size_t *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}
