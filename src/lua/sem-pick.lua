-- sem-pick: take k free permits (slots) of a semaphore here, in the client's order, all or none.
-- @keys slot[] fence[] marker?
-- @args value:str ttl:int fence:flag quarantine:int marked:flag k:int
-- KEYS[1..p]      the slots' lock keys, in the order the client chose (the same on every server)
-- KEYS[p+1..2p]   their fence counters, same order (only when ARGV[3] == '1')
-- KEYS[last]      this server's marker key (only when ARGV[4] > 0 and ARGV[5] == '1')
-- ARGV[1]  the value;  ARGV[2] ttl in ms;  ARGV[3] '1' to issue a fencing token
-- ARGV[4]  restart quarantine in ms ('0': none);  ARGV[5] '1' when the last key is the marker
-- ARGV[6]  k, the permits wanted
-- Each slot is an ordinary lock key: it is taken only where it is free (as acquire.lua would).
-- Returns {1, token or '', time, 'i,j,...'} the first k free slots (1-based positions in
--   KEYS) were taken; {0, ms, time} fewer than k are free (ms: when the first held one frees
--   here, -1 when none expires); {2, left, time, why} quarantined (see acquire.lua).
-- @include lib/time.lua
-- @include lib/quarantine.lua
local fence = ARGV[3] == '1'
local quarantine = tonumber(ARGV[4] or '0')
local marked = ARGV[5] == '1'
local k = tonumber(ARGV[6])
local p = #KEYS
if marked then
  p = p - 1
end
if fence then
  p = p / 2
end
local now = server_us()
-- The first k free slots, in order: the scan stops there.
local free = {}
for i = 1, p do
  if not redis.call('GET', KEYS[i]) then
    free[#free + 1] = i
    if #free == k then
      break
    end
  end
end
if #free < k then
  -- Refused: when the first held slot frees here (PTTL -2: a free slot; -1: no expiry).
  local soonest = nil
  for i = 1, p do
    local pttl = redis.call('PTTL', KEYS[i])
    if pttl ~= -2 and (soonest == nil or soonest < 0 or (pttl >= 0 and pttl < soonest)) then
      soonest = pttl
    end
  end
  return {0, soonest or -1, now}
end
local refusal = quarantine_reply(quarantine, marked, KEYS[#KEYS], now)
if refusal then
  return refusal
end
local token = ''
if fence then
  -- As lib/fence.lua's next_token, over the chosen slots' counters: reads first.
  local t = redis.call('TIME')
  local top = tonumber(t[1]) * 1000000 + tonumber(t[2])
  for _, i in ipairs(free) do
    local raw = redis.call('GET', KEYS[p + i])
    if raw then
      local c = tonumber(raw)
      if not c then
        return redis.error_reply('TENURE fence counter ' .. KEYS[p + i] .. ' holds a non-numeric value')
      end
      if c + 1 > top then
        top = c + 1
      end
    end
  end
  token = string.format('%.0f', top)
  for _, i in ipairs(free) do
    redis.call('SET', KEYS[p + i], token)
  end
end
for _, i in ipairs(free) do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
end
return {1, token, now, table.concat(free, ',')}
