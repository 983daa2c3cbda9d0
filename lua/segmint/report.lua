-- Text templates and locale-aware number formatting for reports.
--
-- Templates use a small mustache-like syntax:
--   {{name}}                  a value (already formatted text, or a number)
--   {{#list}} ... {{/list}}   repeated for each item of a list (names inside refer to the item)
--   {{#flag}} ... {{/flag}}   shown when flag is true or a non-empty list
--   {{^flag}} ... {{/flag}}   shown when flag is false, nil or an empty list
local M = {}

-- Locales: how numbers, money and percentages are written.
M.locales = {
  en = { thousands = ",", decimal = ".", money = "{sign}{symbol}{number}", percent = "{number}%" },
  -- French: a narrow no-break space between thousands and before %, a
  -- no-break space before the currency (a line never breaks inside a figure)
  fr = { thousands = "\u{202F}", decimal = ",", money = "{sign}{number}\u{00A0}{symbol}", percent = "{number}\u{202F}%",
    typeset = true },
}

-- How dates are written: `date` for a day ("12 Mar 2024"), `long_date` in
-- running text ("12 March 2024"), `month` for a month ("Mar 2024"); the
-- placeholders are {d} (day without a leading zero), {dd}, {mm}, {yyyy},
-- {mon} and {month} (names from the lists).
M.locales.en.date, M.locales.en.long_date, M.locales.en.month = "{d} {mon} {yyyy}", "{d} {month} {yyyy}", "{mon} {yyyy}"
M.locales.en.months = { "January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December" }
M.locales.en.months_short = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" }
M.locales.fr.date, M.locales.fr.long_date, M.locales.fr.month = "{d} {mon} {yyyy}", "{d} {month} {yyyy}", "{mon} {yyyy}"
M.locales.fr.months = { "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
  "septembre", "octobre", "novembre", "décembre" }
M.locales.fr.months_short = { "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
  "sept.", "oct.", "nov.", "déc." }
-- French writes the first day of a month "1er" ({d} only); a colon after a
-- label ("label : value", a narrow no-break space before it in French);
-- "point" stays singular below 2 in French ("1,5 point"), in English only
-- for exactly 1.
M.locales.fr.first_day = "1er"
M.locales.en.colon, M.locales.fr.colon = ": ", "\u{202F}: "
M.locales.en.semicolon, M.locales.fr.semicolon = "; ", "\u{202F}; "
M.locales.en.point, M.locales.en.points = "point", "points"
M.locales.fr.point, M.locales.fr.points, M.locales.fr.singular_below = "point", "points", 2
-- The space between a figure and its unit ("1,8 pt", "90 jours"): a no-break
-- space in French, as before the currency; the sign of a negative figure:
-- the typographic minus U+2212 in French ("−1,8 pt"), the hyphen-minus in
-- English.  CSV files never hold them: their numbers are written by the
-- CSV writer, and the French text a CSV column holds (churn_reasons, a
-- campaign's assumptions) keeps the hyphen-minus (M.csv_locale).
M.locales.en.unit_space, M.locales.fr.unit_space = " ", "\u{00A0}"
M.locales.en.minus, M.locales.fr.minus = "-", "\u{2212}"

-- The units typeset() ties to the figure before them with loc.unit_space.
local UNITS = { "pt", "point", "points", "jour", "jours", "semaine", "semaines", "mois", "an", "ans", "fois" }
local UNIT_SET = {}
for _, u in ipairs(UNITS) do UNIT_SET[u] = true end

-- typeset(text, locale) -> text with French typography, for prose
-- (summary.md, the report's text and chart words), not for code or CSV:
--   - the plain space before : ; ? ! % and » and after « becomes a narrow
--     no-break space (U+202F), so that no line starts with the sign;
--   - the plain space between a figure and its unit (pt, points, jours,
--     mois, semaines, ans, fois) becomes a no-break space (U+00A0);
--   - a hyphen-minus before a figure, at the start or after a space, ( [ >
--     or |, becomes the minus sign U+2212 ("-1,8 pt" -> "−1,8 pt"; "2023-01"
--     and "e-mail" stay as they are);
--   - the straight apostrophe between two letters becomes ’ (U+2019),
--     also written as the HTML entity &#39; ("l'offre" -> "l’offre").
-- Code is left as it is: `code` in Markdown, <code>...</code> in HTML.
-- Text in other languages is returned as it is.
local function typeset_prose(text, loc)
  text = text:gsub(" ([:;?!])", "\u{202F}%1"):gsub(" \u{BB}", "\u{202F}\u{BB}"):gsub("\u{AB} ", "\u{AB}\u{202F}")
    :gsub("(%d) %%", "%1\u{202F}%%")   -- a percentage written in the template text ("100 %")
  -- a unit is a whole word: not followed by a letter, accented ones
  -- included (UTF-8 lead bytes 0xC3, 0xC5), but maybe by a no-break space
  local us = loc.unit_space or " "
  text = text:gsub("(%d) (%a+)()", function(d, w, after)
    local c = text:sub(after, after)
    if UNIT_SET[w] and not c:find("[%w\195\197]") then return d .. us .. w end
  end)
  local minus = loc.minus or "-"
  if minus ~= "-" then
    text = text:gsub("^%-(%d)", minus .. "%1"):gsub("([%s%(%[>|])%-(%d)", "%1" .. minus .. "%2")
      :gsub("\u{00A0}%-(%d)", "\u{00A0}" .. minus .. "%1"):gsub("\u{202F}%-(%d)", "\u{202F}" .. minus .. "%1")
  end
  text = text:gsub("([%a\128-\255])'([%a\128-\255])", "%1\u{2019}%2")
    :gsub("([%a\128-\255])&#39;([%a\128-\255])", "%1\u{2019}%2")
  return text
end

function M.typeset(text, loc)
  if not (loc and loc.typeset) then return text end
  local out, pos = {}, 1
  while true do
    local s, e = text:find("`[^`\n]*`", pos)
    local hs, he = text:find("<code>.-</code>", pos)
    if hs and (not s or hs < s) then s, e = hs, he end
    if not s then break end
    out[#out + 1] = typeset_prose(text:sub(pos, s - 1), loc)
    out[#out + 1] = text:sub(s, e)
    pos = e + 1
  end
  out[#out + 1] = typeset_prose(text:sub(pos), loc)
  return table.concat(out)
end

-- csv_locale(locale) -> the locale for text written into a CSV column: the
-- hyphen-minus for negative figures, whatever the language.
function M.csv_locale(loc)
  loc = loc or M.locales.en
  if (loc.minus or "-") == "-" then return loc end
  local copy = {}
  for k, v in pairs(loc) do copy[k] = v end
  copy.minus = "-"
  return copy
end

-- unit(text, unit, locale) -> "1,8 pt": a figure and its unit, joined by
-- the locale's unit space.
function M.unit(text, unit, loc)
  return text .. ((loc or M.locales.en).unit_space or " ") .. unit
end

-- Whether a count takes the plural in the locale's language: French keeps
-- the singular below 2 ("0 client", "1 client"), English only for 1.
function M.plural(n, loc)
  loc = loc or M.locales.en
  if loc.singular_below then return math.abs(n) >= loc.singular_below end
  return n ~= 1
end

-- points(x, decimals, locale [, signed]) -> "+1,0 point", "6.6 points": a
-- difference of percentages in points, x in points (not a share).
function M.points(x, decimals, loc, signed)
  if x == nil or x ~= x then return "n/a" end
  loc = loc or M.locales.en
  local body = M.number(x, decimals or 1, loc)
  if signed and x >= 0 then body = "+" .. body end
  local shown = math.abs(tonumber((M.number(x, decimals or 1, M.locales.en):gsub(",", ""))) or math.abs(x))
  local singular = not M.plural(shown, loc)
  return M.unit(body, singular and (loc.point or "point") or (loc.points or "points"), loc)
end

local function group_digits(int, sep)
  local out = int:reverse():gsub("(%d%d%d)", "%1\0"):reverse()
  out = out:gsub("^%z", ""):gsub("%z", sep)
  return out
end

-- number(x, decimals, locale) -> "1,234.57" / "1 234,57"
function M.number(x, decimals, loc)
  if x == nil or x ~= x then return "n/a" end
  loc = loc or M.locales.en
  decimals = decimals or 0
  local s = string.format("%." .. decimals .. "f", math.abs(x))
  local int, frac = s:match("^(%d+)%.?(%d*)$")
  local body = group_digits(int, loc.thousands)
  if frac ~= "" then body = body .. loc.decimal .. frac end
  if x < 0 and s:find("[1-9]") then body = (loc.minus or "-") .. body end
  return body
end

function M.money(x, symbol, loc, decimals)
  if x == nil or x ~= x then return "n/a" end
  loc = loc or M.locales.en
  local body = M.number(math.abs(x), decimals or 2, loc)
  local sign = (x < 0 and body:find("[1-9]")) and (loc.minus or "-") or ""
  return (loc.money:gsub("{(%w+)}", { sign = sign, symbol = symbol or "", number = body }))
end

-- as_shown(x, decimals [, scale]) -> x as a figure printed with `decimals`
-- (of x * scale: 100 for a percentage) reads, so that a change given
-- between two printed figures is their difference: 18.2% and 18.7% differ
-- by 0.5 pt, whatever the unrounded rates were.
function M.as_shown(x, decimals, scale)
  scale = scale or 1
  return tonumber(string.format("%." .. decimals .. "f", x * scale)) / scale
end

-- change_share(v, previous): the change as a share of the previous figure's
-- size (from -100 to -50 is +0.5), nil when previous is 0: kpis.csv's
-- change_share, the summary's KPI change and report.html's indicator cards.
function M.change_share(v, prev)
  if prev == 0 then return nil end
  return (v - prev) / math.abs(prev)
end

-- shown_change(v, previous, decimals_v, decimals_previous [, scale]): the
-- difference of the two figures as printed, itself rounded to the finer of
-- the two precisions (no 0.30000000000000004).
function M.shown_change(v, prev, dv, dp, scale)
  local d = M.as_shown(v, dv, scale) - M.as_shown(prev, dp, scale)
  return M.as_shown(d, math.max(dv, dp), scale)
end

function M.percent(share, loc, decimals)
  if share == nil or share ~= share then return "n/a" end
  loc = loc or M.locales.en
  return (loc.percent:gsub("{number}", M.number(share * 100, decimals or 1, loc)))
end

-- date("2024-03-12[ 10:00:00]", locale [, style]) -> "12 Mar 2024"; style is
-- "date" (default), "long_date" or "month".  Text that is not a date is
-- returned unchanged.
function M.date(s, loc, style)
  if s == nil then return "n/a" end
  loc = loc or M.locales.en
  local y, m, d = tostring(s):match("^(%d%d%d%d)-(%d%d)-(%d%d)")
  local mi = tonumber(m)
  if not y or mi < 1 or mi > 12 then return tostring(s) end
  local pattern = loc[style or "date"] or loc.date or "{yyyy}-{mm}-{dd}"
  local names = { d = (tonumber(d) == 1 and loc.first_day) or tostring(tonumber(d)), dd = d, mm = m, yyyy = y,
    mon = (loc.months_short or {})[mi] or m, month = (loc.months or {})[mi] or m }
  return (pattern:gsub("{(%w+)}", names))
end

local function lookup(stack, name)
  for i = #stack, 1, -1 do
    local ctx = stack[i]
    if type(ctx) == "table" then
      local v = ctx
      for part in name:gmatch("[^%.]+") do
        if type(v) ~= "table" then v = nil; break end
        v = v[part]
      end
      if v ~= nil then return v end
    end
  end
  return nil
end

local function truthy(v)
  if type(v) == "table" then return #v > 0 or next(v) ~= nil end
  return v ~= nil and v ~= false and v ~= "" and v ~= 0
end

-- Parses a template into a tree; errors name the template and the line.
local function parse(text, name)
  local root = { children = {} }
  local stack = { root }
  local pos = 1
  while true do
    local s, e, tag = text:find("{{%s*(.-)%s*}}", pos)
    local node = stack[#stack]
    if not s then
      node.children[#node.children + 1] = text:sub(pos)
      break
    end
    local kind, key = tag:sub(1, 1), tag:sub(2):match("^%s*(.-)%s*$")
    local before = text:sub(pos, s - 1)
    -- a section tag alone on its line takes the whole line with it
    if kind == "#" or kind == "^" or kind == "/" then
      local line_start = before:match("()[ \t]*$")
      local at_line_start = line_start == 1 and (pos == 1 or text:sub(pos - 1, pos - 1) == "\n")
        or before:sub(line_start - 1, line_start - 1) == "\n"
      local after = text:match("^[ \t]*\r?\n", e + 1)
      if at_line_start and (after or e == #text) then
        before = before:sub(1, line_start - 1)
        e = e + (after and #after or 0)
      end
    end
    node.children[#node.children + 1] = before
    local _, line = text:sub(1, s):gsub("\n", "")
    if kind == "#" or kind == "^" then
      local child = { section = key, invert = kind == "^", children = {}, line = line + 1 }
      node.children[#node.children + 1] = child
      stack[#stack + 1] = child
    elseif kind == "/" then
      if #stack == 1 or node.section ~= key then
        error(string.format("%s:%d: {{/%s}} closes %s", name, line + 1, key,
          node.section and ("{{#" .. node.section .. "}}") or "nothing"), 0)
      end
      stack[#stack] = nil
    else
      node.children[#node.children + 1] = { var = tag, line = line + 1 }
    end
    pos = e + 1
  end
  if #stack > 1 then
    error(string.format("%s:%d: {{#%s}} is never closed", name, stack[#stack].line, stack[#stack].section), 0)
  end
  return root
end

local function render_node(node, stack, out)
  for _, child in ipairs(node.children) do
    if type(child) == "string" then
      out[#out + 1] = child
    elseif child.var then
      local v
      if child.var == "." then v = stack[#stack] else v = lookup(stack, child.var) end
      if v == nil then error(string.format("template: no value for {{%s}}", child.var), 0) end
      out[#out + 1] = tostring(v)
    else
      local v = lookup(stack, child.section)
      if child.invert then
        if not truthy(v) then render_node(child, stack, out) end
      elseif type(v) == "table" and #v > 0 then
        for _, item in ipairs(v) do
          stack[#stack + 1] = item
          render_node(child, stack, out)
          stack[#stack] = nil
        end
      elseif truthy(v) then
        stack[#stack + 1] = v
        render_node(child, stack, out)
        stack[#stack] = nil
      end
    end
  end
end

-- The names a template uses that `schema` (see summary.lua's SCHEMA) does
-- not have, as messages "name:line: ..."; line_offset is the line of the
-- file where the template text starts.  Syntax errors are reported too.
function M.check(text, schema, name, line_offset)
  local rules = require "segmint.rules"
  local tr = require "segmint.messages"
  local offset = (line_offset or 1) - 1
  local ok, tree = pcall(parse, text, name or "template")
  if not ok then
    return { (tostring(tree):gsub("^(.-):(%d+):", function(n, l) return n .. ":" .. (tonumber(l) + offset) .. ":" end)) }
  end
  local problems = {}
  local function resolve(stack, key)
    for i = #stack, 1, -1 do
      local v = stack[i]
      for part in key:gmatch("[^%.]+") do
        if type(v) ~= "table" then v = nil; break end
        v = v[part]
      end
      if v ~= nil then return v end
    end
  end
  local function known(stack)
    local list, seen = {}, {}
    for i = #stack, 1, -1 do
      for k in pairs(stack[i]) do
        if k ~= "." and not seen[k] then seen[k] = true; list[#list + 1] = k end
      end
    end
    table.sort(list)
    return list
  end
  local function complain(key, line, stack, what)
    local hint = rules.suggest(key, known(stack))
    problems[#problems + 1] = tr.f("%s:%d: {{%s}} is not %s%s", name or "template", line + offset, key, what,
      tr.hint(hint))
  end
  local function walk(node, stack)
    for _, child in ipairs(node.children) do
      if type(child) == "table" and child.var then
        if child.var == "." then
          if not stack[#stack]["."] then complain(".", child.line, stack, tr.w("a list of values here")) end
        elseif resolve(stack, child.var) == nil then
          complain(child.var, child.line, stack, tr.w("a value the template can use"))
        end
      elseif type(child) == "table" then
        local v = resolve(stack, child.section)
        if v == nil then
          complain(child.section, child.line, stack, "a section the template can use")
          v = {}
        end
        stack[#stack + 1] = type(v) == "table" and v or {}
        walk(child, stack)
        stack[#stack] = nil
      end
    end
  end
  walk(tree, { schema })
  return problems
end

-- render(template_text, context [, name]) -> text
function M.render(text, ctx, name)
  local tree = parse(text, name or "template")
  local out = {}
  render_node(tree, { ctx }, out)
  return table.concat(out)
end

return M
