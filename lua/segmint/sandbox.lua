-- The sandbox the host runs recipes and rule files in.
--
-- Rule files get plain Lua (no io, os, load, require, print).  Recipes get
-- the segmint library, reads of the files they name, writes only under
-- the output directory (each file written to a temporary name and renamed
-- when closed, so a failed run never leaves half a file), a require that
-- loads rule files beside the recipe, and no os.execute, io.popen,
-- package.loadlib, debug, binary chunks or C modules.
local host = ...   -- { realpath = fn, tripped = fn, segmint = module }
local tr = require "segmint.messages"   -- messages in the recipe's language (--set lang=fr)

local S = {}
S.__index = S

local function copy(t, without)
  local c = {}
  for k, v in pairs(t) do
    if not (without and without[k]) then c[k] = v end
  end
  return c
end

local BASE = { "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber",
               "tostring", "type", "xpcall", "rawequal", "rawlen", "rawget", "rawset",
               "setmetatable", "getmetatable", "_VERSION" }

-- pcall/xpcall that do not swallow a tripped instruction budget
local function guarded_pcall(...)
  local r = table.pack(pcall(...))
  if host.tripped() then error(r[2], 0) end
  return table.unpack(r, 1, r.n)
end
-- The message handler is not called once the budget is spent: an error
-- raised inside a handler calls the handler again, with hooks off when the
-- error came from the budget's hook, so a looping handler would never stop.
local function guarded_xpcall(f, handler, ...)
  local h = handler
  if type(handler) == "function" then
    h = function(...)
      if host.tripped() then return (...) end
      return handler(...)
    end
  end
  local r = table.pack(xpcall(f, h, ...))
  if host.tripped() then error(r[2], 0) end
  return table.unpack(r, 1, r.n)
end

-- Finalizers run with debug hooks off, so the instruction budget could
-- not stop them: sandboxed code cannot install one.
local function safe_setmetatable(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("setmetatable: __gc finalizers are not allowed in recipes and rule files", 2)
  end
  return setmetatable(t, mt)
end

-- coroutine.resume/wrap/close catch errors like pcall: re-raise a tripped budget
local function guarded_coroutine()
  local co = copy(coroutine)
  function co.resume(...)
    local r = table.pack(coroutine.resume(...))
    if host.tripped() then error("instruction budget exceeded", 0) end
    return table.unpack(r, 1, r.n)
  end
  function co.wrap(f)
    local inner = coroutine.wrap(f)
    return function(...)
      local r = table.pack(pcall(inner, ...))
      if host.tripped() then error("instruction budget exceeded", 0) end
      if not r[1] then error(r[2], 0) end
      return table.unpack(r, 2, r.n)
    end
  end
  function co.close(c)
    local r = table.pack(coroutine.close(c))
    if host.tripped() then error("instruction budget exceeded", 0) end
    return table.unpack(r, 1, r.n)
  end
  return co
end

local function base_env()
  local env = {}
  for _, name in ipairs(BASE) do env[name] = _G[name] end
  env.pcall, env.xpcall = guarded_pcall, guarded_xpcall
  env.setmetatable = safe_setmetatable
  env.string = copy(string, { dump = true })
  env.table = copy(table)
  env.math = copy(math)
  env.utf8 = copy(utf8)
  env._G = env
  return env
end

-- Closest name among the keys of env, for "did you mean" hints.
local function closest(env, name)
  local known = {}
  for k in pairs(env) do if type(k) == "string" then known[#known + 1] = k end end
  table.sort(known)
  return host.segmint._suggest(name, known)
end

-- Makes env strict: reading a name that is not defined is an error naming
-- it (at the line that reads it), with the closest known name; with
-- no_assign, so is defining a new global.  In a rule file a bare word is
-- almost always a string without its quotes (m = high), which would
-- otherwise read as nil and silently widen a condition.
local WITHHELD = { io = true, os = true, package = true, debug = true, require = true, load = true,
  loadfile = true, dofile = true, print = true, collectgarbage = true }

-- With a sink (segmint check), an undefined name or a new global is
-- recorded there, "file:line: message", instead of raised: reading it gives
-- nil and the file loads on, so check lists every problem at once.  The
-- run then stops on the recorded errors (sandbox's check_rest, the
-- analysis's own check) before doing any work.
local function positioned(text)
  local info = _G.debug and _G.debug.getinfo(4, "Sl")   -- the rule file: positioned <- raise_or_record <- metamethod <- it
  if info and info.currentline and info.currentline > 0 then
    return string.format("%s:%d: %s", info.short_src, info.currentline, text)
  end
  return text
end

local function raise_or_record(sink, text)
  if not sink then error(text, 3) end
  local msg = positioned(text)
  if not sink.seen[msg] then
    sink.seen[msg] = true
    sink[#sink + 1] = msg
  end
end

local function strict(env, kind, no_assign, sink)
  return setmetatable(env, {
    __index = function(_, name)
      if WITHHELD[name] then
        error(tr.f("'%s' is not available in a %s%s", name, tr.w(kind),
          kind == "rule file" and tr.w(" (rule files hold data: no io, os, load, require or print)") or ""), 2)
      end
      local text = tr.f("'%s' is not defined in this %s", tostring(name), tr.w(kind))
      if type(name) == "string" and name:match("^[%a_][%w_]*$") then
        text = text .. tr.f('; if you meant the text, write "%s" (with quotes)', name)
        local hint = #name > 3 and closest(env, name)
        if hint then text = text .. tr.f(", or did you mean '%s'?", hint) end
      end
      raise_or_record(sink, text)
      return nil
    end,
    __newindex = no_assign and function(_, name)
      raise_or_record(sink, tr.f("cannot define the global '%s' in a %s: write 'local %s = ...'", tostring(name),
        tr.w(kind), tostring(name)))
    end or nil,
    __metatable = false,
  })
end

-- A rule file's environment: data and functions only, strict (sink: see strict).
function S.rule_env(sink)
  return strict(base_env(), "rule file", true, sink)
end

local function dirname(path)
  local d = path:match("^(.*)/[^/]*$")
  if d == nil then return "." end
  if d == "" then return "/" end
  return d
end

-- new{ out = real path of the output dir, recipe = path, params = {}, seed = n }
function S.new(opts)
  local self = setmetatable({}, S)
  self.out = opts.out
  self.recipe = opts.recipe
  self.recipe_dir = dirname(opts.recipe)
  self.params = opts.params or {}
  tr.use(self.params.lang)   -- French messages for --set lang=fr
  self.seed = opts.seed
  self.open_files = {}   -- staged path -> write handle, for files still open
  self.loaded = {}       -- rule modules already required
  self.loaded_paths = {} -- their files, in the order they were loaded
  self.argv = opts.argv or {}
  self.history = opts.history   -- --history FILE: written in place (SQLite's own transactions)
  -- segmint check: undefined names in rule files recorded, not raised (see strict)
  self.deferred = opts.checking and { seen = {} } or nil
  host.segmint._deferred_errors = function()
    local list = {}
    for i, m in ipairs(self.deferred or {}) do list[i] = m end
    if self.deferred then self.deferred = { seen = self.deferred.seen } end   -- each is reported once
    return list
  end
  self.started = os.time()
  -- what a manifest records about the run (segmint._run_info())
  host.segmint._run_info = function()
    local files = {}
    for i, p in ipairs(self.loaded_paths) do files[i] = p end
    local argv = {}
    for i, a in ipairs(self.argv) do argv[i] = a end
    return { recipe = self.recipe, files = files, argv = argv, started = self.started }
  end
  return self
end

-- The path to write `path` to, or an error when it is not under the
-- output directory.  In a run, every output goes to the run's staging
-- folder and is published with the others when the run succeeds
-- (core/outdir.h); links planted under the output directory are never
-- followed.  kind: "w" (default), "a" (append or update: works on a copy
-- of the current file) or "dir" (a folder, for segmint.generate).
function S:write_policy(path, kind)
  if type(path) ~= "string" or path == "" then
    error("output path must be a non-empty string", 3)
  end
  if self.history and (path == self.history or path == self.history .. "-journal" or
      path == self.history .. "-wal" or path == self.history .. "-shm") then
    return path
  end
  if not host.stage then
    error(string.format("writing '%s' is not allowed: this run has no output directory", path), 3)
  end
  local staged, err = host.stage(path, kind or "w")
  if not staged then error(err, 3) end
  return staged
end

-- The path to read `path` from: the staged copy when this run wrote it.
function S:read_path(path)
  return host.read_path(path)
end

-- A write handle over a file in the staging folder.  Its state lives in a
-- private table the recipe cannot reach or change, and its metatable is
-- locked.  One writer per file at a time.
local handles = setmetatable({}, { __mode = "k" })
local Writer = {}
local WriterMeta = { __index = Writer, __name = "segmint.output_file", __metatable = "segmint.output_file" }
local function state(w)
  local st = handles[w]
  if not st then error("bad argument #1 (output file expected)", 3) end
  return st
end
function Writer.write(w, ...)
  local st = state(w)
  if not st.f then error("attempt to use a closed file", 2) end
  local ok, err = st.f:write(...)
  if not ok then return nil, err end
  return w
end
function Writer.read(w, ...)
  local st = state(w)
  if not st.f then error("attempt to use a closed file", 2) end
  return st.f:read(...)
end
function Writer.lines(w, ...)
  local st = state(w)
  if not st.f then error("attempt to use a closed file", 2) end
  return st.f:lines(...)
end
function Writer.flush(w) local st = state(w); return st.f and st.f:flush() end
function Writer.seek(w, ...) local st = state(w); return st.f and st.f:seek(...) end
function Writer.setvbuf(w, ...) local st = state(w); return st.f and st.f:setvbuf(...) end
function Writer.close(w)
  local st = state(w)
  if not st.f then return true end
  local f = st.f
  st.f = nil
  st.box.open_files[st.staged] = nil
  return f:close()
end
WriterMeta.__close = Writer.close
WriterMeta.__gc = function(w) local st = handles[w]; if st and st.f then Writer.close(w) end end
WriterMeta.__tostring = function(w) return "output file (" .. state(w).path .. ")" end

local function out_stream(f)
  return setmetatable({}, { __index = {
    write = function(self, ...) f:write(...); return self end,
    flush = function() return f:flush() end,
  } })
end

function S:io()
  local box = self
  local sio = {}
  function sio.open(path, mode)
    mode = mode or "r"
    if type(path) ~= "string" then error("bad argument #1 to 'open' (string expected)", 2) end
    if type(mode) ~= "string" or not mode:match("^[rwa]%+?b?$") then
      error("bad argument #2 to 'open' (invalid mode '" .. tostring(mode) .. "')", 2)
    end
    if mode:sub(1, 1) == "r" and not mode:find("+", 1, true) then
      return io.open(box:read_path(path), mode)
    end
    local staged = box:write_policy(path, mode:sub(1, 1) == "w" and "w" or "a")
    if box.open_files[staged] then
      error(string.format("cannot open '%s' for writing: it is already open for writing in this run", path), 2)
    end
    local f, err = io.open(staged, mode)
    if not f then return nil, err end
    local w = setmetatable({}, WriterMeta)
    handles[w] = { f = f, staged = staged, path = path, box = box }
    box.open_files[staged] = w
    return w
  end
  function sio.lines(path, ...)
    if path == nil then error("io.lines needs a file name in recipes", 2) end
    return io.lines(box:read_path(path), ...)
  end
  function sio.write(...) io.stdout:write(...); return sio end
  sio.stdout = out_stream(io.stdout)
  sio.stderr = out_stream(io.stderr)
  return sio
end

-- Loads a rule file (or helper module) beside the recipe, in the rule sandbox.
function S:require(name)
  if name == "segmint" then return host.segmint end
  if type(name) ~= "string" or not name:match("^[%w_][%w_%.%-]*$") or name:find("..", 1, true) then
    error(string.format("require: '%s' is not a module name beside the recipe", tostring(name)), 2)
  end
  local cached = self.loaded[name]
  if cached ~= nil then return cached end
  local rel = name:gsub("%.", "/") .. ".lua"
  local path = (self.recipe_dir == "." and "" or self.recipe_dir .. "/") .. rel
  local f = io.open(path, "rb")
  if not f then
    error(string.format("require: no module '%s' (looked for %s; recipes can require \"segmint\" " ..
      "and Lua files beside the recipe; C modules are not allowed)", name, path), 2)
  end
  local src = f:read("a")
  f:close()
  if src:sub(1, 1) == "\27" then
    error(string.format("require: %s is a precompiled chunk; only Lua source is allowed", path), 2)
  end
  local chunk, err = load(src, "@" .. path, "t", S.rule_env(self.deferred))
  if not chunk then error(err, 0) end
  local value = chunk(name, path)
  if value == nil then value = true end
  host.segmint._register_rule_source(value, path, src)
  self.loaded[name] = value
  self.loaded_paths[#self.loaded_paths + 1] = path
  return value
end

-- For `segmint check`, after the recipe ran in check mode: lints the rule
-- files beside the recipe that it did not load (names: "rules.x" module
-- names), printing their errors (their warnings would be noise: a reference
-- table nobody uses).  Returns the number of errors and of files loaded.
function S:check_rest(names)
  local nerr, used = 0, #self.loaded_paths
  -- undefined names recorded in the rule files the recipe loaded, if the
  -- recipe did not report them itself (sg.analysis does)
  for _, e in ipairs(host.segmint._deferred_errors()) do
    io.write("error: ", e, "\n")
    nerr = nerr + 1
  end
  for _, name in ipairs(names) do
    if self.loaded[name] == nil then
      local ok, value = pcall(self.require, self, name)
      if host.tripped() then error(value, 0) end   -- a spent budget stops the check
      local errors
      if not ok then
        errors = { tostring(value) }
      else
        errors = host.segmint.lint_rule_file(name, value) or {}
      end
      for _, e in ipairs(errors) do
        io.write("error: ", e, tr.w(" (in a rule file this recipe does not use)"), "\n")
        nerr = nerr + 1
      end
      for _, e in ipairs(host.segmint._deferred_errors()) do
        io.write("error: ", e, tr.w(" (in a rule file this recipe does not use)"), "\n")
        nerr = nerr + 1
      end
    end
  end
  return nerr, used
end

-- load() for recipes: text chunks only, in the recipe's environment by default.
local function safe_load(env)
  return function(chunk, name, mode, chunk_env)
    if mode ~= nil and mode ~= "t" and mode ~= "bt" and mode ~= "b" then
      error("bad argument #3 to 'load' (invalid mode)", 2)
    end
    if type(chunk) == "string" and chunk:sub(1, 1) == "\27" then
      return nil, "binary chunks are not allowed in recipes"
    end
    return load(chunk, name, "t", chunk_env or env)
  end
end

local function safe_collectgarbage(opt, ...)
  opt = opt or "collect"
  if opt == "collect" or opt == "count" or opt == "step" then
    return collectgarbage(opt, ...)
  end
  error("collectgarbage('" .. tostring(opt) .. "') is not allowed in recipes", 2)
end

-- The environment a recipe runs in.
function S:recipe_env()
  local env = base_env()
  env.print = print
  env.coroutine = guarded_coroutine()
  env.io = self:io()
  env.os = { time = os.time, clock = os.clock, date = os.date, difftime = os.difftime }
  env.load = safe_load(env)
  env.collectgarbage = safe_collectgarbage
  env.require = function(name) return self:require(name) end
  env.segmint = host.segmint
  env.params = self.params
  env.out = self.out
  env.seed = self.seed
  env.recipe_dir = self.recipe_dir
  env.history = self.history or false
  host.segmint._history_path = self.history
  return strict(env, "recipe", false)
end

-- Closes the outputs the recipe left open, so they are complete when the
-- host publishes them (ok) or deletes the staging folder (not ok).
function S:finish(ok)
  local open = {}
  for staged, w in pairs(self.open_files) do open[#open + 1] = { staged = staged, w = w } end
  table.sort(open, function(a, b) return a.staged < b.staged end)
  for _, o in ipairs(open) do
    local st = handles[o.w]
    if st and st.f then
      local good, err = st.f:close()
      st.f = nil
      if ok and not good then error(string.format("cannot write '%s': %s", st.path, tostring(err)), 0) end
    end
  end
  self.open_files = {}
end

return S
