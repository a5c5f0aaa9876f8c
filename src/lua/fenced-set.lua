-- fenced-set: the protected side of fencing. Write a value only if its fencing token is at
-- @keys hash
-- @args token:str value:str ttl:int|''
-- least the highest token seen for that key (the same holder may write again).
-- KEYS[1]  a hash: field 'value' (the data), field 'fence' (the highest token accepted)
-- ARGV[1]  the writer's fencing token (decimal, no leading zeros)
-- ARGV[2]  the value
-- ARGV[3]  ttl of the hash in ms, or '' to keep it
-- Returns {1, token} when written, {0, highest} when rejected as stale.
-- @include lib/decimal.lua
local highest = redis.call('HGET', KEYS[1], 'fence')
if highest and decimal_less(ARGV[1], highest) then
  return {0, highest}
end
redis.call('HSET', KEYS[1], 'value', ARGV[2], 'fence', ARGV[1])
if ARGV[3] ~= '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return {1, ARGV[1]}
