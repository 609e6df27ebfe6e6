/* fuzz_csv.c - libFuzzer target: any bytes as a CSV data file through
 * gb_data_load_csv, then every loaded variable is read back.  Must never crash, hang, leak or
 * trip a sanitizer; errors are fine. */
#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_data_file(data, size, "f.csv", gb_data_load_csv);
}
