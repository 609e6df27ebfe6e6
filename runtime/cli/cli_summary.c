/* cli_summary.c - `glassbox summary FILE.csv...`: diagnostics of draws in CmdStan's CSV layout
 * (glassbox's own or Stan's), one file per chain. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "colname.h"
#include "stancsv.h"
#include "summary.h"

#define MAX_FILES 1024

static void help(void)
{
    puts("usage: glassbox summary DRAWS.csv [DRAWS.csv]... [--format table|csv]\n"
         "                        [--vars PATTERN]... [--hist]\n\n"
         "Summarises draws in CmdStan's CSV layout (glassbox run --output, CmdStan, cmdstanpy),\n"
         "one file per chain: mean, sd, MCSE, 5/50/95% quantiles, rank-normalised split R-hat,\n"
         "bulk and tail ESS (Vehtari et al. 2021), divergences, tree-depth hits and E-BFMI.\n"
         "Warmup rows a file saved (save_warmup) are left out; glassbox's renamed component\n"
         "columns (fit_beta.1) are shown by their glassbox names (fit.beta.1).\n"
         "--format csv prints the numbers as CSV instead of the table and warnings.\n"
         "--vars PATTERN shows only the nodes or columns it matches ('fit.beta', 'fit.*';\n"
         "'*' and '?' are wildcards; repeatable); --hist adds a small histogram per row.\n"
         "On a terminal, doubtful R-hat and ESS values and warnings are coloured\n"
         "(NO_COLOR turns that off).");
}

/* The tree-depth limit recorded in the header ("max_depth = 10"), or CmdStan's default. */
int cli_header_max_depth(const gb_stancsv *s)
{
    for (size_t i = 0; i < gb_stancsv_ncomments(s); i++) {
        const char *c = strstr(gb_stancsv_comment(s, i), "max_depth = ");
        if (c)
            return atoi(c + strlen("max_depth = "));
    }
    return 10;
}

static int same_columns(const gb_stancsv *a, const gb_stancsv *b)
{
    if (gb_stancsv_ncols(a) != gb_stancsv_ncols(b))
        return 0;
    for (size_t k = 0; k < gb_stancsv_ncols(a); k++)
        if (strcmp(gb_stancsv_col_name(a, k), gb_stancsv_col_name(b, k)) != 0)
            return 0;
    return 1;
}

/* The draws of file i after its warmup rows (save_warmup = 1), which are not summarised, as
 * stansummary leaves them out; says so once. */
static size_t draws_after_warmup(const gb_stancsv *f, const char *path, int *told)
{
    size_t w = gb_stancsv_warmup_rows(f), rows = gb_stancsv_nrows(f);
    if (w > 0 && !*told) {
        fprintf(stderr, "glassbox summary: note: %s saved its warmup (save_warmup); the first "
                        "%zu rows are warmup and are left out\n", path, w);
        *told = 1;
    }
    return rows > w ? rows - w : 0;
}

/* The names to show (cli.h): a column whose node the file's map comments name ("# glassbox name of
 * fit_beta: fit.beta", colname.h) gets its glassbox name back, so rows group by component; the
 * rest keep the file's names.  NULL when out of memory; else free each entry and the array. */
char **cli_shown_names(const gb_stancsv *f)
{
    size_t ncols = gb_stancsv_ncols(f), nc = gb_stancsv_ncomments(f), nmap = 0;
    char **out = calloc(ncols ? ncols : 1, sizeof *out);
    size_t *map = calloc(nc ? nc : 1, sizeof *map); /* the comments that are map entries */
    const char *csv, *gb;
    size_t csv_len, gb_len;
    for (size_t i = 0; map && i < nc; i++)
        if (gb_colname_parse_map(gb_stancsv_comment(f, i), &csv, &csv_len, &gb, &gb_len))
            map[nmap++] = i;
    size_t hit = 0; /* the entry of the previous column: a node's columns are adjacent */
    for (size_t k = 0; out && map && k < ncols; k++) {
        const char *name = gb_stancsv_col_name(f, k);
        size_t node = gb_colname_node_len(name), j = 0;
        for (; j < nmap; j++) {
            const char *c = gb_stancsv_comment(f, map[(hit + j) % nmap]);
            gb_colname_parse_map(c, &csv, &csv_len, &gb, &gb_len);
            if (csv_len == node && strncmp(csv, name, node) == 0)
                break;
        }
        if (j < nmap) {
            hit = (hit + j) % nmap;
        } else { /* not renamed: the file's name */
            gb = name;
            gb_len = node;
        }
        size_t rest = strlen(name + node);
        if (!(out[k] = malloc(gb_len + rest + 1)))
            break;
        memcpy(out[k], gb, gb_len);
        memcpy(out[k] + gb_len, name + node, rest + 1);
    }
    int failed = !out || !map || (ncols > 0 && !out[ncols - 1]);
    free(map);
    if (failed && out) {
        for (size_t k = 0; k < ncols; k++)
            free(out[k]);
        free(out);
        out = NULL;
    }
    return out;
}

/* Summarises the files read; returns an exit code. */
/* How the table is shown: --vars patterns and --hist. */
typedef struct shown_rows {
    const char *vars[MAX_FILES];
    int nvars, hist;
} shown_rows;

static int summarise(gb_stancsv **files, const char *const *paths, int n, int csv,
                     const shown_rows *rows)
{
    int told = 0;
    size_t ndraws = draws_after_warmup(files[0], paths[0], &told);
    for (int i = 1; i < n; i++) {
        if (!same_columns(files[0], files[i])) {
            fprintf(stderr, "glassbox summary: error: %s and %s have different columns; give "
                            "the chains of one run\n", paths[0], paths[i]);
            return GB_EXIT_MODEL;
        }
        size_t m = draws_after_warmup(files[i], paths[i], &told);
        if (m != ndraws) {
            fprintf(stderr, "glassbox summary: note: chains have %zu and %zu draws; using the "
                            "first %zu of each\n", ndraws, m, m < ndraws ? m : ndraws);
            if (m < ndraws)
                ndraws = m;
        }
    }
    if (ndraws < 4) {
        fprintf(stderr, "glassbox summary: error: %zu draws per chain are too few (at least 4)\n",
                ndraws);
        return GB_EXIT_MODEL;
    }
    size_t ncols = gb_stancsv_ncols(files[0]);
    char **names = cli_shown_names(files[0]);
    const double **chains = malloc((size_t)n * sizeof *chains);
    gb_status st = names && chains ? GB_OK : GB_ENOMEM;
    if (st == GB_OK) {
        for (int i = 0; i < n; i++)
            chains[i] = gb_stancsv_row(files[i], gb_stancsv_warmup_rows(files[i]));
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        int threads = cores < 1 ? 1 : cores > 16 ? 16 : (int)cores;
        const char *const *shown = (const char *const *)names;
        int vrc;
        unsigned char *show = cli_vars_mask("summary", shown, ncols, rows->vars, rows->nvars,
                                            &vrc);
        gb_summary_opts so = {.max_depth = cli_header_max_depth(files[0]), .threads = threads,
                              .show = show, .hist = cli_hist_kind(rows->hist),
                              .colour = cli_colour(stdout)};
        if (vrc != GB_EXIT_OK) {
            for (size_t k = 0; k < ncols; k++)
                free(names[k]);
            free(names);
            free(chains);
            return vrc;
        }
        st = csv ? gb_summary_write_csv_with(stdout, shown, ncols, chains, (size_t)n, ndraws,
                                             threads, show)
                 : gb_summary_print_with(stdout, shown, ncols, chains, (size_t)n, ndraws, &so);
        free(show);
    }
    for (size_t k = 0; names && k < ncols; k++)
        free(names[k]);
    free(names);
    free(chains);
    if (st != GB_OK) {
        fprintf(stderr, "glassbox summary: error: %s\n",
                st == GB_ENOMEM ? "out of memory" : "cannot write the summary");
        return GB_EXIT_MODEL;
    }
    return GB_EXIT_OK;
}

int cli_summary(int argc, char **argv)
{
    const char *paths[MAX_FILES];
    int n = 0, csv = 0;
    shown_rows rows = {.nvars = 0};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help();
            return GB_EXIT_OK;
        }
        if (strncmp(a, "--format", 8) == 0 && (a[8] == '\0' || a[8] == '=')) {
            const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || (strcmp(v, "csv") != 0 && strcmp(v, "table") != 0)) {
                fprintf(stderr, "glassbox summary: error: --format is table or csv\n");
                return GB_EXIT_USAGE;
            }
            csv = strcmp(v, "csv") == 0;
        } else if (strncmp(a, "--vars", 6) == 0 && (a[6] == '\0' || a[6] == '=')) {
            const char *v = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || !*v) {
                fprintf(stderr, "glassbox summary: error: --vars needs a pattern\n");
                return GB_EXIT_USAGE;
            }
            if (rows.nvars == MAX_FILES) {
                fprintf(stderr, "glassbox summary: error: more than %d --vars patterns\n",
                        MAX_FILES);
                return GB_EXIT_USAGE;
            }
            rows.vars[rows.nvars++] = v;
        } else if (strcmp(a, "--hist") == 0) {
            rows.hist = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "glassbox summary: error: unknown option '%s'\nrun 'glassbox "
                            "summary --help' for usage\n", a);
            return GB_EXIT_USAGE;
        } else if (n == MAX_FILES) {
            fprintf(stderr, "glassbox summary: error: more than %d files\n", MAX_FILES);
            return GB_EXIT_USAGE;
        } else {
            paths[n++] = a;
        }
    }
    if (n == 0) {
        fprintf(stderr, "glassbox summary: error: no draws file given\nrun 'glassbox summary "
                        "--help' for usage\n");
        return GB_EXIT_USAGE;
    }
    gb_stancsv *files[MAX_FILES] = {0};
    gb_errlist *errs = gb_errlist_new();
    gb_sources *srcs = gb_sources_new();
    gb_status st = errs && srcs ? GB_OK : GB_ENOMEM;
    int rc = GB_EXIT_OK;
    for (int i = 0; st == GB_OK && rc == GB_EXIT_OK && i < n; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "%s: error: '%s' is a directory, not a draws file\n", paths[i],
                    paths[i]);
            rc = GB_EXIT_USAGE;
            break;
        }
        files[i] = gb_stancsv_read(paths[i], errs);
        if (!files[i]) /* a file that cannot be read says why; a bare failure is memory */
            st = gb_errlist_status(errs) != GB_OK ? gb_errlist_status(errs) : GB_ENOMEM;
        else if (gb_stancsv_dropped_line(files[i]) > 0)
            fprintf(stderr, "%s:%d: note: an incomplete last row was ignored\n", paths[i],
                    gb_stancsv_dropped_line(files[i]));
    }
    if (st != GB_OK)
        rc = cli_report(errs, srcs, st);
    if (rc == GB_EXIT_OK)
        rc = summarise(files, paths, n, csv, &rows);
    for (int i = 0; i < n; i++)
        gb_stancsv_free(files[i]);
    gb_errlist_free(errs);
    gb_sources_free(srcs);
    return rc;
}
