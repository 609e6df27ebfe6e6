/* drawsout.c - CmdStan-layout CSV files of draws, one per chain (see drawsout.h). */
#include "drawsout.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "colname.h"
#include "version.h"

#define MAX_CHAIN_FILES 1024

typedef struct chain_file {
    char *path;  /* final name */
    char *tmp;   /* written here, renamed at close; NULL when writing straight to a device */
    FILE *f;
    int failed;  /* errno of the first failed write, 0 if none */
    size_t rows;
} chain_file;

struct gb_drawsout {
    chain_file *files;
    int nfiles;
    size_t ncols; /* model columns */
};

/* Temporary names of the open writer, for gb_drawsout_abandon (a signal handler). */
static char *volatile abandon_paths[MAX_CHAIN_FILES];
static volatile sig_atomic_t abandon_count;

/* a + b + c in a new string (NULL when out of memory). */
static char *cat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb);
        memcpy(s + la + lb, c, lc + 1);
    }
    return s;
}

/* Length of PATH without its extension (the whole path when the file name has none, or is a
 * dot file). */
static size_t stem_len(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash) || dot == path || (slash && dot == slash + 1))
        return strlen(path);
    return (size_t)(dot - path);
}

/* PATH's stem, then mid, then tail (NULL when out of memory). */
static char *stem_cat(const char *path, const char *mid, const char *tail)
{
    size_t stem = stem_len(path);
    char *head = malloc(stem + 1);
    if (!head)
        return NULL;
    memcpy(head, path, stem);
    head[stem] = '\0';
    char *s = cat3(head, mid, tail);
    free(head);
    return s;
}

/* PATH for one chain; PATH_c.ext for several (ext kept at the end, as CmdStan does). */
static char *chain_path(const char *path, int chain, int nchains)
{
    if (nchains == 1)
        return cat3(path, "", "");
    char num[16];
    snprintf(num, sizeof num, "_%d", chain + 1);
    return stem_cat(path, num, path + stem_len(path));
}

char *gb_drawsout_stem_path(const char *path, const char *suffix)
{
    return stem_cat(path, suffix, "");
}

FILE *gb_drawsout_side_open(const char *path, char **tmp)
{
    char pid[32];
    snprintf(pid, sizeof pid, ".tmp-%ld", (long)getpid());
    *tmp = cat3(path, pid, "");
    FILE *f = *tmp ? fopen(*tmp, "wx") : NULL;
    if (!f) {
        free(*tmp);
        *tmp = NULL;
    }
    return f;
}

int gb_drawsout_side_close(FILE *f, char *tmp, const char *path)
{
    int bad = fflush(f) != 0 || ferror(f);
    bad |= fclose(f) != 0;
    if (!bad)
        bad = rename(tmp, path) != 0;
    if (bad)
        unlink(tmp);
    free(tmp);
    return bad ? -1 : 0;
}

static int is_device(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode);
}

static void write_header(FILE *f, const gb_drawsout_meta *meta, int chain, const char *path,
                         const char *const *names, size_t ncols)
{
    const gb_run_config *c = meta->cfg;
    fprintf(f, "# glassbox_version = " GB_VERSION "\n");
    fprintf(f, "# model = %s\n", meta->model_path ? meta->model_path : "");
    fprintf(f, "# method = sample (Default)\n#   sample\n");
    fprintf(f, "#     num_samples = %d\n#     num_warmup = %d\n", c->draws, c->warmup);
    fprintf(f, "#     save_warmup = 0\n#     thin = 1\n");
    fprintf(f, "#     adapt\n#       engaged = %d\n#       delta = %g\n", c->warmup > 0,
            c->adapt_delta);
    fprintf(f, "#     algorithm = hmc (Default)\n#       hmc\n#         engine = nuts "
               "(Default)\n#           nuts\n#             max_depth = %d\n", c->max_depth);
    fprintf(f, "#         metric = %s\n", c->dense_metric ? "dense_e" : "diag_e");
    fprintf(f, "#     num_chains = 1\n# id = %d\n# data\n", chain + 1);
    for (int i = 0; i < meta->ndata; i++)
        fprintf(f, "#   file = %s\n", meta->data_paths[i]);
    fprintf(f, "# init = %g\n# random\n#   seed = %lu\n", c->init_radius, c->seed);
    fprintf(f, "# output\n#   file = %s\n", path);
    gb_colname_write_map(f, names, ncols); /* a failed write shows in ferror at close */
    for (int k = 0; k < GB_NSAMPLER_COLS; k++)
        fprintf(f, "%s%s", k ? "," : "", gb_sampler_col_names[k]);
    for (size_t k = 0; k < ncols; k++) {
        fputc(',', f);
        gb_colname_write_csv(f, names[k]); /* Stan's readers' names (colname.h) */
    }
    fputc('\n', f);
}

static void close_files(gb_drawsout *w, int remove_tmp)
{
    for (int c = 0; c < w->nfiles; c++) {
        chain_file *cf = &w->files[c];
        if (cf->f)
            fclose(cf->f);
        if (cf->tmp && remove_tmp)
            unlink(cf->tmp);
        free(cf->tmp);
        free(cf->path);
    }
    abandon_count = 0;
    free(w->files);
    free(w);
}

gb_status gb_drawsout_open(const char *path, const gb_drawsout_meta *meta,
                           const char *const *names, size_t ncols, gb_drawsout **out,
                           gb_errlist *errs)
{
    int n = meta->cfg->chains;
    if (n < 1 || n > MAX_CHAIN_FILES)
        return gb_error(errs, GB_EUSAGE, (gb_loc){0}, "cannot write %d chains' files", n);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return gb_error(errs, GB_EUSAGE, (gb_loc){0},
                        "--output %s is a directory; give a file name (the draws of chain c go to "
                        "NAME_c.csv)", path);
    if (n > 1 && is_device(path))
        return gb_error(errs, GB_EUSAGE, (gb_loc){0},
                        "--output %s is not a regular file; with %d chains give a file name "
                        "(chain c is written to NAME_c.csv)", path, n);
    gb_drawsout *w = calloc(1, sizeof *w);
    if (!w || !(w->files = calloc((size_t)n, sizeof *w->files))) {
        free(w);
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory opening the output");
    }
    w->nfiles = n;
    w->ncols = ncols;
    abandon_count = 0;
    for (int c = 0; c < n; c++) {
        chain_file *cf = &w->files[c];
        cf->path = chain_path(path, c, n);
        if (!cf->path)
            goto nomem;
        if (is_device(cf->path)) {
            cf->f = fopen(cf->path, "w");
        } else {
            char pid[32];
            snprintf(pid, sizeof pid, ".tmp-%ld", (long)getpid());
            cf->tmp = cat3(cf->path, pid, "");
            if (!cf->tmp)
                goto nomem;
            cf->f = fopen(cf->tmp, "wx");
            abandon_paths[abandon_count] = cf->tmp;
            abandon_count = abandon_count + 1;
        }
        if (!cf->f) {
            gb_error(errs, GB_EIO, (gb_loc){0}, "cannot write the draws to %s: %s", cf->path,
                     strerror(errno));
            close_files(w, 1);
            return GB_EIO;
        }
        write_header(cf->f, meta, c, cf->path, names, ncols);
        if (fflush(cf->f) != 0 || ferror(cf->f)) {
            gb_error(errs, GB_EIO, (gb_loc){0}, "cannot write the draws to %s: %s", cf->path,
                     strerror(errno));
            close_files(w, 1);
            return GB_EIO;
        }
    }
    *out = w;
    return GB_OK;
nomem:
    close_files(w, 1);
    return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory opening the output");
}

int gb_drawsout_row(void *ctx, int chain, const double *row)
{
    gb_drawsout *w = ctx;
    chain_file *cf = &w->files[chain];
    if (cf->failed)
        return -1;
    FILE *f = cf->f;
    if (cf->rows == 0) /* CmdStan puts the adapted step size between header and draws */
        fprintf(f, "# Adaptation terminated\n# Step size = %.9g\n", row[GB_COL_STEPSIZE]);
    size_t total = GB_NSAMPLER_COLS + w->ncols;
    for (size_t k = 0; k < total; k++)
        fprintf(f, k ? ",%.9g" : "%.9g", row[k]);
    fputc('\n', f);
    if (fflush(f) != 0 || ferror(f)) {
        cf->failed = errno ? errno : EIO;
        return -1;
    }
    cf->rows++;
    return 0;
}

gb_status gb_drawsout_close(gb_drawsout *w, int interrupted, int discard,
                            gb_errlist *errs)
{
    if (!w)
        return GB_OK;
    gb_status st = GB_OK;
    for (int c = 0; c < w->nfiles && !discard; c++) {
        chain_file *cf = &w->files[c];
        if (!cf->failed) {
            if (interrupted)
                fprintf(cf->f, "# interrupted: %zu draws written before the run was stopped\n",
                        cf->rows);
            if (fflush(cf->f) != 0 || ferror(cf->f))
                cf->failed = errno ? errno : EIO;
        }
        int rc = fclose(cf->f);
        cf->f = NULL;
        if (rc != 0 && !cf->failed)
            cf->failed = errno ? errno : EIO;
        if (cf->failed) {
            st = gb_error(errs, GB_EIO, (gb_loc){0}, "cannot write the draws to %s: %s",
                          cf->path, strerror(cf->failed));
            continue;
        }
        if (cf->tmp && rename(cf->tmp, cf->path) != 0) {
            st = gb_error(errs, GB_EIO, (gb_loc){0}, "cannot rename %s to %s: %s", cf->tmp,
                          cf->path, strerror(errno));
            continue;
        }
        free(cf->tmp);
        cf->tmp = NULL;
    }
    close_files(w, 1);
    return st;
}

const char *gb_drawsout_path(const gb_drawsout *w, int chain)
{
    return w->files[chain].path;
}

void gb_drawsout_abandon(void)
{
    for (sig_atomic_t i = 0; i < abandon_count; i++)
        if (abandon_paths[i])
            unlink(abandon_paths[i]);
}
