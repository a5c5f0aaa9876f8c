-- publish(channel, message, command): wake the listeners of a channel. command is 'SPUBLISH'
-- on a Redis Cluster (sharded pub/sub: the message stays on the channel's shard), else
-- 'PUBLISH' (absent means 'PUBLISH'). A Redis older than 7.0 has no SPUBLISH: the message
-- then goes out by PUBLISH, which the listeners' fallback (SUBSCRIBE after SSUBSCRIBE
-- failed) receives. Returns the number of listeners it reached here.
local function publish(channel, message, command)
  if command == 'SPUBLISH' then
    local sent = redis.pcall('SPUBLISH', channel, message)
    if type(sent) ~= 'table' or not sent.err then
      return sent
    end
  end
  return redis.call('PUBLISH', channel, message)
end

-- listeners(channel): how many listen on `channel` here (not on a Cluster: there a listener
-- may be on another node).
local function listeners(channel)
  return tonumber(redis.call('PUBSUB', 'NUMSUB', channel)[2])
end

-- release_message(value[, next, ms]): what a release publishes: the first 8 characters of the
-- lock value, so that a waiter tells the N copies of one release (one per server) apart; when
-- the release handed the lock to a waiter's claim, '>', the first 25 characters of the claim
-- ('~', its Redlock's tag and 96 random bits: a waiter may take the lock on a quorum of these
-- messages, so no two claims may share them), '/' and the ms the claim holds the key for
-- (keys.ts releaseMessage).
local function release_message(value, next, ms)
  if next then
    return string.sub(value, 1, 8) .. '>' .. string.sub(next, 1, 25) .. '/' .. ms
  end
  return string.sub(value, 1, 8)
end

-- handoff_channel(channel, next): where a release that hands the lock to claim `next` tells
-- it: the channel of the claim's Redlock alone (its tag: the 8 characters after the '~'), so
-- that one process hears it, not every process that waits (keys.ts handoffChannel).
local function handoff_channel(channel, next)
  return channel .. '@' .. string.sub(next, 2, 9)
end
