/* The host under mpirun (lua/mpi_host.c, docs/mpi.md). */
#ifndef SG_MPI_HOST_H
#define SG_MPI_HOST_H

/* Call first in main.  Returns 0 when this process goes on with the
 * command (no mpirun, or rank 0), else 1 with *code the exit status: the
 * other ranks after serving rank 0 (its status), or any rank when the
 * command cannot run on several ranks. */
int sg_mpi_host_enter(int argc, char **argv, int *code);

#endif
