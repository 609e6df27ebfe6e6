/* cli.c - shared parts of the subcommands: flags, loading, error output, exit codes. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lower.h"
#include "memplan.h"
#include "model.h"
#include "size.h"

int cli_report(const gb_errlist *errs, const gb_sources *srcs, gb_status st)
{
    gb_status listed = gb_errlist_status(errs);
    gb_errlist_print(errs, srcs, stderr);
    if (st != GB_OK && listed == GB_OK) {
        /* A failure that left no message: out of memory says so; anything else is a bug. */
        if (st == GB_ENOMEM)
            fputs("glassbox: error: out of memory\n", stderr);
        else
            fprintf(stderr, "glassbox: error: internal error, please report: a step failed "
                            "(%s) without saying why\n",
                    gb_status_name(st));
    }
    return cli_exit_code(listed != GB_OK ? listed : st);
}

int cli_exit_code(gb_status st)
{
    switch (st) {
    case GB_OK:
        return GB_EXIT_OK;
    case GB_EUSAGE:
        return GB_EXIT_USAGE;
    case GB_EINTERRUPT:
        return 130;
    default:
        return GB_EXIT_MODEL;
    }
}

static const char *const known_flags[] = {"data",    "format",  "output",      "verbose",
                                          "quiet",   "help",    "explain",     "chains",
                                          "warmup",  "draws",   "seed",        "threads",
                                          "metric",  "adapt-delta", "max-depth", "keep",
                                          "memory",  "vars",    "hist",        "loglik",
                                          "report",  "pairs",   "new",     "prior",       "adapt",
                                          "split-rows", "data-parallel", NULL};

/* Parses a whole-number flag value in [lo, hi]; -1 (and a message) when it is not one. */
static int parse_long(const char *cmd, const char *flag, const char *v, long lo, long hi,
                      long *out);
static int parse_double(const char *cmd, const char *flag, const char *v, double lo, double hi,
                        double *out);

static int flag_allowed(const char *allowed, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = allowed; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, name, n) == 0)
            return 1;
        p += k + (p[k] == ',');
    }
    return 0;
}

__attribute__((format(printf, 2, 3))) static int usage_error(const char *cmd, const char *fmt,
                                                             ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "glassbox %s: error: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nrun 'glassbox %s --help' for usage\n", cmd);
    va_end(ap);
    return GB_EXIT_USAGE;
}

/* The integer options (--chains, --warmup, --draws, --threads, --max-depth, --seed): name is
 * the option without its dashes, a the argument as given (for the message).  Returns 0, or -1
 * when val is not an integer in the option's range (the error printed). */
static int set_count(const char *cmd, const char *a, const char *name, const char *val,
                     cli_opts *o)
{
    long v = 0, lo = 1, hi = 1000000000L;
    if (strcmp(name, "warmup") == 0 || strcmp(name, "seed") == 0)
        lo = 0;
    if (strcmp(name, "seed") == 0)
        hi = 4294967295L;
    if (strcmp(name, "chains") == 0 || strcmp(name, "threads") == 0 ||
        strcmp(name, "split-rows") == 0)
        hi = 1024;
    if (strcmp(name, "max-depth") == 0)
        hi = 30;
    if (parse_long(cmd, a, val, lo, hi, &v) != 0)
        return -1;
    if (strcmp(name, "chains") == 0)
        o->chains = v;
    else if (strcmp(name, "warmup") == 0)
        o->warmup = v;
    else if (strcmp(name, "draws") == 0)
        o->draws = v;
    else if (strcmp(name, "threads") == 0)
        o->threads = v;
    else if (strcmp(name, "max-depth") == 0)
        o->max_depth = v;
    else if (strcmp(name, "split-rows") == 0)
        o->split_rows = v;
    else
        o->seed = (unsigned long)v;
    return 0;
}

/* The repeatable options that collect a list (--data, --keep, --vars, --pairs): 0 when name is
 * one and val was added, -1 (and a message) when val cannot be, 1 when name is another option. */
static int add_listed(const char *cmd, const char *name, const char *val, cli_opts *o)
{
    if (strcmp(name, "data") == 0) {
        if (o->ndata == CLI_MAX_DATA)
            return usage_error(cmd, "too many --data files (the limit is %d)", CLI_MAX_DATA), -1;
        o->data[o->ndata++] = val;
    } else if (strcmp(name, "keep") == 0) {
        if (o->nkeep == CLI_MAX_DATA)
            return usage_error(cmd, "too many --keep patterns (the limit is %d)", CLI_MAX_DATA),
                   -1;
        o->keep[o->nkeep++] = val;
    } else if (strcmp(name, "vars") == 0) {
        if (o->nvars == CLI_MAX_DATA)
            return usage_error(cmd, "too many --vars patterns (the limit is %d)", CLI_MAX_DATA),
                   -1;
        o->vars[o->nvars++] = val;
    } else if (strcmp(name, "pairs") == 0) {
        if (o->npairs + 2 > CLI_MAX_DATA)
            return usage_error(cmd, "too many --pairs (the limit is %d)", CLI_MAX_DATA / 2), -1;
        const char *comma = strchr(val, ',');
        if (!comma || comma == val || !comma[1] || strchr(comma + 1, ','))
            return usage_error(cmd, "--pairs takes two column names: --pairs mu,tau"), -1;
        o->pairs[o->npairs++] = val; /* cut at the comma by the command that uses it */
        o->pairs[o->npairs++] = comma + 1;
    } else {
        return 1;
    }
    return 0;
}

/* --draws FILE [FILE]... (loo, predict): val is the first file, the others run up to the next
 * option; *i moves past them.  0, or -1 after a usage message. */
static int draws_files(const char *cmd, int argc, char **argv, int *i, const char *val,
                       int joined, cli_opts *o)
{
    for (;;) {
        if (o->ndraws_files == CLI_MAX_DATA) {
            usage_error(cmd, "too many --draws files (the limit is %d)", CLI_MAX_DATA);
            return -1;
        }
        o->draws_files[o->ndraws_files++] = val;
        if (joined || *i + 1 >= argc || argv[*i + 1][0] == '-')
            return 0;
        val = argv[++*i];
    }
}

/* The options that take no value (--verbose, --quiet, --explain, --hist, --prior,
 * --data-parallel): where o keeps name's, or NULL when name is another option. */
static int *switch_flag(cli_opts *o, const char *name)
{
    static const char *const names[] = {"verbose", "quiet", "explain", "hist", "prior",
                                        "data-parallel"};
    int *const at[] = {&o->verbose, &o->quiet, &o->explain, &o->hist, &o->prior,
                       &o->data_parallel};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strcmp(name, names[k]) == 0)
            return at[k];
    return NULL;
}

int cli_parse(int argc, char **argv, int first, const char *cmd, const char *allowed,
              cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->chains = 4;
    o->warmup = CLI_DEFAULT_WARMUP;
    o->draws = 1000;
    o->threads = 0; /* as many as cores, at most one per chain */
    o->max_depth = 10;
    o->adapt_delta = 0.8;
    o->seed = 20261125;
    o->metric = "diag";
    o->adapt = "fisher";
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            o->help = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (a[0] == '-' && a[1] != '\0')
                return usage_error(cmd, "unknown option '%s'", a);
            if (o->model)
                return usage_error(cmd, "unexpected argument '%s' (one model file at a time)", a);
            o->model = a;
            continue;
        }
        char name[32];
        const char *eq = strchr(a + 2, '=');
        size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (n >= sizeof name)
            return usage_error(cmd, "unknown option '%s'", a);
        memcpy(name, a + 2, n);
        name[n] = '\0';
        if (!flag_allowed(allowed, name)) {
            int known = 0;
            for (int k = 0; known_flags[k]; k++)
                known |= strcmp(known_flags[k], name) == 0;
            if (known)
                return usage_error(cmd, "option '%s' does not apply to this command", a);
            return usage_error(cmd, "unknown option '%s'", a);
        }
        int *sw = switch_flag(o, name);
        if (sw) {
            if (eq)
                return usage_error(cmd, "option '%s' takes no value", a);
            *sw = 1;
            continue;
        }
        const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        int listed;
        if (!val || !*val)
            return usage_error(cmd, "option '%s' needs a value", a);
        if (strcmp(name, "draws") == 0 && flag_allowed(allowed, "draws-files")) {
            if (draws_files(cmd, argc, argv, &i, val, eq != NULL, o) != 0)
                return GB_EXIT_USAGE;
        } else if (strcmp(name, "loglik") == 0) {
            o->loglik = val;
        } else if (strcmp(name, "new") == 0) {
            o->newdata = val;
        } else if ((listed = add_listed(cmd, name, val, o)) <= 0) {
            if (listed < 0)
                return GB_EXIT_USAGE;
        } else if (strcmp(name, "report") == 0) {
            o->report = val;
        } else if (strcmp(name, "format") == 0) {
            o->format = val;
        } else if (strcmp(name, "output") == 0) {
            o->output = val;
        } else if (strcmp(name, "memory") == 0) {
            if ((o->memory = gb_size_parse_bytes(val)) == 0)
                return usage_error(cmd,
                                   "--memory takes a size in bytes, or with a suffix K, M, "
                                   "G or T (powers of 1024), not '%s'",
                                   val);
        } else if (strcmp(name, "metric") == 0) {
            if (strcmp(val, "diag") != 0 && strcmp(val, "dense") != 0)
                return usage_error(cmd, "--metric is diag or dense, not '%s'", val);
            o->metric = val;
        } else if (strcmp(name, "adapt") == 0) {
            if (strcmp(val, "fisher") != 0 && strcmp(val, "windowed") != 0)
                return usage_error(cmd, "--adapt is fisher or windowed, not '%s'", val);
            o->adapt = val;
        } else if (strcmp(name, "adapt-delta") == 0) {
            if (parse_double(cmd, a, val, 0, 1, &o->adapt_delta) != 0)
                return GB_EXIT_USAGE;
        } else if (set_count(cmd, a, name, val, o) != 0) {
            return GB_EXIT_USAGE;
        }
    }
    if (!o->help && !o->model)
        return usage_error(cmd, "%s", "no model file given");
    gb_memory_set_budget(o->memory);
    return 0;
}

/* Appends folder to the ':' list unless the list has it already. */
static void add_folder(char *list, size_t cap, const char *folder)
{
    size_t n = strlen(folder), used = strlen(list);
    for (const char *p = list; *p; p += strcspn(p, ":"), p += *p == ':')
        if (strcspn(p, ":") == n && strncmp(p, folder, n) == 0)
            return;
    if (n > 0 && used + n + 2 <= cap)
        snprintf(list + used, cap - used, "%s%s", used ? ":" : "", folder);
}

/* The folders holding the stdlib modules, in the order searched (README, "Install"): next to
 * the binary (BIN/../share/glassbox/stdlib, so an installed tree can move), the install prefix
 * compiled in, then the source tree the binary was built from. */
static void stdlib_folders(char *list, size_t cap)
{
    char exe[PATH_MAX], dir[PATH_MAX + 32];
    list[0] = '\0';
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        for (int up = 0; up < 2; up++) { /* BIN/glassbox -> BIN -> its parent */
            char *slash = strrchr(exe, '/');
            if (slash)
                *slash = '\0';
        }
        snprintf(dir, sizeof dir, "%s/share/glassbox/stdlib", exe);
        add_folder(list, cap, dir);
    }
    add_folder(list, cap, GB_PREFIX "/share/glassbox/stdlib");
    add_folder(list, cap, GB_STDLIB_DIR);
}

void cli_session_free(cli_session *s)
{
    gb_graph_free(s->graph);
    gb_data_free(s->data);
    gb_errlist_free(s->errs);
    gb_sources_free(s->srcs);
    memset(s, 0, sizeof *s);
}

int cli_load(const cli_opts *o, cli_session *s, int need_data)
{
    memset(s, 0, sizeof *s);
    s->srcs = gb_sources_new();
    s->errs = gb_errlist_new();
    s->data = gb_data_new();
    if (!s->srcs || !s->errs || !s->data)
        return cli_report(NULL, NULL, GB_ENOMEM);
    gb_status st = GB_OK;
    for (int i = 0; i < o->ndata; i++)
        if (gb_data_load_file(s->data, s->srcs, o->data[i], s->errs) != GB_OK)
            st = GB_EDATA;
    if (need_data && o->ndata == 0) {
        fputs("glassbox: error: this command needs the data: --data FILE\n", stderr);
        return GB_EXIT_USAGE;
    }
    char stdlib[3 * PATH_MAX + 3];
    stdlib_folders(stdlib, sizeof stdlib);
    gb_lower_opts lo = {o->ndata ? s->data : NULL, getenv("GLASSBOX_PATH"), stdlib, 0};
    if (st == GB_OK)
        st = gb_lower_file(s->srcs, o->model, &lo, &s->graph, s->errs);
    int rc = cli_report(s->errs, s->srcs, st);
    if (st != GB_OK) {
        size_t n = gb_errlist_count(s->errs);
        if (n > 1)
            fprintf(stderr, "%zu errors\n", n);
        return rc;
    }
    if (o->verbose)
        for (size_t i = 0; i < gb_data_count(s->data); i++) {
            const gb_data_var *v = gb_data_get(s->data, i);
            if (gb_graph_find(s->graph, v->name) == (size_t)-1)
                fprintf(stderr, "%s:%d:%d: note: data variable '%s' is not used by the model\n",
                        v->loc.file, v->loc.line, v->loc.col, v->name);
        }
    return GB_EXIT_OK;
}

int cli_relower(const cli_opts *o, cli_session *s)
{
    char stdlib[3 * PATH_MAX + 3];
    stdlib_folders(stdlib, sizeof stdlib);
    gb_lower_opts lo = {s->data, getenv("GLASSBOX_PATH"), stdlib, 0};
    gb_graph *g = NULL;
    gb_status st = gb_lower_file(s->srcs, o->model, &lo, &g, s->errs);
    if (st != GB_OK)
        return cli_report(s->errs, s->srcs, st);
    gb_graph_free(s->graph);
    s->graph = g;
    return GB_EXIT_OK;
}

gb_status cli_lower(cli_session *s, const char *model, const gb_data *data, gb_graph **out)
{
    char stdlib[3 * PATH_MAX + 3];
    stdlib_folders(stdlib, sizeof stdlib);
    gb_lower_opts lo = {data, getenv("GLASSBOX_PATH"), stdlib, 0};
    return gb_lower_file(s->srcs, model, &lo, out, s->errs);
}

int cli_check_memory(const cli_opts *o, const cli_session *s, long chains, long parallel,
                     long draws, int explain)
{
    int dense = o->metric && strcmp(o->metric, "dense") == 0;
    gb_memplan_config cfg = {(size_t)chains, (size_t)parallel, (size_t)draws, (int)o->max_depth,
                             dense};
    if (explain) {
        gb_memplan p;
        char a[32], b[32], c[32], d[32], e[32];
        /* --explain asked for this line: an estimate that fails is an error, not a line left
           out (the check below runs the estimate again and may then succeed) */
        if (gb_memplan_estimate(s->graph, &cfg, &p) != GB_OK)
            return cli_report(NULL, NULL, GB_ENOMEM);
        printf("memory: about %s (%s for the compiled model, %s per chain x %ld at once, %s "
               "of stored draws); the budget is %s\n",
               gb_memplan_format(p.total, a, sizeof a), gb_memplan_format(p.model, b, sizeof b),
               gb_memplan_format(p.per_chain, c, sizeof c), parallel,
               gb_memplan_format(p.draws, d, sizeof d),
               gb_memplan_format(gb_memory_budget(), e, sizeof e));
    }
    if (gb_memplan_check(s->graph, &cfg, gb_memory_budget(), s->errs) == GB_OK)
        return GB_EXIT_OK;
    gb_errlist_print(s->errs, s->srcs, stderr);
    return GB_EXIT_MODEL;
}

static int parse_long(const char *cmd, const char *flag, const char *v, long lo, long hi,
                      long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) {
        usage_error(cmd, "%s takes a whole number from %ld to %ld, not '%s'", flag, lo, hi, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_double(const char *cmd, const char *flag, const char *v, double lo, double hi,
                        double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !(x > lo && x < hi)) {
        usage_error(cmd, "%s takes a number strictly between %g and %g, not '%s'", flag, lo, hi,
                    v);
        return -1;
    }
    *out = x;
    return 0;
}

gb_status cli_print_samplers(const gb_model *m, FILE *out)
{
    const gb_graph *g = gb_model_graph(m);
    fprintf(out, "\nsamplers (%zu unconstrained dimensions in the NUTS block):\n",
            gb_model_dim(m));
    for (size_t k = 0; k < gb_model_latent_count(m); k++) {
        const gb_node *n = gb_graph_node(g, gb_model_latent_node(m, k));
        const gb_sampler_ops *kind = gb_model_latent_kind(m, k);
        char detail[160];
        fprintf(out, "  %-22s %-6s %s\n", n->name, kind->name, gb_model_latent_reason(m, k));
        int more = kind->detail ? kind->detail(m, k, detail, sizeof detail) : 0;
        if (more < 0)
            return GB_ENOMEM;
        if (more)
            fprintf(out, "  %-22s %-6s %s\n", "", "", detail);
    }
    /* the terms whose gradient runs from per-group statistics (model_group.c) */
    char line[200];
    for (size_t i = 0; gb_model_grouped_term_text(m, i, line, sizeof line) > 0; i++)
        fprintf(out, "%s  %s\n", i ? "" : "\ngrouped likelihood terms (index fixed during NUTS):\n",
                line);
    return GB_OK;
}
