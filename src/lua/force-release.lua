-- force-release: delete a lock here, whoever holds it (`tenure release --force`), and wake its
-- @keys lock gone readers?
-- @args suffix:str publish:'SPUBLISH'|'PUBLISH'
-- waiters as a release does. The fence counter stays: tokens keep growing.
-- KEYS[1]  the lock key
-- KEYS[2]  its gone mark: set to the deleted value for what was left of its ttl, as a release
--          sets it, so that a contender's failed attempt does not hand its vote back to that
--          holder here (undo-to.lua), bringing back the lock this deleted
-- KEYS[3]  a read-write lock's readers (a sorted set: keys.ts rwKeys), deleted too; absent
--          for any other lock
-- ARGV[1]  suffix of the release channel (channel = lock key .. suffix)
-- ARGV[2]  'SPUBLISH' on a Redis Cluster, else 'PUBLISH' (see lib/publish.lua)
-- Returns {value, readers}: the value it deleted ('' when no lock key was here) and how many
-- readers it deleted (0 without KEYS[3]).
-- @include lib/publish.lua
local value = redis.call('GET', KEYS[1])
local readers = 0
if KEYS[3] then
  readers = redis.call('ZCARD', KEYS[3])
  if readers > 0 then
    redis.call('DEL', KEYS[3])
  end
end
if value then
  local pttl = redis.call('PTTL', KEYS[1])
  redis.call('DEL', KEYS[1])
  if pttl > 0 then
    redis.call('SET', KEYS[2], value, 'PX', pttl)
  end
end
if value or readers > 0 then
  publish(KEYS[1] .. ARGV[1], release_message(value or '~readers'), ARGV[2])
end
return {value or '', readers}
