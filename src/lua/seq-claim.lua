-- seq-claim: claim the value ARGV[1] of a sequence on this instance (one phase of the
-- @keys counter
-- @args proposal:str
-- quorum register behind redlock.sequence()).
-- KEYS[1]  the sequence's counter
-- ARGV[1]  the proposed value: a decimal without leading zeros
-- Returns 1 when the counter was below the proposal and now holds it, or {0, counter}
-- (the counter as text) when it was already at or above it. A counter that is not a
-- decimal is an error, never a silent success.
-- @include lib/decimal.lua
local current = redis.call('GET', KEYS[1]) or '0'
if not string.match(current, '^%d+$') then
  return redis.error_reply('TENURE sequence: ' .. KEYS[1] .. ' does not hold a counter')
end
if decimal_less(current, ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return {0, current}
