/* segmint.mpi_size, mpi_rank, mpi_read_csv: the Lua side of runs under
 * mpirun (lua/segmint/mpi.lua, core/mpi_comm.c, docs/mpi.md). */
#include "lsegmint.h"
#include "mpi.h"

/* segmint.mpi_size() -> the number of ranks (1 without mpirun) */
static int l_mpi_size(lua_State *L)
{
    lua_pushinteger(L, sg_mpi_size());
    return 1;
}

/* segmint.mpi_rank() -> this process's rank (0 without mpirun) */
static int l_mpi_rank(lua_State *L)
{
    lua_pushinteger(L, sg_mpi_rank());
    return 1;
}

/* segmint.mpi_read_csv(path [, opts]): read_csv with every rank reading a
 * part of the file; the same dataset and report. */
static int l_mpi_read_csv(lua_State *L)
{
    return sgl_read_csv_with(L, sg_mpi_csv_read);
}

static const luaL_Reg mpi_functions[] = {
    { "mpi_size", l_mpi_size }, { "mpi_rank", l_mpi_rank }, { "mpi_read_csv", l_mpi_read_csv }, { NULL, NULL }
};

void sgl_open_mpi(lua_State *L)
{
    luaL_setfuncs(L, mpi_functions, 0);
}
