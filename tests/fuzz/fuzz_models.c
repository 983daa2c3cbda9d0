/* Fuzz target: model and k-means files (JSON), loaded through the
 * library as a recipe loads them (segmint.load_model, segmint.load_kmeans),
 * then used: a loaded model predicts, explains and ranks its features on a
 * small table with the columns the corpus models were trained on (x1, x2,
 * cat), and a loaded k-means model scales that table with its saved
 * scaling, predicts and assigns.  A refused file must give a message; a crash, a
 * sanitizer report or an accounted byte left over is a finding. */
#include "fuzz_lua.h"

static const char *const driver =
    "local sg, S, path = ...\n"
    "local ds = sg.dataset {\n"
    "  { 'x1', { 1.5, -2.0, 0.0, 1e300, 3.25 } }, { 'x2', { 1, 2, 3, 4, 5 } },\n"
    "  { 'cat', { 'a', 'b', nil, 'zz', 'a' }, n = 5 }, { 'y', { 1, 0, 1, 0, 1 } },\n"
    "}\n"
    "local m, msg = sg.load_model(path)\n"
    "if m then\n"
    "  tostring(m)\n"
    "  pcall(m.predict, m, ds)\n"
    "  pcall(m.importance, m)\n"
    "  pcall(m.reasons, m, ds, { top = 2 })\n"
    "else\n"
    "  assert(type(msg) == 'string' and #msg > 0, 'load_model refused a file without a message')\n"
    "end\n"
    "local km, kmsg = sg.load_kmeans(path)\n"
    "if km then\n"
    "  km:info()\n"
    "  pcall(km.centroids, km)\n"
    "  local ok, mx = pcall(km.matrix, km, ds)\n"
    "  if ok then\n"
    "    pcall(km.predict, km, mx)\n"
    "    pcall(km.assign, km, ds, mx)\n"
    "  end\n"
    "else\n"
    "  assert(type(kmsg) == 'string' and #kmsg > 0, 'load_kmeans refused a file without a message')\n"
    "end\n";


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 18))
        return 0;
    size_t base = sg_mem_used();
    const char *path = fuzz_file(data, size, ".json");
    lua_State *L = fuzz_lua_new();
    char err[512];
    int rc = fuzz_lua_run(L, driver, path, strlen(path), NULL, err, sizeof err);
    lua_close(L);
    FUZZ_CHECK(rc == LUA_OK || strstr(err, "budget") || strstr(err, "not enough memory"),
               "%s", err);
    FUZZ_CHECK(sg_mem_used() == base, "%zu accounted bytes not freed", sg_mem_used() - base);
    return 0;
}
