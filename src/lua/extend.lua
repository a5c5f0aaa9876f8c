-- extend: renew every key of a lock, all or nothing, re-taking keys this server lost.
-- KEYS[1..n]  lock keys
-- ARGV[1]     lock value
-- ARGV[2]     new ttl in milliseconds
-- Returns {code, time}; time = the server's clock in µs (see lib/time.lua):
--   {1, time}  every key held the value: extended
--   {3, time}  some key was missing (the server restarted empty, was flushed, evicted it or
--              let it expire early) and none held another value: the missing keys were set
--              again (a re-take). Not a vote: the caller counts it only towards coverage,
--              and the lock holds only where a quorum extended
--   {0, time}  another value holds a key here: no change
-- @include lib/time.lua
local now = server_us()
local missing = 0
for i = 1, #KEYS do
  local current = redis.call('GET', KEYS[i])
  if not current then
    missing = missing + 1
  elseif current ~= ARGV[1] then
    return {0, now}
  end
end
for i = 1, #KEYS do
  if missing > 0 then
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
  else
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  end
end
if missing > 0 then
  return {3, now}
end
return {1, now}
