/* The segmint Lua bindings: one l<module>.c per core module. */
#ifndef SG_LSEGMINT_H
#define SG_LSEGMINT_H

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

/* Builds the segmint module table on the stack (used by luaopen_segmint and the host). */
int sg_open(lua_State *L);
#endif
