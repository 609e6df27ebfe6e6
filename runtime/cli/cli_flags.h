/* cli_flags.h - flags that only one or two subcommands take (optimize's --laplace, compare's
 * --kfold), taken out of argv before cli_parse sees the flags every command shares. */
#ifndef GB_RUNTIME_CLI_CLI_FLAGS_H
#define GB_RUNTIME_CLI_CLI_FLAGS_H

/* Removes every "--flag N" / "--flag=N" from argv[first .. *argc - 1] (shifting the rest down
 * and lowering *argc), the last one's value in *out when it is an integer in [lo, hi].  *out
 * stays as it was when the flag is absent.  Returns 0, or GB_EXIT_USAGE after a message naming
 * cmd when a value is missing or out of range. */
int cli_take_count(int *argc, char **argv, int first, const char *cmd, const char *flag, long lo,
                   long hi, long *out);
/* The same for a flag whose value is a string (borrowed from argv). */
int cli_take_string(int *argc, char **argv, int first, const char *cmd, const char *flag,
                    const char **out);

/* Removes every "--flag" (no value) from argv[first .. *argc - 1]; returns whether there was one.
 */
int cli_take_switch(int *argc, char **argv, int first, const char *flag);

#endif
