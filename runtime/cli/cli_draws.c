/* cli_draws.c - the saved draws a command reads as they are (report, graph --draws): every
 * chain's CmdStan-layout CSV after its warmup rows, the same columns in each, the same number
 * of draws from each (the shortest), and the columns' glassbox names. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "stancsv.h"

int cli_draws_load(const char *cmd, const cli_opts *o, cli_session *s, cli_draws *d)
{
    memset(d, 0, sizeof *d);
    d->ndraws = (size_t)-1;
    for (int i = 0; i < o->ndraws_files; i++) {
        const char *path = o->draws_files[i];
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "%s: error: '%s' is a directory, not a draws file\n", path, path);
            return GB_EXIT_USAGE;
        }
        if (!(d->files[i] = gb_stancsv_read(path, s->errs))) {
            gb_status st = gb_errlist_status(s->errs);
            return cli_report(s->errs, s->srcs, st != GB_OK ? st : GB_ENOMEM);
        }
        d->n = i + 1;
        size_t w = gb_stancsv_warmup_rows(d->files[i]), n = gb_stancsv_nrows(d->files[i]);
        d->ncols = gb_stancsv_ncols(d->files[i]);
        for (size_t k = 0; i > 0 && k <= d->ncols; k++) {
            if (k == d->ncols) /* the same number of columns, all of the same names */
                break;
            if (d->ncols != gb_stancsv_ncols(d->files[0]) ||
                strcmp(gb_stancsv_col_name(d->files[i], k),
                       gb_stancsv_col_name(d->files[0], k)) != 0) {
                fprintf(stderr, "glassbox %s: error: %s and %s have different columns; give the "
                                "chains of one run\n", cmd, o->draws_files[0], path);
                return GB_EXIT_MODEL;
            }
        }
        d->chains[i] = gb_stancsv_row(d->files[i], w);
        d->ndraws = n - w < d->ndraws ? n - w : d->ndraws;
    }
    if (d->ndraws < 4) {
        fprintf(stderr, "glassbox %s: error: %zu draws per chain are too few (at least 4)\n", cmd,
                d->ndraws == (size_t)-1 ? 0 : d->ndraws);
        return GB_EXIT_MODEL;
    }
    if (!(d->names = cli_shown_names(d->files[0])))
        return cli_report(NULL, NULL, GB_ENOMEM);
    return GB_EXIT_OK;
}

void cli_draws_free(cli_draws *d)
{
    for (size_t k = 0; d->names && k < d->ncols; k++)
        free(d->names[k]);
    free(d->names);
    for (int i = 0; i < d->n; i++)
        gb_stancsv_free(d->files[i]);
    memset(d, 0, sizeof *d);
}
