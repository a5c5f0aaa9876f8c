-- release: compare-and-delete every key of a lock, and wake its waiters.
-- KEYS[1..n]  lock keys
-- ARGV[1]     lock value
-- ARGV[2]     suffix of the release channel (channel = lock key .. suffix); '' for none
-- Returns 1 when every key held the value (all deleted), 0 otherwise (the keys that still
-- held it are deleted all the same). Each deleted key's channel gets a message: a short
-- prefix of the value, so that a waiter can tell the N copies of one release apart.
local deleted = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    deleted = deleted + 1
    if ARGV[2] ~= '' then
      redis.call('PUBLISH', KEYS[i] .. ARGV[2], string.sub(ARGV[1], 1, 8))
    end
  end
end
if deleted == #KEYS then
  return 1
end
return 0
