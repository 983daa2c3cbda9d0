-- BTYD on the CDNOW sample of Fader, Hardie and Lee (2005), from the raw
-- transactions: the published summary and parameters, lifetimes'
-- penalizer, Pareto/NBD predictions with s < 1, models at given parameters
-- and the API's refusals.
local sg = require "segmint"
local t = require("tap")(print)

local tx = assert(sg.read_csv(params.fixtures .. "/btyd/cdnow_sample.csv",
  { types = { customer = "string", date = "datetime" } }))
t.is(#tx, 6919, "6,919 purchases")
local summ = sg.btyd_summary(tx, { customer = "customer", date = "date", amount = "amount",
  calibration_end = "1997-09-30", observation_end = "1998-06-30", unit = "weeks" })

-- the published summary: 2,357 customers, 946 repeat buyers, 2,457 repeat
-- purchases in the 39 calibration weeks; times are elapsed days / 7
t.is(#summ, 2357, "2,357 customers")
t.is(summ:filter("x > 0"):nrows(), 946, "946 repeat buyers")
t.is(summ:sum("x"), 2457, "2,457 repeat purchases")
local c1 = summ:filter("customer == '1'"):row(1)
t.ok(c1.x == 2 and math.abs(c1.t_x - 213 / 7) < 1e-12 and math.abs(c1.T - 272 / 7) < 1e-12,
  "customer 1: x = 2, t_x = 30.43, T = 38.86 weeks as published")
t.near(summ:stats("holdout_length").max, 273 / 7, 1e-12, "holdout: 39 weeks (273 days)")
local whole = sg.btyd_summary(tx, { customer = "customer", date = "date", calibration_end = "1997-09-30",
  unit = "weeks", whole_periods = true })
t.is(whole:filter("x > 0"):nrows(), 912, "whole weeks (the option) merge purchases in one week: 912 repeat buyers")

-- published parameters (BG/NBD and Pareto/NBD: Fader, Hardie and Lee 2005;
-- Gamma-Gamma: Fader, Hardie and Lee 2005, "RFM and CLV")
local bg = sg.btyd_fit("bgnbd", summ)
local p = bg:params()
t.near(p.r, 0.243, 0.0005, "BG/NBD r = 0.243")
t.near(p.alpha, 4.414, 0.0005, "BG/NBD alpha = 4.414")
t.near(p.a, 0.793, 0.0005, "BG/NBD a = 0.793")
t.near(p.b, 2.426, 0.0005, "BG/NBD b = 2.426")
t.near(bg:info().loglik, -9582.4, 0.05, "BG/NBD log-likelihood -9,582.4")
local pn = sg.btyd_fit("pareto_nbd", summ)
local q = pn:params()
t.near(q.r, 0.553, 0.0005, "Pareto/NBD r = 0.553")
t.near(q.alpha, 10.578, 0.0005, "Pareto/NBD alpha = 10.578")
t.near(q.s, 0.606, 0.0005, "Pareto/NBD s = 0.606")
t.near(q.beta, 11.669, 0.0005, "Pareto/NBD beta = 11.669")
t.near(pn:info().loglik, -9595.0, 0.05, "Pareto/NBD log-likelihood -9,595.0")
t.ok(pn:info().se.s > 0 and pn:info().se.s < 0.3, "Pareto/NBD standard error of s")
local gg = sg.btyd_fit("gamma_gamma", summ)
local g = gg:params()
t.ok(math.abs(g.p - 6.25) < 0.005 and math.abs(g.q - 3.74) < 0.005 and math.abs(g.v - 15.44) < 0.005,
  string.format("Gamma-Gamma p = 6.25, q = 3.74, v = 15.44 (%.4f %.4f %.4f)", g.p, g.q, g.v))

-- lifetimes' penalizer: the optimum of lifetimes' objective (time rescaled to
-- max T = 1, penalizer * sum(params^2) added to the mean negative
-- log-likelihood, or to the total for the Pareto/NBD), computed by a
-- re-implementation of lifetimes' BetaGeoFitter, ModifiedBetaGeoFitter and
-- ParetoNBDFitter objectives with numpy/scipy on this summary.  The values
-- quoted from lifetimes itself (0.001: a 0.498, b 1.323; 0.1: alpha 4.219)
-- agree to the digits quoted.
local ref = {
  { "bgnbd", 0.001, { 0.242778, 4.405349, 0.498452, 1.323268 } },
  { "bgnbd", 0.01, { 0.242942, 4.432506, 0.285643, 0.658459 } },
  { "bgnbd", 0.1, { 0.230948, 4.219325, 0.128656, 0.267130 } },
  { "mbgnbd", 0.001, { 0.617160, 6.777173, 0.720574, 1.059630 } },
  { "mbgnbd", 0.01, { 0.615251, 6.738558, 0.499080, 0.672275 } },
  { "mbgnbd", 0.1, { 0.408220, 5.312099, 0.204823, 0.346789 } },
  { "pareto_nbd", 0.001, { 0.553280, 10.577688, 0.606184, 11.666939 } },
  { "pareto_nbd", 0.01, { 0.553307, 10.577730, 0.605681, 11.650870 } },
  { "pareto_nbd", 0.1, { 0.553561, 10.578008, 0.600840, 11.496557 } },
}
local names = { bgnbd = { "r", "alpha", "a", "b" }, mbgnbd = { "r", "alpha", "a", "b" },
  pareto_nbd = { "r", "alpha", "s", "beta" } }
for _, c in ipairs(ref) do
  local f = sg.btyd_fit(c[1], summ, { penalizer = c[2] })
  local fp = f:params()
  local worst = 0
  for i, nm in ipairs(names[c[1]]) do
    worst = math.max(worst, math.abs(fp[nm] / c[3][i] - 1))
  end
  t.ok(worst < 0.001, string.format("%s, penalizer %g: lifetimes' parameters within 0.1%% (worst %.2g)",
    c[1], c[2], worst))
end

-- Pareto/NBD predictions with s < 1 (0.606): defined for every customer
local pred = pn:expected_purchases(summ, 39)
pred = pn:p_alive(pred)
t.is(pred:filter("is_missing(expected_purchases) or is_missing(p_alive)"):nrows(), 0,
  "Pareto/NBD (s < 1): expected purchases and P(alive) for every customer")
local clv = sg.btyd_clv(pn, gg, summ, { horizon = 12, period = 30.4375 / 7 })
t.is(clv:filter("is_missing(clv)"):nrows(), 0, "Pareto/NBD CLV for every customer")
local grid = sg.btyd_matrix(pn, { max_x = 10, T = 39, t = 52 })
t.is(grid:filter("is_missing(expected_purchases)"):nrows(), 0, "Pareto/NBD matrix complete")

-- models at given parameters: lifetimes' published values
local at = sg.btyd_model("pareto_nbd", { r = 0.5534, alpha = 10.5802, s = 0.6061, beta = 11.6562 })
local one = sg.dataset { { "x", { 26 }, "int64" }, { "t_x", { 30.86 }, "double" }, { "T", { 31 }, "double" } }
t.near(at:p_alive(one):column("p_alive")[1], 0.997918, 5e-7, "P(alive | 26, 30.86, 31) = 0.997918 (lifetimes)")
t.near(at:expected_purchases(one, 52):column("expected_purchases")[1], 25.4568, 0.003,
  "E[X(52) | 26, 30.86, 31] = 25.4568 (lifetimes; 4-digit parameters)")
t.is(at:info().loglik, nil, "a model at given parameters has no fitted log-likelihood")
t.near(at:loglik(summ), sg.btyd_model("pareto_nbd", pn:params()):loglik(summ) - 0.0, 1.0,
  "loglik(summary) at the published parameters is within 1 of the optimum")
t.near(pn:loglik(summ), pn:info().loglik, 1e-6, "fit:loglik(summary) = the fitted log-likelihood")
-- unconditional E[X(t)] = r beta / alpha [1 - (beta/(beta+t))^(s-1)] / (s-1)
local r, a, s, b = 0.5534, 10.5802, 0.6061, 11.6562
t.near(at:expected_purchases_new(39), r * b / a * (1 - (b / (b + 39)) ^ (s - 1)) / (s - 1), 1e-12,
  "expected_purchases_new(39): unconditional E[X(t)]")
local bgat = sg.btyd_model("bgnbd", bg:params())
t.near(bgat:loglik(summ), bg:info().loglik, 1e-6, "btyd_model at the fitted parameters: same loglik")
-- start, max_iter, tolerance
local st = sg.btyd_fit("bgnbd", summ, { start = { r = 0.2, alpha = 4, a = 0.8, b = 2.5 }, tolerance = 1e-10 })
t.near(st:params().b, p.b, 1e-4, "a fit from given start values reaches the same optimum")
t.raises(function() sg.btyd_fit("bgnbd", summ, { max_iter = 3 }) end, "did not converge",
  "max_iter = 3 is too few: the fit says it did not converge")

-- refusals name the function, the option and what is known
t.raises(function() sg.btyd_fit("bgnbd", summ, { penaliser = 0.1 }) end,
  "btyd_fit: unknown option 'penaliser' %(known: penalizer, x, t_x, T, m, weights, start, max_iter, tolerance, threads%)",
  "unknown fit option refused with the known ones")
t.raises(function() sg.btyd_summary(tx, { customer = "customer", date = "date", calibration_end = "1997-09-30", units = "weeks" }) end,
  "btyd_summary: unknown option 'units'", "unknown summary option refused")
t.raises(function() sg.btyd_clv(pn, gg, summ, { horizon = 12, rate = 0.01 }) end,
  "btyd_clv: unknown option 'rate'", "unknown CLV option refused")
t.raises(function() sg.btyd_matrix(pn, { maxx = 3 }) end, "btyd_matrix: unknown option 'maxx'",
  "unknown matrix option refused")
t.raises(function() sg.btyd_model("bgnbd", { r = 1, alpha = 1, a = 1 }) end, "parameter 'b' of bgnbd",
  "a missing parameter named")
t.raises(function() sg.btyd_model("bgnbd", { r = 1, alpha = 1, a = 1, b = 1, s = 1 }) end,
  "'s' is not a parameter of bgnbd", "an extra parameter named")
t.raises(function() sg.btyd_fit("bgnbd", summ, { start = { r = -1, alpha = 1, a = 1, b = 1 } }) end,
  "parameter 'r' of bgnbd must be a number > 0", "bad start value refused")
local neg = sg.dataset { { "x", { 1, 2 }, "int64" }, { "t_x", { 1, 1 }, "double" }, { "T", { 3, -1 }, "double" } }
t.raises(function() sg.btyd_fit("bgnbd", neg) end, "row 2 %(x = 2, t_x = 1, T = %-1%): T %(first purchase",
  "negative T has its own message, rows counted from 1")
local miss = sg.dataset { { "x", { 1, 2 }, "int64" }, { "t_x", { 1, nil, n = 2 }, "double" }, { "T", { 3, 4 }, "double" } }
t.raises(function() sg.btyd_fit("bgnbd", miss) end, "column 't_x' %(first to last purchase%) has a missing value on row 2",
  "missing value: the column and the row from 1")

-- BG/BB from Lua on the donations data (weights column)
local don = assert(sg.read_csv(params.fixtures .. "/btyd/donations.csv"))
local bb = sg.btyd_fit("bgbb", don, { x = "frequency", t_x = "recency", T = "n", weights = "n_custs" })
local bp = bb:params()
t.ok(math.abs(bp.alpha - 1.204) < 6e-4 and math.abs(bp.beta - 0.750) < 6e-4 and
  math.abs(bp.gamma - 0.657) < 6e-4 and math.abs(bp.delta - 2.783) < 6e-4,
  string.format("BG/BB on the donations: alpha %.4f beta %.4f gamma %.4f delta %.4f (published 1.204 0.750 0.657 2.783)",
    bp.alpha, bp.beta, bp.gamma, bp.delta))
local dp = bb:p_alive(don)
dp = bb:expected_purchases(dp, 5)
local row6 = dp:filter("frequency == 6"):row(1)
t.ok(row6.p_alive > 0.9 and row6.expected_purchases > 2 and row6.expected_purchases < 5,
  string.format("BG/BB: a donor every year is alive (%.3f) and gives %.2f times in 5 years",
    row6.p_alive, row6.expected_purchases))
t.raises(function() bb:expected_purchases(don, 2.5) end, "whole number of opportunities",
  "BG/BB needs whole opportunities")
t.raises(function() bb:p_purchases(don, 1, 2) end, "not available for bgbb", "p_purchases refused for BG/BB")
t.done()
