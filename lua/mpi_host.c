/* The host under mpirun (docs/mpi.md).  Every rank starts `segmint run
 * RECIPE ...`; rank 0 runs the recipe as one process would, and the other
 * ranks enter the service loop (core/mpi_comm.c): they do their share of
 * what rank 0 broadcasts (the distributed CSV read) and end with rank 0's
 * exit status, which rank 0 sends from an exit handler, so that every way
 * out of main reaches them.  A segmint built without MPI says so when
 * mpirun starts it on several ranks. */
#define _DEFAULT_SOURCE 1   /* on_exit: the handler gets the exit status */
#include "mpi_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "mpi.h"

enum { EXIT_RECIPE = 1, EXIT_USAGE = 2 };

/* The launcher's world size and this process's rank, from the environment
 * (OpenMPI's mpirun, and PMI launchers such as MPICH's or Slurm's); size 0
 * when not launched by one. */
static void launched(int *size, int *rank)
{
    static const char *const sizes[] = { "OMPI_COMM_WORLD_SIZE", "PMI_SIZE" };
    static const char *const ranks[] = { "OMPI_COMM_WORLD_RANK", "PMI_RANK" };
    *size = *rank = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        const char *s = getenv(sizes[k]);
        if (s && *s) {
            *size = atoi(s);
            const char *r = getenv(ranks[k]);
            *rank = r ? atoi(r) : 0;
            return;
        }
    }
}

/* The memory cap of a serving rank: its own command line's --max-memory
 * (megabytes; rank 0 checks the option's form), else the host's default
 * of 8192 MB, as rank 0 has. */
static size_t rank_memory_cap(int argc, char **argv)
{
    unsigned long long mb = 8192;
    for (int k = 2; k + 1 < argc; k++)
        if (!strcmp(argv[k], "--max-memory")) {
            char *end;
            unsigned long long v = strtoull(argv[k + 1], &end, 10);
            if (end != argv[k + 1] && !*end && v <= (1ULL << 40))
                mb = v;
        }
    return (size_t)mb << 20;
}

static void at_exit(int status, void *arg)
{
    (void)arg;
    sg_mpi_stop(status);
}

int sg_mpi_host_enter(int argc, char **argv, int *code)
{
    int size, rank;
    launched(&size, &rank);
    if (size <= 0)
        return 0;
    const char *cmd = argc > 1 ? argv[1] : "";
    int shared = !strcmp(cmd, "run") || !strcmp(cmd, "demo");
    if (!sg_mpi_built()) {
        if (size == 1)
            return 0;
        if (rank == 0)
            fprintf(stderr, "segmint: this segmint was built without MPI, so it cannot run on the %d ranks "
                            "mpirun started: rebuild it with MPI (scripts/deps installs libopenmpi-dev; "
                            "cmake -DSG_MPI=ON) or run it without mpirun\n", size);
        *code = EXIT_USAGE;
        return 1;
    }
    if (!shared) {
        if (size == 1)
            return 0;
        if (rank == 0)
            fprintf(stderr, "segmint: only 'run' and 'demo' use several MPI ranks; run '%s' without mpirun\n", cmd);
        *code = EXIT_USAGE;
        return 1;
    }
    sg_error err;
    if (sg_mpi_start(&argc, &argv, &err) != 0) {
        fprintf(stderr, "segmint: rank %d: %s\n", rank, err.msg);
        *code = EXIT_RECIPE;
        return 1;
    }
    if (sg_mpi_rank() != 0) {
        sg_mem_set_limit(rank_memory_cap(argc, argv));
        *code = sg_mpi_serve();
        return 1;
    }
    if (on_exit(at_exit, NULL) != 0) {
        fprintf(stderr, "segmint: cannot register the end of the MPI run\n");
        sg_mpi_stop(EXIT_RECIPE);
        *code = EXIT_RECIPE;
        return 1;
    }
    return 0;
}
