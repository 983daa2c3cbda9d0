-- sg.report{...}: one self-contained HTML page (report.html) with KPI
-- cards, charts and tables.  Every script, style and datum is inline: the
-- page opens offline and as an e-mail attachment, and a Content Security
-- Policy forbids it any network request.  Charts are drawn by Chart.js,
-- read from Debian's libjs-chart.js when the page is written.
--
--   sg.report {
--     path = out .. "/report.html",          -- written atomically (optional)
--     title = "Customer analysis", subtitle = "...", language = "fr", currency = "€",
--     sections = {                           -- blocks, or entries naming a data function
--       { type = "bar", title = "Revenue per segment", reading = "...", data = ds,
--         x = "segment", y = "revenue", format = "money" },
--       { "segments", title = "Customers per segment" },     -- data.segments(context, entry)
--     },
--     data = { segments = function(context, entry) return block end },
--     context = anything the data functions need,
--     values = { period = "2024" },          -- {{names}} every block and the title may use
--   }
--
-- Returns the page's text and { bytes, blocks, charts }.
local report = require "segmint.report"
local rules = require "segmint.rules"
local blocks = require "segmint.html_blocks"
local assets = require "segmint.html_assets"

local M = {}

M.default_chartjs = "/usr/share/javascript/chart.js/chart.min.js"

-- Words of the page itself, per language (override with opts.strings).
M.strings = {
  en = {
    generated = "Generated on {{date}}", contents = "Contents", target = "Target:", since_last = "since the last run",
    points = "pt",
    no_data = "No data for this section.", rows_shown = "First {{shown}} of {{total}} rows.",
    sampled = "A random sample of {{shown}} of {{total}} points.",
    thinned = "{{shown}} evenly spaced points of {{total}}.", other = "other", count = "count",
    yes = "yes", no = "no", and_above = "{{value}} and above", diagonal = "perfect agreement",
    status = { good = "target met", warn = "target missed by less than 10%", bad = "target missed" },
    footer = "Made with segmint {{version}}. Charts drawn by Chart.js {{chartjs}} (MIT licence), included in this page.",
    chart_failed = "This chart could not be drawn: ",
  },
  fr = {
    generated = "Généré le {{date}}", contents = "Sommaire", target = "Objectif :", since_last = "depuis l’analyse précédente",
    points = "pt",
    no_data = "Pas de données pour cette section.", rows_shown = "{{shown}} premières lignes sur {{total}}.",
    sampled = "Échantillon aléatoire de {{shown}} points sur {{total}}.",
    thinned = "{{shown}} points régulièrement espacés sur {{total}}.", other = "autres", count = "effectif",
    yes = "oui", no = "non", and_above = "{{value}} et plus", diagonal = "accord parfait",
    status = { good = "objectif atteint", warn = "objectif manqué de moins de 10 %", bad = "objectif manqué" },
    footer = "Produit par segmint {{version}}. Graphiques tracés par Chart.js {{chartjs}} (licence MIT), inclus dans cette page.",
    chart_failed = "Ce graphique n’a pas pu être tracé : ",
  },
}

-- colour-blind-friendly categorical palette (Tableau 10)
M.palette = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
  "#9c755f", "#bab0ac" }

local BLOCK_TYPES = { "text", "kpis", "bar", "stacked_bar", "line", "scatter", "histogram", "heatmap", "table" }

local chartjs_cache = {}

-- Chart.js's source, ready to inline: from `path`, else $SEGMINT_CHARTJS,
-- else Debian's libjs-chart.js.  The scheme of the addresses in its licence
-- comments is dropped, so the page holds no http(s) reference at all.
-- Returns text, version.
function M.chartjs(path)
  path = path or os.getenv("SEGMINT_CHARTJS")
  if path == "" then path = nil end
  local from_env = path ~= nil
  path = path or M.default_chartjs
  local hit = chartjs_cache[path]
  if hit then return hit.text, hit.version end
  local f = io.open(path, "rb")
  if not f then
    if from_env then
      error(string.format("report: cannot read Chart.js at %s (from SEGMINT_CHARTJS or the chartjs option)", path), 0)
    end
    error(string.format("report: Chart.js is missing (%s): install Debian's libjs-chart.js package " ..
      "(scripts/deps, or apt-get install libjs-chart.js), or set SEGMINT_CHARTJS to another copy of chart.min.js",
      path), 0)
  end
  local text = f:read("a")
  f:close()
  local version = text:sub(1, 400):match("Chart%.js v(%d+%.%d+%.%d+)")
  if not version then
    error(string.format("report: %s does not look like a Chart.js build (no 'Chart.js vX.Y.Z' banner)", path), 0)
  end
  local major = tonumber(version:match("^(%d+)"))
  if major < 3 or major > 4 then
    error(string.format("report: %s is Chart.js %s; the page needs version 3 or 4", path, version), 0)
  end
  if text:lower():find("</script", 1, true) or text:find("<!--", 1, true) then
    error(string.format("report: %s holds '</script' or '<!--' and cannot be inlined safely", path), 0)
  end
  text = text:gsub("/%*!.-%*/", function(c) return (c:gsub("https?://", "")) end)
  chartjs_cache[path] = { text = text, version = version }
  return text, version
end

-- JSON safe inside a <script> element: < > & and the line separators
-- U+2028, U+2029 appear only inside strings, where \u escapes mean the same.
local function script_json(sg, v)
  local j = sg.json_encode(v, true)
  return (j:gsub("[<>&]", { ["<"] = "\\u003c", [">"] = "\\u003e", ["&"] = "\\u0026" })
    :gsub("\226\128\168", "\\u2028"):gsub("\226\128\169", "\\u2029"))
end
M.script_json = script_json

-- The day the page is generated: opts.generated, SOURCE_DATE_EPOCH, or today (UTC).
local function generated_date(opts)
  if opts.generated then return opts.generated end
  local epoch = tonumber(os.getenv("SOURCE_DATE_EPOCH") or "")
  return os.date("!%Y-%m-%d", epoch and math.floor(epoch) or nil)
end

local function merge(a, b)
  local out = {}
  for k, v in pairs(a) do out[k] = v end
  for k, v in pairs(b or {}) do
    if type(v) == "table" and type(out[k]) == "table" then out[k] = merge(out[k], v) else out[k] = v end
  end
  return out
end

local function locate(template, sections, i, entry)
  local src = template or sections
  if rules.sources[src] then
    local name = type(entry) == "table" and type(entry[1]) == "string" and entry[1] or nil
    return rules.where(src, i, name)
  end
  return ""
end

-- The blocks of the page: literal blocks as they are, entries naming a
-- data function through it (nil: the section is left out, e.g. no history).
local function resolve(opts, env)
  local sections = opts.sections
  if type(sections) ~= "table" then error("report: 'sections' must be a list of blocks or section entries", 0) end
  local data = opts.data or {}
  local names = {}
  for k in pairs(data) do names[#names + 1] = k end
  table.sort(names)
  local out = {}
  for i, entry in ipairs(sections) do
    local where = locate(opts.template, sections, i, entry)
    if type(entry) ~= "table" then
      error(string.format("%sreport: section %d must be a table", where, i), 0)
    end
    local label = string.format("section %d", i)
    local produced
    if entry.type ~= nil then
      produced = { entry }
    else
      local name = entry[1] or entry.data
      if type(name) ~= "string" then
        error(string.format("%sreport: %s needs a 'type' (a block) or a data function name", where, label), 0)
      end
      label = string.format("section %d '%s'", i, name)
      local fn = data[name]
      if type(fn) ~= "function" then
        local hint = rules.suggest(name, names)
        error(string.format("%sreport: %s: no data function '%s'%s", where, label, name,
          hint and (" (did you mean '" .. hint .. "'?)") or (#names > 0 and (" (known: " .. table.concat(names, ", ") .. ")") or "")), 0)
      end
      local r = fn(opts.context, entry, env.api)
      if r == nil or r == false then
        produced = {}
      elseif type(r) ~= "table" then
        error(string.format("%sreport: %s: the data function returned a %s, not a block", where, label, type(r)), 0)
      elseif r.type ~= nil then
        produced = { r }
      else
        produced = r
      end
      for k, b in ipairs(produced) do
        local copy = {}
        for key, v in pairs(b) do copy[key] = v end
        -- the template's words win over the data function's defaults
        -- (except the words the data function chose itself: keep = { "reading" })
        if k == 1 then
          local keep = {}
          for _, key in ipairs(type(b.keep) == "table" and b.keep or {}) do keep[key] = true end
          for _, key in ipairs { "title", "reading", "note", "width", "height", "x_title", "y_title", "y2_title", "labels" } do
            if entry[key] ~= nil and not keep[key] then copy[key] = entry[key] end
          end
        end
        copy.keep = nil
        produced[k] = copy
      end
    end
    for _, b in ipairs(produced) do
      -- {{placeholders}} in the words take the block's values, else the page's
      local values = b.values or {}
      if opts.values then
        values = {}
        for k, v in pairs(opts.values) do values[k] = v end
        for k, v in pairs(b.values or {}) do values[k] = v end
      end
      for _, key in ipairs { "title", "reading", "note" } do
        if type(b[key]) == "string" and b[key]:find("{{", 1, true) then
          local ok, text = pcall(report.render, b[key], values, key)
          if not ok then error(string.format("%sreport: %s: %s", where, label, text), 0) end
          b[key] = text
        end
      end
      out[#out + 1] = { block = b, where = where, label = label }
    end
  end
  return out
end

local function render_block(b, env, n)
  local kind = b.type
  local builder = blocks[kind]
  if type(kind) ~= "string" or type(builder) ~= "function" or kind == "frame" then
    local hint = type(kind) == "string" and rules.suggest(kind, BLOCK_TYPES)
    error(string.format("%sreport: %s: unknown block type '%s'%s (types: %s)", env.where, env.label, tostring(kind),
      hint and (" (did you mean '" .. hint .. "'?)") or "", table.concat(BLOCK_TYPES, ", ")), 0)
  end
  if type(b.title) ~= "string" or b.title == "" then
    error(string.format("%sreport: %s (%s) needs a title", env.where, env.label, kind), 0)
  end
  if b.data == nil and kind ~= "text" and kind ~= "kpis" then
    error(string.format("%sreport: %s '%s' (%s) needs data (a dataset or a Lua table)", env.where, env.label, b.title, kind), 0)
  end
  env.where = string.format("%sreport: %s '%s' (%s): ", env.where, env.label, b.title, kind)
  local r = builder(b, env)
  local id = string.format("s%d", n)
  local parts = { string.format('<section class="block%s" id="%s"><h2>%s</h2>', b.width == "half" and " half" or "",
    id, blocks.esc(b.title)) }
  if b.reading and b.reading ~= "" then
    parts[#parts + 1] = '<p class="reading">' .. blocks.esc(b.reading) .. "</p>"
  end
  if r.chart then
    local cid = string.format("c%03d", n)
    local height = tonumber(b.height) or (r.chart.type == "scatter" and 380 or 320)
    parts[#parts + 1] = string.format('<div class="chart" style="height:%dpx"><canvas id="%s" role="img" aria-label="%s"></canvas></div>',
      math.floor(height), cid, blocks.esc(b.title))
    r.chart.height = nil
    env.charts[cid] = r.chart
    local s = env.strings
    if r.chart.sampled then
      parts[#parts + 1] = '<p class="note">' .. blocks.esc(report.render(s.sampled, {
        shown = report.number(r.chart.sampled.shown, 0, env.loc), total = report.number(r.chart.sampled.total, 0, env.loc) })) .. "</p>"
    elseif r.chart.thinned then
      parts[#parts + 1] = '<p class="note">' .. blocks.esc(report.render(s.thinned, {
        shown = report.number(r.chart.thinned.shown, 0, env.loc), total = report.number(r.chart.thinned.total, 0, env.loc) })) .. "</p>"
    end
  else
    parts[#parts + 1] = r.html
  end
  if b.note and b.note ~= "" then parts[#parts + 1] = '<p class="note">' .. blocks.esc(b.note) .. "</p>" end
  parts[#parts + 1] = "</section>"
  return table.concat(parts), id
end

-- The words of the charts (labels, series names, axis titles) with the
-- page's typography, as the text of the page: every string of the spec,
-- in a copy (a spec may share tables with the caller's data).
local function typeset_chart(v, loc)
  if type(v) == "string" then return report.typeset(v, loc) end
  if type(v) ~= "table" then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = typeset_chart(x, loc) end
  return setmetatable(out, getmetatable(v))
end

-- Builds the page; returns its text and a summary.
function M.build(sg, opts)
  if type(opts) ~= "table" then error("report: expects a table of options", 2) end
  local tpl = opts.template or {}
  if type(tpl) ~= "table" then error("report: 'template' must be a table (a page layout)", 0) end
  local o = {}
  for k, v in pairs(tpl) do o[k] = v end
  for k, v in pairs(opts) do o[k] = v end
  o.template = opts.template
  local lang = o.language or "en"
  local loc = report.locales[lang]
  local base_strings = M.strings[lang]
  if not loc or not base_strings then
    error(string.format("report: language '%s' is not known (en, fr)", tostring(lang)), 0)
  end
  if o.locale then loc = merge(loc, o.locale) end
  local env = {
    sg = sg, loc = loc, currency = o.currency or "", strings = merge(base_strings, o.strings),
    seed = o.seed or 42, charts = {},
  }
  env.api = { sg = sg, report = report, locale = loc, currency = env.currency, language = lang,
    money = function(x, d) return report.money(x, env.currency, loc, d) end,
    number = function(x, d) return report.number(x, d, loc) end,
    percent = function(x, d) return report.percent(x, loc, d) end,
    date = function(s, style) return report.date(s, loc, style) end }
  local chartjs, chartjs_version = M.chartjs(o.chartjs)
  if o.values ~= nil and type(o.values) ~= "table" then error("report: 'values' must be a table", 0) end
  -- the page's values in its title and subtitle
  local function words(text, key)
    if type(text) ~= "string" or not text:find("{{", 1, true) then return text end
    local ok, r = pcall(report.render, text, o.values or {}, key)
    if not ok then error(string.format("report: the page's %s: %s", key, r), 0) end
    return r
  end
  local title = words(o.title, "title") or "Report"
  o.subtitle = words(o.subtitle, "subtitle")
  local list = resolve(o, env)
  local body, toc = {}, {}
  for n, item in ipairs(list) do
    env.where, env.label = item.where, item.label
    local html, id = render_block(item.block, env, n)
    body[#body + 1] = html
    toc[#toc + 1] = string.format('<a href="#%s">%s</a>', id, blocks.esc(item.block.title))
  end
  -- French spacing in the page's text (the markup has no space before : ; ? !)
  for i = 1, #body do body[i] = report.typeset(body[i], loc) end
  for i = 1, #toc do toc[i] = report.typeset(toc[i], loc) end
  title = report.typeset(title, loc)
  if loc.typeset then
    for id, chart in pairs(env.charts) do env.charts[id] = typeset_chart(chart, loc) end
  end
  local s = env.strings
  local date = report.date(generated_date(o), loc, "long_date")
  local sub = report.render(s.generated, { date = date })
  if o.subtitle then sub = o.subtitle .. " · " .. sub end
  sub = report.typeset(sub, loc)
  local payload = { locale = { thousands = loc.thousands, decimal = loc.decimal, money = loc.money,
      percent = loc.percent, currency = env.currency, minus = loc.minus or "-", colon = loc.colon or ": ",
      semicolon = loc.semicolon or "; " },
    palette = M.palette, charts = env.charts,
    strings = { no_data = s.no_data, chart_failed = s.chart_failed, diagonal = s.diagonal } }
  local nchart = 0
  for _ in pairs(env.charts) do nchart = nchart + 1 end
  local page = table.concat({
    "<!DOCTYPE html>\n<html lang=\"", blocks.esc(lang), "\">\n<head>\n<meta charset=\"utf-8\">\n",
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; ",
    "style-src 'unsafe-inline'; img-src data:; font-src data:\">\n",
    "<meta name=\"generator\" content=\"segmint ", blocks.esc(sg.version or ""), "\">\n",
    "<title>", blocks.esc(title), "</title>\n<style>", assets.css, "</style>\n",
    "<script>", assets.trap, "</script>\n",
    "<script>\n", chartjs, "\n</script>\n</head>\n<body>\n",
    "<header><h1>", blocks.esc(title), "</h1><p>", blocks.esc(sub), "</p></header>\n",
    "<nav aria-label=\"", blocks.esc(s.contents), "\">", table.concat(toc), "</nav>\n",
    "<main>\n", table.concat(body, "\n"), "\n</main>\n",
    "<footer>", blocks.esc(report.render(s.footer, { version = sg.version or "", chartjs = chartjs_version })), "</footer>\n",
    "<pre id=\"sg-status\"></pre>\n",
    "<script type=\"application/json\" id=\"sg-data\">", script_json(sg, payload), "</script>\n",
    "<script>", assets.main, "</script>\n</body>\n</html>\n",
  })
  return page, { bytes = #page, blocks = #list, charts = nchart, chartjs = chartjs_version }
end

-- sg.report(opts): builds the page and, with opts.path, writes it through
-- the output write policy (a temporary file renamed into place).
function M.report(sg, opts)
  local page, info = M.build(sg, opts)
  if opts.path then sg.write_text(opts.path, page) end
  return page, info
end

return M
