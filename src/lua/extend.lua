-- extend: renew every key of a lock, all or nothing, re-taking keys this server lost.
-- KEYS[1..n]  lock keys
-- ARGV[1]     lock value
-- ARGV[2]     new ttl in milliseconds
-- ARGV[3]     '1' for a cover (lock/coverage.ts): keys that hold the value keep their ttl
-- Returns {code, time}; time = the server's clock in µs (see lib/time.lua):
--   {1, time}  every key held the value: extended
--   {3, time}  some key was missing (the server restarted empty, was flushed, evicted it or
--              let it expire early) and none held another value: the missing keys were set
--              again (a re-take). Not a vote: the caller counts it only towards coverage,
--              and the lock holds only where a quorum extended
--   {0, time}  another value holds a key here: no change
-- @include lib/time.lua
-- @include lib/renew.lua
local now = server_us()
return {renew(1, #KEYS, ARGV[1], ARGV[2], ARGV[3] == '1'), now}
