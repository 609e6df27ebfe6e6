/* fuzz_common.h - what the libFuzzer targets in tests/fuzz share: the memory budget set before
 * the first input, the input held as a named source with its error list, and the data-file
 * check of the JSON and CSV targets.
 *
 * Each target is one translation unit built alone by tests/fuzz/run_fuzz.sh (clang, libFuzzer,
 * ASan + UBSan), both for `make fuzz` and for the corpus replay of `make test`.  So this header
 * defines LLVMFuzzerInitialize itself: a target includes it once and defines only
 * LLVMFuzzerTestOneInput.  The helpers are static inline, so a target that does not use one
 * compiles cleanly. */
#ifndef GB_TESTS_FUZZ_FUZZ_COMMON_H
#define GB_TESTS_FUZZ_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "data.h"
#include "source.h"
#include "status.h"

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

/* One input as the only source of a source list, with an error list for what reading it finds. */
typedef struct fuzz_input {
    gb_sources *srcs;
    gb_errlist *errs;
    const gb_source *src; /* the input, named as given to fuzz_input_open; borrowed from srcs */
} fuzz_input;

/* Makes the lists and adds the input as source `name`; returns 1 when all of that worked, 0
 * when it did not (the input is then skipped).  Either way fuzz_input_close frees what was made. */
static inline int fuzz_input_open(fuzz_input *in, const char *name, const uint8_t *data,
                                  size_t size)
{
    in->srcs = gb_sources_new();
    in->errs = gb_errlist_new();
    in->src = NULL;
    return in->srcs && in->errs &&
           gb_sources_add(in->srcs, name, (const char *)data, size, &in->src) == GB_OK;
}

static inline void fuzz_input_close(fuzz_input *in)
{
    gb_errlist_free(in->errs);
    gb_sources_free(in->srcs);
}

/* A data loader of data.h: gb_data_load_json or gb_data_load_csv. */
typedef gb_status (*fuzz_data_loader)(gb_data *d, const gb_source *src, gb_errlist *errs);

/* Loads the input as data file `name` with `load`, then reads every loaded variable back, and
 * traps when the loader broke its own contract (a variable not found by its name, a length that
 * is not the product of the shape, a location before line 1).  Returns 0, as libFuzzer wants. */
static inline int fuzz_data_file(const uint8_t *data, size_t size, const char *name,
                                 fuzz_data_loader load)
{
    fuzz_input in;
    int ok = fuzz_input_open(&in, name, data, size);
    gb_data *d = gb_data_new();
    volatile double sink = 0;
    if (ok && d && load(d, in.src, in.errs) == GB_OK) {
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
    fuzz_input_close(&in);
    return 0;
}

#endif
