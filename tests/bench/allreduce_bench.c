/* allreduce_bench.c - what one MPI_Allreduce costs on this machine: the communication a
 * data-parallel gradient would add per evaluation (README's "Scaling to many machines").
 *
 *   mpicc -O2 -o allreduce_bench tests/bench/allreduce_bench.c
 *   mpirun -np R allreduce_bench [DOUBLES] [REPS] [gather]
 *
 * Sums DOUBLES (default 12: a logistic regression's gradient with K = 10, plus the log density)
 * over the ranks REPS times (default 20000, after 1000 untimed) and prints, from rank 0, one line:
 *
 *   allreduce ranks R doubles D bytes B us_per_allreduce T
 *
 * With `gather`, the sum is done as `run --data-parallel` does it (cli_mpi.c, dp_reduce): an
 * MPI_Iallgather waited for by polling MPI_Test, then the ranks' buffers added in rank order
 * (the line then starts `allgather`).
 *
 * A barrier before the timed loop lines the ranks up; the time is rank 0's wall clock over the
 * loop divided by REPS, so it is latency-bound for small D.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int d = argc > 1 ? atoi(argv[1]) : 12, reps = argc > 2 ? atoi(argv[2]) : 20000;
    if (d < 1 || reps < 1) {
        if (rank == 0)
            fprintf(stderr, "usage: allreduce_bench [DOUBLES >= 1] [REPS >= 1]\n");
        MPI_Finalize();
        return 2;
    }
    double *in = calloc((size_t)d, sizeof *in), *out = calloc((size_t)d, sizeof *out);
    if (!in || !out) {
        fprintf(stderr, "allreduce_bench: out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (int i = 0; i < d; i++)
        in[i] = rank + i;
    int gather = argc > 3 && strcmp(argv[3], "gather") == 0;
    double *all = calloc((size_t)d * (size_t)size, sizeof *all);
    if (!all)
        MPI_Abort(MPI_COMM_WORLD, 1);
    double t0 = 0;
    for (int r = -1000; r < reps; r++) {
        if (r == 0) {
            MPI_Barrier(MPI_COMM_WORLD);
            t0 = MPI_Wtime();
        }
        if (!gather) {
            MPI_Allreduce(in, out, d, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
            continue;
        }
        MPI_Request req;
        MPI_Iallgather(in, d, MPI_DOUBLE, all, d, MPI_DOUBLE, MPI_COMM_WORLD, &req);
        for (int done = 0; !done;)
            MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        for (int i = 0; i < d; i++) {
            out[i] = all[i];
            for (int k = 1; k < size; k++)
                out[i] += all[(size_t)k * (size_t)d + (size_t)i];
        }
    }
    double t = MPI_Wtime() - t0;
    /* the sum is checked, so the loop cannot be a no-op: sum over ranks of (rank + i) */
    double want = (double)size * (size - 1) / 2 + (double)size * (d - 1);
    if (out[d - 1] != want) {
        fprintf(stderr, "allreduce_bench: wrong sum %g, expected %g\n", out[d - 1], want);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (rank == 0)
        printf("%s ranks %d doubles %d bytes %zu us_per_allreduce %.3f\n",
               gather ? "allgather" : "allreduce", size, d,
               (size_t)d * sizeof(double), 1e6 * t / reps);
    free(in);
    free(out);
    free(all);
    MPI_Finalize();
    return 0;
}
