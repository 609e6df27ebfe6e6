/* size.h - checked size arithmetic and the memory budget.
 *
 * Every size that comes from a user (data lengths, shapes, flags) goes through these before any
 * allocation, so glassbox refuses with a message instead of letting malloc or the OOM killer
 * decide.
 */
#ifndef GB_RUNTIME_CORE_SIZE_H
#define GB_RUNTIME_CORE_SIZE_H

#include <stddef.h>

/* Returns 0 and writes *out, or -1 on overflow (and leaves *out untouched). */
int gb_size_mul(size_t a, size_t b, size_t *out);
int gb_size_add(size_t a, size_t b, size_t *out);

/* The number of bytes glassbox allows itself: for one object (data array, draws store), and for
 * the whole run as the memory plan estimates it (memplan.h).  Defaults to 3/4 of physical
 * memory; GLASSBOX_MEMORY_LIMIT (bytes, or with a K/M/G/T suffix) overrides that, and
 * gb_memory_set_budget (the --memory option) overrides both. */
size_t gb_memory_budget(void);
/* Sets the budget (0: back to the default).  Call it before any thread starts. */
void gb_memory_set_budget(size_t bytes);
/* Parses "123", "64K", "512M", "2G", "1T" (powers of 1024); 0 when malformed or too large. */
size_t gb_size_parse_bytes(const char *s);
/* 0 if n elements of elem_size bytes fit in the budget, -1 otherwise. */
int gb_size_fits_budget(size_t n, size_t elem_size);

#endif
