-- rw-acquire: one side of a read-write lock takes its share here, or nothing.
-- @keys writer readers waiting fence? marker?
-- @args value:str ttl:int fence:flag quarantine:int marked:flag side:'read'|'write' waitId:str waitMs:int
-- KEYS[1]  the writer's key (a string: the writing holder's value, PX its ttl)
-- KEYS[2]  the readers (a sorted set: each reader's value, scored by its expiry, server ms)
-- KEYS[3]  the waiting writers (a sorted set: each waiting writer's id, scored by expiry)
-- KEYS[4]  the writer's fence counter (only when ARGV[3] == '1')
-- KEYS[last] this server's marker key (only when ARGV[4] > 0 and ARGV[5] == '1')
-- ARGV[1]  the value (>= 128 random bits, then the owner label)
-- ARGV[2]  ttl in ms (a reader's lease here, or the writer key's PX)
-- ARGV[3]  '1' to issue a fencing token (writers only), '0' not to
-- ARGV[4]  restart quarantine in ms, '0' for none
-- ARGV[5]  '1' when the last key is the marker
-- ARGV[6]  'read' or 'write'
-- ARGV[7]  a writer's waiting id: when refused, it is marked waiting here (new readers are
--          turned away while the mark lasts); taken, its mark goes. '' for none.
-- ARGV[8]  how long a waiting mark lasts, ms (renewed by each attempt)
-- Returns what acquire.lua returns (one decoder): {1, token or '', time} taken;
--   {0, ms, time} refused — ms = when the writer's key, the last reader, or the waiting
--   writers' mark frees here (-1: no expiry); {2, left, time, why} quarantined.
-- Readers share; a writer needs no writer and no reader here; a reader needs no writer and
-- no waiting writer here. Reads (and their errors) first, then writes.
-- @include lib/time.lua
-- @include lib/fence.lua
-- @include lib/quarantine.lua
local side = ARGV[6]
if side ~= 'read' and side ~= 'write' then
  return redis.error_reply('TENURE rw-acquire: unknown side ' .. tostring(side))
end
local fence = ARGV[3] == '1'
local quarantine = tonumber(ARGV[4] or '0')
local marked = ARGV[5] == '1'
local value, ttl, waiter = ARGV[1], tonumber(ARGV[2]), ARGV[7]
local now = server_us()
local now_ms = math.floor(now / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now_ms)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now_ms)

-- Keeps a sorted set alive as long as its longest-lived member.
local function expire_set(key)
  local top = redis.call('ZRANGE', key, 0, 0, 'REV', 'WITHSCORES')
  if top[2] then
    redis.call('PEXPIRE', key, math.max(1, tonumber(top[2]) - now_ms))
  end
end

local function refuse(ms)
  if side == 'write' and waiter ~= '' then
    redis.call('ZADD', KEYS[3], now_ms + tonumber(ARGV[8]), waiter)
    expire_set(KEYS[3])
  end
  return {0, ms, now}
end

local writer = redis.call('GET', KEYS[1])
if writer and writer ~= value then
  return refuse(redis.call('PTTL', KEYS[1]))
end
local last = redis.call('ZRANGE', KEYS[2], 0, 0, 'REV', 'WITHSCORES')
if side == 'write' and last[2] then
  return refuse(tonumber(last[2]) - now_ms)
end
if side == 'read' then
  local waiting = redis.call('ZRANGE', KEYS[3], 0, 0, 'REV', 'WITHSCORES')
  if waiting[2] then
    return refuse(tonumber(waiting[2]) - now_ms)
  end
end

local refusal = quarantine_reply(quarantine, marked, KEYS[#KEYS], now)
if refusal then
  return refusal
end

if side == 'read' then
  redis.call('ZADD', KEYS[2], now_ms + ttl, value)
  expire_set(KEYS[2])
  return {1, '', now}
end
local token = 0
if fence then
  local err
  token, err = next_token(4, 4)
  if not token then
    return err
  end
end
redis.call('SET', KEYS[1], value, 'PX', ttl)
if waiter ~= '' then
  redis.call('ZREM', KEYS[3], waiter)
end
if not fence then
  return {1, '', now}
end
return {1, set_counters(4, 4, token), now}
