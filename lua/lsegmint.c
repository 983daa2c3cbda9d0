#include "lsegmint.h"

int sg_open(lua_State *L)
{
    lua_newtable(L);
    return 1;
}
