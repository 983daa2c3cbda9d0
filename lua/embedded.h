/* The Lua library files of lua/segmint/, embedded at build time
 * (cmake/embed_lua.c): each as source and compiled to bytecode. */
#ifndef SG_EMBEDDED_H
#define SG_EMBEDDED_H

#include <stddef.h>

typedef struct sg_embedded_file {
    const char *module;     /* "segmint.init", "segmint.sandbox", ... */
    const char *file;       /* "init.lua" */
    const char *source;
    size_t len;
    const char *bytecode;   /* compiled by the build's Lua, with debug information */
    size_t bclen;
} sg_embedded_file;

extern const sg_embedded_file sg_embedded_files[];

#endif
