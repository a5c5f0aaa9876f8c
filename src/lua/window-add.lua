-- window-add: add to a fixed-window counter (a request counter, a rate limit).
-- @keys counter
-- @args window:int n:int limit:int
-- KEYS[1]  the counter (a hash: start, count)
-- ARGV[1]  the window in ms
-- ARGV[2]  how much to add: a positive integer
-- ARGV[3]  the limit, or '0' for none: an add that would pass it is refused (not counted)
-- Windows are aligned to the server's clock (multiples of the window since the epoch); the
-- key expires with its window.
-- Returns {allowed (1|0), count in this window, ms until the window ends}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local start = now - (now % window)
local stored = redis.call('HMGET', KEYS[1], 'start', 'count')
local count = 0
if tonumber(stored[1]) == start then
  count = tonumber(stored[2]) or 0
end
local n = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local allowed = 1
if limit > 0 and count + n > limit then
  allowed = 0
else
  count = count + n
end
redis.call('HSET', KEYS[1], 'start', string.format('%.0f', start), 'count', string.format('%.0f', count))
redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', start + window))
return {allowed, count, start + window - now}
