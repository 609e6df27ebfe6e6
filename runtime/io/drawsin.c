/* drawsin.c - saved draws read back for a compiled model (drawsin.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "colname.h"
#include "drawsin.h"
#include "stancsv.h"

struct gb_drawsin {
    const gb_model *m;
    size_t nfiles;
    gb_stancsv **f;
    const char *const *paths; /* borrowed */
    size_t *skip;             /* warmup rows of each file */
    size_t *count;            /* draws of each file */
    long **col; /* per file, per output column: the file's column, or -1 (not latent) */
    size_t total;
};

void gb_drawsin_free(gb_drawsin *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nfiles; i++) {
        gb_stancsv_free(d->f[i]);
        free(d->col ? d->col[i] : NULL);
    }
    free(d->f);
    free(d->col);
    free(d->skip);
    free(d->count);
    free(d);
}

/* Finds each latent output column of the model in file i; lists the missing ones. */
static gb_status map_columns(gb_drawsin *d, size_t i, const char *path, gb_errlist *errs)
{
    const gb_model *m = d->m;
    size_t nc = gb_model_output_size(m), missing = 0;
    d->col[i] = malloc((nc ? nc : 1) * sizeof(long));
    if (!d->col[i])
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    const char *first = NULL;
    for (size_t c = 0; c < nc; c++) {
        size_t node = gb_model_output_node(m, c);
        d->col[i][c] = -1;
        if (!gb_node_is_parameter(gb_graph_node(gb_model_graph(m), node)))
            continue;
        char buf[512];
        const char *name = gb_model_output_name(m, c);
        if (gb_colname_to_csv(name, buf, sizeof buf) >= sizeof buf)
            return gb_error(errs, GB_EDATA, (gb_loc){path, 1, 1, 0}, "column name too long");
        d->col[i][c] = gb_stancsv_find_col(d->f[i], buf);
        if (d->col[i][c] < 0)
            d->col[i][c] = gb_stancsv_find_col(d->f[i], name);
        if (d->col[i][c] < 0 && missing++ == 0)
            first = name;
    }
    if (missing) {
        gb_error(errs, GB_EDATA, (gb_loc){path, 1, 1, 0},
                 "the draws have no column '%s'%s: were they drawn from another model?", first,
                 missing > 1 ? " (and others)" : "");
        gb_error_hint(errs, "%zu parameter column%s of the model %s missing", missing,
                      missing > 1 ? "s" : "", missing > 1 ? "are" : "is");
        return GB_EDATA;
    }
    return GB_OK;
}

gb_drawsin *gb_drawsin_read(const gb_model *m, const char *const *paths, size_t npaths,
                            gb_errlist *errs)
{
    gb_drawsin *d = calloc(1, sizeof *d);
    if (!d) {
        gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
        return NULL;
    }
    d->m = m;
    d->paths = paths;
    d->f = calloc(npaths ? npaths : 1, sizeof *d->f);
    d->col = calloc(npaths ? npaths : 1, sizeof *d->col);
    d->skip = calloc(npaths ? npaths : 1, sizeof *d->skip);
    d->count = calloc(npaths ? npaths : 1, sizeof *d->count);
    if (!d->f || !d->col || !d->skip || !d->count) {
        gb_drawsin_free(d);
        gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
        return NULL;
    }
    gb_status st = GB_OK;
    for (size_t i = 0; i < npaths; i++) {
        d->f[i] = gb_stancsv_read(paths[i], errs);
        d->nfiles = i + 1;
        if (!d->f[i]) {
            st = GB_EDATA;
            continue;
        }
        size_t w = gb_stancsv_warmup_rows(d->f[i]), rows = gb_stancsv_nrows(d->f[i]);
        d->skip[i] = w < rows ? w : rows;
        d->count[i] = rows - d->skip[i];
        d->total += d->count[i];
        if (map_columns(d, i, paths[i], errs) != GB_OK)
            st = GB_EDATA;
        else if (d->count[i] == 0)
            st = gb_error(errs, GB_EDATA, (gb_loc){paths[i], 1, 1, 0}, "the file has no draws");
    }
    if (st != GB_OK) {
        gb_drawsin_free(d);
        return NULL;
    }
    return d;
}

size_t gb_drawsin_count(const gb_drawsin *d)
{
    return d->total;
}

size_t gb_drawsin_chains(const gb_drawsin *d)
{
    return d->nfiles;
}

size_t gb_drawsin_chain_count(const gb_drawsin *d, size_t c)
{
    return d->count[c];
}

void gb_drawsin_row(const gb_drawsin *d, size_t k, double *row)
{
    size_t i = 0;
    while (i + 1 < d->nfiles && k >= d->count[i])
        k -= d->count[i++];
    const double *src = gb_stancsv_row(d->f[i], d->skip[i] + k);
    for (size_t c = 0; c < gb_model_output_size(d->m); c++)
        row[c] = d->col[i][c] >= 0 ? src[d->col[i][c]] : NAN;
}

const char *gb_drawsin_where(const gb_drawsin *d, size_t k, size_t *row)
{
    size_t i = 0;
    while (i + 1 < d->nfiles && k >= d->count[i])
        k -= d->count[i++];
    *row = k + 1;
    return d->paths[i];
}
