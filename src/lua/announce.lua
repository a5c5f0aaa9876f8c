-- announce: publish a message on a channel (an election's new leader).
-- @keys channel
-- @args message:str publish:'SPUBLISH'|'PUBLISH'
-- KEYS[1]  the channel (passed as a key so that Cluster routes it to the lock's slot)
-- ARGV[1]  the message
-- ARGV[2]  'SPUBLISH' on a Redis Cluster, else 'PUBLISH' (see lib/publish.lua)
-- Returns the number of subscribers that received it here.
-- @include lib/publish.lua
return publish(KEYS[1], ARGV[1], ARGV[2])
