/* drawsout.c - CmdStan-layout CSV files of draws, one per chain (see drawsout.h).
 *
 * Rows go to the file descriptor with write(2), not through stdio, so that we always know how
 * many bytes are whole rows: when a write fails (a full disk), the file is cut back to the end
 * of the last whole row with ftruncate and nothing more is written to it; it is still renamed
 * into place at close, holding every draw that fitted.  Header and closing comments are
 * formatted in memory (open_memstream) and written the same way.
 */
#include "drawsout.h"

#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "colname.h"
#include "version.h"

#define MAX_CHAIN_FILES 1024
/* Characters of one "%.9g" value at most ("-1.23456789e-308"), with its comma. */
#define CELL_CHARS 24

typedef struct chain_file {
    char *path;  /* final name */
    char *tmp;   /* written here, renamed at close; NULL when writing straight to a device */
    int fd;      /* -1 when closed */
    int regular; /* a regular file: it can be cut back (ftruncate) and synced */
    int failed;  /* errno of the first failed write, 0 if none */
    off_t good;  /* bytes up to the end of the last whole row (or of the header) */
    size_t rows;
    char *line;  /* one row, formatted */
} chain_file;

struct gb_drawsout {
    chain_file *files;
    int nfiles;
    size_t ncols;    /* model columns */
    int fixed_param; /* no adaptation block (meta's) */
};

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
    bad |= fsync(fileno(f)) != 0;
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

/* Writes all of buf, resuming after short writes and signals; 0 or the errno. */
static int write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, buf, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0 && errno ? errno : EIO;
        buf += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Records a failed write and cuts the file back to its last whole row, so that a partial row
 * (or comment) never stays in it. */
static void mark_failed(chain_file *cf, int err)
{
    if (!cf->failed)
        cf->failed = err;
    if (cf->regular && ftruncate(cf->fd, cf->good) == 0)
        lseek(cf->fd, cf->good, SEEK_SET);
}

/* Writes text as a whole, or cuts the file back to where it was (see mark_failed). */
static int append(chain_file *cf, const char *text, size_t n)
{
    int err = write_all(cf->fd, text, n);
    if (err) {
        mark_failed(cf, err);
        return -1;
    }
    cf->good += (off_t)n;
    return 0;
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
    if (meta->fixed_param) {
        fprintf(f, "#     adapt\n#       engaged = 0\n#     algorithm = fixed_param\n");
    } else {
        fprintf(f, "#     adapt\n#       engaged = %d\n#       delta = %g\n", c->warmup > 0,
                c->adapt_delta);
        /* Not a CmdStan key: which warmup adapted the metric (dense: always Stan's windows). */
        fprintf(f, "#       scheme = %s\n",
                c->adapt_fisher && !c->dense_metric ? "fisher" : "windowed");
        fprintf(f, "#     algorithm = hmc (Default)\n#       hmc\n#         engine = nuts "
                   "(Default)\n#           nuts\n#             max_depth = %d\n", c->max_depth);
        fprintf(f, "#         metric = %s\n", c->dense_metric ? "dense_e" : "diag_e");
    }
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

/* Formats text with `fill` into memory and appends it to the file as a whole; 0, or -1 with
 * cf->failed set (ENOMEM when the text could not be formatted). */
typedef void (*fill_fn)(FILE *f, const void *arg);
static int append_formatted(chain_file *cf, fill_fn fill, const void *arg)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (!f) {
        mark_failed(cf, ENOMEM);
        return -1;
    }
    fill(f, arg);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(text);
        mark_failed(cf, ENOMEM);
        return -1;
    }
    int rc = append(cf, text, n);
    free(text);
    return rc;
}

typedef struct header_args {
    const gb_drawsout_meta *meta;
    int chain;
    const char *path;
    const char *const *names;
    size_t ncols;
} header_args;

static void fill_header(FILE *f, const void *arg)
{
    const header_args *h = arg;
    write_header(f, h->meta, h->chain, h->path, h->names, h->ncols);
}

typedef struct footer_args {
    const gb_drawsout_end *end;
    int chain;
    size_t rows;
} footer_args;

/* CmdStan's closing block, byte for byte as stan::services::util::mcmc_writer::write_timing
 * writes it through a "# " comment writer (rstan's read_stan_csv looks for "Elapsed Time" and
 * takes the two numbers after it; stansummary skips the blank comment line first); times in
 * milliseconds as CmdStan's are.  Before it, the gradients each phase spent (the bench table
 * reads them), so the block stays the file's last lines as in CmdStan's; after it, our note
 * that the run was interrupted. */
static void fill_footer(FILE *f, const void *arg)
{
    const footer_args *a = arg;
    const gb_drawsout_end *e = a->end;
    if (e->warmup_grads && e->sample_grads)
        fprintf(f, "# gradients: %.0f (Warm-up), %.0f (Sampling): the sum of n_leapfrog__\n",
                e->warmup_grads[a->chain], e->sample_grads[a->chain]);
    if (e->warmup_seconds && e->sample_seconds) {
        double w = round(e->warmup_seconds[a->chain] * 1000) / 1000;
        double s = round(e->sample_seconds[a->chain] * 1000) / 1000;
        fprintf(f, "# \n#  Elapsed Time: %g seconds (Warm-up)\n", w);
        fprintf(f, "#                %g seconds (Sampling)\n", s);
        fprintf(f, "#                %g seconds (Total)\n# \n", w + s);
    }
    if (e->interrupted)
        fprintf(f, "# interrupted: %zu draws written before the run was stopped\n", a->rows);
}

static void close_files(gb_drawsout *w, int remove_tmp)
{
    for (int c = 0; c < w->nfiles; c++) {
        chain_file *cf = &w->files[c];
        if (cf->fd >= 0)
            close(cf->fd);
        if (cf->tmp && remove_tmp)
            unlink(cf->tmp);
        free(cf->tmp);
        free(cf->path);
        free(cf->line);
    }
    free(w->files);
    free(w);
}

/* Does path name the same file as one of the inputs (device and inode)?  The input's name, or
 * NULL. */
static const char *same_as_input(const char *path, const gb_drawsout_meta *meta)
{
    struct stat out, in;
    if (stat(path, &out) != 0)
        return NULL;
    if (meta->model_path && stat(meta->model_path, &in) == 0 && in.st_dev == out.st_dev &&
        in.st_ino == out.st_ino)
        return meta->model_path;
    for (int i = 0; i < meta->ndata; i++)
        if (stat(meta->data_paths[i], &in) == 0 && in.st_dev == out.st_dev &&
            in.st_ino == out.st_ino)
            return meta->data_paths[i];
    return NULL;
}

gb_status gb_drawsout_check_inputs(const char *flag, const char *path, const char *written,
                                   const gb_drawsout_meta *meta, gb_errlist *errs)
{
    const char *input = same_as_input(written, meta);
    if (!input)
        return GB_OK;
    if (strcmp(path, written) == 0)
        gb_error(errs, GB_EUSAGE, (gb_loc){0}, "%s %s would overwrite the input file %s", flag,
                 path, input);
    else
        gb_error(errs, GB_EUSAGE, (gb_loc){0},
                 "%s %s would overwrite the input file %s (the run writes %s)", flag, path,
                 input, written);
    gb_error_hint(errs, "give the output another name");
    return GB_EUSAGE;
}

/* Opens chain c's file (its temporary name, or the device itself) and writes its header. */
static gb_status open_chain(gb_drawsout *w, int c, const char *path, const gb_drawsout_meta *meta,
                            const char *const *names, gb_errlist *errs)
{
    chain_file *cf = &w->files[c];
    cf->path = chain_path(path, c, w->nfiles);
    cf->line = malloc((GB_NSAMPLER_COLS + w->ncols) * CELL_CHARS + 128);
    if (!cf->path || !cf->line)
        return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory opening the output");
    gb_status st = gb_drawsout_check_inputs("--output", path, cf->path, meta, errs);
    if (st != GB_OK)
        return st;
    if (is_device(cf->path)) {
        cf->fd = open(cf->path, O_WRONLY | O_TRUNC);
    } else {
        char pid[32];
        snprintf(pid, sizeof pid, ".tmp-%ld", (long)getpid());
        cf->tmp = cat3(cf->path, pid, "");
        if (!cf->tmp)
            return gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory opening the output");
        cf->fd = open(cf->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
        cf->regular = 1;
    }
    if (cf->fd < 0)
        return gb_error(errs, GB_EIO, (gb_loc){0}, "cannot write the draws to %s: %s", cf->path,
                        strerror(errno));
    header_args h = {meta, c, cf->path, names, w->ncols};
    if (append_formatted(cf, fill_header, &h) != 0)
        return gb_error(errs, GB_EIO, (gb_loc){0}, "cannot write the draws to %s: %s", cf->path,
                        strerror(cf->failed));
    return GB_OK;
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
    w->fixed_param = meta->fixed_param;
    for (int c = 0; c < n; c++)
        w->files[c].fd = -1;
    for (int c = 0; c < n; c++) {
        gb_status st = open_chain(w, c, path, meta, names, errs);
        if (st != GB_OK) {
            close_files(w, 1);
            return st;
        }
    }
    *out = w;
    return GB_OK;
}

/* Writes x as "%.9g" would at p and returns the end.  Whole numbers below 10^9 in magnitude
 * (discrete latents, tree depths, leapfrog counts: most of the cells of a model with many
 * labels) print as their digits, which is what %.9g gives them, without printf's work on a
 * double; -0 and everything else go through snprintf. */
static char *put_cell(char *p, double x)
{
    if (!(x == floor(x) && fabs(x) < 1e9) || (x == 0 && signbit(x)))
        return p + snprintf(p, CELL_CHARS, "%.9g", x);
    long v = (long)x;
    unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
    char digits[12];
    int n = 0;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *p++ = '-';
    while (n)
        *p++ = digits[--n];
    return p;
}

int gb_drawsout_row(void *ctx, int chain, const double *row)
{
    gb_drawsout *w = ctx;
    chain_file *cf = &w->files[chain];
    if (cf->failed)
        return -1;
    char *p = cf->line;
    if (cf->rows == 0 && !w->fixed_param) /* CmdStan: the adapted step size before the draws */
        p += sprintf(p, "# Adaptation terminated\n# Step size = %.9g\n", row[GB_COL_STEPSIZE]);
    size_t total = GB_NSAMPLER_COLS + w->ncols;
    for (size_t k = 0; k < total; k++) {
        if (k)
            *p++ = ',';
        p = put_cell(p, row[k]);
    }
    *p++ = '\n';
    if (append(cf, cf->line, (size_t)(p - cf->line)) != 0)
        return -1;
    cf->rows++;
    return 0;
}

/* Ends one file: closing comments, sync, close, rename.  A file whose writes failed keeps its
 * whole rows and is renamed too; the error says how many draws it holds. */
static gb_status finish_chain(chain_file *cf, int c, const gb_drawsout_end *end, gb_errlist *errs)
{
    footer_args fa = {end, c, cf->rows};
    if (!cf->failed)
        append_formatted(cf, fill_footer, &fa);
    if (cf->regular && fsync(cf->fd) != 0 && !cf->failed)
        cf->failed = errno;
    int rc = close(cf->fd);
    cf->fd = -1;
    if (rc != 0 && !cf->failed)
        cf->failed = errno ? errno : EIO;
    int has_header = cf->good > 0 || !cf->regular;
    if (cf->tmp && has_header && rename(cf->tmp, cf->path) != 0)
        return gb_error(errs, GB_EIO, (gb_loc){0}, "cannot rename %s to %s: %s", cf->tmp,
                        cf->path, strerror(errno));
    if (cf->tmp && has_header) {
        free(cf->tmp);
        cf->tmp = NULL;
    }
    if (!cf->failed)
        return GB_OK;
    if (cf->rows > 0 && cf->regular)
        return gb_error(errs, GB_EIO, (gb_loc){0},
                        "cannot write the draws to %s: %s; it keeps the %zu draws written "
                        "before, whole rows only", cf->path, strerror(cf->failed), cf->rows);
    return gb_error(errs, GB_EIO, (gb_loc){0}, "cannot write the draws to %s: %s", cf->path,
                    strerror(cf->failed));
}

gb_status gb_drawsout_close(gb_drawsout *w, const gb_drawsout_end *end, gb_errlist *errs)
{
    if (!w)
        return GB_OK;
    gb_status st = GB_OK;
    for (int c = 0; c < w->nfiles && end; c++) {
        gb_status cst = finish_chain(&w->files[c], c, end, errs);
        if (cst != GB_OK)
            st = cst;
    }
    close_files(w, 1);
    return st;
}

const char *gb_drawsout_path(const gb_drawsout *w, int chain)
{
    return w->files[chain].path;
}
