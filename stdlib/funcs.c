/* funcs.c - one registry over the function group tables (see funcs.h). */
#include "funcs.h"

#include <string.h>

static const gb_func_ops *const *const groups[] = {gb_funcs_scalar, gb_funcs_array,
                                                   gb_funcs_linalg, gb_funcs_matrix, gb_funcs_gp};

size_t gb_func_count(void)
{
    size_t n = 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (size_t i = 0; groups[g][i]; i++)
            n++;
    return n;
}

const gb_func_ops *gb_func_at(size_t k)
{
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (size_t i = 0; groups[g][i]; i++)
            if (k-- == 0)
                return groups[g][i];
    return NULL;
}

const gb_func_ops *gb_func_find(const char *name)
{
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        for (size_t i = 0; groups[g][i]; i++)
            if (strcmp(groups[g][i]->name, name) == 0)
                return groups[g][i];
    return NULL;
}
