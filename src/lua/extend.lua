-- extend: compare-and-pexpire every key of a lock, all or nothing.
-- KEYS[1..n]  lock keys
-- ARGV[1]     lock value
-- ARGV[2]     new ttl in milliseconds
-- Returns 1 when every key still held the value and was extended, 0 otherwise (no change).
-- @include lib/holds.lua
if not holds_all(#KEYS, ARGV[1]) then
  return 0
end
for i = 1, #KEYS do
  redis.call('PEXPIRE', KEYS[i], ARGV[2])
end
return 1
