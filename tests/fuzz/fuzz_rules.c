/* Fuzz target: rule files and templates through the library, the way a
 * recipe's rules/NAME.lua and templates/NAME.lua reach it.  Byte 0 picks:
 *   even: the rest is a rule file, loaded as text in the rule sandbox
 *         (S.rule_env(): no io, os, load, require) under an instruction
 *         budget and a memory cap, registered for messages, linted as a
 *         segment, campaign, cluster and alert table, then used: segments
 *         assigned to a small customer table, a campaign plan made;
 *   odd:  the rest is a summary template, rendered with a context of
 *         values, lists and sections.
 * Errors are expected (that is what the linter is for); a crash, a
 * sanitizer report or an accounted byte left over is a finding.  A fresh
 * state per input keeps reproducers exact. */
#include "fuzz_lua.h"

static const char *const driver =
    "local sg, S, src, mode = ...\n"
    "local customers = sg.dataset {\n"
    "  { 'customer', { 'a', 'b', 'c', 'd', 'e' } },\n"
    "  { 'r_score', { 5, 4, 1, 2, 3 } }, { 'f_score', { 5, 1, 2, 3, 4 } },\n"
    "  { 'm_score', { 4, 5, 1, 1, 2 } },\n"
    "  { 'recency_days', { 5, 10, 120, 400, 95 } }, { 'frequency', { 12, 1, 3, 2, 7 } },\n"
    "  { 'monetary', { 900.0, 1500.0, 300.0, 80.0, 200.0 } },\n"
    "  { 'avg_basket', { 90.0, 150.0, 60.0, 40.0, 50.0 } },\n"
    "  { 'country', { 'France', 'UK', 'UK', nil, 'Spain' }, n = 5 },\n"
    "  { 'churn_probability', { 0.1, 0.9, 0.5, 0.7, 0.2 } },\n"
    "}\n"
    "if mode == 'rule' then\n"
    "  local chunk = load(src, '@rules/fuzz.lua', 't', S.rule_env())\n"
    "  if not chunk then return end\n"
    "  local ok, value = pcall(chunk, 'rules.fuzz', 'rules/fuzz.lua')\n"
    "  if not ok or value == nil then return end\n"
    "  sg._register_rule_source(value, 'rules/fuzz.lua', src)\n"
    "  for _, kind in ipairs { 'segments', 'campaigns', 'clusters', 'features' } do\n"
    "    pcall(sg.lint_rule_file, 'rules.' .. kind, value)\n"
    "  end\n"
    "  pcall(require('segmint.analysis').alert_rules, value)\n"
    "  local ok2, segs = pcall(sg.segments, value)\n"
    "  if ok2 then\n"
    "    local ok3, assigned = pcall(segs.assign, segs, customers)\n"
    "    if ok3 then pcall(segs.explain, segs, 'a') end\n"
    "  end\n"
    "  local ok4, camps = pcall(sg.campaigns, value)\n"
    "  if ok4 then\n"
    "    local with = customers:derive('segment', \"if(r_score >= 4, 'Champions', 'Others')\")\n"
    "    pcall(camps.plan, camps, with, {})\n"
    "  end\n"
    "else\n"
    "  local ctx = { name = 'shop', customers = '1,234', revenue = 56.5, flag = true, off = false,\n"
    "    empty = {}, segments = { { name = 'Champions', share = '12%' }, { name = 'Lost' } },\n"
    "    nested = { { items = { { v = 1 }, { v = 2 } } } } }\n"
    "  pcall(sg.report.render, src, ctx, 'fuzz template')\n"
    "end\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 16384)
        return 0;
    size_t base = sg_mem_used();
    lua_State *L = fuzz_lua_new();
    char err[512];
    fuzz_lua_run(L, driver, (const char *)data + 1, size - 1, data[0] & 1 ? "template" : "rule",
                 err, sizeof err);
    lua_close(L);
    FUZZ_CHECK(sg_mem_used() == base, "%zu accounted bytes not freed", sg_mem_used() - base);
    return 0;
}
