-- rw-release: take a value out of a read-write lock here, whichever side holds it, and wake
-- @keys writer readers waiting
-- @args value:str suffix:str publish:'SPUBLISH'|'PUBLISH'
-- the waiters. Also what a failed attempt's sweep sends (core/instance.ts), and how a waiting
-- writer that gives up takes its waiting mark away (the value is then its waiting id).
-- KEYS[1]  the writer's key
-- KEYS[2]  the readers (sorted set)
-- KEYS[3]  the waiting writers (sorted set)
-- ARGV[1]  the value (or a waiting writer's id)
-- ARGV[2]  suffix of the release channel (channel = KEYS[1] .. suffix); '' for none
-- ARGV[3]  'SPUBLISH' on a Redis Cluster, else 'PUBLISH'
-- Returns 1 when the value held the writer's key or a reader's share here (now gone), else 0.
-- Anything taken out publishes one message (lib/publish.lua).
-- @include lib/publish.lua
local held = 0
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  held = 1
end
held = held + redis.call('ZREM', KEYS[2], ARGV[1])
local unmarked = redis.call('ZREM', KEYS[3], ARGV[1])
if ARGV[2] ~= '' and held + unmarked > 0 then
  publish(KEYS[1] .. ARGV[2], release_message(ARGV[1]), ARGV[3])
end
if held > 0 then
  return 1
end
return 0
