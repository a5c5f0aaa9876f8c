-- fence: the two phases of a fencing token on one instance, for a lock already held.
-- @keys lock[] fence[]
-- @args value:str mode:'next'|'raise' token:str
-- KEYS[1..n]     lock keys
-- KEYS[n+1..2n]  fence counter keys, same order
-- ARGV[1]        lock value
-- ARGV[2]        'next'  phase 1: move the counters to the next token (see lib/fence.lua)
--                'raise' phase 2: raise every counter to at least ARGV[3]
-- ARGV[3]        the token, for 'raise'
-- Both act only where this lock's value is still present on every key.
-- Returns {1, token} (the counters' value now, as text), or {0, ''} when the lock is not here.
-- @include lib/fence.lua
-- @include lib/holds.lua
local n = #KEYS / 2
if not holds_all(n, ARGV[1]) then
  return {0, ''}
end
if ARGV[2] == 'next' then
  local token, err = next_token(n + 1, 2 * n)
  if not token then
    return err
  end
  return {1, set_counters(n + 1, 2 * n, token)}
end
if ARGV[2] ~= 'raise' then
  return redis.error_reply('TENURE fence: unknown mode ' .. tostring(ARGV[2]))
end
local wanted = tonumber(ARGV[3])
-- Every counter of the lock ends at least at the token: a counter left below it (uneven
-- counters across resources) would let a later holder of that one resource draw a token at
-- or below this one. Reads (and their errors) first, then writes.
local top = wanted
local below = {}
for i = n + 1, 2 * n do
  local raw = redis.call('GET', KEYS[i])
  local c = tonumber(raw or '0')
  if not c then
    return redis.error_reply('TENURE fence counter ' .. KEYS[i] .. ' holds a non-numeric value')
  end
  if c < wanted then
    below[#below + 1] = KEYS[i]
  elseif c > top then
    top = c
  end
end
for _, key in ipairs(below) do
  redis.call('SET', key, ARGV[3])
end
return {1, string.format('%.0f', top)}
