/* cli_main.c - `glassbox COMMAND ...`: dispatch to the subcommands. */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *what;
} commands[] = {
    {"check", cli_check, "parse and check a model (and its data)"},
    {"graph", cli_graph, "draw the model graph (SVG, PNG, DOT) or list it as JSON"},
    {"inspect", cli_inspect, "list every node: kind, shape, definition, parents"},
    {"run", cli_run, "sample the posterior, write the draws, print the summary"},
    {"compare", cli_compare, "LOO, held-out density and accuracy of several models"},
    {"optimize", cli_optimize, "the MAP estimate (BFGS), optionally Laplace draws"},
    {"summary", cli_summary, "diagnostics and summary of CmdStan-layout CSV draws"},
    {"report", cli_report_cmd, "one self-contained HTML page of a run: graph, diagnostics, plots"},
    {"loo", cli_loo, "PSIS-LOO and WAIC of saved draws, Pareto k-hat per observation"},
    {"predict", cli_predict, "posterior predictive draws, at the training or new data"},
    {"tree", cli_tree_cmd, "a tree node's diagram (DOT, SVG, PNG) or partial dependence"},
    {"parse", cli_parse_cmd, "print the syntax tree (for debugging the language)"},
    {"reference", cli_reference, "the reference page of every distribution and function"},
};

static void usage(FILE *out)
{
    fputs("glassbox " GB_VERSION " - a transparent Bayesian modelling language\n\n"
          "usage: glassbox COMMAND [ARGS]   (glassbox COMMAND --help for each)\n\ncommands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].what);
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 2) {
        usage(stderr);
        return GB_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return cli_finish_output(stdout, "", 0);
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        puts("glassbox " GB_VERSION);
        return cli_finish_output(stdout, "", 0);
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc, argv);
    fprintf(stderr, "glassbox: error: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return GB_EXIT_USAGE;
}
