-- mark: raise a job's done-marker to ARGV[1] (never lower it).
-- KEYS[1]  the marker key
-- ARGV[1]  the mark: a non-negative integer (the period done, or 1 for a run-once task)
-- ARGV[2]  expiry in ms, or '0' for none
-- Returns 1. A marker of another type is a WRONGTYPE error, not a silent success.
local current = redis.call('GET', KEYS[1])
local mark = tonumber(ARGV[1])
if current and tonumber(current) and tonumber(current) >= mark then
  mark = tonumber(current)
end
if ARGV[2] ~= '0' then
  redis.call('SET', KEYS[1], string.format('%d', mark), 'PX', ARGV[2])
else
  redis.call('SET', KEYS[1], string.format('%d', mark))
end
return 1
