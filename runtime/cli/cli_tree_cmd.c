/* cli_tree_cmd.c - `glassbox tree MODEL.gb --data FILE... --trees RUN_tree.jsonl`: after a run,
 * one tree node's diagram (--format dot|svg|png: the most visited structure, the
 * maximum-posterior one, or any draw's) or, with --pd COLUMN, the partial dependence of its
 * prediction on one input.  The model and data give the tree's inputs X (for the leaves' row
 * counts and partial dependence) and their names ("X_names", cli_tree_x.h).  Pictures are
 * rendered by Graphviz's library in this process (graph_render.c); files are written whole or
 * not at all.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_flags.h"
#include "cli_tree_dot.h"
#include "cli_tree_pd.h"
#include "drawsout.h"
#include "graph_dot.h"

typedef struct tree_args {
    const char *trees, *node, *which, *pd;
    long grid;
} tree_args;

static void help(void)
{
    puts("usage: glassbox tree MODEL.gb --data FILE... --trees RUN_tree.jsonl [--node NAME]\n"
         "                     [--which visited|map|DRAW] [--format dot|svg|png]\n"
         "                     [--pd COLUMN [--grid G]] [--output FILE]\n\n"
         "After `glassbox run MODEL.gb --data FILE... --output RUN.csv`, whose trees are in\n"
         "RUN_tree.jsonl: draws one tree node's tree, or its partial dependence on an input.\n"
         "Splits show their rule and posterior support (the share of all draws with that\n"
         "split at that place); leaves show their posterior over the draws of that tree\n"
         "(class probabilities, or the mean, each with its 90% interval) and their rows n.\n\n"
         "  --trees FILE  the run's tree records (STEM_tree.jsonl)\n"
         "  --node NAME   the tree node (default: the first in the file)\n"
         "  --which W     visited (default): the most visited tree; map: the\n"
         "                maximum-posterior one; a number: that draw (1 = chain 1's first)\n"
         "  --format F    dot (default), svg or png\n"
         "  --pd COLUMN   instead of the diagram, the partial dependence on input COLUMN (its\n"
         "                name, or x1, x2, ...): for each grid value, the posterior mean and\n"
         "                90% interval of the prediction averaged over the training rows\n"
         "                with COLUMN set to that value (BART's pdbart)\n"
         "  --grid G      grid values for --pd: quantiles of the observed column (10)\n"
         "  --output FILE write there (whole or not at all) instead of to stdout");
}

/* Column `name` of x: its name in "X_names", or x1..xP; SIZE_MAX after a message. */
static size_t find_column(const cli_tree_draws *nd, const cli_tree_x *x, const char *name)
{
    for (size_t j = 0; j < x->cols; j++) {
        char xb[32];
        snprintf(xb, sizeof xb, "x%zu", j + 1);
        if (strcmp(name, xb) == 0 || (x->names && strcmp(name, x->names[j]) == 0))
            return j;
    }
    fprintf(stderr,
            "glassbox tree: error: --pd '%s' is not an input of %s\n  hint: its inputs "
            "are ",
            name, nd->node);
    for (size_t j = 0; j < x->cols; j++) {
        char xb[32];
        fprintf(stderr, "%s%s", j ? ", " : "", cli_tree_input(nd, j, xb, sizeof xb));
    }
    fputc('\n', stderr);
    return SIZE_MAX;
}

/* The draw --which names; SIZE_MAX after a message. */
static size_t find_draw(const cli_tree_draws *nd, const char *which)
{
    size_t n = nd->nchains * nd->ndraws, best, count, map;
    if (strcmp(which, "visited") == 0 || strcmp(which, "map") == 0) {
        if (cli_tree_pick(nd, &best, &count, &map) != 0) {
            fprintf(stderr, "glassbox tree: error: out of memory\n");
            return SIZE_MAX;
        }
        if (which[0] == 'm' && map == SIZE_MAX)
            fprintf(stderr,
                    "glassbox tree: error: --which map: the records of %s carry no "
                    "\"logpost\"\n",
                    nd->node);
        return which[0] == 'v' ? best : map;
    }
    char *end;
    errno = 0;
    long d = strtol(which, &end, 10);
    if (errno || *end || end == which || d < 1 || (unsigned long)d > n) {
        fprintf(stderr,
                "glassbox tree: error: --which '%s' is not visited, map or a draw 1..%zu "
                "(%s has %zu draws: %zu chain%s of %zu)\n",
                which, n, nd->node, n, nd->nchains, nd->nchains == 1 ? "" : "s", nd->ndraws);
        return SIZE_MAX;
    }
    return (size_t)d - 1;
}

/* The diagram of the chosen draw as fmt into out (DOT text) or rendered. */
static int diagram(const cli_tree_draws *nd, const cli_tree_x *x, const tree_args *a,
                   const char *fmt, FILE *out)
{
    if (!nd->single) {
        fprintf(stderr,
                "glassbox tree: error: %s is a forest (BART); its diagram would be one of "
                "many trees\n  hint: --pd COLUMN shows what the forest does with an "
                "input\n",
                nd->node);
        return GB_EXIT_USAGE;
    }
    size_t pick = find_draw(nd, a->which ? a->which : "visited");
    if (pick == SIZE_MAX)
        return GB_EXIT_USAGE;
    char title[64];
    snprintf(title, sizeof title, "%s",
             !a->which || strcmp(a->which, "visited") == 0 ? "most visited tree"
             : strcmp(a->which, "map") == 0                ? "maximum-posterior tree"
                                                           : "the tree of draw ");
    if (a->which && strcmp(title, "the tree of draw ") == 0)
        snprintf(title, sizeof title, "the tree of draw %zu", pick + 1);
    if (strcmp(fmt, "dot") == 0)
        return cli_tree_dot(out, nd, pick, x, title) != 0 ? -1 : 0;
    char *text = NULL, *img = NULL, err[300];
    size_t len = 0, imglen = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem || (cli_tree_dot(mem, nd, pick, x, title) != 0) + (fclose(mem) != 0)) {
        free(text);
        return cli_report(NULL, NULL, GB_ENOMEM);
    }
    gb_status st = gb_graph_render(text, len, fmt, &img, &imglen, err, sizeof err);
    free(text);
    int rc = 0;
    if (st == GB_EINTERNAL) {
        fprintf(stderr, "glassbox tree: internal error: Graphviz: %s, please report\n", err);
        rc = GB_EXIT_MODEL;
    } else if (st != GB_OK) {
        rc = cli_report(NULL, NULL, st);
    } else if (fwrite(img, 1, imglen, out) != imglen) {
        rc = -1;
    }
    free(img);
    return rc;
}

/* The output of one node: the diagram or partial dependence into out; an exit code, or -1 when
 * a write failed. */
static int node_output(const cli_session *s, const cli_tree *t, const cli_tree_xs *xs,
                       const tree_args *a, const char *fmt, FILE *out)
{
    size_t nn;
    const char *node = a->node ? a->node : cli_tree_node_at(t, 0, &nn);
    cli_tree_node_at(t, 0, &nn);
    int known = 0;
    for (size_t i = 0; i < nn; i++)
        known |= strcmp(cli_tree_node_at(t, i, &nn), node) == 0;
    const cli_tree_x *x = cli_tree_xs_get(xs, node);
    if (!known || !x) {
        fprintf(stderr,
                "glassbox tree: error: '%s' is not a tree node %s\n  hint: the file's "
                "tree nodes: ",
                node, known ? "of the model" : "in the records");
        for (size_t i = 0; i < nn; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", cli_tree_node_at(t, i, &nn));
        fputc('\n', stderr);
        return GB_EXIT_USAGE;
    }
    cli_tree_draws nd;
    int rc = 0;
    if (cli_tree_gather(t, node, &nd) != 0 || nd.ndraws == 0) {
        fprintf(stderr, "glassbox tree: error: %s\n",
                nd.ndraws == 0 ? "a chain of the records has no draws" : "out of memory");
        rc = GB_EXIT_MODEL;
    } else if (a->pd) {
        size_t col = find_column(&nd, x, a->pd);
        gb_status st =
            col == SIZE_MAX ? GB_EUSAGE : cli_tree_pd(out, &nd, x, col, (size_t)a->grid, s->errs);
        rc = st == GB_EUSAGE ? GB_EXIT_USAGE
             : st == GB_EIO  ? -1
             : st != GB_OK   ? cli_report(s->errs, s->srcs, st)
                             : 0;
    } else {
        rc = diagram(&nd, x, a, fmt, out);
    }
    cli_tree_draws_free(&nd);
    return rc;
}

/* Takes the command's own flags out of argv; an exit code. */
static int take_flags(int *argc, char **argv, tree_args *a)
{
    a->grid = 10;
    int rc = cli_take_string(argc, argv, 2, "tree", "trees", &a->trees);
    rc = rc ? rc : cli_take_string(argc, argv, 2, "tree", "node", &a->node);
    rc = rc ? rc : cli_take_string(argc, argv, 2, "tree", "which", &a->which);
    rc = rc ? rc : cli_take_string(argc, argv, 2, "tree", "pd", &a->pd);
    return rc ? rc : cli_take_count(argc, argv, 2, "tree", "grid", 2, 1000, &a->grid);
}

/* A long function: the command's sequence (flags, model, records, output file) with its one
 * cleanup at the end. */
int cli_tree_cmd(int argc, char **argv)
{
    tree_args a = {0};
    cli_opts o;
    int rc = take_flags(&argc, argv, &a);
    rc = rc ? rc : cli_parse(argc, argv, 2, "tree", "data,format,output", &o);
    if (rc || o.help) {
        if (!rc)
            help();
        return rc;
    }
    const char *fmt = o.format ? o.format : "dot";
    if (strcmp(fmt, "dot") != 0 && strcmp(fmt, "svg") != 0 && strcmp(fmt, "png") != 0) {
        fprintf(stderr, "glassbox tree: error: unknown format '%s' (use dot, svg or png)\n", fmt);
        return GB_EXIT_USAGE;
    }
    if (!a.trees) {
        fprintf(stderr, "glassbox tree: error: --trees RUN_tree.jsonl is required\n  hint: "
                        "`glassbox run MODEL.gb --data FILE --output RUN.csv` writes it\n");
        return GB_EXIT_USAGE;
    }
    if (strcmp(fmt, "png") == 0 && !a.pd && !o.output && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "glassbox tree: error: a PNG is not for a terminal\n"
                        "  hint: add --output FILE.png, or redirect stdout to a file\n");
        return GB_EXIT_USAGE;
    }
    cli_session s;
    gb_model *m = NULL;
    cli_tree *t = NULL;
    cli_tree_xs xs = {0};
    rc = cli_load(&o, &s, 1);
    gb_status st = GB_OK;
    if (rc == GB_EXIT_OK && ((st = gb_model_compile(s.graph, &m, s.errs)) != GB_OK ||
                             (st = cli_tree_xs_find(&o, &s, m, &xs)) != GB_OK))
        rc = cli_report(s.errs, s.srcs, st);
    if (rc == GB_EXIT_OK && !(t = cli_tree_load("tree", a.trees)))
        rc = GB_EXIT_USAGE;
    for (size_t i = 0; rc == GB_EXIT_OK && i < xs.n; i++)
        cli_tree_set_names(t, xs.items[i].node, xs.items[i].names, xs.items[i].cols);
    if (rc == GB_EXIT_OK) {
        char *tmp = NULL;
        FILE *out = o.output ? gb_drawsout_side_open(o.output, &tmp) : stdout;
        if (!out) {
            fprintf(stderr, "glassbox tree: error: cannot write '%s': %s\n", o.output,
                    strerror(errno));
            rc = GB_EXIT_MODEL;
        } else {
            rc = node_output(&s, t, &xs, &a, fmt, out);
            if (out != stdout) {
                /* a failed output leaves no file: the temporary one is removed */
                if (rc != 0) {
                    fclose(out);
                    unlink(tmp);
                    free(tmp);
                } else if (gb_drawsout_side_close(out, tmp, o.output) != 0) {
                    rc = -1;
                }
            }
            if (rc == -1) {
                fprintf(stderr, "glassbox tree: error: cannot write '%s': %s\n",
                        o.output ? o.output : "stdout", strerror(errno));
                rc = GB_EXIT_MODEL;
            }
        }
    }
    cli_tree_free(t);
    cli_tree_xs_free(&xs);
    gb_model_free(m);
    cli_session_free(&s);
    return cli_finish_output(stdout, "tree", rc);
}
