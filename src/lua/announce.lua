-- announce: publish a message on a channel (an election's new leader).
-- KEYS[1]  the channel (passed as a key so that Cluster routes it to the lock's slot)
-- ARGV[1]  the message
-- Returns the number of subscribers that received it here.
return redis.call('PUBLISH', KEYS[1], ARGV[1])
