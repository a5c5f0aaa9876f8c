-- force-release: delete a lock here, whoever holds it (`tenure release --force`), and wake its
-- @keys lock gone
-- @args suffix:str publish:'SPUBLISH'|'PUBLISH'
-- waiters as a release does. The fence counter stays: tokens keep growing.
-- KEYS[1]  the lock key
-- KEYS[2]  its gone mark: set to the deleted value for what was left of its ttl, as a release
--          sets it, so that a contender's failed attempt does not hand its vote back to that
--          holder here (undo-to.lua), bringing back the lock this deleted
-- ARGV[1]  suffix of the release channel (channel = lock key .. suffix)
-- ARGV[2]  'SPUBLISH' on a Redis Cluster, else 'PUBLISH' (see lib/publish.lua)
-- Returns the value it deleted, or '' when there was no lock here.
-- @include lib/publish.lua
local value = redis.call('GET', KEYS[1])
if not value then
  return ''
end
local pttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
if pttl > 0 then
  redis.call('SET', KEYS[2], value, 'PX', pttl)
end
publish(KEYS[1] .. ARGV[1], release_message(value), ARGV[2])
return value
