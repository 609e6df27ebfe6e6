/* cli_commands.c - `glassbox check`, `graph`, `inspect` and `parse`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ast.h"
#include "ast_print.h"
#include "cli.h"
#include "drawsout.h"
#include "graph_dot.h"
#include "graph_print.h"
#include "model.h"

int cli_finish_output(FILE *out, const char *cmd, int rc)
{
    errno = 0;
    if (fflush(out) != 0 || ferror(out)) {
        /* errno is the flush's when it failed; an earlier failed write leaves only ferror */
        fprintf(stderr, "glassbox%s%s: error: cannot write the output: %s\n", *cmd ? " " : "", cmd,
                errno ? strerror(errno) : "a write failed (disk full or closed pipe?)");
        return rc == GB_EXIT_OK ? GB_EXIT_MODEL : rc;
    }
    return rc;
}

int cli_check(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, 2, "check", "data,memory,verbose,quiet", &o);
    if (rc || o.help) {
        if (o.help)
            puts("usage: glassbox check MODEL.gb [--data FILE]...\n\n"
                 "Parses the model and checks names, types, shapes and arity.  With --data the\n"
                 "data are checked against the declarations too.  Exit 0 when all is well,\n"
                 "1 on a model or data error, 2 on a usage error.\n\n"
                 "  --data FILE   CmdStan JSON or CSV with a header row (repeatable)\n"
                 "  --memory SIZE the memory budget (bytes, or 512M, 16G ...): a model that\n"
                 "                cannot be sampled within it, even with one chain, is refused\n"
                 "  --verbose     also name data variables the model does not use\n"
                 "  --quiet       print nothing when the model is fine");
        return rc;
    }
    cli_session s;
    rc = cli_load(&o, &s, 0);
    if (rc == GB_EXIT_OK)
        rc = cli_check_memory(&o, &s, 1, 1, 0, 0);
    if (rc == GB_EXIT_OK && !o.quiet)
        printf("%s: ok (%zu nodes, %zu components)\n", o.model, gb_graph_node_count(s.graph),
               gb_graph_component_count(s.graph));
    cli_session_free(&s);
    return cli_finish_output(stdout, "check", rc);
}

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

/* The picture as DOT text in memory, then rendered by Graphviz's library. */
static int graph_render(const gb_graph *g, const char *fmt, const char *path)
{
    char *dot = NULL, *img = NULL, err[300];
    size_t dotlen = 0, imglen = 0;
    FILE *mem = open_memstream(&dot, &dotlen);
    if (!mem)
        return cli_report(NULL, NULL, GB_ENOMEM);
    int w = gb_graph_write_dot(g, mem);
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
    int rc = cli_parse(argc, argv, 2, "graph", "data,format,output,verbose", &o);
    if (rc || o.help) {
        if (o.help)
            puts("usage: glassbox graph MODEL.gb [--data FILE]... [--format dot|json|svg|png]\n"
                 "                      [--output FILE]\n\n"
                 "Draws the model graph: data are boxes, parameters ellipses, observed nodes\n"
                 "shaded, deterministic nodes dashed; components are labelled clusters and\n"
                 "nodes that share a leading dimension sit on a plate labelled with it; a\n"
                 "legend explains the rest.  svg and png are rendered by Graphviz's library;\n"
                 "dot is the same picture as Graphviz text; json lists every node with its\n"
                 "kind, type, shape, definition, parents and children.\n\n"
                 "  --format F    dot (default), json, svg or png\n"
                 "  --output FILE write there (whole or not at all) instead of to stdout");
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
    if (rc == GB_EXIT_OK && picture) {
        rc = graph_render(s.graph, fmt, o.output);
    } else if (rc == GB_EXIT_OK) {
        char *tmp = NULL;
        FILE *out = o.output ? gb_drawsout_side_open(o.output, &tmp) : stdout;
        if (!out) {
            fprintf(stderr, "glassbox graph: error: cannot write '%s': %s\n", o.output,
                    strerror(errno));
            free(tmp);
            rc = GB_EXIT_MODEL;
        } else {
            int w = fmt[0] == 'd' ? gb_graph_write_dot(s.graph, out)
                                  : gb_graph_write_json(s.graph, out);
            if (out != stdout && (gb_drawsout_side_close(out, tmp, o.output) != 0 || w != 0)) {
                fprintf(stderr, "glassbox graph: error: cannot write '%s': %s\n", o.output,
                        strerror(errno));
                rc = GB_EXIT_MODEL;
            } else if (w != 0) {
                rc = GB_EXIT_MODEL;
            }
        }
    }
    cli_session_free(&s);
    return cli_finish_output(stdout, "graph", rc);
}

int cli_inspect(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, 2, "inspect", "data,memory,verbose", &o);
    if (rc || o.help) {
        if (o.help)
            puts("usage: glassbox inspect MODEL.gb --data FILE [--data FILE]...\n\n"
                 "Lists every node of the graph: its kind (data, constant, parameter, observed,\n"
                 "deterministic), type and shape, definition, and parents, grouped by component."
                 "\n\n  --memory SIZE the memory budget (bytes, or 512M, 16G ...): with data, a\n"
                 "                model that cannot be sampled within it, even with one chain, is\n"
                 "                refused");
        return rc;
    }
    cli_session s;
    rc = cli_load(&o, &s, 0);
    if (rc == GB_EXIT_OK && gb_graph_write_table(s.graph, stdout) != 0)
        rc = GB_EXIT_MODEL;
    if (rc == GB_EXIT_OK && o.ndata > 0)
        rc = cli_check_memory(&o, &s, 1, 1, 0, 0);
    if (rc == GB_EXIT_OK && o.ndata > 0) {
        gb_model *m = NULL;
        gb_status st = gb_model_compile(s.graph, &m, s.errs);
        if (st == GB_OK)
            cli_print_samplers(m, stdout);
        else
            rc = cli_report(s.errs, s.srcs, st);
        gb_model_free(m);
    }
    cli_session_free(&s);
    return cli_finish_output(stdout, "inspect", rc);
}

int cli_parse_cmd(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, 2, "parse", "", &o);
    if (rc || o.help) {
        if (o.help)
            puts("usage: glassbox parse MODEL.gb\n\nPrints the syntax tree as an S-expression.");
        return rc;
    }
    gb_sources *srcs = gb_sources_new();
    gb_errlist *errs = gb_errlist_new();
    gb_arena arena;
    gb_arena_init(&arena);
    const gb_source *src;
    gb_ast *prog = NULL;
    gb_status st = GB_ENOMEM;
    if (srcs && errs) {
        st = gb_sources_read(srcs, o.model, (size_t)64 << 20, 1, &src, errs);
        if (st == GB_OK)
            st = gb_parse(&arena, src->name, src->text, src->len, &prog, errs);
        if (st == GB_OK) {
            gb_ast_print(stdout, prog);
            putchar('\n');
        }
    }
    rc = cli_report(errs, srcs, st);
    gb_arena_release(&arena);
    gb_errlist_free(errs);
    gb_sources_free(srcs);
    return cli_finish_output(stdout, "parse", rc);
}
