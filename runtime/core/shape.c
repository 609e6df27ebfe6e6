/* shape.c - numpy broadcasting of two shapes, unknown sizes included; see shape.h. */
#include "shape.h"

int gb_shape_broadcast(const gb_shape *a, const gb_shape *b, gb_shape *out)
{
    int r = a->rank > b->rank ? a->rank : b->rank;
    gb_shape o;
    o.rank = r;
    for (int i = 0; i < r; i++) {
        int ia = a->rank - r + i, ib = b->rank - r + i;
        size_t da = ia >= 0 ? a->dim[ia] : 1, db = ib >= 0 ? b->dim[ib] : 1;
        if (da == db || db == 1)
            o.dim[i] = da;
        else if (da == 1)
            o.dim[i] = db;
        else if (da == GB_DIM_UNKNOWN || db == GB_DIM_UNKNOWN)
            o.dim[i] = da == GB_DIM_UNKNOWN ? db : da;
        else
            return -1;
    }
    *out = o;
    return 0;
}
