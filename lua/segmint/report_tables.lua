-- The money columns of the default analysis's output tables: rounded to
-- cents in the CSV files (step "outputs") so a spreadsheet shows
-- 5597821.75, not 5597821.749999998, and shown with two decimals in
-- report.xlsx (step "workbook").  The values kept in memory stay exact;
-- shares, ratios, probabilities, scores and expected counts keep their
-- full precision.  docs/analysis.md lists the same columns.
local M = {}

-- table (the CSV file's name without .csv) -> money columns; a name
-- starting with ^ is a pattern (clv_12m is named after the CLV horizon).
M.MONEY = {
  customers = { "monetary", "avg_basket", "^clv_%d+m$", "predicted_clv" },
  segments = { "revenue", "avg_basket" },
  campaigns = { "budget", "cost", "discount_cost", "cost_per_contact", "expected_incremental_revenue",
    "expected_incremental_profit", "expected_revenue", "expected_incremental_sales", "expected_incremental_margin",
    "order_cost", "cost_per_order" },
  campaign_targets = { "value", "expected_basket", "expected_incremental_revenue", "expected_incremental_profit",
    "contact_cost", "cost_per_order" },
  clusters = { "revenue", "mean_monetary", "median_monetary", "mean_avg_basket", "median_avg_basket" },
  campaign_performance = { "spend", "revenue", "cpc", "cpm", "cpa" },
}

-- The money columns the dataset has, for the table `name` ("customers"
-- or "customers.csv").
function M.columns(name, ds)
  local list = M.MONEY[(name:gsub("%.csv$", ""))]
  local out = {}
  if not list or not ds then return out end
  local types = ds:types()
  for _, col in ipairs(ds:columns()) do
    local t = types[col]
    if t == "double" or t == "int64" then
      for _, m in ipairs(list) do
        if col == m or (m:sub(1, 1) == "^" and col:match(m)) then out[#out + 1] = col; break end
      end
    end
  end
  return out
end

-- The dataset with its money columns rounded to cents.
function M.round(name, ds)
  local cols = M.columns(name, ds)
  if #cols == 0 then return ds end
  return ds:round(cols, 2)
end

return M
