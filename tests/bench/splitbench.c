/* splitbench.c - the data-parallel likelihood's gradient throughput (runtime/model/split.h):
 *
 *   build/bench/splitbench MODEL.gb DATA [SECONDS] [S]...
 *
 * Compiles the model as `glassbox run` does, drops every likelihood's summary of its data
 * (gb_model_drop_prepared: each gradient passes over all N rows), and evaluates the log density
 * and gradient at one fixed unconstrained point for about SECONDS (default 3) of wall time,
 * unsplit and then split into each S given (default 2).  Wall time, not CPU time: the split's
 * point is to spend more CPU per second.  One line each:
 *
 *   splitbench S ms_per_gradient speedup_vs_unsplit max_rel_grad_diff cpu_ms cpu_speedup
 *
 * max_rel_grad_diff is the largest |g_S - g| / (1 + |g|) against the unsplit gradient (the
 * summation order's last bits).  cpu_ms is the CPU time per gradient of the busiest share's
 * thread (the process's, unsplit): the split's critical path on idle cores, which the other
 * jobs of a shared machine do not stretch; cpu_speedup is the unsplit cpu_ms over it, the
 * speed-up idle cores would give less the threads' wake-ups (tens of microseconds). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "split.h"

typedef struct grad_call {
    const gb_model *m;
    gb_model_ws *ws;
    const double *th;
    double *g;
} grad_call;

static double one_grad(void *ctx)
{
    grad_call *c = ctx;
    return gb_model_logp(c->m, c->ws, c->th, c->g);
}

/* Milliseconds per gradient over about secs seconds of wall time (at least 3 evaluations); *n
 * the count. */
static double time_grad(const gb_model *m, gb_model_ws *ws, const double *th, double *g,
                        double secs, long *n)
{
    grad_call c = {m, ws, th, g};
    return 1e3 * bench_repeat(CLOCK_MONOTONIC, secs, 3, one_grad, &c, n) / (double)*n;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        bench_die("splitbench", "usage: splitbench MODEL.gb DATA [SECONDS] [S]...");
    double secs = argc > 3 ? atof(argv[3]) : 3.0;
    bench_model bm;
    bench_load("splitbench", argv[1], argv[2], &bm);
    gb_model *m = bm.m;
    if (gb_split_check(m, "splitbench", bm.errs) != GB_OK) {
        gb_errlist_print(bm.errs, bm.srcs, stderr);
        bench_die("splitbench", "model did not load");
    }
    gb_model_drop_prepared(m);
    size_t d = gb_model_dim(m);
    gb_model_ws *ws = gb_model_ws_new(m);
    double *th = calloc(d ? d : 1, sizeof *th), *g0 = calloc(d ? d : 1, sizeof *g0),
           *g1 = calloc(d ? d : 1, sizeof *g1);
    if (!ws || !th || !g0 || !g1)
        bench_die("splitbench", "out of memory");
    for (size_t k = 0; k < d; k++)
        th[k] = 0.1 * sin((double)k + 1);
    long n = 0;
    double c0 = bench_now(CLOCK_PROCESS_CPUTIME_ID), ms1 = time_grad(m, ws, th, g0, secs, &n);
    double cpu1 = 1e3 * (bench_now(CLOCK_PROCESS_CPUTIME_ID) - c0) / (double)n;
    printf("splitbench 1 %.3f 1.00 0 %.3f 1.00\n", ms1, cpu1);
    for (int a = 4; a < argc || a == 4; a++) {
        long s = a < argc ? atol(argv[a]) : 2;
        gb_split *sp = NULL;
        if (s < 1 || gb_split_new(m, (size_t)s, 0, (size_t)s, NULL, NULL, &sp) != GB_OK)
            bench_die("splitbench", "bad share count, or out of memory");
        gb_model_ws_set_split(ws, sp);
        double ms = time_grad(m, ws, th, g1, secs, &n), worst = 0, most = 0;
        double *cpu = calloc((size_t)s, sizeof *cpu);
        if (!cpu)
            bench_die("splitbench", "out of memory");
        gb_split_cpu_seconds(sp, cpu);
        for (long i = 0; i < s; i++)
            most = cpu[i] > most ? cpu[i] : most;
        most = 1e3 * most / (double)n;
        free(cpu);
        for (size_t k = 0; k < d; k++) {
            double r = fabs(g1[k] - g0[k]) / (1 + fabs(g0[k]));
            worst = r > worst ? r : worst;
        }
        printf("splitbench %ld %.3f %.2f %.3g %.3f %.2f\n", s, ms, ms1 / ms, worst, most,
               cpu1 / most);
        gb_model_ws_set_split(ws, NULL);
        gb_split_free(sp);
    }
    free(th);
    free(g0);
    free(g1);
    gb_model_ws_free(ws);
    bench_model_free(&bm);
    return 0;
}
