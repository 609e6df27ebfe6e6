/* arena.c - bump allocator in 64 KiB chunks (bigger requests get a chunk of their own). */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct gb_arena_chunk {
    gb_arena_chunk *next;
    size_t size, used;
    alignas(max_align_t) unsigned char data[];
};

void gb_arena_init(gb_arena *a)
{
    a->head = NULL;
    a->used_total = 0;
    a->oom = 0;
}

void gb_arena_release(gb_arena *a)
{
    gb_arena_chunk *c = a->head;
    while (c) {
        gb_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    gb_arena_init(a);
}

void *gb_arena_alloc(gb_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (a->oom || size > SIZE_MAX - align - sizeof(gb_arena_chunk)) {
        a->oom = 1;
        return NULL;
    }
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    gb_arena_chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t cs = size > GB_ARENA_CHUNK ? size : GB_ARENA_CHUNK;
        c = malloc(sizeof(gb_arena_chunk) + cs);
        if (!c) {
            a->oom = 1;
            return NULL;
        }
        c->size = cs;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    a->used_total += size;
    memset(p, 0, size);
    return p;
}

char *gb_arena_strndup(gb_arena *a, const char *s, size_t n)
{
    char *d = gb_arena_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

char *gb_arena_strdup(gb_arena *a, const char *s)
{
    return gb_arena_strndup(a, s, strlen(s));
}
