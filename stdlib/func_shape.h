/* func_shape.h - the constructors and reshapers of stdlib/func_shape.c (rep_*, to_*, append_*,
 * segment, head, tail, sort_*, rank, reverse, size queries), listed in func_array.c's table. */
#ifndef GB_STDLIB_FUNC_SHAPE_H
#define GB_STDLIB_FUNC_SHAPE_H

#include "funcs.h"

extern const gb_func_ops gb_func_shape_sort, gb_func_shape_seq;
extern const gb_func_ops gb_func_shape_size, gb_func_shape_rows, gb_func_shape_cols,
    gb_func_shape_num_elements, gb_func_shape_rep_vector, gb_func_shape_rep_array,
    gb_func_shape_rep_matrix, gb_func_shape_to_vector, gb_func_shape_to_array_1d,
    gb_func_shape_to_matrix, gb_func_shape_append_row, gb_func_shape_append_col,
    gb_func_shape_segment, gb_func_shape_head, gb_func_shape_tail, gb_func_shape_sort_asc,
    gb_func_shape_sort_desc, gb_func_shape_rank, gb_func_shape_reverse;

#endif
