-- undo-to: take back a failed attempt's vote here by handing the key to the holder a quorum
-- @keys lock gone
-- @args value:str holder:str ttl:int
-- reported, instead of freeing it. Freeing it would leave the server free for a moment while
-- the holder has only a bare majority: one of its servers losing its data (a restart, a
-- flush) would then give a third client a majority. The holder holds a quorum, so no other
-- valid holder can exist; writing its value here only keeps others out, for at most its ttl.
-- Unless the holder has released meanwhile (its gone mark here: release.lua): then the vote
-- is freed, as a plain undo would.
-- KEYS[1]  the lock key
-- KEYS[2]  its gone mark
-- ARGV[1]  this attempt's value
-- ARGV[2]  the holder's value
-- ARGV[3]  the holder's remaining ttl in ms, as a quorum reported it (the shortest), less
--          the time since (0 or less: the holder's validity is over; freed)
-- Returns 1 when the vote was handed over, 2 when it was freed, 0 when the key no longer
-- held this attempt's value.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local ttl = tonumber(ARGV[3])
if ttl <= 0 or redis.call('GET', KEYS[2]) == ARGV[2] then
  redis.call('DEL', KEYS[1])
  return 2
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
return 1
