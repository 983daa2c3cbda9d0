-- A tiny TAP producer for Lua tests run by the segmint host.  Rule-sandboxed
-- modules have no print, so the test passes its own:
--   local t = require("tap")(print)
return function(print)
  local t = { n = 0, failed = 0 }

  local function show(v)
    if type(v) == "string" then return string.format("%q", v) end
    return tostring(v)
  end

  function t.ok(cond, name)
    t.n = t.n + 1
    if not cond then t.failed = t.failed + 1 end
    print(string.format("%sok %d - %s", cond and "" or "not ", t.n, name or ""))
    return cond
  end

  function t.diag(msg) print("# " .. tostring(msg):gsub("\n", "\n# ")) end

  function t.is(got, want, name)
    local ok = got == want
    if not t.ok(ok, name) then t.diag("got " .. show(got) .. ", expected " .. show(want)) end
    return ok
  end

  function t.near(got, want, tol, name)
    local ok = type(got) == "number" and math.abs(got - want) <= tol
    if not t.ok(ok, name) then
      t.diag("got " .. show(got) .. ", expected " .. show(want) .. " within " .. tol)
    end
    return ok
  end

  function t.like(got, pattern, name)
    local ok = type(got) == "string" and got:find(pattern) ~= nil
    if not t.ok(ok, name) then t.diag("got " .. show(got) .. ", expected to match " .. show(pattern)) end
    return ok
  end

  -- the call raises an error whose message matches pattern
  function t.raises(fn, pattern, name)
    local ok, err = pcall(fn)
    if ok then
      t.ok(false, name)
      t.diag("no error raised")
      return false
    end
    return t.like(tostring(err), pattern, name)
  end

  function t.same(got, want, name)
    local function eq(a, b)
      if type(a) ~= "table" or type(b) ~= "table" then return a == b end
      for k, v in pairs(a) do if not eq(v, b[k]) then return false end end
      for k in pairs(b) do if a[k] == nil then return false end end
      return true
    end
    local function dump(v)
      if type(v) ~= "table" then return show(v) end
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
      local parts = {}
      for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. "=" .. dump(v[k]) end
      return "{" .. table.concat(parts, ", ") .. "}"
    end
    local ok = eq(got, want)
    if not t.ok(ok, name) then t.diag("got " .. dump(got) .. "\nexpected " .. dump(want)) end
    return ok
  end

  function t.skip_all(why)
    print("1..0 # SKIP " .. why)
    t.skipped = true
  end

  function t.done()
    if t.skipped then return end
    print("1.." .. t.n)
    if t.failed > 0 then error(string.format("%d of %d tests failed", t.failed, t.n), 0) end
  end

  return t
end
