-- force-release: delete a lock here, whoever holds it (`tenure release --force`), and wake its
-- @keys lock
-- @args suffix:str publish:'SPUBLISH'|'PUBLISH'
-- waiters as a release does. The fence counter stays: tokens keep growing.
-- KEYS[1]  the lock key
-- ARGV[1]  suffix of the release channel (channel = lock key .. suffix)
-- ARGV[2]  'SPUBLISH' on a Redis Cluster, else 'PUBLISH' (see lib/publish.lua)
-- Returns the value it deleted, or '' when there was no lock here.
-- @include lib/publish.lua
local value = redis.call('GET', KEYS[1])
if not value then
  return ''
end
redis.call('DEL', KEYS[1])
publish(KEYS[1] .. ARGV[1], release_message(value), ARGV[2])
return value
