-- renew-held: extend every key of a lock, only where every key still holds the value — no
-- @keys lock[]
-- @args value:str ttl:int
-- re-take of a missing key (extend.lua's), so that adopting a lock that is gone never sets it
-- again. What redlock.adopt() sends first.
-- KEYS[1..n]  lock keys
-- ARGV[1]     lock value
-- ARGV[2]     new ttl in ms
-- Returns {1, time} extended, {0, time} not held here (as extend.lua; one decoder).
-- @include lib/time.lua
-- @include lib/holds.lua
local now = server_us()
if not holds_all(#KEYS, ARGV[1]) then
  return {0, now}
end
for i = 1, #KEYS do
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return {1, now}
