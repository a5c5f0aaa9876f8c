-- inspect: read one lock without changing it.
-- @keys lock fence
-- KEYS[1]  lock key
-- KEYS[2]  fence counter key
-- Returns {value or '', pttl, counter or ''}; pttl is -2 when the key does not exist.
local v = redis.call('GET', KEYS[1])
local pttl = redis.call('PTTL', KEYS[1])
local c = redis.call('GET', KEYS[2])
return {v or '', pttl, c or ''}
