-- acquire: take every key of a lock, or none; optionally issue a fencing token.
-- KEYS[1..n]     lock keys, one per resource
-- KEYS[n+1..2n]  fence counter keys, same order (only when ARGV[3] == '1')
-- ARGV[1]        lock value (>= 128 random bits, then the owner label)
-- ARGV[2]        ttl in milliseconds
-- ARGV[3]        '1' to issue a fencing token, '0' not to
-- ARGV[4]        restart quarantine in ms, '0' for none
-- Returns:
--   1             acquired, without a fencing token
--   {1, token}    acquired; token = the fencing token as a decimal string
--   {0, pttl}     held by another value; pttl = when the last held key here frees, in ms
--                 (-1 when a held key has no expiry)
--   {2, left}     free, but this server started less than the quarantine ago (a restart
--                 may have lost a lock): it must not vote for `left` more ms
-- Every read, and so every error (WRONGTYPE, a foreign counter), comes before the first write.
-- @include lib/fence.lua
local fence = ARGV[3] == '1'
local quarantine = tonumber(ARGV[4] or '0')
local n = fence and (#KEYS / 2) or #KEYS
local value = ARGV[1]

local heldPttl = nil
for i = 1, n do
  local current = redis.call('GET', KEYS[i])
  if current and current ~= value then
    local pttl = redis.call('PTTL', KEYS[i])
    if heldPttl == nil or pttl < 0 or (heldPttl >= 0 and pttl > heldPttl) then
      heldPttl = pttl
    end
  end
end
if heldPttl ~= nil then
  return {0, heldPttl}
end

if quarantine > 0 then
  -- A server that (re)started less than the quarantine ago may have forgotten (or reloaded
  -- an old copy of) a lock another client still holds: it does not vote yet. Its uptime
  -- says so whatever it reloaded, on every client alike.
  local up = tonumber(string.match(redis.call('INFO', 'server'), 'uptime_in_seconds:(%d+)'))
  if up and up * 1000 < quarantine then
    return {2, quarantine - up * 1000}
  end
end

local token = 0
if fence then
  local err
  token, err = next_token(n + 1, 2 * n)
  if not token then
    return err
  end
end

for i = 1, n do
  redis.call('SET', KEYS[i], value, 'PX', ARGV[2])
end
if not fence then
  return 1
end
return {1, set_counters(n + 1, 2 * n, token)}
