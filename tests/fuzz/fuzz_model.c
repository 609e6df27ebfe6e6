/* fuzz_model.c - libFuzzer target: any bytes as a script through the lexer, parser, checker and
 * lowering (no data).  Must never crash, hang, leak or trip a sanitizer; errors are fine. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lower.h"

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
    const gb_source *src;
    gb_graph *g = NULL;
    if (srcs && errs && gb_sources_add(srcs, "fuzz.gb", (const char *)data, size, &src) == GB_OK)
        gb_lower_source(srcs, src, NULL, &g, errs);
    gb_graph_free(g);
    gb_errlist_free(errs);
    gb_sources_free(srcs);
    return 0;
}
