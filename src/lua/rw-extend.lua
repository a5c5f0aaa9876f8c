-- rw-extend: renew one side's share of a read-write lock here, re-taking it where it was lost.
-- @keys writer readers
-- @args value:str ttl:int side:'read'|'write' renewOnly?:flag
-- KEYS[1]  the writer's key
-- KEYS[2]  the readers (sorted set, scored by expiry in server ms)
-- ARGV[1]  the value
-- ARGV[2]  new ttl in ms
-- ARGV[3]  'read' or 'write'
-- ARGV[4]  '1': renew only, never re-take (what adopting sends first); absent or '0': re-take
-- Returns what extend.lua returns: {1, time} renewed; {3, time} the share was missing here
-- (data lost, expired early) and nothing stood in its way, so it was set again — a re-take,
-- not a vote (the caller counts it only towards coverage); {0, time} the other side (or
-- another writer) is here: no change. A re-take never passes over the other side: a writer
-- is not set beside readers, nor a reader beside a writer.
-- @include lib/time.lua
local value, ttl, side = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local retake = ARGV[4] ~= '1'
local now = server_us()
local now_ms = math.floor(now / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now_ms)
local writer = redis.call('GET', KEYS[1])
if side == 'write' then
  if writer == value then
    redis.call('PEXPIRE', KEYS[1], ttl)
    return {1, now}
  end
  if writer or not retake or redis.call('ZCARD', KEYS[2]) > 0 then
    return {0, now}
  end
  redis.call('SET', KEYS[1], value, 'PX', ttl)
  return {3, now}
end
if side ~= 'read' then
  return redis.error_reply('TENURE rw-extend: unknown side ' .. tostring(side))
end
local had = redis.call('ZSCORE', KEYS[2], value)
if not had and (writer or not retake) then
  return {0, now}
end
redis.call('ZADD', KEYS[2], now_ms + ttl, value)
local top = redis.call('ZRANGE', KEYS[2], 0, 0, 'REV', 'WITHSCORES')
redis.call('PEXPIRE', KEYS[2], math.max(1, tonumber(top[2]) - now_ms))
if had then
  return {1, now}
end
return {3, now}
