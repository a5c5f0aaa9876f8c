-- decimal_less(a, b): a < b for non-negative decimal strings without leading zeros,
-- exact at any size (no floating point).
local function decimal_less(a, b)
  if #a ~= #b then
    return #a < #b
  end
  return a < b
end
