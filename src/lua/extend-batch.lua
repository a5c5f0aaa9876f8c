-- extend-batch: renew many leases in one call (the keeper's batches); each as extend.lua.
-- KEYS        the lock keys of every lease, lease after lease
-- ARGV[1]     the number of leases, m
-- ARGV[2..]   per lease, in order: its number of keys, its value, its ttl in ms
-- Returns {time, code_1, ..., code_m}: time = the server's clock in µs; code as extend.lua's
-- (1 extended, 3 re-taken, 0 held by another value here).
-- @include lib/time.lua
-- @include lib/renew.lua
local out = {server_us()}
local k = 0
local a = 2
for _ = 1, tonumber(ARGV[1]) do
  local n = tonumber(ARGV[a])
  out[#out + 1] = renew(k + 1, k + n, ARGV[a + 1], ARGV[a + 2], false)
  k = k + n
  a = a + 3
end
return out
