-- extend: renew every key of a lock, all or nothing, re-taking keys this server lost.
-- @keys lock[] marker?
-- @args value:str ttl:int cover:flag clock:flag quarantine?:int marked?:flag
-- KEYS[1..n]  lock keys
-- ARGV[1]     lock value
-- ARGV[2]     new ttl in milliseconds
-- ARGV[3]     '1' for a cover (lock/coverage.ts): keys that hold the value keep their ttl
-- ARGV[4]     '1' to read the server's clock for the client's clock watch (as acquire.lua's
--             ARGV[6]); '0' not to: time is then 0 unless a re-take needed the clock
-- ARGV[5]     optional: the restart quarantine in ms ('0': none); a server in quarantine
--             re-takes nothing (answers {0, time})
-- ARGV[6]     '1' when the last key is this server's marker key (not on a Cluster)
-- Returns {code, time}; time = the server's clock in µs (see lib/time.lua), or 0:
--   {1, time}  every key held the value: extended
--   {3, time}  some key was missing (the server restarted empty, was flushed, evicted it or
--              let it expire early) and none held another value: the missing keys were set
--              again (a re-take). Not a vote: the caller counts it only towards coverage,
--              and the lock holds only where a quorum extended
--   {0, time}  another value holds a key here, or a key is missing and the server is in
--              quarantine: no change
--   1          as {1, time}, with no clock read: the common case below
--
-- The common case first, before the libraries are defined (their closures, and a table for
-- the reply, cost a busy server microseconds per call): one key, holding the value, not a
-- cover, no clock asked for — extend it and answer 1.
if #KEYS == 1 and ARGV[3] ~= '1' and ARGV[4] ~= '1' and redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
-- @include lib/time.lua
-- @include lib/quarantine.lua
-- @include lib/renew.lua
local now = 0
if ARGV[4] == '1' then
  now = server_us()
end
local quarantine = tonumber(ARGV[5] or '0')
local marked = ARGV[6] == '1'
local n = #KEYS
if marked then
  n = n - 1
end
local function may_retake()
  if quarantine > 0 and now == 0 then
    now = server_us()
  end
  return quarantine_reply(quarantine, marked, KEYS[#KEYS], now) == nil
end
return {renew(1, n, ARGV[1], ARGV[2], ARGV[3] == '1', may_retake), now}
