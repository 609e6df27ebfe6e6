/* fuzz_model.c - libFuzzer target: any bytes as a script through the lexer, parser, checker and
 * lowering (no data).  Must never crash, hang, leak or trip a sanitizer; errors are fine. */
#include <stddef.h>
#include <stdint.h>

#include "lower.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
