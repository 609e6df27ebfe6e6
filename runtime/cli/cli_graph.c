/* cli_graph.c - `glassbox graph`: the model's picture (graph_dot.h) as DOT, SVG or PNG, or its
 * node list as JSON; after a run (--draws), each node labelled with its posterior. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "colname.h"
#include "diag.h"
#include "drawsout.h"
#include "graph_dot.h"
#include "graph_print.h"

/* Writes `len` bytes to path (whole or not at all: a temporary file renamed into place), or to
 * stdout when path is NULL.  Prints the error; returns an exit code. */
static int write_picture(const char *path, const char *bytes, size_t len)
{
    if (!path)
        return fwrite(bytes, 1, len, stdout) == len ? GB_EXIT_OK : GB_EXIT_MODEL;
    char *tmp = NULL;
    FILE *f = gb_drawsout_side_open(path, &tmp);
    if (!f) {
        fprintf(stderr, "glassbox graph: error: cannot write '%s': %s\n", path, strerror(errno));
        free(tmp);
        return GB_EXIT_MODEL;
    }
    size_t w = fwrite(bytes, 1, len, f);
    int e = errno;
    if (gb_drawsout_side_close(f, tmp, path) != 0 || w != len) {
        fprintf(stderr, "glassbox graph: error: cannot write '%s': %s\n", path,
                strerror(w != len ? e : errno));
        return GB_EXIT_MODEL;
    }
    return GB_EXIT_OK;
}

/* Mean, 5% and 95% quantile of column k over every chain: gb_diag_summarise's, so the label
 * shows the numbers `summary` prints.  buf holds d->n * d->ndraws values.  Returns 0, 1 when
 * the column has no finite mean (no label), or -1 when out of memory. */
static int column_stats(const cli_draws *d, size_t k, double *buf, double out[3])
{
    const double *ch[CLI_MAX_DATA];
    for (int c = 0; c < d->n; c++) {
        ch[c] = buf + (size_t)c * d->ndraws;
        for (size_t i = 0; i < d->ndraws; i++)
            buf[(size_t)c * d->ndraws + i] = d->chains[c][i * d->ncols + k];
    }
    gb_diag_summary sum;
    gb_status st = gb_diag_summarise(ch, (size_t)d->n, d->ndraws, &sum);
    if (st == GB_ENOMEM)
        return -1;
    if (st != GB_OK || !isfinite(sum.mean))
        return 1;
    out[0] = sum.mean;
    out[1] = sum.q5;
    out[2] = sum.q95;
    return 0;
}

/* One label line per node that has columns in the draws: "mean 4.39, 90% [-1.19, 9.80]" for a
 * scalar, "8 values, means -0.18 to 0.35" for more.  *notes has one entry per graph node (NULL
 * for the others); the caller frees each and the array.  GB_ENOMEM or GB_OK. */
static gb_status posterior_notes(const gb_graph *g, const cli_draws *d, char ***notes)
{
    size_t nn = gb_graph_node_count(g);
    char **out = calloc(nn ? nn : 1, sizeof *out);
    double *buf = malloc((size_t)d->n * d->ndraws * sizeof *buf);
    gb_status st = out && buf ? GB_OK : GB_ENOMEM;
    char name[512];
    for (size_t k = 0; st == GB_OK && k < d->ncols;) {
        size_t len = gb_colname_node_len(d->names[k]), end = k + 1;
        while (end < d->ncols && gb_colname_node_len(d->names[end]) == len &&
               strncmp(d->names[end], d->names[k], len) == 0)
            end++; /* the node's columns are adjacent */
        snprintf(name, sizeof name, "%.*s", (int)len, d->names[k]);
        size_t node = gb_graph_find(g, name);
        double s[3], lo = INFINITY, hi = -INFINITY;
        if (node != (size_t)-1 && !out[node]) {
            char text[128] = "";
            int cs = 0;
            if (end - k == 1 && (cs = column_stats(d, k, buf, s)) == 0) {
                snprintf(text, sizeof text, "mean %.3g, 90%% [%.3g, %.3g]", s[0], s[1], s[2]);
            } else if (end - k > 1) {
                for (size_t j = k; j < end && cs >= 0; j++)
                    if ((cs = column_stats(d, j, buf, s)) == 0) {
                        lo = fmin(lo, s[0]);
                        hi = fmax(hi, s[0]);
                    }
                if (cs >= 0 && lo <= hi)
                    snprintf(text, sizeof text, "%zu values, means %.3g to %.3g", end - k, lo, hi);
            }
            if (cs < 0 || (text[0] && !(out[node] = strdup(text))))
                st = GB_ENOMEM;
        }
        k = end;
    }
    free(buf);
    if (st != GB_OK && out) {
        for (size_t i = 0; i < nn; i++)
            free(out[i]);
        free(out);
        out = NULL;
    }
    *notes = out;
    return st;
}

/* The picture as DOT text in memory, then rendered by Graphviz's library. */
static int graph_render(const gb_graph *g, const gb_dot_opts *opts, const char *fmt,
                        const char *path)
{
    char *dot = NULL, *img = NULL, err[300];
    size_t dotlen = 0, imglen = 0;
    FILE *mem = open_memstream(&dot, &dotlen);
    if (!mem)
        return cli_report(NULL, NULL, GB_ENOMEM);
    int w = gb_graph_write_dot_with(g, opts, mem);
    if (fclose(mem) != 0 || w != 0) {
        free(dot);
        return cli_report(NULL, NULL, GB_ENOMEM);
    }
    gb_status st = gb_graph_render(dot, dotlen, fmt, &img, &imglen, err, sizeof err);
    free(dot);
    int rc;
    if (st == GB_OK) {
        rc = write_picture(path, img, imglen);
    } else if (st == GB_EINTERNAL) {
        fprintf(stderr, "glassbox graph: internal error: Graphviz: %s, please report\n", err);
        rc = GB_EXIT_MODEL;
    } else {
        rc = cli_report(NULL, NULL, st);
    }
    free(img);
    return rc;
}

int cli_graph(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, 2, "graph", "data,format,output,verbose,draws,draws-files", &o);
    if (rc || o.help) {
        if (o.help)
            puts("usage: glassbox graph MODEL.gb [--data FILE]... [--format dot|json|svg|png]\n"
                 "                      [--output FILE] [--draws RUN_1.csv...]\n\n"
                 "Draws the model graph: data are boxes, parameters ellipses, observed nodes\n"
                 "shaded, deterministic nodes dashed; components are labelled clusters and\n"
                 "nodes that share a leading dimension sit on a plate labelled with it; a\n"
                 "legend explains the rest.  svg and png are rendered by Graphviz's library;\n"
                 "dot is the same picture as Graphviz text; json lists every node with its\n"
                 "kind, type, shape, definition, parents and children.\n\n"
                 "  --format F    dot (default), json, svg or png\n"
                 "  --output FILE write there (whole or not at all) instead of to stdout\n"
                 "  --draws FILE... after a run: label each node with its posterior (mean and\n"
                 "                90% interval, or the range of means of a vector)");
        return rc;
    }
    const char *fmt = o.format ? o.format : "dot";
    int picture = strcmp(fmt, "svg") == 0 || strcmp(fmt, "png") == 0;
    if (!picture && strcmp(fmt, "dot") != 0 && strcmp(fmt, "json") != 0) {
        fprintf(stderr, "glassbox graph: error: unknown format '%s' (use dot, json, svg or png)\n",
                fmt);
        return GB_EXIT_USAGE;
    }
    if (strcmp(fmt, "png") == 0 && !o.output && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "glassbox graph: error: a PNG is not for a terminal\n"
                        "  hint: add --output FILE.png, or redirect stdout to a file\n");
        return GB_EXIT_USAGE;
    }
    cli_session s;
    rc = cli_load(&o, &s, 0);
    cli_draws d = {0};
    char **notes = NULL;
    if (rc == GB_EXIT_OK && o.ndraws_files > 0 && (rc = cli_draws_load("graph", &o, &s, &d)) ==
                                                      GB_EXIT_OK) {
        gb_status st = posterior_notes(s.graph, &d, &notes);
        if (st != GB_OK)
            rc = cli_report(NULL, NULL, st);
    }
    gb_dot_opts opts = {.note = (const char *const *)notes, .legend = 1};
    if (rc == GB_EXIT_OK && picture) {
        rc = graph_render(s.graph, &opts, fmt, o.output);
    } else if (rc == GB_EXIT_OK) {
        char *tmp = NULL;
        FILE *out = o.output ? gb_drawsout_side_open(o.output, &tmp) : stdout;
        if (!out) {
            fprintf(stderr, "glassbox graph: error: cannot write '%s': %s\n", o.output,
                    strerror(errno));
            free(tmp);
            rc = GB_EXIT_MODEL;
        } else {
            int w = fmt[0] == 'd' ? gb_graph_write_dot_with(s.graph, &opts, out)
                                  : gb_graph_write_json(s.graph, out);
            if (out != stdout && (gb_drawsout_side_close(out, tmp, o.output) != 0 || w != 0)) {
                fprintf(stderr, "glassbox graph: error: cannot write '%s': %s\n", o.output,
                        strerror(errno));
                rc = GB_EXIT_MODEL;
            } else if (w != 0) { /* a failed write is said by cli_finish_output; else memory */
                rc = ferror(out) ? GB_EXIT_MODEL : cli_report(NULL, NULL, GB_ENOMEM);
            }
        }
    }
    for (size_t i = 0; notes && i < gb_graph_node_count(s.graph); i++)
        free(notes[i]);
    free(notes);
    cli_draws_free(&d);
    cli_session_free(&s);
    return cli_finish_output(stdout, "graph", rc);
}

