-- announce: publish a message on a channel (an election's new leader).
-- KEYS[1]  the channel (passed as a key so that Cluster routes it to the lock's slot)
-- ARGV[1]  the message
-- ARGV[2]  'SPUBLISH' on a Redis Cluster (sharded pub/sub), else 'PUBLISH'; absent means
--          'PUBLISH'. A Redis older than 7.0 has no SPUBLISH: PUBLISH then, which the
--          listeners' fallback (SUBSCRIBE after SSUBSCRIBE failed) receives.
-- Returns the number of subscribers that received it here.
if ARGV[2] == 'SPUBLISH' then
  local sent = redis.pcall('SPUBLISH', KEYS[1], ARGV[1])
  if type(sent) ~= 'table' or not sent.err then
    return sent
  end
end
return redis.call('PUBLISH', KEYS[1], ARGV[1])
