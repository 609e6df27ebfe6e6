/* vec.c - growth for GB_VEC: doubling, with overflow checks. */
#include "vec.h"

#include <stdint.h>
#include <stdlib.h>

int gb_vec_grow(void **items, size_t *cap, size_t len, size_t elem_size)
{
    if (len < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap < *cap || ncap > SIZE_MAX / elem_size)
        return -1;
    void *p = realloc(*items, ncap * elem_size);
    if (!p)
        return -1;
    *items = p;
    *cap = ncap;
    return 0;
}
