/* test_status.c - the error list's shapes: located errors, the internal-error macro, the order
 * of severity that decides a run's exit status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "source.h"
#include "status.h"

static void test_status_internal_error_names_its_function_and_place(void **state)
{
    (void)state;
    gb_errlist *errs = gb_errlist_new();
    assert_non_null(errs);
    gb_status st = GB_INTERNAL(errs);
    assert_int_equal(st, GB_EINTERNAL);
    assert_int_equal(gb_errlist_count(errs), 1);
    const gb_err *e = gb_errlist_get(errs, 0);
    assert_int_equal(e->code, GB_EINTERNAL);
    assert_non_null(strstr(e->msg, "internal error in "
                                    "test_status_internal_error_names_its_function_and_place"));
    assert_non_null(strstr(e->msg, "test_status.c:"));
    assert_non_null(strstr(e->msg, "please report"));
    gb_errlist_free(errs);
}

static void test_status_internal_error_outranks_memory_and_user_errors(void **state)
{
    (void)state;
    gb_errlist *errs = gb_errlist_new();
    assert_non_null(errs);
    gb_error(errs, GB_ESEMANTIC, (gb_loc){"m.gb", 1, 2, 3}, "unknown name 'x'");
    assert_int_equal(gb_errlist_status(errs), GB_ESEMANTIC);
    gb_error(errs, GB_ENOMEM, (gb_loc){0}, "out of memory");
    assert_int_equal(gb_errlist_status(errs), GB_ENOMEM);
    GB_INTERNAL(errs);
    assert_int_equal(gb_errlist_status(errs), GB_EINTERNAL);
    gb_errlist_free(errs);
}

/* A note is no error: the list's status stays GB_OK (and an error still counts), and it prints
 * as "note:" in the located shape. */
static void test_status_note_keeps_status_and_prints_as_note(void **state)
{
    (void)state;
    gb_errlist *errs = gb_errlist_new();
    assert_non_null(errs);
    assert_int_equal(gb_note(errs, (gb_loc){"m.gb", 2, 6, 0}, "column %d is constant", 4), GB_OK);
    gb_note(errs, (gb_loc){"m.gb", 2, 6, 0}, "column %d is constant", 4); /* said once */
    assert_int_equal(gb_errlist_count(errs), 1);
    assert_int_equal(gb_errlist_status(errs), GB_OK);
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);
    assert_non_null(out);
    assert_int_equal(gb_errlist_print(errs, NULL, out), 0);
    assert_int_equal(fclose(out), 0);
    assert_string_equal(buf, "m.gb:2:6: note: column 4 is constant\n");
    free(buf);
    gb_error(errs, GB_EDATA, (gb_loc){0}, "bad");
    assert_int_equal(gb_errlist_status(errs), GB_EDATA);
    gb_errlist_free(errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_internal_error_names_its_function_and_place),
        cmocka_unit_test(test_status_internal_error_outranks_memory_and_user_errors),
        cmocka_unit_test(test_status_note_keeps_status_and_prints_as_note),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
