/* bench_util.h - what the benchmark programs (gradbench.c, splitbench.c) share: loading a model
 * and its data as `glassbox run` does, a clock, and a timing loop.  Header-only (static inline)
 * because each benchmark is one C file linked against the library (Makefile's bench rule).
 *
 * The timing loop reads the clock after a batch of calls whose size doubles (up to
 * BENCH_MAX_BATCH) only while the time so far is under 1/BENCH_GROW_SHARE of the target: cheap
 * calls (a 10k-row C loop, microseconds) are not dominated by clock reads, and slow ones (a
 * million-row gradient, tens of milliseconds) overshoot the target by a few percent at most.
 */
#ifndef GB_TESTS_BENCH_UTIL_H
#define GB_TESTS_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "data.h"
#include "lower.h"
#include "model.h"

#define BENCH_MAX_BATCH 1024
#define BENCH_GROW_SHARE 64

/* Seconds on clock clk (CLOCK_MONOTONIC: wall; CLOCK_PROCESS_CPUTIME_ID: this process's CPU). */
static inline double bench_now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline void bench_die(const char *prog, const char *msg)
{
    fprintf(stderr, "%s: %s\n", prog, msg);
    exit(1);
}

/* A model compiled from its source and one data file, and what it was made from. */
typedef struct bench_model {
    gb_sources *srcs;
    gb_errlist *errs;
    gb_data *data;
    gb_graph *g;
    gb_model *m;
} bench_model;

/* Loads data_path, lowers model_path with it and compiles the model; on failure prints the
 * errors and exits (prog names the benchmark in the message). */
static inline void bench_load(const char *prog, const char *model_path, const char *data_path,
                              bench_model *b)
{
    b->srcs = gb_sources_new();
    b->errs = gb_errlist_new();
    b->data = gb_data_new();
    b->g = NULL;
    b->m = NULL;
    gb_lower_opts o = {b->data, NULL, NULL, 0};
    if (!b->srcs || !b->errs || !b->data ||
        gb_data_load_file(b->data, b->srcs, data_path, b->errs) != GB_OK ||
        gb_lower_file(b->srcs, model_path, &o, &b->g, b->errs) != GB_OK ||
        gb_model_compile(b->g, &b->m, b->errs) != GB_OK) {
        if (b->errs)
            gb_errlist_print(b->errs, b->srcs, stderr);
        bench_die(prog, "model did not load");
    }
}

static inline void bench_model_free(bench_model *b)
{
    gb_model_free(b->m);
    gb_graph_free(b->g);
    gb_data_free(b->data);
    gb_errlist_free(b->errs);
    gb_sources_free(b->srcs);
}

/* Calls f(ctx) until secs seconds of clock clk have passed and at least min_calls calls were
 * made; returns the seconds taken and sets *n to the number of calls.  f's results are summed
 * into a volatile so the compiler keeps every call. */
static inline double bench_repeat(clockid_t clk, double secs, long min_calls,
                                  double (*f)(void *ctx), void *ctx, long *n)
{
    volatile double sink = 0;
    long batch = 1;
    double t0 = bench_now(clk), t;
    *n = 0;
    do {
        for (long b = 0; b < batch; b++)
            sink += f(ctx);
        *n += batch;
        t = bench_now(clk) - t0;
        if (batch < BENCH_MAX_BATCH && t < secs / BENCH_GROW_SHARE)
            batch *= 2;
    } while (t < secs || *n < min_calls);
    (void)sink;
    return t;
}

#endif
