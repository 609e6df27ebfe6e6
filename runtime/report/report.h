/* report.h - one self-contained HTML page per run: the model, its graph, the diagnostics in
 * plain words, the sampler plan, the summary, and plots (trace, rank, density, forest, pairs)
 * drawn by plot.h.  Inline SVG and CSS only: no script, no network, it opens from disk.
 *
 * Large nodes are summarised, never dumped: a node of many elements is one row of the table
 * (its range of means, worst R-hat, lowest ESS) with the first elements behind a <details>, and
 * the plots are bounded in number (the page says what it left out), so the page's size depends
 * on the model's number of nodes, not on its number of scalars. */
#ifndef GB_RUNTIME_REPORT_REPORT_H
#define GB_RUNTIME_REPORT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "status.h"

/* One observed node's posterior predictive check: its data and nrep replicated data sets. */
typedef struct gb_report_ppc {
    const char *name;
    const double *obs; /* n values */
    const double *rep; /* nrep x n, row-major */
    size_t n, nrep;
} gb_report_ppc;

typedef struct gb_report_in {
    const char *title;        /* the model's path */
    const char *source;       /* the model's text */
    const char *graph_svg;    /* the graph as SVG (graph_dot.h), or NULL */
    const char *plan;         /* which sampler updates what, as `inspect` prints it, or NULL */
    const char *const *names; /* the columns: sampler columns (lp__, divergent__ ...) included */
    size_t ncols;
    const double *const *chains; /* chain c: ndraws rows of ncols values, row-major */
    size_t nchains, ndraws;
    int max_depth;              /* the NUTS depth limit the draws were made with (0: unknown) */
    const char *const *pairs;   /* columns to plot against each other, two by two, or NULL */
    size_t npairs;              /* an even count */
    const gb_report_ppc *ppc;   /* posterior predictive checks, or NULL */
    size_t nppc;
    const char *extra_html;     /* more sections (a component's own), trusted HTML, or NULL */
} gb_report_in;

/* Writes the page.  GB_OK, GB_ENOMEM, GB_EIO (writing to out or a plot's temporary file
 * failed), or GB_EUSAGE (fewer than GB_DIAG_MIN_DRAWS draws, a pair naming no column). */
gb_status gb_report_write(FILE *out, const gb_report_in *in);

/* Writes s with &, <, >, " escaped. */
int gb_report_escape(FILE *out, const char *s);

#endif
