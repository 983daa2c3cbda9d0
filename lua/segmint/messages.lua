-- The checker's messages in the recipe's language.  Every message of the
-- rule checker is written once, in English, as a string.format format;
-- when the analysis is in French the same format is looked up in
-- messages_fr.lua (a table keyed by the English format) and the French
-- format is used with the same values, in the same order:
--
--   local tr = require "segmint.messages"
--   errors[#errors + 1] = tr.f("%scampaign '%s' has no 'target'", where, name)
--   tr.hint(h)        -- " (did you mean 'x'?)", or "" without a hint
--   tr.w("text")      -- a word or phrase put into a message
--
-- analysis.run switches the language for the checks and the run
-- (tr.use); a format missing from the French table prints in English
-- (tests/lua/messages.t.lua fails when one is missing).
local M = {}

local TABLES = { fr = "segmint.messages_fr" }
local current = "en"
local loaded = {}

-- Sets the language of the messages ("fr"; anything else is English);
-- returns the previous one, to restore.
function M.use(lang)
  local prev = current
  current = TABLES[lang] and lang or "en"
  return prev
end

function M.language() return current end

-- The table of a language (the English format -> the translated one).
function M.table(lang)
  if not TABLES[lang] then return nil end
  loaded[lang] = loaded[lang] or require(TABLES[lang])
  return loaded[lang]
end

local function lookup(text)
  if current == "en" then return text end
  return M.table(current)[text] or text
end

-- string.format with the format in the current language.
function M.f(fmt, ...) return string.format(lookup(fmt), ...) end

-- A word or phrase inserted into a message, in the current language.
function M.w(text) return lookup(text) end

-- The "did you mean" hint for a suggested name, or "".
function M.hint(h) return h and M.f(" (did you mean '%s'?)", h) or "" end

return M
