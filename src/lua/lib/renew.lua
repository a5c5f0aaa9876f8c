-- renew(first, last, value, ttl): renew KEYS[first..last] of one lock, all or nothing, and
-- re-take keys this server lost. Returns 1 (every key held the value: extended), 3 (some key
-- was missing and none held another value: the missing ones were set again — a re-take, not
-- a vote), or 0 (another value holds a key here: no change).
local function renew(first, last, value, ttl)
  local missing = 0
  for i = first, last do
    local current = redis.call('GET', KEYS[i])
    if not current then
      missing = missing + 1
    elseif current ~= value then
      return 0
    end
  end
  for i = first, last do
    if missing > 0 then
      redis.call('SET', KEYS[i], value, 'PX', ttl)
    else
      redis.call('PEXPIRE', KEYS[i], ttl)
    end
  end
  if missing > 0 then
    return 3
  end
  return 1
end
