-- Templates and number formatting per language.
local sg = require "segmint"
local report = sg.report
local t = require("tap")(print)

local en, fr = report.locales.en, report.locales.fr
t.is(report.number(1234.56, 2, en), "1,234.56", "English number")
-- French: a narrow no-break space between thousands and before %, a no-break space before the currency
t.is(report.number(1234.56, 2, fr), "1\u{202F}234,56", "French number")
t.is(report.money(1234.56, "€", fr), "1\u{202F}234,56\u{A0}€", "French money")
t.is(report.money(1234.56, "£", en), "£1,234.56", "English money")
t.is(report.money(-5.5, "£", en), "-£5.50", "negative money")
t.is(report.number(-0.001, 2, en), "0.00", "no negative zero")
t.is(report.percent(0.1234, en), "12.3%", "English percent")
t.is(report.percent(0.1234, fr), "12,3\u{202F}%", "French percent")
t.is(report.typeset("Note : « Bon retour » ; 100 % ? oui !", fr),
  "Note\u{202F}: «\u{202F}Bon retour\u{202F}»\u{202F}; 100\u{202F}%\u{202F}? oui\u{202F}!", "French spacing in text")
t.is(report.typeset("Note : 100 %", en), "Note : 100 %", "English text as it is")
t.is(report.number(999, 0, en), "999", "no separator below a thousand")
-- a change between two printed figures is the difference of what is printed
t.is(report.percent(0.18249, en) .. " " .. report.percent(0.18651, en), "18.2% 18.7%", "two rates as printed")
t.is(report.number(report.shown_change(0.18249, 0.18651, 1, 1, 100) * 100, 1, en), "-0.5",
  "their change: -0.5 pt (the unrounded rates differ by 0.402 pt)")
t.is(report.shown_change(34.914, 35.496, 2, 2), -0.59, "34.91 against 35.50: -0.59, not -0.58")
t.is(report.shown_change(99.504, 100.4, 2, 0), -0.5, "99.50 against 100 (printed whole): -0.50")
t.is(report.as_shown(0.1 + 0.2, 2), 0.3, "as printed with 2 decimals")
t.is(report.number(1000000, 0, en), "1,000,000", "millions")

t.is(report.render("Hi {{name}}!", { name = "you" }), "Hi you!", "a value")
t.is(report.render("{{#l}}[{{x}}]{{/l}}", { l = { { x = 1 }, { x = 2 } } }), "[1][2]", "a list")
t.is(report.render("{{#l}}\n| {{.}} |\n{{/l}}\nend", { l = { "a", "b" } }), "| a |\n| b |\nend",
  "standalone section lines leave no blank lines")
t.is(report.render("{{^l}}none{{/l}}", { l = {} }), "none", "inverted section on an empty list")
t.is(report.render("{{#f}}yes{{/f}}{{^f}}no{{/f}}", { f = false }), "no", "boolean sections")
t.is(report.render("{{#item}}{{name}} {{outer}}{{/item}}", { item = { name = "n" }, outer = "o" }), "n o",
  "names resolve through enclosing contexts")
t.raises(function() report.render("{{missing}}", {}) end, "no value for {{missing}}", "a missing value is an error")
t.raises(function() report.render("a\n{{#x}}b", { x = true }, "t.md") end, "t.md:2: {{#x}} is never closed",
  "an unclosed section names the line")
t.raises(function() report.render("{{/x}}", {}, "t.md") end, "t.md:1: {{/x}} closes nothing", "a stray close")
-- json_encode: sorted keys, arrays, nesting limits
t.is(sg.json_encode({ b = 1, a = { 1, 2 }, c = { x = true } }):gsub("%s", ""), '{"a":[1,2],"b":1,"c":{"x":true}}',
  "json with sorted keys")
local deep = {}
local cur = deep
for _ = 1, 64 do cur.x = {}; cur = cur.x end
t.ok(pcall(sg.json_encode, deep), "64 levels of nesting encode")
cur.x = {}
t.raises(function() sg.json_encode(deep) end, "nested too deeply", "deeper nesting is refused")
t.raises(function() sg.json_encode({ f = print }) end, "only nil, booleans, numbers, strings and tables", "functions refused")

-- points: French keeps "point" singular below 2, English only at exactly 1
t.is(report.points(1.0, 1, fr, true), "+1,0\u{A0}point", "French: +1,0 point, a no-break space before the unit")
t.is(report.points(1.95, 1, fr), "1,9\u{A0}point", "French: 1,9 point")
t.is(report.points(2, 1, fr), "2,0\u{A0}points", "French: 2,0 points")
t.same({ report.plural(0, fr), report.plural(1, fr), report.plural(2, fr) }, { false, false, true },
  "French counts: singular below 2 (0 client, 1 client, 2 clients)")
t.same({ report.plural(0, report.locales.en), report.plural(1, report.locales.en), report.plural(2, report.locales.en) },
  { true, false, true }, "English counts: singular for 1 only")
t.is(report.points(-1.5, 1, fr, true), "\u{2212}1,5\u{A0}point", "French: a negative difference below 2, with the minus sign U+2212")
t.is(report.points(1.0, 1, en, true), "+1.0 point", "English: 1.0 point")
t.is(report.points(6.6, 1, en), "6.6 points", "English: 6.6 points")
-- French figures: the minus sign U+2212 and the narrow no-break spaces; the
-- hyphen-minus in English and in the locale for text written to CSV files
t.is(report.number(-1234.5, 1, fr), "\u{2212}1\u{202F}234,5", "French: a negative number with the minus sign")
t.is(report.money(-12.5, "£", fr), "\u{2212}12,50\u{A0}£", "French: a negative amount with the minus sign")
t.is(report.number(-1234.5, 1, en), "-1,234.5", "English: the hyphen-minus")
t.is(report.number(-1234.5, 1, report.csv_locale(fr)), "-1\u{202F}234,5", "CSV text: the hyphen-minus in French too")
t.is(fr.minus, "\u{2212}", "csv_locale leaves the French locale as it was")
-- typeset: French prose gets ’, U+2212 before a figure and a no-break space before a unit
t.is(report.typeset("Coûts de l'offre : -3,4 pt en 90 jours, soit 2 fois (-5 %) ; e-mail 2023-01 l'été", fr),
  "Coûts de l\u{2019}offre\u{202F}: \u{2212}3,4\u{A0}pt en 90\u{A0}jours, soit 2\u{A0}fois (\u{2212}5\u{202F}%)"
    .. "\u{202F}; e-mail 2023-01 l\u{2019}été", "French prose typeset: apostrophe, minus, units, spaces")
t.is(report.typeset("<td>-86,0 %</td><td>Mother&#39;s Day</td>", fr), "<td>\u{2212}86,0\u{202F}%</td><td>Mother\u{2019}s Day</td>",
  "French HTML typeset: a minus after a tag, the escaped apostrophe")
t.is(report.typeset("4 jourées, 3 ans, 2 answers", fr), "4 jourées, 3\u{A0}ans, 2 answers", "a unit is a whole word")
t.is(report.typeset("l'offre : -3 pt", en), "l'offre : -3 pt", "English text is left as it is")
t.is(report.typeset("`x = -1 : l'a` l'a -1 et <code>d'un -2 pt</code> d'un -2 pt", fr),
  "`x = -1 : l'a` l\u{2019}a \u{2212}1 et <code>d'un -2 pt</code> d\u{2019}un \u{2212}2\u{A0}pt", "code is left as it is")

-- dates: French writes the first of the month "1er"
t.is(report.date("2023-01-01", fr, "long_date"), "1er janvier 2023", "French: 1er janvier")
t.is(report.date("2023-01-02", fr, "long_date"), "2 janvier 2023", "French: 2 janvier")
t.is(report.date("2023-01-01", en, "long_date"), "1 January 2023", "English: 1 January")

-- the shipped summaries' line for a move between segments names each segment once
local function template(lang)
  local path = params.root .. "/recipes/" .. lang .. "/summary.lua"
  return load(assert(io.open(path)):read("a"), "@" .. path, "t", {})()
end
for lang, want in pairs { en = "- 39 customers (13.8%) moved from Loyal Customers to Champions\n",
    fr = "- 39 clients (13,8 %) sont passés de « Clients fidèles » à « Champions »\n" } do
  local block = template(lang).text:match("\n({{#moves}}\n.-{{/moves}}\n)")
  t.is(report.render(block, { moves = { { customers = "39", share = lang == "en" and "13.8%" or "13,8 %",
    from = lang == "en" and "Loyal Customers" or "Clients fidèles", to = "Champions" } } }), want,
    lang .. ": a move between segments, each named once")
end
-- the action segments by status: the counts with verbs that agree, or "all" when every one has lapsed
for lang, want in pairs {
    en = { "of the 447 customers (22.4%) in the segments S, all have lapsed.",
           "of the 1,010 customers (23.4%) in the segments S, 955 have lapsed, 37 still buy but are likely to stop "
             .. "(at risk as defined above) and 1 still buys and is not at risk." },
    fr = { "sur les 447 clients (22,4 %) des segments S, tous sont inactifs.",
           "sur les 1 010 clients (23,4 %) des segments S, 955 sont inactifs, 37 achètent encore mais risquent "
             .. "d’arrêter (à risque au sens ci-dessus) et 1 achète encore sans être à risque." } } do
  local line = template(lang).text:match("\n([^\n]*{{action_count}}[^\n]*)\n")
  local function said(v)
    local text = report.render(line, v)
    return text:match(lang == "en" and "(of the .*%.)$" or "(sur les .*%.)$")
  end
  local pc = lang == "en" and { "22.4%", "23.4%", "1,010" } or { "22,4 %", "23,4 %", "1 010" }
  t.is(said { action_count = "447", action_share = pc[1], action_segments = "S", action_lapsed = "447",
    action_at_risk = "0", action_active = "0", action_lapsed_plural = true, action_at_risk_plural = lang == "en",
    action_active_plural = lang == "en", action_all_lapsed = true, elsewhere = false }, want[1],
    lang .. ": every customer of the action segments lapsed, said in a word")
  t.is(said { action_count = pc[3], action_share = pc[2], action_segments = "S", action_lapsed = "955",
    action_at_risk = "37", action_active = "1", action_lapsed_plural = true, action_at_risk_plural = true,
    action_active_plural = false, action_all_lapsed = false, elsewhere = false }, want[2],
    lang .. ": the action segments by status, each verb agreeing with its count")
end
t.done()
