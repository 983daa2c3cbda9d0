-- Checking a page layout of report.html before any data is read: every
-- section names a data function, every option is one the section knows,
-- and every {{placeholder}} is a value the section gives.  Messages name
-- the layout file and the line of the entry, option or placeholder when
-- the layout was loaded with require from the recipe's folder:
--
--   recipes/en/report.lua:31: report: section 7 'clv_distribution': {{monts}} is not a
--   value of this section (did you mean 'months'?; its values: mean, median, months, total)
--
-- A section's spec (report_sections.lua, M.spec) lists
--   values   the names its data function puts in the block's values
--   options  the entry fields of its own, name -> kind (KINDS below)
--   texts    the options that are texts with placeholders (revenue_reading,
--            labels.table_title ...), filled in like title, reading and note
-- and opts.page_values the names every section may use besides its own.
local rules = require "segmint.rules"
local report = require "segmint.report"

local M = {}

-- Fields every section entry may have; placeholders are filled in the first three.
M.COMMON = { "title", "reading", "note", "width", "height", "x_title", "y_title", "y2_title", "labels" }
M.FILLED = { title = true, reading = true, note = true }
-- Fields of the layout itself; placeholders in title and subtitle take the page's values.
M.TOP = { "title", "subtitle", "language", "sections", "strings" }

-- ---- where things are in the layout file ----

local function line_of(text, pos)
  local _, n = text:sub(1, pos):gsub("\n", "")
  return n + 1
end

-- The end of a long bracket opened at `i` ("[[", "[==["), or nil.
local function long_bracket(text, i)
  local eq = text:match("^%[(=*)%[", i)
  if not eq then return nil end
  local close = "]" .. eq .. "]"
  local e = text:find(close, i + #eq + 2, true)
  return e and (e + #close - 1) or #text
end

-- The table constructors of the file outside strings and comments:
-- { open = pos, close = pos, depth = n, parent = index }, in order.
local function tables_of(text)
  local list, stack = {}, {}
  local i, n = 1, #text
  while i <= n do
    local c = text:sub(i, i)
    if c == "-" and text:sub(i + 1, i + 1) == "-" then
      local e = long_bracket(text, i + 2)
      if e then i = e + 1 else
        local nl = text:find("\n", i, true)
        i = nl and nl + 1 or n + 1
      end
    elseif c == '"' or c == "'" then
      local j = i + 1
      while j <= n do
        local d = text:sub(j, j)
        if d == "\\" then j = j + 2
        elseif d == c or d == "\n" then break
        else j = j + 1 end
      end
      i = j + 1
    elseif c == "[" and text:match("^%[=*%[", i) then
      i = long_bracket(text, i) + 1
    elseif c == "{" then
      list[#list + 1] = { open = i, depth = #stack + 1, parent = stack[#stack] }
      stack[#stack + 1] = #list
      i = i + 1
    elseif c == "}" then
      local top = table.remove(stack)
      if top then list[top].close = i end
      i = i + 1
    else
      i = i + 1
    end
  end
  for _, t in ipairs(list) do t.close = t.close or n end
  return list
end

-- A locator for one layout table: where(i, field, needle) gives "path:line: "
-- for section entry i (nil: the layout itself), the field inside it and a
-- text after the field (a placeholder); "" when the layout has no file.
local function locator(layout)
  local src = rules.sources[layout]
  if not src then return function() return "" end end
  local text = src.text
  local body = text:find("return%s*{") or text:find("{") or 1
  local tabs = tables_of(text)
  local entries = {}
  -- the sections list: the table after "sections =" in the first table from `body`
  local spos = text:find("%f[%w_]sections%s*=%s*{", body)
  if spos then
    local open = text:find("{", spos, true)
    local at
    for k, t in ipairs(tabs) do if t.open == open then at = k end end
    if at then
      for k, t in ipairs(tabs) do
        if t.parent == at then entries[#entries + 1] = t end
      end
    end
  end
  return function(i, field, needle)
    local from, to = body, #text
    local e = i and entries[i]
    if e then from, to = e.open, e.close end
    local pos = from
    if field then
      local f = text:find("%f[%w_]" .. field:gsub("%p", "%%%0") .. "%s*=", from)
      if f and f <= to then pos = f end
    end
    if needle then
      local f = text:find(needle, pos, true)
      if f and f <= to then pos = f end
    end
    return string.format("%s:%d: ", src.path, line_of(text, pos))
  end
end

-- ---- the check ----

local function whole(v, lo, hi) return math.type(v) == "integer" and v >= lo and v <= hi end
local function all_of(v, kind)
  if type(v) ~= "table" then return false end
  for _, x in pairs(v) do if type(x) ~= kind then return false end end
  return true
end

-- The kinds of section options (M.spec's options: name -> kind).
local KINDS = {
  text = { what = "a text", ok = function(v) return type(v) == "string" end },
  name = { what = "a column name", ok = function(v) return type(v) == "string" end },
  names = { what = "a column name or a list of them", ok = function(v) return type(v) == "string" or all_of(v, "string") end },
  texts = { what = "a table of texts such as { key = \"words\" }", ok = function(v) return all_of(v, "string") end },
  numbers = { what = "a table of numbers such as { revenue = 500000 }", ok = function(v) return all_of(v, "number") end },
  boolean = { what = "true or false", ok = function(v) return type(v) == "boolean" end },
  count = { what = "a whole number from 1 to 1000", ok = function(v) return whole(v, 1, 1000) end },
  bins = { what = "a whole number from 2 to 200", ok = function(v) return whole(v, 2, 200) end },
  points = { what = "a whole number from 100 to 50000", ok = function(v) return whole(v, 100, 50000) end },
  share = { what = "a number above 0 and at most 1", ok = function(v) return type(v) == "number" and v > 0 and v <= 1 end },
}
M.KINDS = KINDS

-- keys in a stable order: numbers first, then texts, then anything else
local function sorted_keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  local rank = { number = 1, string = 2 }
  table.sort(out, function(a, b)
    local ra, rb = rank[type(a)] or 3, rank[type(b)] or 3
    if ra ~= rb then return ra < rb end
    if ra == 3 then return tostring(a) < tostring(b) end
    return a < b
  end)
  return out
end

local function hint(name, known)
  local h = type(name) == "string" and rules.suggest(name, known)
  return h and string.format(" (did you mean '%s'?)", h) or ""
end

-- The placeholder names of a text ({{name}}, {{#name}}, {{^name}}, {{/name}}),
-- or nil, message when the text does not parse.
local function placeholders(text)
  local ok, msg = pcall(report.render, text, setmetatable({}, { __index = function() return "" end }), "text")
  if not ok and not tostring(msg):match("no value for") then return nil, tostring(msg):gsub("^text:%d+: ", "") end
  local names, seen = {}, {}
  for tag in text:gmatch("{{%s*(.-)%s*}}") do
    if tag:sub(1, 1) ~= "/" then
      local name = tag:gsub("^[#^]%s*", "")
      if not seen[name] then seen[name] = true; names[#names + 1] = name end
    end
  end
  return names
end

-- check(layout, { data = functions, spec = specs, language = "en",
--   page_values = { names the page's title and subtitle may use },
--   block_types = { literal block types allowed in the layout } })
-- -> list of messages (empty when the layout is sound).
function M.check(layout, opts)
  opts = opts or {}
  local problems = {}
  local function add(fmt, ...) problems[#problems + 1] = string.format(fmt, ...) end
  if type(layout) ~= "table" then
    add("report: the page layout must be a table with 'sections' (such as require \"en.report\"), got %s",
      type(layout))
    return problems
  end
  local where = locator(layout)
  local data, spec = opts.data or {}, opts.spec or {}
  local names = sorted_keys(data)
  local top_known = {}
  for _, k in ipairs(M.TOP) do top_known[k] = true end
  for _, k in ipairs(sorted_keys(layout)) do
    if type(k) ~= "string" or not top_known[k] then
      add("%sreport: unknown layout field '%s'%s (fields: %s)", where(nil, tostring(k)), tostring(k),
        hint(k, M.TOP), table.concat(M.TOP, ", "))
    end
  end
  for _, k in ipairs { "title", "subtitle" } do
    local v = layout[k]
    if v ~= nil and type(v) ~= "string" then
      add("%sreport: the layout's '%s' must be a text", where(nil, k), k)
    elseif v and opts.page_values then
      local list, msg = placeholders(v)
      if not list then
        add("%sreport: the layout's %s: %s", where(nil, k), k, msg)
      else
        for _, p in ipairs(list) do
          if not opts.page_values[p] then
            local known = sorted_keys(opts.page_values)
            add("%sreport: the layout's %s: {{%s}} is not a value of the page%s (its values: %s)",
              where(nil, k, "{{"), k, p, hint(p, known), table.concat(known, ", "))
          end
        end
      end
    end
  end
  if layout.language ~= nil and opts.language and layout.language ~= opts.language then
    add("%sreport: the layout is written in '%s' but the analysis is in '%s'", where(nil, "language"),
      tostring(layout.language), opts.language)
  end
  if layout.strings ~= nil and type(layout.strings) ~= "table" then
    add("%sreport: the layout's 'strings' must be a table of texts", where(nil, "strings"))
  end
  local sections = layout.sections
  if type(sections) ~= "table" then
    add("%sreport: the layout needs 'sections', a list of section entries", where(nil, "sections"))
    return problems
  end
  local block_types = {}
  for _, t in ipairs(opts.block_types or {}) do block_types[t] = true end
  for i, entry in ipairs(sections) do
    local w = where(i)
    if type(entry) ~= "table" then
      add("%sreport: section %d must be a table such as { \"segments\", title = \"...\" }", w, i)
    elseif entry.type ~= nil then
      -- a literal block written in the layout
      local label = string.format("section %d (%s)", i, tostring(entry.type))
      if not block_types[entry.type] then
        local known = sorted_keys(block_types)
        add("%sreport: %s: a layout can hold blocks of type %s only; other blocks need data (name a section)%s",
          where(i, "type"), label, table.concat(known, ", "), hint(entry.type, known))
      end
      if type(entry.title) ~= "string" or entry.title == "" then add("%sreport: %s needs a title", w, label) end
    else
      local name = entry[1]
      if type(name) ~= "string" then
        add("%sreport: section %d needs a section name first, such as { \"segments\", title = \"...\" }", w, i)
      elseif type(data[name]) ~= "function" then
        add("%sreport: section %d '%s': no data function '%s'%s", w, i, name, name,
          hint(name, names) ~= "" and hint(name, names) or (" (sections: " .. table.concat(names, ", ") .. ")"))
      else
        local label = string.format("section %d '%s'", i, name)
        local sp = spec[name] or {}
        local known, filled = {}, {}
        for _, k in ipairs(M.COMMON) do known[k] = true end
        for k in pairs(sp.options or {}) do known[k] = true end
        for k in pairs(M.FILLED) do filled[k] = true end
        for _, k in ipairs(sp.texts or {}) do filled[k] = true end
        local values = {}
        for _, v in ipairs(sp.values or {}) do values[v] = true end
        for v in pairs(opts.page_values or {}) do values[v] = true end
        local value_list = sorted_keys(values)
        -- a text with placeholders: filled ones must name values; others have none
        local function text_field(path, v, field)
          if type(v) ~= "string" or not v:find("{{", 1, true) then return end
          if not filled[path] then
            add("%sreport: %s: '%s' is not filled in, so it cannot hold {{placeholders}} (only title, reading, "
              .. "note%s)", where(i, field, "{{"), label, path,
              sp.texts and #sp.texts > 0 and (" and " .. table.concat(sp.texts, ", ")) or "")
            return
          end
          local list, msg = placeholders(v)
          if not list then
            add("%sreport: %s: %s: %s", where(i, field, "{{"), label, path, msg)
            return
          end
          for _, p in ipairs(list) do
            if not values[p] then
              local own = {}
              for _, v in ipairs(sp.values or {}) do own[#own + 1] = v end
              table.sort(own)
              local page = sorted_keys(opts.page_values or {})
              add("%sreport: %s: {{%s}} is not a value of this section%s; its values: %s%s", where(i, field, "{{" .. p),
                label, p, hint(p, value_list), #own > 0 and table.concat(own, ", ") or "none",
                #page > 0 and ("; and the page's: " .. table.concat(page, ", ")) or "")
            end
          end
        end
        for _, k in ipairs(sorted_keys(entry)) do
          if k ~= 1 then
            local v = entry[k]
            if type(k) ~= "string" or not known[k] then
              local all = sorted_keys(known)
              add("%sreport: %s: unknown field '%s'%s", where(i, tostring(k)), label, tostring(k), hint(k, all))
            elseif k == "width" and v ~= "half" and v ~= "full" then
              add("%sreport: %s: width must be \"half\" or \"full\"", where(i, k), label)
            elseif k == "height" and (type(v) ~= "number" or v < 50 or v > 2000) then
              add("%sreport: %s: height must be a number of pixels from 50 to 2000", where(i, k), label)
            elseif k == "labels" and type(v) ~= "table" then
              add("%sreport: %s: labels must be a table such as { customers = \"customers\" }", where(i, k), label)
            elseif k == "labels" then
              for _, lk in ipairs(sorted_keys(v)) do
                if type(v[lk]) ~= "string" then
                  add("%sreport: %s: labels.%s must be a text", where(i, tostring(lk)), label, tostring(lk))
                else
                  text_field("labels." .. lk, v[lk], lk)
                end
              end
            elseif (M.FILLED[k] or k:match("_title$")) and type(v) ~= "string" then
              add("%sreport: %s: '%s' must be a text", where(i, k), label, k)
            elseif sp.options and sp.options[k] and not KINDS[sp.options[k]].ok(v) then
              add("%sreport: %s: '%s' must be %s", where(i, k), label, k, KINDS[sp.options[k]].what)
            elseif sp.options and sp.options[k] == "texts" then
              for _, tk in ipairs(sorted_keys(v)) do text_field(k .. "." .. tostring(tk), v[tk], tostring(tk)) end
            else
              text_field(k, v, k)
            end
          end
        end
      end
    end
  end
  return problems
end

return M
