-- release: compare-and-delete every key of a lock, and wake its waiters.
-- @keys lock[] gone[]
-- @args value:str suffix:str publish:'SPUBLISH'|'PUBLISH' goneTtl?:int
-- KEYS[1..n]  lock keys; with ARGV[4], then KEYS[n+1..2n]: each lock key's gone mark
-- ARGV[1]     lock value
-- ARGV[2]     suffix of the release channel (channel = lock key .. suffix); '' for none
-- ARGV[3]     'SPUBLISH' on a Redis Cluster (sharded pub/sub: the message stays on the
--             channel's shard), else 'PUBLISH'; absent means 'PUBLISH'
-- ARGV[4]     optional: ms the gone mark lasts (the lock's ttl)
-- Returns 1 when every key held the value (all deleted), 0 otherwise (the keys that still
-- held it are deleted all the same). Each deleted key's channel gets a message: a short
-- prefix of the value, so that a waiter can tell the N copies of one release apart.
-- (SPUBLISH or PUBLISH, and the message's form: lib/publish.lua.)
--
-- The gone mark (the released value, for the lock's ttl) tells a contender's attempt that
-- saw this lock held elsewhere, and is still in flight, that the holder is gone: its
-- partial vote here is then freed, not handed to the holder (undo-to.lua), which would
-- leave a key nobody holds blocking the server for the holder's ttl. Such an attempt
-- exists only where someone contends: the mark is written where the release woke a
-- waiter, or found the key not (or no longer) this lock's — never on an uncontended lock.
-- @include lib/publish.lua
local gone_ttl = tonumber(ARGV[4] or '')
local n = #KEYS
if gone_ttl then
  n = n / 2
end
local deleted = 0
for i = 1, n do
  local woke = 0
  local mine = redis.call('GET', KEYS[i]) == ARGV[1]
  if mine then
    redis.call('DEL', KEYS[i])
    deleted = deleted + 1
    if ARGV[2] ~= '' then
      woke = publish(KEYS[i] .. ARGV[2], release_message(ARGV[1]), ARGV[3])
    end
  end
  if gone_ttl and gone_ttl > 0 and (woke > 0 or not mine) then
    redis.call('SET', KEYS[n + i], ARGV[1], 'PX', gone_ttl)
  end
end
if deleted == n then
  return 1
end
return 0
