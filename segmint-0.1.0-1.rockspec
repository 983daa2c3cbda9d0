-- LuaRocks: `luarocks --lua-version 5.4 make` (or `luarocks make` where 5.4 is the
-- default) builds segmint.so and the segmint host with CMake for the stock Lua 5.4 and
-- installs them, with the library's Lua files, into the chosen tree.  The Debian
-- packages that scripts/deps installs are needed (GSL, libcsv, liblinear, XGBoost, ...).
rockspec_format = "3.0"
package = "segmint"
version = "0.1.0-1"
source = {
   url = "git+file://.",
}
description = {
   summary = "Customer analytics: RFM, segments, clusters, churn, CLV and campaigns from Lua",
   detailed = [[
A C11 engine scripted in Lua 5.4: load sales data, clean it, score RFM, segment, cluster,
predict churn and customer lifetime value (BTYD), plan campaigns and write reports.
require "segmint" in a stock Lua 5.4; the segmint command runs recipes in a sandbox.]],
}
dependencies = {
   "lua >= 5.4, < 5.5",
}
build = {
   type = "command",
   build_command = [[cmake -S . -B build-rock -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build build-rock -j2 --target segmint_module segmint >/dev/null]],
   install = {
      lib = { segmint = "build-rock/segmint.so" },
      bin = { segmint = "build-rock/segmint" },
      -- every lua/segmint/*.lua (tests/cli/rock.t.sh checks that none is missing); the
      -- module embeds them too, so these are for reading and for stock-Lua search paths
      lua = {
      ["segmint.analysis"] = "lua/segmint/analysis.lua",
      ["segmint.btyd"] = "lua/segmint/btyd.lua",
      ["segmint.campaign_results"] = "lua/segmint/campaign_results.lua",
      ["segmint.campaigns"] = "lua/segmint/campaigns.lua",
      ["segmint.clean"] = "lua/segmint/clean.lua",
      ["segmint.clusters"] = "lua/segmint/clusters.lua",
      ["segmint.history"] = "lua/segmint/history.lua",
      ["segmint.html"] = "lua/segmint/html.lua",
      ["segmint.html_assets"] = "lua/segmint/html_assets.lua",
      ["segmint.html_blocks"] = "lua/segmint/html_blocks.lua",
      ["segmint.init"] = "lua/segmint/init.lua",
      ["segmint.kpi_alerts"] = "lua/segmint/kpi_alerts.lua",
      ["segmint.kpis"] = "lua/segmint/kpis.lua",
      ["segmint.manifest"] = "lua/segmint/manifest.lua",
      ["segmint.messages"] = "lua/segmint/messages.lua",
      ["segmint.messages_fr"] = "lua/segmint/messages_fr.lua",
      ["segmint.models"] = "lua/segmint/models.lua",
      ["segmint.mpi"] = "lua/segmint/mpi.lua",
      ["segmint.pipeline"] = "lua/segmint/pipeline.lua",
      ["segmint.predict"] = "lua/segmint/predict.lua",
      ["segmint.report"] = "lua/segmint/report.lua",
      ["segmint.report_layout"] = "lua/segmint/report_layout.lua",
      ["segmint.report_sections"] = "lua/segmint/report_sections.lua",
      ["segmint.report_tables"] = "lua/segmint/report_tables.lua",
      ["segmint.rules"] = "lua/segmint/rules.lua",
      ["segmint.ruleset"] = "lua/segmint/ruleset.lua",
      ["segmint.sandbox"] = "lua/segmint/sandbox.lua",
      ["segmint.segments"] = "lua/segmint/segments.lua",
      ["segmint.step_alerts"] = "lua/segmint/step_alerts.lua",
      ["segmint.step_btyd"] = "lua/segmint/step_btyd.lua",
      ["segmint.step_campaign_review"] = "lua/segmint/step_campaign_review.lua",
      ["segmint.step_campaigns"] = "lua/segmint/step_campaigns.lua",
      ["segmint.step_clean"] = "lua/segmint/step_clean.lua",
      ["segmint.step_clusters"] = "lua/segmint/step_clusters.lua",
      ["segmint.step_cross_sell"] = "lua/segmint/step_cross_sell.lua",
      ["segmint.step_history"] = "lua/segmint/step_history.lua",
      ["segmint.step_kpis"] = "lua/segmint/step_kpis.lua",
      ["segmint.step_load"] = "lua/segmint/step_load.lua",
      ["segmint.step_models"] = "lua/segmint/step_models.lua",
      ["segmint.step_outputs"] = "lua/segmint/step_outputs.lua",
      ["segmint.step_record"] = "lua/segmint/step_record.lua",
      ["segmint.step_report"] = "lua/segmint/step_report.lua",
      ["segmint.step_rfm"] = "lua/segmint/step_rfm.lua",
      ["segmint.step_segments"] = "lua/segmint/step_segments.lua",
      ["segmint.step_status"] = "lua/segmint/step_status.lua",
      ["segmint.step_summary"] = "lua/segmint/step_summary.lua",
      ["segmint.step_tables"] = "lua/segmint/step_tables.lua",
      ["segmint.step_workbook"] = "lua/segmint/step_workbook.lua",
      ["segmint.summary"] = "lua/segmint/summary.lua",
      },
   },
}
