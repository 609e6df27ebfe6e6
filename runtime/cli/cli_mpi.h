/* cli_mpi.h - `mpirun -np R glassbox run ...`: the chains spread over MPI ranks.
 *
 * Rank r runs a contiguous share of the chains (several per rank when chains > ranks; none
 * when ranks > chains).  A chain's draws depend only on (seed, chain index) (run.h), so the
 * shares make the same draws as one process running every chain.  The ranks send each draw to
 * rank 0 as it is made; rank 0 writes it to the chain's file at once, so the draws gathered so
 * far survive a rank that fails or is killed, and it alone prints the summary.
 *
 * Two implementations behind this one interface, chosen by the build: cli_mpi.c with
 * `make MPI=1` (Open MPI's mpicc), cli_mpi_none.c otherwise.  Without MPI there is one process;
 * started by mpirun with several ranks it refuses to run rather than have every rank run every
 * chain into the same files. */
#ifndef GB_RUNTIME_CLI_CLI_MPI_H
#define GB_RUNTIME_CLI_CLI_MPI_H

#include "drawsout.h"
#include "run.h"
#include "status.h"

/* Joins the MPI job when mpirun started this process (MPI_Init), else does nothing.  Returns
 * GB_OK, or GB_EUSAGE (message in errs) when mpirun started several ranks of a build without
 * MPI.  Call once, before any thread starts; cli_mpi_end leaves the job. */
gb_status cli_mpi_begin(gb_errlist *errs);

/* This process's rank and the job's number of ranks (0 and 1 outside mpirun). */
int cli_mpi_rank(void);
int cli_mpi_size(void);

/* Every rank says whether it is ready to sample (ok 1) or failed before (0); returns 1 when all
 * are.  Every rank calls it exactly once per run before cli_mpi_run (a rank that failed calls it
 * with 0 on its way out), so no rank waits for one that will never sample.  1 outside MPI. */
int cli_mpi_agree(int ok);

/* --data-parallel (split_rows shares per rank, >= 1): from now on cli_mpi_run has every rank
 * run every chain, one after another, each rank evaluating its share of the likelihood's rows
 * (split.h) and the shares summed over the ranks in rank order, so all ranks hold the same
 * state; rank 0 writes the draws.  GB_EUSAGE (in errs) in a build without MPI. */
gb_status cli_mpi_data_parallel(int split_rows, gb_errlist *errs);

/* Runs the chains: with one rank gb_run itself; with several this rank's share, rank 0 writing
 * every rank's draws through w (gb_drawsout_row; NULL: no files) and returning all the draws in
 * *out, the other ranks the empty-or-partial draws of their share (they print nothing).  A rank
 * that ends without reporting (killed, crashed) is an error naming it, after rank 0 has the
 * draws gathered so far; GB_EINTERRUPT when a signal stopped the run.  cfg is borrowed; its
 * monitor is called on rank 0 as by gb_run. */
gb_status cli_mpi_run(const gb_model *m, const gb_run_config *cfg, gb_drawsout *w, gb_draws **out,
                      gb_errlist *errs);

/* Leaves the MPI job (MPI_Finalize) when cli_mpi_begin joined one; rc is this rank's exit code.
 * Returns rc. */
int cli_mpi_end(int rc);

#endif
