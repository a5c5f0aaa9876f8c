-- fenced-get: read a value written by fenced-set, with the token that wrote it.
-- @keys hash
-- KEYS[1]  the hash written by fenced-set
-- Returns {value, token}, or {} when the key does not exist.
local v = redis.call('HMGET', KEYS[1], 'value', 'fence')
if not v[1] or not v[2] then
  return {}
end
return {v[1], v[2]}
