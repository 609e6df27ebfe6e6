/* cli_optcsv.c - optimize's CmdStan-layout CSV (see cli_optcsv.h).  The header comments say
 * what made the file, in CmdStan's "key = value" form so its readers pass over them; component
 * columns get Stan-readable names and the "# glassbox name of" map (colname.h). */
#include <stdio.h>
#include <stdlib.h>

#include "cli_optcsv.h"
#include "colname.h"
#include "drawsout.h"
#include "laplace.h"

static int write_header(FILE *f, const cli_optcsv_file *x, int laplace)
{
    const cli_opts *o = x->o;
    int bad = fprintf(f, "# glassbox %s\n# method = %s\n", GB_VERSION,
                      laplace ? "laplace" : "optimize") < 0;
    bad |= fprintf(f,
                   "# algorithm = bfgs (gsl vector_bfgs2)\n# jacobian = %d\n"
                   "# starts = %ld\n# iter = %ld\n# seed = %lu\n",
                   laplace, x->starts, x->iter, o->seed) < 0;
    if (laplace)
        bad |= fprintf(f, "# draws = %zu\n", x->nrows) < 0;
    bad |= fprintf(f, "# model = %s\n", o->model) < 0;
    for (int i = 0; i < o->ndata; i++)
        bad |= fprintf(f, "# data = %s\n", o->data[i]) < 0;
    size_t nm = gb_model_output_size(x->m), nk = 0;
    const char **names = malloc((nm ? nm : 1) * sizeof *names);
    if (!names)
        return -1;
    for (size_t k = 0; k < nm; k++)
        if (!x->keep || x->keep[k])
            names[nk++] = gb_model_output_name(x->m, k);
    bad |= gb_colname_write_map(f, names, nk) != 0;
    if (laplace)
        bad |= fprintf(f, "%s,%s", gb_laplace_col_names[0], gb_laplace_col_names[1]) < 0;
    else
        bad |= fputs("lp__", f) == EOF;
    for (size_t k = 0; k < nk; k++)
        bad |= fputc(',', f) == EOF || gb_colname_write_csv(f, names[k]) != 0;
    bad |= fputc('\n', f) == EOF;
    free(names);
    return bad ? -1 : 0;
}

static int write_rows(FILE *f, const cli_optcsv_file *x, int laplace)
{
    size_t nm = gb_model_output_size(x->m), lead = laplace ? GB_LAPLACE_NCOLS : 0;
    int bad = 0;
    for (size_t d = 0; d < x->nrows && !bad; d++) {
        const double *row = x->rows + d * (lead + nm);
        if (laplace)
            bad |= fprintf(f, "%.9g,%.9g", row[0], row[1]) < 0;
        else
            bad |= fprintf(f, "%.9g", x->lp) < 0;
        for (size_t k = 0; k < nm; k++)
            if (!x->keep || x->keep[k])
                bad |= fprintf(f, ",%.9g", row[lead + k]) < 0;
        bad |= fputc('\n', f) == EOF;
    }
    return bad ? -1 : 0;
}

gb_status cli_optcsv_write(const cli_optcsv_file *x, int laplace, gb_errlist *errs)
{
    gb_drawsout_meta meta = {x->o->model, x->o->data, x->o->ndata, NULL, 0};
    gb_status st = gb_drawsout_check_inputs("--output", x->path, x->path, &meta, errs);
    if (st != GB_OK)
        return st;
    char *tmp = NULL;
    FILE *f = gb_drawsout_side_open(x->path, &tmp);
    if (!f)
        return gb_error(errs, GB_EIO, (gb_loc){0}, "cannot write %s", x->path);
    int bad = write_header(f, x, laplace) != 0 || write_rows(f, x, laplace) != 0;
    if (bad) { /* a failed write, or no memory for the names: keep what was there */
        fclose(f);
        remove(tmp);
        free(tmp);
        return gb_error(errs, GB_EIO, (gb_loc){0}, "cannot write %s (disk full?)", x->path);
    }
    if (gb_drawsout_side_close(f, tmp, x->path) != 0)
        return gb_error(errs, GB_EIO, (gb_loc){0}, "cannot write %s", x->path);
    return GB_OK;
}
