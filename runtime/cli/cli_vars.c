/* cli_vars.c - how `summary` and `run` show their table: the --vars filter (colname.h's
 * patterns, matched against a column's name and its node's name, so 'fit.beta' and
 * 'fit.beta*' both give every fit.beta.k), --hist, and colour only where a person reads it. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "colname.h"
#include "summary.h"

unsigned char *cli_vars_mask(const char *cmd, const char *const *names, size_t ncols,
                             const char *const *pats, int npats, int *rc)
{
    *rc = GB_EXIT_OK;
    if (npats == 0)
        return NULL;
    unsigned char *show = calloc(ncols ? ncols : 1, 1);
    if (!show) {
        *rc = cli_report(NULL, NULL, GB_ENOMEM);
        return NULL;
    }
    char node[512];
    for (int p = 0; p < npats; p++) {
        int hit = 0;
        for (size_t k = 0; k < ncols; k++) {
            size_t len = gb_colname_node_len(names[k]);
            snprintf(node, sizeof node, "%.*s", (int)len, names[k]);
            if (gb_colname_match(pats[p], names[k]) || gb_colname_match(pats[p], node)) {
                show[k] = 1;
                hit = 1;
            }
        }
        if (!hit) {
            fprintf(stderr, "glassbox %s: error: --vars '%s' matches no column\n"
                            "  hint: '*' and '?' are wildcards ('fit.beta*'); a node's name "
                            "gives all its elements\n", cmd, pats[p]);
            free(show);
            *rc = GB_EXIT_USAGE;
            return NULL;
        }
    }
    return show;
}

int cli_colour(FILE *out)
{
    const char *term = getenv("TERM");
    return isatty(fileno(out)) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
}

int cli_hist_kind(int wanted)
{
    if (!wanted)
        return GB_SUMMARY_HIST_NONE;
    /* block characters need UTF-8; the locale's codeset says whether the terminal has it */
    const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strstr(v, "UTF-8") || strstr(v, "utf8") || strstr(v, "UTF8") ||
                           strstr(v, "utf-8")
                       ? GB_SUMMARY_HIST_BLOCKS
                       : GB_SUMMARY_HIST_ASCII;
    }
    return GB_SUMMARY_HIST_ASCII;
}
