/* test_data.c - the JSON and CSV data loaders: values, shapes, integer detection, special
 * values, locations of keys and of every error class, combining files, and the validation
 * corpus in ../shared/validation/data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h> /* needs the three above first */

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data.h"
#include "near.h"

typedef struct fixture {
    gb_sources *srcs;
    gb_errlist *errs;
    gb_data *data;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->srcs = gb_sources_new();
    f->errs = gb_errlist_new();
    f->data = gb_data_new();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    gb_data_free(f->data);
    gb_errlist_free(f->errs);
    gb_sources_free(f->srcs);
    free(f);
    return 0;
}

static gb_status load(fixture *f, const char *name, const char *text)
{
    const gb_source *src;
    assert_int_equal(gb_sources_add(f->srcs, name, text, strlen(text), &src), GB_OK);
    gb_status st = strstr(name, ".csv") ? gb_data_load_csv(f->data, src, f->errs)
                                        : gb_data_load_json(f->data, src, f->errs);
    if (getenv("GB_TEST_VERBOSE"))
        gb_errlist_print(f->errs, f->srcs, stderr);
    return st;
}

/* Error idx has exactly this message and location (and a hint containing `hint`). */
static void expect_err(fixture *f, size_t idx, int line, int col, const char *msg, const char *hint)
{
    if (gb_errlist_count(f->errs) <= idx)
        fail_msg("expected error %zu (%s), got %zu errors", idx, msg, gb_errlist_count(f->errs));
    const gb_err *e = gb_errlist_get(f->errs, idx);
    if (strcmp(e->msg, msg) != 0)
        fail_msg("error %zu: got '%s' at %d:%d, expected '%s'", idx, e->msg, e->loc.line,
                 e->loc.col, msg);
    if (e->loc.line != line || e->loc.col != col)
        fail_msg("'%s' at %d:%d, expected %d:%d", msg, e->loc.line, e->loc.col, line, col);
    if (hint && (!e->hint || !strstr(e->hint, hint)))
        fail_msg("hint '%s' does not contain '%s'", e->hint ? e->hint : "(none)", hint);
}

static const gb_data_var *var(fixture *f, const char *name)
{
    const gb_data_var *v = gb_data_find(f->data, name);
    if (!v)
        fail_msg("no variable '%s'", name);
    return v;
}

static void test_json_scalars_vectors_matrices(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "d.json",
                          "{\n  \"N\": 3,\n  \"y\": [1.5, -2, 3e2],\n"
                          "  \"X\": [[1, 2, 3], [4, 5, 6]],\n"
                          "  \"A\": [[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10], [11, 12]]]\n}"),
                     GB_OK);
    assert_int_equal(gb_data_count(f->data), 4);
    assert_string_equal(gb_data_get(f->data, 0)->name, "N");
    const gb_data_var *n = var(f, "N"), *y = var(f, "y"), *x = var(f, "X"), *a = var(f, "A");
    assert_int_equal(n->shape.rank, 0);
    assert_int_equal(n->len, 1);
    assert_int_equal(n->type, GB_INT);
    assert_near(n->val[0], 3, 0, 0);
    assert_int_equal(y->shape.rank, 1);
    assert_int_equal(y->shape.dim[0], 3);
    assert_int_equal(y->type, GB_REAL);
    assert_near(y->val[2], 300, 0, 0);
    assert_int_equal(x->shape.rank, 2);
    assert_int_equal(x->shape.dim[0], 2);
    assert_int_equal(x->shape.dim[1], 3);
    assert_int_equal(x->type, GB_INT);
    assert_near(x->val[4], 5, 0, 0); /* row-major: X[2,2] */
    assert_int_equal(a->shape.rank, 3);
    assert_int_equal(a->shape.dim[0], 3);
    assert_int_equal(a->shape.dim[2], 2);
    assert_int_equal(a->len, 12);
    assert_near(a->val[9], 10, 0, 0); /* A[3,1,2] */
    assert_null(gb_data_find(f->data, "nope"));
}

static void test_json_int_vs_real(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "d.json", "{\"a\": [1, 2], \"b\": [1, 2.0], \"c\": 1.0, \"d\": -7}"),
                     GB_OK);
    assert_int_equal(var(f, "a")->type, GB_INT);
    assert_int_equal(var(f, "b")->type, GB_REAL);
    assert_int_equal(var(f, "c")->type, GB_REAL);
    assert_int_equal(var(f, "d")->type, GB_INT);
    assert_near(var(f, "d")->val[0], -7, 0, 0);
}

static void test_json_special_strings(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "d.json",
                          "{\"v\": [\"NaN\", \"Inf\", \"-Inf\", \"+Inf\", \"inf\", \"-inf\", "
                          "\"nan\", 1], \"s\": \"NaN\"}"),
                     GB_OK);
    const gb_data_var *v = var(f, "v");
    assert_int_equal(v->len, 8);
    assert_true(isnan(v->val[0]) && isnan(v->val[6]));
    assert_true(v->val[1] == INFINITY && v->val[3] == INFINITY && v->val[4] == INFINITY);
    assert_true(v->val[2] == -INFINITY && v->val[5] == -INFINITY);
    assert_int_equal(v->type, GB_REAL);
    assert_true(isnan(var(f, "s")->val[0]));
    assert_int_equal(var(f, "s")->shape.rank, 0);
}

/* "X_names": [strings] names X's columns (cli_tree_x.c reads it): it is not a variable; a
 * "_names" key holding numbers, or a string array under another key, still is one / an error. */
static void test_json_column_names_are_not_variables(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "d.json",
                          "{\"X\": [[1, 2]], \"X_names\": [\"age\", \"income\"], "
                          "\"k_names\": [1, 2]}"),
                     GB_OK);
    assert_int_equal(gb_data_count(f->data), 2);
    assert_int_equal(var(f, "X")->len, 2);
    assert_int_equal(var(f, "k_names")->len, 2);
    assert_int_equal(load(f, "e.json", "{\"names\": [\"a\"]}"), GB_EDATA);
}

static void test_json_empty_arrays(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "d.json", "{\"e\": [], \"m\": [[], []]}"), GB_OK);
    const gb_data_var *e = var(f, "e"), *m = var(f, "m");
    assert_int_equal(e->shape.rank, 1);
    assert_int_equal(e->shape.dim[0], 0);
    assert_int_equal(e->len, 0);
    assert_int_equal(m->shape.rank, 2);
    assert_int_equal(m->shape.dim[0], 2);
    assert_int_equal(m->shape.dim[1], 0);
}

static void test_json_key_locations(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "d.json",
                          "{\n  \"N\": 3,\n\t\"y\" : [1, {\"fake\": 2}],\n  \"z\\u00e9\": 1, "
                          "\"w\": 2}"),
                     GB_EDATA); /* the object inside y is an error; locations still count */
    gb_errlist_free(f->errs);
    f->errs = gb_errlist_new();
    assert_int_equal(load(f, "e.json",
                          "{\n  \"N\": 3,\n\t\"y\" : [1, \"Inf\"],\n  \"z\\u00e9\": 1, "
                          "\"w\": \"{\\\"q\\\": 1}\"}"),
                     GB_EDATA);
    expect_err(f, 0, 4, 22,
               "'w' is the string \"{\"q\": 1}\", expected a number or an array "
               "of numbers",
               "\"NaN\"");
    gb_errlist_free(f->errs);
    f->errs = gb_errlist_new();
    assert_int_equal(
        load(f, "g.json", "{\n  \"N\": 3,\n\t\"y\" : [1, \"Inf\"],\n  \"z\\u00e9\": 1, \"w\": 2}"),
        GB_OK);
    const gb_data_var *n = var(f, "N"), *y = var(f, "y"), *z = var(f, "z\xc3\xa9"),
                      *w = var(f, "w");
    assert_string_equal(n->loc.file, "g.json");
    assert_int_equal(n->loc.line, 2);
    assert_int_equal(n->loc.col, 3);
    assert_int_equal(n->loc.end_col, 6);
    assert_int_equal(y->loc.line, 3);
    assert_int_equal(y->loc.col, 2);
    assert_int_equal(z->loc.line, 4);
    assert_int_equal(z->loc.col, 3);
    assert_int_equal(w->loc.line, 4);
    assert_int_equal(w->loc.col, 17);
}

static void test_json_ragged_error_at_element(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "d.json", "{\"ok\": 1,\n \"X\": [[1, 2],\n       [3, 4, 5]]}"),
                     GB_EDATA);
    expect_err(f, 0, 3, 8, "'X[2]' has 3 elements but 'X[1]' has 2; arrays must be rectangular",
               NULL);
    assert_int_equal(gb_data_count(f->data), 0); /* nothing from a failed file */
    gb_errlist_free(f->errs);
    f->errs = gb_errlist_new();
    assert_int_equal(load(f, "e.json", "{\"X\": [[1, 2], 3]}"), GB_EDATA);
    expect_err(f, 0, 1, 16,
               "'X[2]' is a number, expected an array of 2 like 'X[1]' (arrays "
               "must be rectangular)",
               NULL);
    gb_errlist_free(f->errs);
    f->errs = gb_errlist_new();
    assert_int_equal(load(f, "g.json", "{\"X\": [1, [2]]}"), GB_EDATA);
    expect_err(f, 0, 1, 11, "'X[2]' is an array, expected a number (arrays must be rectangular)",
               NULL);
}

static void test_json_bad_values_name_variable(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "d.json",
                          "{\"b\": true,\n\"n\": null,\n\"s\": \"hi\",\n\"o\": {\"a\": 1},\n"
                          "\"v\": [1, false]}"),
                     GB_EDATA);
    expect_err(f, 0, 1, 7, "'b' is true, expected a number or an array of numbers", NULL);
    expect_err(f, 1, 2, 6, "'n' is null, expected a number or an array of numbers", NULL);
    expect_err(f, 2, 3, 6, "'s' is the string \"hi\", expected a number or an array of numbers",
               "\"Inf\"");
    expect_err(f, 3, 4, 6, "'o' is an object, expected a number or an array of numbers", NULL);
    expect_err(f, 4, 5, 10, "'v[2]' is false, expected a number", NULL);
    assert_int_equal(gb_errlist_count(f->errs), 5);
}

static void test_json_duplicate_key(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "d.json", "{\"a\": 1,\n  \"b\": 2,\n  \"a\": 3}"), GB_EDATA);
    expect_err(f, 0, 3, 3, "duplicate key 'a'", "line 1, column 2");
}

static void test_json_syntax_and_shape_errors(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "a.json", "{\"a\":\n  tru}"), GB_EDATA);
    expect_err(f, 0, 2, 3, "invalid JSON: invalid token near 'tru'", NULL);
    assert_int_equal(load(f, "b.json", "[1, 2]"), GB_EDATA);
    expect_err(f, 1, 1, 1,
               "expected a JSON object {\"name\": value, ...} at the top, found an array", NULL);
    assert_int_equal(load(f, "c.json", "  \n"), GB_EDATA);
    expect_err(f, 2, 1, 1, "the file is empty; expected a JSON object {\"name\": value, ...}",
               NULL);
    assert_int_equal(load(f, "e.json", "{\"d\": [[[[[1]]]]]}"), GB_EDATA);
    expect_err(f, 3, 1, 11, "'d' is nested more than 4 deep; arrays have at most 4 dimensions",
               NULL);
    assert_int_equal(load(f, "g.json", "{\"big\": [1, 9007199254740993]}"), GB_EDATA);
    expect_err(f, 4, 1, 13,
               "'big[2]' is 9007199254740993, too large to hold exactly (integers "
               "must be within +-2^53)",
               NULL);
    assert_int_equal(load(f, "h.json", "{\"ok\": [[1,2,3,4]], \"x\": 9007199254740992}"), GB_OK);
}

static void test_csv_columns_and_types(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "d.csv",
                          "# a comment\r\n\"y\",n, z\r\n1.5,12,NaN\r\n\r\n-2,-3,Inf\r\n"
                          "# trailing\n3e1,4,-inf\n"),
                     GB_OK);
    const gb_data_var *y = var(f, "y"), *n = var(f, "n"), *z = var(f, "z");
    assert_int_equal(y->shape.rank, 1);
    assert_int_equal(y->shape.dim[0], 3);
    assert_int_equal(y->type, GB_REAL);
    assert_near(y->val[2], 30, 0, 0);
    assert_int_equal(n->type, GB_INT);
    assert_near(n->val[1], -3, 0, 0);
    assert_true(isnan(z->val[0]) && z->val[1] == INFINITY && z->val[2] == -INFINITY);
    assert_int_equal(y->loc.line, 2);
    assert_int_equal(y->loc.col, 1);
    assert_int_equal(z->loc.col, 8);
    assert_string_equal(gb_data_get(f->data, 2)->name, "z");
}

static void test_data_locates_first_nonfinite_cell(void **state)
{
    fixture *f = *state;
    /* the earlier element in row-major order wins, whatever the column order */
    assert_int_equal(load(f, "d.csv", "a.2,a.1,b\n1,2,3\nInf,NaN,5\n"), GB_OK);
    const gb_data_var *a = var(f, "a"), *b = var(f, "b");
    assert_int_equal(a->nonfinite, 2); /* a[2,1] */
    assert_int_equal(a->nonfinite_loc.line, 3);
    assert_int_equal(a->nonfinite_loc.col, 5);
    assert_int_equal(a->nonfinite_loc.end_col, 8);
    assert_int_equal(b->nonfinite_loc.line, 0);
    assert_int_equal(load(f, "e.json", "{\"c\": [[1, 2], [3, \"-Inf\"]]}"), GB_OK);
    const gb_data_var *c = var(f, "c");
    assert_int_equal(c->nonfinite, 3);
    assert_int_equal(c->nonfinite_loc.line, 1);
    assert_int_equal(c->nonfinite_loc.col, 20);
}

static void test_csv_groups_indexed_columns(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "d.csv",
                          "x.1.1,x.1.2,x.2.1,x.2.2,x.3.1,x.3.2,v[2],v[1],\"w[1,2]\","
                          "\"w[1,1]\"\n11,12,21,22,31,32.5,2,1,7,6\n"),
                     GB_OK);
    assert_int_equal(gb_data_count(f->data), 3);
    const gb_data_var *x = var(f, "x"), *v = var(f, "v"), *w = var(f, "w");
    assert_int_equal(x->shape.rank, 2);
    assert_int_equal(x->shape.dim[0], 3);
    assert_int_equal(x->shape.dim[1], 2);
    assert_int_equal(x->type, GB_REAL);
    assert_near(x->val[3], 22, 0, 0);
    assert_near(x->val[5], 32.5, 0, 0);
    assert_int_equal(v->shape.rank, 1);
    assert_int_equal(v->shape.dim[0], 2);
    assert_int_equal(v->type, GB_INT);
    assert_near(v->val[0], 1, 0, 0);
    assert_near(v->val[1], 2, 0, 0);
    assert_int_equal(v->loc.col, 37);
    assert_int_equal(w->shape.rank, 2);
    assert_near(w->val[1], 7, 0, 0);

    /* several rows: the row index comes first */
    assert_int_equal(load(f, "e.csv", "t,b.1,b.2\n1,10,20\n2,30,40\n"), GB_OK);
    const gb_data_var *b = var(f, "b");
    assert_int_equal(b->shape.rank, 2);
    assert_int_equal(b->shape.dim[0], 2);
    assert_int_equal(b->shape.dim[1], 2);
    assert_near(b->val[2], 30, 0, 0);
    assert_int_equal(var(f, "t")->shape.rank, 1);
}

static void test_csv_group_errors(void **state)
{
    fixture *f = *state;
    assert_int_equal(load(f, "a.csv", "x.1.1,x.1.2,x.2.1\n1,2,3\n"), GB_EDATA);
    expect_err(f, 0, 1, 1, "the columns of 'x' make an array of size 2 x 2 but column x.2.2 is missing",
               NULL);
    assert_int_equal(load(f, "b.csv", "a,x.1,x.1.2\n1,2,3\n"), GB_EDATA);
    expect_err(f, 1, 1, 7,
               "column 'x.1.2' has 2 indices but 'x.1' has 1; the columns of one "
               "variable need the same number",
               NULL);
    assert_int_equal(load(f, "c.csv", "y,x.1,x[1]\n1,2,3\n"), GB_EDATA);
    expect_err(f, 2, 1, 7, "duplicate column 'x[1]'", "column 2 ('x.1')");
    assert_int_equal(load(f, "e.csv", "y,q,y\n1,2,3\n"), GB_EDATA);
    expect_err(f, 3, 1, 5, "duplicate column 'y'", "column 1");
    assert_int_equal(load(f, "g.csv", "y,x.0\n1,2\n"), GB_EDATA);
    expect_err(f, 4, 1, 3, "cannot read column name 'x.0': indices start at 1", "x[1,2]");
    assert_int_equal(gb_data_count(f->data), 0);
}

static void test_csv_cell_errors(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        load(f, "a.csv",
             "a,b,c\n1,,3\n1,x2,3\n1,2\n1,2,3,4\n1,2,9007199254740993\n-9007199254740992,0,1\n"),
        GB_EDATA);
    expect_err(f, 0, 2, 3, "empty cell in column 'b'", NULL);
    expect_err(f, 1, 3, 3, "'x2' in column 'b' is not a number", NULL);
    expect_err(f, 2, 4, 4, "row has 2 cells but the header has 3 columns", NULL);
    expect_err(f, 3, 5, 7, "row has 4 cells but the header has 3 columns", NULL);
    expect_err(f, 4, 6, 5,
               "'9007199254740993' in column 'c' is an integer too large to hold exactly "
               "(integers must be within +-2^53)",
               NULL);
    assert_int_equal(load(f, "b.csv", "# only a comment\n\n"), GB_EDATA);
    expect_err(f, 5, 1, 1, "the file is empty; expected a header row of variable names", NULL);
    assert_int_equal(load(f, "c.csv", "# c\na,b\n"), GB_EDATA);
    expect_err(f, 6, 2, 1, "the file has a header but no data rows", NULL);
    assert_int_equal(load(f, "e.csv", "a,\"b\n1,2\n"), GB_EDATA);
    expect_err(f, 7, 1, 3, "unterminated or misplaced quote in the header", NULL);
    assert_int_equal(load(f, "g.csv", "a,b\n0x10,1e\n"), GB_EDATA);
    expect_err(f, 8, 2, 1, "'0x10' in column 'a' is not a number", NULL);
    expect_err(f, 9, 2, 6, "'1e' in column 'b' is not a number", NULL);
}

static void test_files_combine_and_refuse_duplicates(void **state)
{
    fixture *f = *state;
    char dir[] = "/tmp/gb_test_data_XXXXXX", a[64], b[64], c[64], u[64];
    assert_non_null(mkdtemp(dir));
    snprintf(a, sizeof a, "%s/a.json", dir);
    snprintf(b, sizeof b, "%s/b.CSV", dir);
    snprintf(c, sizeof c, "%s/c.json", dir);
    snprintf(u, sizeof u, "%s/d.txt", dir);
    FILE *fp = fopen(a, "w");
    fputs("{\"N\": 2,\n \"mu\": 0.5}\n", fp);
    fclose(fp);
    fp = fopen(b, "w");
    fputs("y,z\n1,2\n3,4\n", fp);
    fclose(fp);
    fp = fopen(c, "w");
    fputs("{\"k\": 1,\n   \"mu\": 1}\n", fp);
    fclose(fp);
    assert_int_equal(gb_data_load_file(f->data, f->srcs, a, f->errs), GB_OK);
    assert_int_equal(gb_data_load_file(f->data, f->srcs, b, f->errs), GB_OK);
    assert_int_equal(gb_data_count(f->data), 4);
    assert_string_equal(var(f, "y")->loc.file, b);
    assert_int_equal(gb_data_load_file(f->data, f->srcs, c, f->errs), GB_EDATA);
    char hint[128];
    snprintf(hint, sizeof hint, "it was loaded from %s:2:2", a);
    expect_err(f, 0, 2, 4, "'mu' is already defined by an earlier data file", hint);
    assert_null(gb_data_find(f->data, "k")); /* the whole file was refused */
    assert_int_equal(gb_data_load_file(f->data, f->srcs, u, f->errs), GB_EUSAGE);
    char msg[160];
    snprintf(msg, sizeof msg, "cannot tell the format of data file '%s' from its name", u);
    expect_err(f, 1, 0, 0, msg, ".json");
    snprintf(u, sizeof u, "%s/sub.json", dir);
    assert_int_equal(mkdir(u, 0700), 0);
    assert_int_equal(gb_data_load_file(f->data, f->srcs, u, f->errs), GB_EIO);
    snprintf(msg, sizeof msg, "'%s' is a directory, not a file", u);
    expect_err(f, 2, 0, 0, msg, NULL);
    rmdir(u);
    snprintf(u, sizeof u, "%s/missing.json", dir);
    assert_int_equal(gb_data_load_file(f->data, f->srcs, u, f->errs), GB_EIO);
    remove(a);
    remove(b);
    remove(c);
    rmdir(dir);
}

/* Every data set of the validation corpus loads. */
static void test_validation_corpus_loads(void **state)
{
    fixture *f = *state;
    const char *path = "../shared/validation/data";
    DIR *dir = opendir(path);
    if (!dir) {
        print_message("skipped: %s is absent\n", path);
        return;
    }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char file[512];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        gb_data *d = gb_data_new();
        gb_status st = gb_data_load_file(d, f->srcs, file, f->errs);
        if (st != GB_OK) {
            gb_errlist_print(f->errs, f->srcs, stderr);
            fail_msg("%s does not load", file);
        }
        assert_true(gb_data_count(d) > 0);
        gb_data_free(d);
        n++;
    }
    closedir(dir);
    assert_true(n > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_scalars_vectors_matrices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_int_vs_real, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_special_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_column_names_are_not_variables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_empty_arrays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_key_locations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_ragged_error_at_element, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_bad_values_name_variable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_duplicate_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_syntax_and_shape_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_columns_and_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_locates_first_nonfinite_cell, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_groups_indexed_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_group_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_cell_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files_combine_and_refuse_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation_corpus_loads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
