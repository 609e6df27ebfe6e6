/* cli_run_used.c - which of a run's draws its summary uses (see cli_run_used.h). */
#include "cli_run_used.h"

#include <stdio.h>
#include <stdlib.h>

size_t cli_used_length(const gb_draws *d, size_t min)
{
    size_t best = 0, best_total = 0;
    for (int i = 0; i < d->nchains; i++) {
        size_t n = d->filled[i], k = 0;
        if (n < min)
            continue;
        for (int c = 0; c < d->nchains; c++)
            k += d->filled[c] >= n;
        if (k * n > best_total || (k * n == best_total && n < best)) {
            best = n;
            best_total = k * n;
        }
    }
    return best;
}

void cli_used_say(const gb_draws *d, size_t n)
{
    int used = 0;
    for (int c = 0; c < d->nchains; c++)
        used += d->filled[c] >= n;
    fprintf(stderr, "glassbox run: the summary uses the first %zu draws of chain%s", n,
            used == 1 ? "" : "s");
    for (int c = 0, k = 0; c < d->nchains; c++)
        if (d->filled[c] >= n)
            fprintf(stderr, "%s %d", k++ ? "," : "", c + 1);
    if (used < d->nchains) {
        fprintf(stderr, "; it leaves out chain");
        for (int c = 0, k = 0; c < d->nchains; c++)
            if (d->filled[c] < n)
                fprintf(stderr, "%s %d (%zu draws)", k++ ? "," : "", c + 1, d->filled[c]);
    }
    fputc('\n', stderr);
}

const double **cli_used_chains(const gb_draws *d, size_t n, int *used)
{
    const double **chains = malloc((size_t)d->nchains * sizeof *chains);
    *used = 0;
    for (int c = 0; chains && c < d->nchains; c++)
        if (d->filled[c] >= n)
            chains[(*used)++] = d->rows + (size_t)c * d->ndraws * d->ncols;
    return chains;
}

int cli_used_tree_cols(const gb_model *m, const gb_draws *d, cli_tree_cols *c)
{
    size_t n = cli_used_length(d, CLI_USED_MIN);
    int used = 0;
    const double **chains = n ? cli_used_chains(d, n, &used) : NULL;
    if (n && !chains)
        return -1;
    *c = (cli_tree_cols){.m = m,
                         .col = d->col,
                         .ncols = d->ncols,
                         .chains = chains,
                         .nchains = (size_t)used,
                         .ndraws = n};
    return 0;
}
