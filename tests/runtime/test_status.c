/* test_status.c - the error list's shape for bugs (runtime/core/status.h): GB_INTERNAL reports
 * an internal error that names the function, file and line it was reached from, so a "cannot
 * happen" path is never mistaken for "out of memory" or lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "status.h"

static gb_status reach_the_impossible(gb_errlist *errs)
{
    return GB_INTERNAL(errs);
}

static void test_status_internal_error_names_its_place(void **state)
{
    (void)state;
    gb_errlist *errs = gb_errlist_new();
    assert_non_null(errs);
    assert_int_equal(reach_the_impossible(errs), GB_EINTERNAL);
    assert_int_equal(gb_errlist_count(errs), 1);
    assert_int_equal(gb_errlist_status(errs), GB_EINTERNAL);
    const gb_err *e = gb_errlist_get(errs, 0);
    assert_non_null(strstr(e->msg, "internal error in reach_the_impossible (tests/runtime/"
                                   "test_status.c:"));
    assert_non_null(strstr(e->msg, "please report"));
    assert_null(strstr(e->msg, "out of memory"));
    gb_errlist_free(errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_internal_error_names_its_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
