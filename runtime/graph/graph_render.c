/* graph_render.c - DOT text laid out and rendered by Graphviz's C library (libgvc, libcgraph),
 * in this process: no `dot` program is needed at run time and nothing is shelled out.
 *
 * Graphviz reports problems through a global error hook; it is pointed at a buffer for the
 * duration of one rendering, so the library prints nothing of its own (only runtime/cli
 * prints).  Rendering is not thread-safe in Graphviz either, and glassbox renders on the main
 * thread only. */
#include <stdlib.h>
#include <string.h>

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include "graph_dot.h"

static char last_err[256];

/* One Graphviz context for the process, made at the first rendering and kept until exit (it
 * stays reachable, so it is no leak).  Graphviz's text-layout plugin caches the last font's
 * name, a string the context owns: a context freed after one rendering would leave that cache
 * pointing at freed memory, read by the next rendering in the same process (run --report
 * renders the model graph and the trees' diagrams; ASan reports it). */
static GVC_t *context(void)
{
    static GVC_t *gvc;
    if (!gvc)
        gvc = gvContext();
    return gvc;
}

/* Graphviz's error hook: keeps the first message of a rendering. */
static int keep_error(char *msg)
{
    if (!last_err[0]) {
        snprintf(last_err, sizeof last_err, "%s", msg);
        size_t n = strlen(last_err); /* Graphviz ends its messages with a newline */
        while (n > 0 && (last_err[n - 1] == '\n' || last_err[n - 1] == ' '))
            last_err[--n] = '\0';
    }
    return 0;
}

gb_status gb_graph_render(const char *dot, size_t len, const char *format, char **out,
                          size_t *outlen, char *err, size_t errlen)
{
    *out = NULL;
    *outlen = 0;
    err[0] = '\0';
    char *text = malloc(len + 1); /* agmemread wants a terminated string */
    if (!text)
        return GB_ENOMEM;
    memcpy(text, dot, len);
    text[len] = '\0';
    last_err[0] = '\0';
    agusererrf before = agseterrf(keep_error);
    agerrlevel_t level = agseterr(AGERR); /* warnings (e.g. a font not found) are not errors */
    gb_status st = GB_EINTERNAL;
    GVC_t *gvc = context();
    Agraph_t *g = gvc ? agmemread(text) : NULL;
    if (g && gvLayout(gvc, g, "dot") == 0) {
        char *data = NULL;
        unsigned int n = 0;
        if (gvRenderData(gvc, g, format, &data, &n) == 0 && data) {
            *out = malloc(n ? n : 1);
            if (*out) {
                memcpy(*out, data, n);
                *outlen = n;
                st = GB_OK;
            } else {
                st = GB_ENOMEM;
            }
        }
        gvFreeRenderData(data);
        gvFreeLayout(gvc, g);
    }
    if (st == GB_EINTERNAL)
        snprintf(err, errlen, "%s", last_err[0] ? last_err
                                    : !gvc      ? "Graphviz could not start"
                                    : !g        ? "Graphviz could not read the graph"
                                                : "Graphviz could not lay out or render the graph");
    if (g)
        agclose(g);
    agseterr(level);
    agseterrf(before);
    free(text);
    return st;
}
