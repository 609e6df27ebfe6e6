/* test_drawsout.c - the draw rows' text: every cell exactly as "%.9g" prints it, whole numbers
 * (written by a fast path) and the rest (through snprintf) alike, whatever the sign, size or
 * kind (-0, 10^9 and beyond, fractions, NaN, infinities). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "drawsout.h"

static const double CELLS[] = {
    0,       -0.0,    1,         -1,         2,          10,         -10,        123456789,
    -123456789, 999999999, -999999999, 1e9,   -1e9,       1234567890, 1e15,       -4e18,
    1e300,   0.5,     -2.25,     1e-300,     3.0000001,  NAN,        INFINITY,   -INFINITY,
};
#define NCELLS (sizeof CELLS / sizeof CELLS[0])

/* The last line of path that is not a comment. */
static void last_row(const char *path, char *line, size_t size)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[4096];
    line[0] = 0;
    while (fgets(buf, sizeof buf, f))
        if (buf[0] != '#') {
            assert_true(strlen(buf) < size);
            strcpy(line, buf);
        }
    fclose(f);
}

static void test_drawsout_cells_are_printf_g9(void **state)
{
    (void)state;
    char dir[] = "/tmp/gb_test_drawsout_XXXXXX", path[64], line[4096], want[4096];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/d.csv", dir);
    size_t ncols = NCELLS - GB_NSAMPLER_COLS;
    const char **names = calloc(ncols, sizeof *names);
    char(*buf)[8] = calloc(ncols, sizeof *buf);
    assert_true(names && buf);
    for (size_t k = 0; k < ncols; k++) {
        snprintf(buf[k], sizeof buf[k], "x%zu", k);
        names[k] = buf[k];
    }
    gb_run_config cfg = {.chains = 1, .draws = 1, .max_depth = 10, .adapt_delta = 0.8};
    gb_drawsout_meta meta = {.model_path = NULL, .cfg = &cfg};
    gb_errlist *errs = gb_errlist_new();
    assert_non_null(errs);
    gb_drawsout *w = NULL;
    assert_int_equal(gb_drawsout_open(path, &meta, names, ncols, &w, errs), GB_OK);
    assert_int_equal(gb_drawsout_row(w, 0, CELLS), 0);
    assert_int_equal(gb_drawsout_close(w, &(gb_drawsout_end){0}, errs), GB_OK);
    last_row(path, line, sizeof line);
    char *p = want;
    for (size_t k = 0; k < NCELLS; k++)
        p += sprintf(p, k ? ",%.9g" : "%.9g", CELLS[k]);
    strcpy(p, "\n");
    assert_string_equal(line, want);
    unlink(path);
    rmdir(dir);
    free(names);
    free(buf);
    gb_errlist_free(errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drawsout_cells_are_printf_g9),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
