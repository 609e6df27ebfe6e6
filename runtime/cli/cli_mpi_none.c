/* cli_mpi_none.c - cli_mpi.h in a build without MPI (the default): one process runs every
 * chain.  Started by mpirun with several ranks, it refuses (each rank would run every chain
 * into the same files) and says how to build the MPI version. */
#include "cli_mpi.h"

#include <stdlib.h>

/* The launcher's size of the job, from the variables Open MPI (and PMI launchers) set. */
static int launcher_size(void)
{
    const char *names[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        if (v && atoi(v) > 1)
            return atoi(v);
    }
    return 1;
}

gb_status cli_mpi_begin(gb_errlist *errs)
{
    int n = launcher_size();
    if (n == 1)
        return GB_OK;
    gb_error(errs, GB_EUSAGE, (gb_loc){0},
             "started by mpirun with %d ranks, but this glassbox was built without MPI", n);
    gb_error_hint(errs, "build it with `make MPI=1` (needs libopenmpi-dev), or run it without "
                        "mpirun");
    return GB_EUSAGE;
}

int cli_mpi_rank(void)
{
    return 0;
}

int cli_mpi_size(void)
{
    return 1;
}

int cli_mpi_agree(int ok)
{
    return ok;
}

gb_status cli_mpi_data_parallel(int split_rows, gb_errlist *errs)
{
    (void)split_rows;
    gb_error(errs, GB_EUSAGE, (gb_loc){0},
             "--data-parallel splits the likelihood over MPI ranks, but this glassbox was built "
             "without MPI");
    gb_error_hint(errs, "build it with `make MPI=1` and start it with mpirun; within one process, "
                        "--split-rows S splits the rows over S threads");
    return GB_EUSAGE;
}

gb_status cli_mpi_run(const gb_model *m, const gb_run_config *cfg, gb_drawsout *w, gb_draws **out,
                      gb_errlist *errs)
{
    return gb_run(m, cfg, w ? gb_drawsout_row : NULL, w, out, errs);
}

int cli_mpi_end(int rc)
{
    return rc;
}
