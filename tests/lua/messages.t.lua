-- The rule checker's messages in French: every English format written in
-- the checker's files (through segmint.messages) has a French version in
-- lua/segmint/messages_fr.lua with the same values in the same order, and
-- no message is formatted around the helper.
local t = require("tap")(print)
local root = assert(params.root, "run with --set root=REPO")

local function read(path)
  local f = assert(io.open(root .. "/" .. path))
  local s = f:read("a")
  f:close()
  return s
end

local fr = assert(load(read("lua/segmint/messages_fr.lua"), "messages_fr.lua", "t", {}))()

-- The calls whose first text argument is a message format, per file.
local CALLS = {
  ["lua/segmint/analysis.lua"] = { "tr%.f%(", "tr%.w%(", "add%(problems%.errors,", "add%(problems%.warnings," },
  ["lua/segmint/ruleset.lua"] = { "tr%.f%(", "tr%.w%(", "add%(problems%.errors,", "add%(problems%.warnings," },
  ["lua/segmint/campaigns.lua"] = { "tr%.f%(", "tr%.w%(" },
  ["lua/segmint/segments.lua"] = { "tr%.f%(", "tr%.w%(" },
  ["lua/segmint/kpis.lua"] = { "tr%.f%(", "tr%.w%(", "err%(\"%w+\",", "err%(nil,", "err%(tostring%(f%)," },
  ["lua/segmint/clusters.lua"] = { "tr%.f%(", "tr%.w%(", "add%(" },
  ["lua/segmint/rules.lua"] = { "tr%.f%(", "tr%.w%(" },
  ["lua/segmint/report.lua"] = { "tr%.f%(", "tr%.w%(" },
  ["lua/segmint/pipeline.lua"] = { "fail%(problems,", "messages\"%)%.f%(" },
  ["lua/segmint/step_report.lua"] = { "tr%.f%(", "tr%.w%(", "add%(" },
  ["lua/segmint/sandbox.lua"] = { "tr%.f%(", "tr%.w%(" },
  ["lua/segmint/step_cross_sell.lua"] = { "tr%.f%(", "tr%.w%(" },
  ["lua/segmint/step_load.lua"] = { "tr%.f%(", "tr%.w%(" },
  ["lua/segmint/messages.lua"] = { "M%.f%(" },   -- (the hint itself)
}
-- words put into messages through a variable (sandbox.lua's strict(): the kind of file)
local DYNAMIC = { "rule file", "recipe" }

-- Forbidden: a message formatted without the helper.
local BYPASS = {
  { "errors%[#errors %+ 1%] = string%.format", "an error list filled with string.format" },
  { "problems%.errors%[#problems%.errors %+ 1%] = string%.format", "problems filled with string.format" },
  { "did you mean '\" %.%.", "a hand-built \"did you mean\" hint" },
  { "\" %(did you mean '%%s'%?%)\"", "a hand-built \"did you mean\" hint" },
}
local BYPASS_WARNINGS = { ["lua/segmint/segments.lua"] = true, ["lua/segmint/kpis.lua"] = true,
  ["lua/segmint/clusters.lua"] = true, ["lua/segmint/analysis.lua"] = true, ["lua/segmint/ruleset.lua"] = true }

-- The string literal at s[i] (a "..." or '...' text, with escapes), as
-- its value, and the position after it; nil when s[i] is no literal.
local function literal(s, i)
  local q = s:sub(i, i)
  if q ~= '"' and q ~= "'" then return nil end
  local j = i + 1
  while j <= #s do
    local c = s:sub(j, j)
    if c == "\\" then j = j + 2
    elseif c == q then break
    else j = j + 1 end
  end
  return assert(load("return " .. s:sub(i, j), "literal", "t", {}))(), j + 1
end

-- The format starting at s[i]: literals joined with .., or nil, why.
local function format_at(s, i)
  i = s:find("%S", i)
  local text, j = literal(s, i)
  if not text then return nil end
  while true do
    local k = s:find("%S", j)
    if s:sub(k, k + 1) ~= ".." then return text end
    local n = s:find("%S", k + 2)
    local more, after = literal(s, n)
    if not more then return nil, "joined with a value" end
    text, j = text .. more, after
  end
end

local function line_of(s, i)
  local _, n = s:sub(1, i):gsub("\n", "")
  return n + 1
end

local function specs(f)
  local out = {}
  for spec in f:gmatch("%%[-+ #0]*%d*%.?%d*[%a%%]") do out[#out + 1] = spec end
  return table.concat(out, " ")
end

local used, missing, bad_specs, built, count = {}, {}, {}, {}, 0
local files = {}
for path in pairs(CALLS) do files[#files + 1] = path end
table.sort(files)
for _, path in ipairs(files) do
  local src = read(path)
  for _, pat in ipairs(CALLS[path]) do
    local pos = 1
    while true do
      local _, e = src:find(pat, pos)
      if not e then break end
      pos = e + 1
      local f, why = format_at(src, e + 1)
      if why then built[#built + 1] = string.format("%s:%d", path, line_of(src, e)) end
      if f and not used[f] then
        used[f] = true
        count = count + 1
        if fr[f] == nil then
          missing[#missing + 1] = string.format("%s:%d: %q", path, line_of(src, e), f)
        elseif specs(fr[f]) ~= specs(f) then
          bad_specs[#bad_specs + 1] = string.format("%q -> %q", f, fr[f])
        end
      end
    end
  end
  for _, b in ipairs(path == "lua/segmint/messages.lua" and {} or BYPASS) do
    local at = src:find(b[1])
    t.ok(not at, string.format("%s: no %s", path, b[2]))
    if at then t.diag(string.format("%s:%d", path, line_of(src, at))) end
  end
  if BYPASS_WARNINGS[path] then
    local at = src:find("warnings%[#warnings %+ 1%] = string%.format")
    t.ok(not at, string.format("%s: no warning list filled with string.format", path))
  end
end
for _, w in ipairs(DYNAMIC) do
  if not used[w] then
    used[w] = true
    count = count + 1
    if fr[w] == nil then missing[#missing + 1] = string.format("(a kind of file) %q", w) end
  end
end

t.ok(count > 150, string.format("the checker's formats are found (%d)", count))
t.is(#missing, 0, "every English format has a French one")
for _, m in ipairs(missing) do t.diag(m) end
t.is(#bad_specs, 0, "each French format takes the same values in the same order")
for _, m in ipairs(bad_specs) do t.diag(m) end
t.is(#built, 0, "every format is one text (no value joined into it)")
for _, m in ipairs(built) do t.diag(m) end
local stale = {}
for k in pairs(fr) do if not used[k] then stale[#stale + 1] = k end end
table.sort(stale)
t.is(#stale, 0, "every French entry is used")
for _, m in ipairs(stale) do t.diag(string.format("%q", m)) end

-- French typography: a no-break or plain space before : ? ! ; and « » quotes
local typo = {}
for _, v in pairs(fr) do
  v = v:gsub("%%s:%%d: ", "")   -- (the file:line prefix)
  if v:find("[^%s\194\160][?!]") or v:find("[%w'\"»)][:;]%s") then typo[#typo + 1] = v end
end
table.sort(typo)
t.is(#typo, 0, "a space before : ; ? ! in the French formats")
for _, m in ipairs(typo) do t.diag(string.format("%q", m)) end

t.done()
