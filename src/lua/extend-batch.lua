-- extend-batch: renew many leases in one call (the keeper's batches); each as extend.lua.
-- @keys lock[] marker?
-- @args count:int leases:list quarantine?:int marked?:flag
-- KEYS        the lock keys of every lease, lease after lease
-- ARGV[1]     the number of leases, m
-- ARGV[2..]   per lease, in order: its number of keys, its value, its ttl in ms
-- then, optional: the restart quarantine in ms, and '1' when the last key is this server's
--             marker key (as extend.lua: a server in quarantine re-takes nothing)
-- Returns {time, code_1, ..., code_m}: time = the server's clock in µs; code as extend.lua's
-- (1 extended, 3 re-taken, 0 held by another value here).
-- @include lib/time.lua
-- @include lib/quarantine.lua
-- @include lib/renew.lua
local now = server_us()
local out = {now}
local m = tonumber(ARGV[1])
local quarantine = tonumber(ARGV[2 + 3 * m] or '0')
local marked = ARGV[3 + 3 * m] == '1'
local function may_retake()
  return quarantine_reply(quarantine, marked, KEYS[#KEYS], now) == nil
end
local k = 0
local a = 2
for _ = 1, m do
  local n = tonumber(ARGV[a])
  out[#out + 1] = renew(k + 1, k + n, ARGV[a + 1], ARGV[a + 2], false, may_retake)
  k = k + n
  a = a + 3
end
return out
