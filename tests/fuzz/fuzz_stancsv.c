/* fuzz_stancsv.c - libFuzzer target: any bytes as a CmdStan-layout draws file through
 * gb_stancsv_read (what `glassbox summary` reads) and, when it parses with enough rows, the
 * summary table as one chain.  Must never crash, hang, leak or trip a sanitizer; errors are fine.
 *
 * gb_stancsv_read takes a path, so the input goes to an unlinked temporary file made once per
 * process and reopened through /proc/self/fd (nothing is left in /tmp if the fuzzer dies). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "stancsv.h"
#include "summary.h"

static int tmp_fd = -1;
static char tmp_path[64];

static int write_input(const uint8_t *data, size_t size)
{
    if (tmp_fd < 0) {
        char name[] = "/tmp/fuzz_stancsv.XXXXXX";
        tmp_fd = mkstemp(name);
        if (tmp_fd < 0)
            return -1;
        unlink(name);
        snprintf(tmp_path, sizeof tmp_path, "/proc/self/fd/%d", tmp_fd);
    }
    if (ftruncate(tmp_fd, 0) != 0)
        return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t n = pwrite(tmp_fd, data + off, size - off, (off_t)off);
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    return 0;
}

static void summarise(const gb_stancsv *s)
{
    size_t ncols = gb_stancsv_ncols(s), nrows = gb_stancsv_nrows(s);
    if (nrows < 4 || ncols == 0)
        return;
    const char **names = malloc(ncols * sizeof *names);
    FILE *out = fopen("/dev/null", "w");
    if (names && out) {
        for (size_t k = 0; k < ncols; k++)
            names[k] = gb_stancsv_col_name(s, k);
        const double *chains[1] = {gb_stancsv_row(s, 0)};
        gb_summary_print(out, names, ncols, chains, 1, nrows, 10, 1);
        gb_summary_write_csv(out, names, ncols, chains, 1, nrows, 1);
    }
    if (out)
        fclose(out);
    free(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gb_errlist *errs = gb_errlist_new();
    if (!errs || write_input(data, size) != 0) {
        gb_errlist_free(errs);
        return 0;
    }
    gb_stancsv *s = gb_stancsv_read(tmp_path, errs);
    if (s) {
        volatile double sink = gb_stancsv_step_size(s) + gb_stancsv_dropped_line(s);
        for (size_t i = 0; i < gb_stancsv_ncomments(s); i++)
            sink += (double)gb_stancsv_comment(s, i)[0] + gb_stancsv_comment_line(s, i) +
                    (double)gb_stancsv_comment_row(s, i) + gb_stancsv_comment_is_adaptation(s, i);
        if (gb_stancsv_ncols(s) > 0 && gb_stancsv_find_col(s, gb_stancsv_col_name(s, 0)) != 0)
            __builtin_trap(); /* find_col must return the first column of that name */
        if (gb_stancsv_nrows(s) > 0 && gb_stancsv_ncols(s) > 0)
            sink += gb_stancsv_value(s, gb_stancsv_nrows(s) - 1, gb_stancsv_ncols(s) - 1);
        (void)sink;
        summarise(s);
        gb_stancsv_free(s);
    }
    gb_errlist_free(errs);
    return 0;
}
