/* arena.h - bump allocation in 64 KiB chunks, freed all at once.
 *
 * The AST, token texts and checker annotations live here, so error recovery leaks nothing.
 * Out-of-memory is sticky (as SQLite's mallocFailed): an allocation that fails returns NULL and
 * sets `oom`; the parser reports GB_ENOMEM once at the end.
 */
#ifndef GB_RUNTIME_CORE_ARENA_H
#define GB_RUNTIME_CORE_ARENA_H

#include <stddef.h>

typedef struct gb_arena_chunk gb_arena_chunk;

typedef struct gb_arena {
    gb_arena_chunk *head;
    size_t used_total; /* bytes handed out, for the memory budget */
    int oom;
} gb_arena;

#define GB_ARENA_CHUNK 65536

void gb_arena_init(gb_arena *a);
void gb_arena_release(gb_arena *a);
/* Zeroed, aligned for any type; NULL (and a->oom set) on failure. */
void *gb_arena_alloc(gb_arena *a, size_t size);
char *gb_arena_strndup(gb_arena *a, const char *s, size_t n);
char *gb_arena_strdup(gb_arena *a, const char *s);

#endif
