-- renew(first, last, value, ttl, cover, may_retake, known): renew KEYS[first..last] of one
-- lock, all or nothing, and re-take keys this server lost. Returns 1 (every key held the
-- value: extended), 3 (some key was missing — or held a waiter's claim — and none held another
-- value: the missing ones were
-- set again — a re-take, not a vote), or 0 (another value holds a key here: no change). With
-- `cover` (coverage of a server the lock did not take), keys that hold the value already keep
-- their ttl: a cover never shortens what an extension (or an adopter's) gave them.
-- `may_retake` (optional) says whether this server may take a missing key again: not while it
-- is in restartQuarantine, for a server that may have lost locks must not gain a vote by a
-- re-take (0 then: no change).
-- `known` (optional): every key's value now, by key name (false when missing), read before by
-- the caller (extend-batch.lua: one MGET for a whole batch) instead of a GET per key here; a
-- key set again here is written back to it, so that a later lock of the same call that names
-- the same key sees it as it is.
local function value_of(i, known)
  if known then
    return known[KEYS[i]]
  end
  return redis.call('GET', KEYS[i])
end

-- A waiter's claim (release-one.lua: '~' and a value) is no lock: to a lock that holds a
-- quorum elsewhere, a key holding a claim is as good as missing (its waiter's attempt would
-- lose to that quorum anyway), and re-taking it at once closes the moment in which this
-- server, reserved for a waiter, would leave the lock on a bare majority.
local function free_here(current)
  return not current or string.sub(current, 1, 1) == '~'
end

local function renew(first, last, value, ttl, cover, may_retake, known)
  local missing = 0
  for i = first, last do
    local current = value_of(i, known)
    if free_here(current) then
      missing = missing + 1
    elseif current ~= value then
      return 0
    end
  end
  if missing > 0 and may_retake and not may_retake() then
    return 0
  end
  for i = first, last do
    if missing > 0 and free_here(value_of(i, known)) then
      redis.call('SET', KEYS[i], value, 'PX', ttl)
      if known then
        known[KEYS[i]] = value
      end
    elseif not cover then
      redis.call('PEXPIRE', KEYS[i], ttl)
    end
  end
  if missing > 0 then
    return 3
  end
  return 1
end
