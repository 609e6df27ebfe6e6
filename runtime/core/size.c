/* size.c - checked size arithmetic and the memory budget (see size.h). */
#include "size.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

int gb_size_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return -1;
    *out = a * b;
    return 0;
}

int gb_size_add(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return -1;
    *out = a + b;
    return 0;
}

static size_t budget_set; /* gb_memory_set_budget; 0: not set */

size_t gb_size_parse_bytes(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned long long mult = 1;
    if (end == s)
        return 0;
    switch (*end) {
    case 'K':
    case 'k':
        mult = 1ULL << 10;
        end++;
        break;
    case 'M':
    case 'm':
        mult = 1ULL << 20;
        end++;
        break;
    case 'G':
    case 'g':
        mult = 1ULL << 30;
        end++;
        break;
    case 'T':
    case 't':
        mult = 1ULL << 40;
        end++;
        break;
    default:
        break;
    }
    if (*end != '\0' || v > SIZE_MAX / mult)
        return 0;
    return (size_t)(v * mult);
}

void gb_memory_set_budget(size_t bytes)
{
    budget_set = bytes;
}

size_t gb_memory_budget(void)
{
    if (budget_set > 0)
        return budget_set;
    const char *env = getenv("GLASSBOX_MEMORY_LIMIT");
    if (env) {
        size_t b = gb_size_parse_bytes(env);
        if (b > 0)
            return b;
    }
    long pages = sysconf(_SC_PHYS_PAGES);
    long page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return (size_t)1 << 32; /* unknown machine: assume 4 GiB */
    size_t total;
    if (gb_size_mul((size_t)pages, (size_t)page, &total) != 0)
        return SIZE_MAX / 4 * 3;
    return total / 4 * 3;
}

int gb_size_fits_budget(size_t n, size_t elem_size)
{
    size_t bytes;
    if (gb_size_mul(n, elem_size, &bytes) != 0)
        return -1;
    return bytes <= gb_memory_budget() ? 0 : -1;
}
