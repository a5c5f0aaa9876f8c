-- mark: raise a job's done-marker to ARGV[1] (never lower it), only while the job's lock
-- @keys mark lock
-- @args mark:int expiry:int value:str
-- still holds the run's value here: a run that lost its lock before the end is not recorded.
-- KEYS[1]  the marker key
-- KEYS[2]  the job's lock key
-- ARGV[1]  the mark: a non-negative integer (the period done, or 1 for a run-once task)
-- ARGV[2]  expiry in ms, or '0' for none
-- ARGV[3]  the run's lock value
-- Returns 1 (marked), or 0 when the lock does not hold the value here (nothing written).
-- A marker of another type is a WRONGTYPE error, not a silent success.
if redis.call('GET', KEYS[2]) ~= ARGV[3] then
  return 0
end
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
