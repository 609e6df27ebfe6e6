/* cli_commands.c - `glassbox check`, `inspect` and `parse` (graph is cli_graph.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ast.h"
#include "ast_print.h"
#include "cli.h"
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
        if (st == GB_OK && cli_print_samplers(m, stdout) != GB_OK)
            st = gb_error(s.errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
        if (st != GB_OK)
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
