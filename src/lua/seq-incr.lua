-- seq-incr: the next value of a sequence kept on a single instance.
-- @keys counter
-- KEYS[1]  the sequence's counter
-- Returns the new value as text (exact to 2^63 - 1: INCR is a 64-bit integer operation).
redis.call('INCR', KEYS[1])
return redis.call('GET', KEYS[1])
