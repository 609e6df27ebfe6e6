/* cli_flags.c - command-specific flags taken out of argv (see cli_flags.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_flags.h"

/* Index of the value of a "--flag" at argv[i] (i + 1, or -1 for "--flag=v" with the value in
 * *inline_val); 0 when argv[i] is not this flag. */
static int match(char **argv, int i, const char *flag, const char **inline_val)
{
    const char *a = argv[i];
    size_t n = strlen(flag);
    if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, flag, n) != 0)
        return 0;
    if (a[2 + n] == '=') {
        *inline_val = a + 3 + n;
        return -1;
    }
    return a[2 + n] == '\0' ? i + 1 : 0;
}

int cli_take_string(int *argc, char **argv, int first, const char *cmd, const char *flag,
                    const char **out)
{
    for (int i = first; i < *argc;) {
        const char *v = NULL;
        int at = match(argv, i, flag, &v);
        if (at == 0) {
            i++;
            continue;
        }
        int used = 1;
        if (at > 0) {
            v = at < *argc ? argv[at] : NULL;
            used = 2;
        }
        if (!v || !*v) {
            fprintf(stderr,
                    "glassbox %s: error: option '--%s' needs a value\n"
                    "run 'glassbox %s --help' for usage\n",
                    cmd, flag, cmd);
            return GB_EXIT_USAGE;
        }
        *out = v;
        memmove(&argv[i], &argv[i + used], (size_t)(*argc - i - used) * sizeof *argv);
        *argc -= used;
    }
    return 0;
}

int cli_take_count(int *argc, char **argv, int first, const char *cmd, const char *flag, long lo,
                   long hi, long *out)
{
    const char *v = NULL;
    int rc = cli_take_string(argc, argv, first, cmd, flag, &v);
    if (rc || !v)
        return rc;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || end == v || x < lo || x > hi) {
        fprintf(stderr,
                "glassbox %s: error: option '--%s' takes a whole number from %ld to %ld, "
                "not '%s'\nrun 'glassbox %s --help' for usage\n",
                cmd, flag, lo, hi, v, cmd);
        return GB_EXIT_USAGE;
    }
    *out = x;
    return 0;
}

int cli_take_switch(int *argc, char **argv, int first, const char *flag)
{
    int seen = 0;
    for (int i = first; i < *argc;) {
        if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, flag) == 0) {
            memmove(&argv[i], &argv[i + 1], (size_t)(*argc - i - 1) * sizeof *argv);
            (*argc)--;
            seen = 1;
        } else {
            i++;
        }
    }
    return seen;
}
