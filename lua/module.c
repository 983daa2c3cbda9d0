/* The loadable module for stock lua5.4: require "segmint". */
#include "lsegmint.h"

LUAMOD_API int luaopen_segmint(lua_State *L);

LUAMOD_API int luaopen_segmint(lua_State *L)
{
    return sg_open(L);
}
