-- read-mark: a job's done-marker.
-- @keys mark
-- KEYS[1]  the marker key
-- Returns {1, mark} where mark is the marker's text, or 0 when there is none.
local current = redis.call('GET', KEYS[1])
if current then
  return {1, current}
end
return 0
