-- A lock's waiting line (keys.ts queueKeys): `queue` scores each waiter's claim by its place
-- (the time it began to wait, given by the waiter, the same on every server), `alive` scores
-- the same claims by the server time in ms they lapse at. A waiter's every attempt renews its
-- entry, so a waiter that died drops out by itself.

-- enqueue(queue, alive, claim, place, ttl, now_ms): put `claim` in line (keeping its place if it
-- is in line already) for `ttl` ms more. Both keys outlive their longest entry (their expiry
-- is pushed out to 2 × ttl whenever less than ttl is left: once per ttl, not per call).
local function enqueue(queue, alive, claim, place, ttl, now_ms)
  redis.call('ZADD', queue, 'NX', place, claim)
  redis.call('ZADD', alive, now_ms + ttl, claim)
  if redis.call('PTTL', queue) < ttl then
    redis.call('PEXPIRE', queue, 2 * ttl)
    redis.call('PEXPIRE', alive, 2 * ttl)
  end
end

-- present(alive, claim, ttl, now_ms): mark a waiter that is in no line (it waits on several
-- resources) present for `ttl` ms more, so that a release here is published for it.
local function present(alive, claim, ttl, now_ms)
  redis.call('ZADD', alive, now_ms + ttl, claim)
  if redis.call('PTTL', alive) < ttl then
    redis.call('PEXPIRE', alive, 2 * ttl)
  end
end

-- dequeue(queue, alive, claim): take `claim` out of line.
local function dequeue(queue, alive, claim)
  redis.call('ZREM', queue, claim)
  redis.call('ZREM', alive, claim)
end

-- next_in_line(queue, alive, now_ms, claim_ms): the first claim in line that has not lapsed
-- (lapsed ones ahead of it are dropped), or nil. It stays first in line, but lapses within
-- `claim_ms` unless its waiter comes (an attempt renews it): a waiter that died is passed over
-- at the next release. now_ms() is asked only when someone waits.
local function next_in_line(queue, alive, now_ms, claim_ms)
  for _ = 1, 32 do
    local head = redis.call('ZRANGE', queue, 0, 0)[1]
    if not head then
      return nil
    end
    local lapses = tonumber(redis.call('ZSCORE', alive, head) or '0')
    if lapses > now_ms() then
      if lapses > now_ms() + claim_ms then
        redis.call('ZADD', alive, now_ms() + claim_ms, head)
      end
      return head
    end
    dequeue(queue, alive, head)
  end
  return nil
end
