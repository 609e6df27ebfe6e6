/* allreduce_bench.c - what one MPI_Allreduce costs on this machine: the communication a
 * data-parallel gradient would add per evaluation (README's "Scaling to many machines").
 *
 *   mpicc -O2 -o allreduce_bench tests/bench/allreduce_bench.c
 *   mpirun -np R allreduce_bench [DOUBLES] [REPS]
 *
 * Sums DOUBLES (default 12: a logistic regression's gradient with K = 10, plus the log density)
 * over the ranks REPS times (default 20000, after 1000 untimed) and prints, from rank 0, one line:
 *
 *   allreduce ranks R doubles D bytes B us_per_allreduce T
 *
 * A barrier before the timed loop lines the ranks up; the time is rank 0's wall clock over the
 * loop divided by REPS, so it is latency-bound for small D.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

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
    for (int r = 0; r < 1000; r++)
        MPI_Allreduce(in, out, d, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int r = 0; r < reps; r++)
        MPI_Allreduce(in, out, d, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    double t = MPI_Wtime() - t0;
    /* the sum is checked, so the loop cannot be a no-op: sum over ranks of (rank + i) */
    double want = (double)size * (size - 1) / 2 + (double)size * (d - 1);
    if (out[d - 1] != want) {
        fprintf(stderr, "allreduce_bench: wrong sum %g, expected %g\n", out[d - 1], want);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (rank == 0)
        printf("allreduce ranks %d doubles %d bytes %zu us_per_allreduce %.3f\n", size, d,
               (size_t)d * sizeof(double), 1e6 * t / reps);
    free(in);
    free(out);
    MPI_Finalize();
    return 0;
}
