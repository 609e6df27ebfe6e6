/* fault_alloc.c - an allocator that fails on request, for allocation-failure injection.
 *
 * Linked into a test build of glassbox with `-Wl,--wrap=malloc,--wrap=calloc,...`, so every
 * allocation that glassbox's own objects make (the Flex/Bison parser's included) comes here
 * first.  As SQLite's and Lua's fault tests do, the environment chooses one allocation to fail:
 *
 *   GB_FAULT_AT=N     the N-th allocation (counted from 1) returns NULL; the others succeed.
 *   GB_FAULT_COUNT=F  at exit, write the number of allocations made to the file F, so the driver
 *                     (run_fault.sh) knows how many places there are to fail.
 *   GB_FAULT_TRACE=1  print the call stack of the failed allocation to stderr (addresses: pass
 *                     them to addr2line -f -e glassbox-fault to find the caller).
 *
 * Allocations made inside the shared libraries (GSL, jansson, libc's own) are not counted: only
 * glassbox's code is under test.  The counter is atomic because chains run on threads; the
 * driver runs one chain so the order of allocations, and so N, is the same on every run.
 */
#include <execinfo.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static atomic_ulong count;
static unsigned long fail_at; /* 0: never */
static const char *count_file;
static int trace;

static void write_count(void)
{
    FILE *f = fopen(count_file, "w");
    if (f) {
        fprintf(f, "%lu\n", atomic_load(&count));
        fclose(f);
    }
}

__attribute__((constructor)) static void fault_init(void)
{
    const char *at = getenv("GB_FAULT_AT");
    if (at)
        fail_at = strtoul(at, NULL, 10);
    count_file = getenv("GB_FAULT_COUNT");
    trace = getenv("GB_FAULT_TRACE") != NULL;
    if (count_file)
        atexit(write_count);
}

/* Whether this allocation is the one to fail. */
static int fail_now(void)
{
    if (atomic_fetch_add(&count, 1) + 1 != fail_at)
        return 0;
    if (trace) {
        void *frames[32];
        backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
    }
    return 1;
}

void *__wrap_malloc(size_t n)
{
    return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    return fail_now() ? NULL : __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}
