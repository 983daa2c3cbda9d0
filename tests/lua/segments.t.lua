-- Segment rules: assignment (C path and Lua-predicate path), the linter,
-- explain, and the shipped tables.
local sg = require "segmint"
local t = require("tap")(print)

-- customers with hand-picked scores
local c = sg.dataset {
  { "customer", { "a", "b", "c", "d", "e", "f" } },
  { "r_score", { 5, 4, 1, 2, 3, 5 } },
  { "f_score", { 5, 3, 5, 1, 1, 1 } },
  { "m_score", { 5, 4, 5, 2, 1, 1 } },
  { "recency_days", { 3, 20, 300, 150, 60, 2 } },
  { "monetary", { 5000.0, 900.0, 4000.0, 50.0, 20.0, 15.0 } },
  { "country", { "UK", "FR", "UK", nil, "DE", "UK", n = 6 } },
}

local rules = {
  { "Champions", r = "4-5", f = "4-5", m = "4-5", why = "the best" },
  { "Loyal", r = "2-5", f = "3-5", m = "3-5" },
  { "Big but gone", recency_days = "> 180", monetary = ">= 1000" },
  { "New", r = 5, f = "<= 1" },
  { "French", country = { "FR", "BE" } },
  { "Others" },
}
local segs = sg.segments(rules)
local out = segs:assign(c)
t.same(out:column("segment"), { "Champions", "Loyal", "Big but gone", "Others", "Others", "New", n = 6 },
  "first matching rule wins (C path)")
t.same(segs:names(), { "Champions", "Loyal", "Big but gone", "New", "French", "Others" }, "names in order")

-- the same rules with a predicate take the Lua path and agree
local with_pred = {}
for i, r in ipairs(rules) do with_pred[i] = r end
table.insert(with_pred, 5, { "Tiny spenders", when = function(row) return row.monetary < 18 end })
local out2 = sg.segments(with_pred):assign(c)
t.same(out2:column("segment"), { "Champions", "Loyal", "Big but gone", "Others", "Others", "New", n = 6 },
  "the Lua predicate path gives the same answer where the predicate does not match")
local out3 = sg.segments({ { "Tiny", when = function(row) return row.monetary < 18 end }, { "Rest" } }):assign(c)
t.same(out3:column("segment"), { "Rest", "Rest", "Rest", "Rest", "Rest", "Tiny", n = 6 }, "predicates decide")

-- a missing field makes its rule not match, and the next one is tried
local geo = sg.segments({ { "UK", country = "UK" }, { "Rest" } }):assign(c)
t.same(geo:column("segment"), { "UK", "Rest", "UK", "Rest", "Rest", "UK", n = 6 }, "missing values fall through")

-- a condition written like a number on a text column compares the text,
-- the same way in C, in the Lua predicate path and in explain
local ids = sg.dataset { { "customer", { "12347", "12348" } }, { "r_score", { 1, 1 } } }
local vip = sg.segments({ { "VIP", customer = "12347" }, { "Rest" } })
t.same(vip:assign(ids):column("segment"), { "VIP", "Rest", n = 2 }, "text ids match (C path)")
local vip2 = sg.segments({ { "VIP", customer = "12347" }, { "Never", when = function() return false end }, { "Rest" } })
t.same(vip2:assign(ids):column("segment"), { "VIP", "Rest", n = 2 }, "text ids match (Lua path)")
t.like((vip:explain("12347", vip:assign(ids))), "%-> VIP", "explain agrees")
t.raises(function() sg.segments({ { "X", customer = ">= 5" }, { "Rest" } }):assign(ids) end,
  "compares numbers, but the column holds text", "numeric comparison on a text column refused")

-- a condition written like a number on a text column compares the text,
-- the same way in C, in the Lua predicate path and in explain
local ids = sg.dataset { { "customer", { "12347", "12348" } }, { "r_score", { 1, 1 } } }
local vip = sg.segments({ { "VIP", customer = "12347" }, { "Rest" } })
t.same(vip:assign(ids):column("segment"), { "VIP", "Rest", n = 2 }, "text ids match (C path)")
local vip2 = sg.segments({ { "VIP", customer = "12347" }, { "Never", when = function() return false end }, { "Rest" } })
t.same(vip2:assign(ids):column("segment"), { "VIP", "Rest", n = 2 }, "text ids match (Lua path)")
t.like((vip:explain("12347", vip:assign(ids))), "%-> VIP", "explain agrees")
t.raises(function() sg.segments({ { "X", customer = ">= 5" }, { "Rest" } }):assign(ids) end,
  "compares numbers, but the column holds text", "numeric comparison on a text column refused")

-- explain
local text, name = segs:explain("b")
t.is(name, "Loyal", "explain names the matching rule")
t.like(text, "not Champions: f 3 is not 4%-5\n", "explain says why earlier rules failed")
t.like(text, "%-> Loyal", "explain shows the match")
t.is(select(2, segs:explain("zz")), "no customer 'zz' in the data", "explain of an unknown customer")

-- the linter
t.raises(function() sg.segments({ { "X", r = "5-4" }, { "Others" } }) end, "range '5%-4' is inverted", "inverted range")
t.raises(function() sg.segments({ { "X", r = "> 5" }, { "Others" } }) end, "selects no score between 1 and 5", "empty range")
t.raises(function() sg.segments({ { "X", r = "4-6" }, { "Others" } }) end,
  "'4%-6' goes beyond the score levels, which are the whole numbers 1 to 5", "a range beyond the bins")
t.ok(pcall(sg.segments, { { "X", r = "4-6" }, { "Others" } }, { bins = 6 }), "the same range fits six bins")
t.raises(function() sg.segments({ { "X", frequncy = 3 }, { "Others" } }) end,
  "unknown field 'frequncy' %(did you mean 'frequency'%?%)", "unknown field with a suggestion")
t.raises(function() sg.segments({ { "X", r = 5 }, { "X", f = 5 } }) end, "rule 'X' appears twice", "duplicate names")
t.raises(function() sg.segments({ { r = 5 } }) end, "has no name", "rule without a name")
t.raises(function() sg.segments({ { "X", when = 3 } }) end, "must be a function", "bad predicate")
t.raises(function() sg.segments({ { "X", r = "abc" } }) end, "scores take a number, a range or a comparison", "bad score value")
local lint_seg = sg.segments({ { "All", r = "1-5" }, { "Never", f = 5 }, { "Others" } })
t.like(table.concat(lint_seg.warnings, "\n"), "rule 'Never' can never match", "unreachable rule warned")
local gaps = sg.segments({ { "Top", r = 5 } })
t.like(table.concat(gaps.warnings, "\n"), "100 of 125 score cells %(r,f,m%) are covered by no rule and have no fallback",
  "uncovered cells warned")
t.raises(function() sg.segments({ { "X", basket = ">= 3" }, { "Others" } }, { fields = { "basket" } }):assign(c) end,
  "field 'basket' is not a column of the customer data", "fields checked against the data at assign time")

-- the shipped tables: the classic one lints clean (every rule reachable,
-- every cell covered); the R rfm package's, in its overwrite order, never
-- assigns Champions, which the linter reports
local function load_file(rel)
  local path = params.root .. "/recipes/" .. rel .. ".lua"
  return load(assert(io.open(path)):read("a"), "@" .. path, "t", {})()
end
for _, lang in ipairs({ "en", "fr" }) do
  local labels = load_file(lang .. "/segments")
  local classic = sg.segments(sg.label_rules(load_file("rules/segments"), labels))
  t.is(#classic.warnings, 0, lang .. ": rules/segments.lua lints clean")
  if #classic.warnings > 0 then t.diag(table.concat(classic.warnings, "\n")) end
  t.is(#classic:names(), 14, lang .. ": rules/segments.lua: 14 segments, every score cell covered")
  t.is(classic:names()[2], lang == "en" and "Loyal Customers" or "Clients fidèles", lang .. ": names from the language file")
  local r = sg.segments(sg.label_rules(load_file("rules/segments_rfm_package"), labels))
  t.is(#r:names(), 11, lang .. ": segments_rfm_package.lua: 10 segments and the fallback")
  t.is(#r.warnings, 1, lang .. ": segments_rfm_package.lua: one warning")
  t.like(r.warnings[1] or "", "rule 'Champions' can never match", lang .. ": Champions is unreachable with R's ranges")
end
t.raises(function() sg.label_rules(load_file("rules/segments"), { champions = "Champions" }) end,
  "segment 'loyal_customers' has no name", "a rule without a name in the language file is an error")
t.done()
