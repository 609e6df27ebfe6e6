/* cli_keep.c - the columns `run` keeps and the names the draws CSV gives them: --keep patterns
 * (colname.h's rule: '*' and '?' are wildcards, everything else is literal), an error listing
 * the closest names for a pattern that matches nothing, and the refusal of two nodes whose CSV
 * names would be equal.  Errors go into the session's list; the caller prints them. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "colname.h"
#include "run.h"

/* How many close names the hint of an unmatched pattern lists. */
#define CLOSE_NAMES 5
/* Room for a column's CSV name; longer names are cut, which only weakens a suggestion. */
#define NAME_MAX_LEN 512

/* Does pattern p name column k: its node or itself, by glassbox or CSV name? */
static int names_column(const gb_model *m, size_t k, const char *p)
{
    const gb_node *n = gb_graph_node(gb_model_graph(m), gb_model_output_node(m, k));
    const char *col = gb_model_output_name(m, k);
    char csv[NAME_MAX_LEN], csv_node[NAME_MAX_LEN];
    gb_colname_to_csv(col, csv, sizeof csv);
    gb_colname_to_csv(n->name, csv_node, sizeof csv_node);
    return gb_colname_match(p, n->name) || gb_colname_match(p, col) ||
           gb_colname_match(p, csv_node) || gb_colname_match(p, csv);
}

/* Is n the fitted values of a tree (a tree prior's latent: stdlib/dist_tree.c)?  Like a large
 * deterministic node, one value per row, so it is summarised rather than stored when large. */
static int is_tree_fit(const gb_node *n)
{
    if (n->kind != GB_NODE_STOCHASTIC || n->ndefs != 1 || !n->defs[0].dist)
        return 0;
    const char *d = n->defs[0].dist->name;
    return !strcmp(d, "bart_prior") || !strcmp(d, "cart_prior") || !strcmp(d, "cart_class_prior");
}

/* Is output column k the first of its node's columns? */
static int is_first_column(const gb_model *m, size_t k)
{
    return k == 0 || gb_model_output_node(m, k) != gb_model_output_node(m, k - 1);
}

/* Adds the error for a pattern that matches nothing, with the nodes closest to it. */
static void no_match(const gb_model *m, const char *p, gb_errlist *errs)
{
    const gb_graph *g = gb_model_graph(m);
    size_t nm = gb_model_output_size(m), pick[CLOSE_NAMES], npick = 0;
    gb_error(errs, GB_EUSAGE, (gb_loc){0}, "--keep '%s' matches no node or column", p);
    while (npick < CLOSE_NAMES) {
        size_t best = (size_t)-1, bestd = (size_t)-1;
        for (size_t k = 0; k < nm; k++) {
            if (!is_first_column(m, k))
                continue;
            size_t nd = gb_model_output_node(m, k), taken = 0;
            for (size_t j = 0; j < npick; j++)
                taken |= pick[j] == nd;
            size_t d = gb_colname_distance(p, gb_graph_node(g, nd)->name);
            if (!taken && (best == (size_t)-1 || d < bestd)) {
                best = nd;
                bestd = d;
            }
        }
        if (best == (size_t)-1)
            break;
        pick[npick++] = best;
    }
    if (npick == 0)
        return;
    char hint[CLOSE_NAMES * 64 + 64];
    size_t used =
        (size_t)snprintf(hint, sizeof hint, "the closest %s", npick == 1 ? "name is" : "names are");
    for (size_t j = 0; j < npick && used < sizeof hint; j++)
        used += (size_t)snprintf(hint + used, sizeof hint - used, "%s '%s'", j ? "," : "",
                                 gb_graph_node(g, pick[j])->name);
    gb_error_hint(errs, "%s ('*' matches any characters, '?' one; '[' and ']' are literal)", hint);
}

unsigned char *cli_keep_choose(const gb_model *m, const cli_opts *o, size_t stream_above,
                               gb_errlist *errs, gb_status *st)
{
    const gb_graph *g = gb_model_graph(m);
    size_t nm = gb_model_output_size(m), nstream = 0;
    unsigned char *keep = malloc(nm ? nm : 1);
    *st = keep ? GB_OK : gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory choosing columns");
    for (int p = 0; keep && p < o->nkeep; p++) {
        if (strcmp(o->keep[p], "all") == 0)
            continue;
        size_t k = 0;
        while (k < nm && !names_column(m, k, o->keep[p]))
            k++;
        if (k == nm) { /* every unmatched pattern is reported */
            no_match(m, o->keep[p], errs);
            *st = GB_EUSAGE;
        }
    }
    if (*st) {
        free(keep);
        return NULL;
    }
    for (size_t k = 0; k < nm; k++) {
        const gb_node *n = gb_graph_node(g, gb_model_output_node(m, k));
        int big_fit = n->kind == GB_NODE_DETERMINISTIC || is_tree_fit(n);
        int kept = !big_fit || n->len <= stream_above;
        for (int p = 0; p < o->nkeep && !kept; p++)
            kept = strcmp(o->keep[p], "all") == 0 || names_column(m, k, o->keep[p]);
        keep[k] = (unsigned char)kept;
        nstream += !kept;
    }
    if (nstream == 0) {
        free(keep);
        return NULL;
    }
    return keep;
}

gb_status cli_keep_check_csv_names(const gb_model *m, gb_errlist *errs)
{
    const gb_graph *g = gb_model_graph(m);
    size_t nm = gb_model_output_size(m), n = 0, a, b;
    const char **names = malloc((GB_NSAMPLER_COLS + nm) * sizeof *names);
    size_t *node = malloc((GB_NSAMPLER_COLS + nm) * sizeof *node);
    int rc = names && node ? 0 : -1;
    for (size_t k = 0; !rc && k < GB_NSAMPLER_COLS; k++) {
        node[n] = (size_t)-1;
        names[n++] = gb_sampler_col_names[k];
    }
    for (size_t k = 0; !rc && k < nm; k++)
        if (is_first_column(m, k)) {
            node[n] = gb_model_output_node(m, k);
            names[n] = gb_graph_node(g, node[n])->name;
            n++;
        }
    if (!rc)
        rc = gb_colname_clash(names, n, &a, &b);
    gb_status st = GB_OK;
    if (rc < 0) {
        st = gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory checking column names");
    } else if (rc > 0) {
        char csv[NAME_MAX_LEN];
        gb_colname_to_csv(names[b], csv, sizeof csv);
        /* point at the name written as it is (top level), else at either */
        size_t at = node[a] != (size_t)-1 && !strpbrk(names[a], ".[") ? a : b;
        st = gb_error(errs, GB_ESEMANTIC, gb_graph_node(g, node[at])->loc,
                      "'%s' and '%s' would both be column '%s' of the draws CSV", names[a],
                      names[b], csv);
        gb_error_hint(errs, "the CSV writes a component's '.' and '[k]' as '_' (fit.beta as "
                            "fit_beta) so that rstan, cmdstanpy and ArviZ read it; rename one");
    }
    free(names);
    free(node);
    return st;
}
