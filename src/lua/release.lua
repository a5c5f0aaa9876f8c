-- release: compare-and-delete every key of a lock, and wake its waiters.
-- KEYS[1..n]  lock keys
-- ARGV[1]     lock value
-- ARGV[2]     suffix of the release channel (channel = lock key .. suffix); '' for none
-- ARGV[3]     'SPUBLISH' on a Redis Cluster (sharded pub/sub: the message stays on the
--             channel's shard), else 'PUBLISH'; absent means 'PUBLISH'
-- Returns 1 when every key held the value (all deleted), 0 otherwise (the keys that still
-- held it are deleted all the same). Each deleted key's channel gets a message: a short
-- prefix of the value, so that a waiter can tell the N copies of one release apart.
-- (SPUBLISH or PUBLISH, and the message's form: lib/publish.lua.)
-- @include lib/publish.lua
local deleted = 0
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then
    redis.call('DEL', KEYS[i])
    deleted = deleted + 1
    if ARGV[2] ~= '' then
      publish(KEYS[i] .. ARGV[2], release_message(ARGV[1]), ARGV[3])
    end
  end
end
if deleted == #KEYS then
  return 1
end
return 0
