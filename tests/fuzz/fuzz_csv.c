/* fuzz_csv.c - libFuzzer target: any bytes as a CSV data file through
 * gb_data_load_csv, then every loaded variable is read back.  Must never crash, hang, leak or
 * trip a sanitizer; errors are fine. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A memory budget well under the fuzzer's RSS limit, so inputs asking for huge values (a
 * constant array of 10^8 elements) are refused by glassbox's own checks, as they would be on a
 * small machine, instead of tripping the fuzzer's out-of-memory detector. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("GLASSBOX_MEMORY_LIMIT", "256M", 1);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gb_sources *srcs = gb_sources_new();
    gb_errlist *errs = gb_errlist_new();
    gb_data *d = gb_data_new();
    const gb_source *src;
    volatile double sink = 0;
    if (srcs && errs && d &&
        gb_sources_add(srcs, "f.csv", (const char *)data, size, &src) == GB_OK &&
        gb_data_load_csv(d, src, errs) == GB_OK) {
        for (size_t i = 0; i < gb_data_count(d); i++) {
            const gb_data_var *v = gb_data_get(d, i);
            sink += (double)v->len + (double)v->type + (double)v->name[0];
            for (size_t k = 0; k < v->len; k++)
                sink += v->val[k];
            size_t n = 1;
            for (int r = 0; r < v->shape.rank; r++)
                n *= v->shape.dim[r];
            if (gb_data_find(d, v->name) == NULL || n != v->len || v->loc.line < 1)
                __builtin_trap(); /* the loader broke its own contract */
        }
    }
    (void)sink;
    gb_data_free(d);
    gb_errlist_free(errs);
    gb_sources_free(srcs);
    return 0;
}
