/* test_shape.c - the one broadcasting rule (runtime/core/shape.c) that the checker and the
 * compiled model share: numpy's rule on known sizes, and an unknown size matching any size with
 * the known one winning (the compiler's old copy refused unknown against known). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "shape.h"

static gb_shape shp(int rank, size_t a, size_t b)
{
    gb_shape s = {rank, {a, b, 0, 0}};
    return s;
}

static void test_shape_broadcast_follows_numpy_on_known_sizes(void **state)
{
    (void)state;
    gb_shape a = shp(2, 3, 1), b = shp(1, 4, 0), o;
    assert_int_equal(gb_shape_broadcast(&a, &b, &o), 0);
    assert_int_equal(o.rank, 2);
    assert_int_equal(o.dim[0], 3);
    assert_int_equal(o.dim[1], 4);
    gb_shape c = shp(1, 3, 0);
    assert_int_equal(gb_shape_broadcast(&b, &c, &o), -1);
    gb_shape s = shp(0, 0, 0);
    assert_int_equal(gb_shape_broadcast(&s, &c, &o), 0);
    assert_int_equal(o.rank, 1);
    assert_int_equal(o.dim[0], 3);
}

static void test_shape_broadcast_unknown_size_takes_the_known_one(void **state)
{
    (void)state;
    gb_shape u = shp(1, GB_DIM_UNKNOWN, 0), k = shp(1, 5, 0), o;
    assert_int_equal(gb_shape_broadcast(&u, &k, &o), 0);
    assert_int_equal(o.dim[0], 5);
    assert_int_equal(gb_shape_broadcast(&k, &u, &o), 0);
    assert_int_equal(o.dim[0], 5);
    assert_int_equal(gb_shape_broadcast(&u, &u, &o), 0);
    assert_true(o.dim[0] == GB_DIM_UNKNOWN);
    gb_shape one = shp(1, 1, 0);
    assert_int_equal(gb_shape_broadcast(&u, &one, &o), 0);
    assert_true(o.dim[0] == GB_DIM_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_broadcast_follows_numpy_on_known_sizes),
        cmocka_unit_test(test_shape_broadcast_unknown_size_takes_the_known_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
