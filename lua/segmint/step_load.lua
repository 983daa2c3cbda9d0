-- Step "load": reads the transactions (ctx.res.transactions).
local S = {}

function S.run(ctx)
  local sg, cfg = ctx.sg, ctx.cfg
  local tx = assert(sg.read_csv(cfg.transactions, cfg.read))
  ctx.res.transactions = tx
  sg.info("loaded %s", tostring(tx))
end

return S
