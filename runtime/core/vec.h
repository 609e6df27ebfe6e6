/* vec.h - a growable array of any element type, for code outside the arena.
 *
 *     GB_VEC(int) v = {0};
 *     if (GB_VEC_PUSH(&v, 42) != 0) ... out of memory ...
 *     free(v.items);
 */
#ifndef GB_RUNTIME_CORE_VEC_H
#define GB_RUNTIME_CORE_VEC_H

#include <stddef.h>

#define GB_VEC(T)                                                                                 \
    struct {                                                                                      \
        T *items;                                                                                 \
        size_t len, cap;                                                                          \
    }

/* Makes room for one more element; 0 on success, -1 on allocation failure or overflow. */
int gb_vec_grow(void **items, size_t *cap, size_t len, size_t elem_size);

#define GB_VEC_PUSH(v, x)                                                                         \
    (gb_vec_grow((void **)&(v)->items, &(v)->cap, (v)->len, sizeof *(v)->items) != 0              \
         ? -1                                                                                     \
         : ((void)((v)->items[(v)->len++] = (x)), 0))

#endif
