/* fuzz_model.c - libFuzzer target: any bytes as a script through the lexer, parser, checker and
 * lowering (no data).  Must never crash, hang, leak or trip a sanitizer; errors are fine. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "lower.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in;
    gb_graph *g = NULL;
    if (fuzz_input_open(&in, "fuzz.gb", data, size))
        gb_lower_source(in.srcs, in.src, NULL, &g, in.errs);
    gb_graph_free(g);
    fuzz_input_close(&in);
    return 0;
}
