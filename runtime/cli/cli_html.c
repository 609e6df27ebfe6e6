/* cli_html.c - `glassbox report` and `run --report`: the HTML page of a run (report.h), with
 * the model's source, its graph rendered by Graphviz, its sampler plan, and the plots. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_predict.h"
#include "drawsout.h"
#include "graph_dot.h"
#include "report.h"
#include "stancsv.h"

/* Replicated data sets drawn for each posterior predictive check. */
#define PPC_REPLICATES 40

/* The graph as SVG in *svg.  GB_ENOMEM fails the report; when Graphviz itself fails (a bug,
 * said on stderr), *svg stays NULL and the page says it has no picture. */
static gb_status graph_svg(const gb_graph *g, char **svg)
{
    char *dot = NULL, err[300];
    size_t dotlen = 0, len = 0;
    *svg = NULL;
    FILE *mem = open_memstream(&dot, &dotlen);
    if (!mem)
        return GB_ENOMEM;
    int w = gb_graph_write_dot(g, mem);
    if (fclose(mem) != 0 || w != 0) {
        free(dot);
        return GB_ENOMEM;
    }
    gb_status st = gb_graph_render(dot, dotlen, "svg", svg, &len, err, sizeof err);
    free(dot);
    if (st == GB_EINTERNAL) {
        fprintf(stderr, "glassbox report: internal error: Graphviz: %s, please report (the page "
                        "has no picture of the graph)\n", err);
        return GB_OK;
    }
    if (st != GB_OK)
        return st;
    char *grown = realloc(*svg, len + 1); /* the SVG is inlined as a string */
    if (!grown) {
        free(*svg);
        *svg = NULL;
        return GB_ENOMEM;
    }
    grown[len] = '\0';
    char *start = strstr(grown, "<svg"); /* without the XML prolog */
    if (start)
        memmove(grown, start, strlen(start) + 1);
    *svg = grown;
    return GB_OK;
}

/* The tree components' section: their rules, leaves and inclusion proportions as run prints
 * them, escaped.  NULL when out of memory. */
static char *trees_html(const char *text, const char *svg)
{
    char *html = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&html, &len);
    if (!mem)
        return NULL;
    int bad = fputs("<h2 id=\"trees\">Trees</h2>\n<p>Each tree component's posterior: the "
                    "number of leaves and the depth, how often each input is split on "
                    "(its inclusion proportion), and the most visited and the maximum-posterior "
                    "tree as if-then rules, each leaf with its posterior mean and 90% interval."
                    "</p>\n<pre>",
                    mem) == EOF;
    bad |= gb_report_escape(mem, text) != 0;
    bad |= fputs("</pre>\n", mem) == EOF;
    if (svg) /* Graphviz's SVG of each single tree's most visited structure (cli_tree_dot.c) */
        bad |= fputs("<p>The most visited tree: each split with its rule and posterior support "
                     "(the share of all draws with that split there), each leaf with its "
                     "posterior over the draws of this tree and its training rows n.</p>\n"
                     "<div class=\"tree\">",
                     mem) == EOF ||
               fputs(svg, mem) == EOF || fputs("</div>\n", mem) == EOF;
    if (fclose(mem) != 0 || bad) {
        free(html);
        return NULL;
    }
    return html;
}

/* What `inspect` says about the samplers, as text in *text (NULL without a model). */
static gb_status plan_text(const gb_model *m, char **text)
{
    size_t len = 0;
    *text = NULL;
    if (!m)
        return GB_OK;
    FILE *mem = open_memstream(text, &len);
    if (!mem)
        return GB_ENOMEM;
    gb_status st = cli_print_samplers(m, mem);
    if (fclose(mem) != 0 || !*text || st != GB_OK) {
        free(*text);
        *text = NULL;
        return GB_ENOMEM;
    }
    return GB_OK;
}

int cli_write_report(const char *path, const cli_session *s, const char *model,
                     const gb_model *m, const char *const *names, size_t ncols,
                     const double *const *chains, size_t nchains, size_t ndraws, int max_depth,
                     const char *const *pairs, size_t npairs, const cli_ppc *ppc,
                     const char *trees, const char *trees_svg)
{
    gb_report_ppc checks[CLI_PPC_MAX];
    size_t nchecks = 0;
    for (size_t i = 0; ppc && i < ppc->n; i++, nchecks++)
        checks[i] = (gb_report_ppc){ppc->node[i].name, ppc->node[i].obs, ppc->node[i].rep,
                                    ppc->node[i].n, ppc->node[i].nrep};
    /* --pairs gave "a,b" and "b": the first of each pair is cut at its comma here */
    char **cut = calloc(npairs ? npairs : 1, sizeof *cut);
    const char **pair = calloc(npairs ? npairs : 1, sizeof *pair);
    char *svg = NULL, *plan = NULL, *tmp = NULL;
    gb_status gst = graph_svg(s->graph, &svg), pst = plan_text(m, &plan);
    int rc = cut && pair && gst == GB_OK && pst == GB_OK ? GB_EXIT_OK
                                                          : cli_report(NULL, NULL, GB_ENOMEM);
    for (size_t p = 0; rc == GB_EXIT_OK && p < npairs; p++) {
        const char *comma = p % 2 == 0 ? strchr(pairs[p], ',') : NULL;
        pair[p] = comma ? (cut[p] = strndup(pairs[p], (size_t)(comma - pairs[p]))) : pairs[p];
        if (!pair[p])
            rc = cli_report(NULL, NULL, GB_ENOMEM);
        for (size_t k = 0; rc == GB_EXIT_OK && pair[p] && k <= ncols; k++)
            if (k == ncols) {
                fprintf(stderr, "glassbox report: error: --pairs names '%s', which is not a "
                                "column of the draws\n", pair[p]);
                rc = GB_EXIT_USAGE;
            } else if (strcmp(names[k], pair[p]) == 0) {
                break;
            }
    }
    char *extra = NULL;
    if (rc == GB_EXIT_OK && trees && *trees && !(extra = trees_html(trees, trees_svg)))
        rc = cli_report(NULL, NULL, GB_ENOMEM);
    const gb_source *src = gb_sources_find(s->srcs, model);
    gb_report_in in = {.title = model, .source = src ? src->text : NULL, .graph_svg = svg,
                       .plan = plan, .names = names, .ncols = ncols, .chains = chains,
                       .nchains = nchains, .ndraws = ndraws, .max_depth = max_depth,
                       .pairs = pair, .npairs = npairs, .ppc = checks, .nppc = nchecks,
                       .extra_html = extra};
    FILE *out = rc == GB_EXIT_OK ? gb_drawsout_side_open(path, &tmp) : NULL;
    if (rc == GB_EXIT_OK && !out) {
        fprintf(stderr, "glassbox report: error: cannot write '%s': %s\n", path, strerror(errno));
        free(tmp);
        rc = GB_EXIT_MODEL;
    } else if (out) {
        gb_status st = gb_report_write(out, &in);
        int saved = errno;
        if (gb_drawsout_side_close(out, tmp, path) != 0 && st == GB_OK) {
            st = GB_EIO;
            saved = errno;
        }
        if (st == GB_EIO)
            fprintf(stderr, "glassbox report: error: cannot write '%s': %s\n", path,
                    strerror(saved));
        rc = st == GB_EIO ? GB_EXIT_MODEL : st != GB_OK ? cli_report(NULL, NULL, st) : rc;
    }
    for (size_t p = 0; cut && p < npairs; p++)
        free(cut[p]);
    free(cut);
    free(pair);
    free(svg);
    free(plan);
    free(extra);
    return rc;
}

static void help(void)
{
    puts("usage: glassbox report MODEL.gb [--data FILE]... --draws RUN_1.csv [RUN_2.csv]...\n"
         "                       --output REPORT.html [--pairs A,B]...\n\n"
         "Writes one self-contained HTML page of a run (inline SVG and CSS, no script, no\n"
         "network): the model's source, its graph, the diagnostics in plain words, the\n"
         "sampler plan, the summary (large nodes summarised), trace, rank and density plots,\n"
         "forest plots of vectors, and pairs plots with divergent transitions in red.\n"
         "Plots are drawn by PLplot, the graph by Graphviz.  `run --report FILE` writes the\n"
         "same page at the end of a run.\n\n"
         "  --draws FILE...  the chains' CmdStan-layout CSV files\n"
         "  --pairs A,B      plot columns A and B against each other (repeatable; by default\n"
         "                   every pair of the first three scalars)");
}

int cli_report_cmd(int argc, char **argv)
{
    cli_opts o;
    int rc = cli_parse(argc, argv, 2, "report", "data,draws,draws-files,output,pairs,seed", &o);
    if (rc || o.help) {
        if (o.help)
            help();
        return rc;
    }
    if (o.ndraws_files == 0 || !o.output) {
        fprintf(stderr, "glassbox report: error: give the draws (--draws RUN_1.csv ...) and the "
                        "page to write (--output REPORT.html)\n");
        return GB_EXIT_USAGE;
    }
    cli_session s;
    rc = cli_load(&o, &s, 0);
    cli_draws d = {0}; /* freed whatever happened: cli_draws_free takes a zeroed one */
    gb_model *m = NULL;
    if (rc == GB_EXIT_OK)
        rc = cli_draws_load("report", &o, &s, &d);
    /* the sampler plan needs the compiled model, which needs the data; without them the page
       says the plan was not given */
    if (rc == GB_EXIT_OK && o.ndata > 0) {
        gb_status st = gb_model_compile(s.graph, &m, s.errs);
        if (st != GB_OK)
            rc = cli_report(s.errs, s.srcs, st);
    }
    /* posterior predictive checks need the data the model was fitted to */
    cli_ppc ppc = {0};
    if (rc == GB_EXIT_OK && o.ndata > 0)
        rc = cli_predict_ppc(&o, PPC_REPLICATES, &ppc);
    if (rc == GB_EXIT_OK)
        rc = cli_write_report(o.output, &s, o.model, m, (const char *const *)d.names, d.ncols,
                              d.chains, (size_t)d.n, d.ndraws, cli_header_max_depth(d.files[0]),
                              o.pairs, (size_t)o.npairs, &ppc, NULL, NULL);
    cli_ppc_free(&ppc);
    cli_draws_free(&d);
    gb_model_free(m);
    cli_session_free(&s);
    return rc;
}
