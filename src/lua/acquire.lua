-- acquire: take every key of a lock, or none; optionally issue a fencing token.
-- @keys lock[] fence[] queue[] alive[] marker?
-- @args value:str ttl:int fence:flag quarantine:int marked:flag clock:flag claim?:str place?:int claimTtl?:int
-- KEYS[1..n]     lock keys, one per resource
-- KEYS[n+1..2n]  fence counter keys, same order (only when ARGV[3] == '1')
-- KEYS[..]       with ARGV[6..8] only: each resource's waiting line, the n queue keys then
--                the n alive keys (lib/queue.lua)
-- KEYS[last]     this server's marker key (only when ARGV[4] > 0 and ARGV[5] == '1')
-- ARGV[1]        lock value (>= 128 random bits, then the owner label)
-- ARGV[2]        ttl in milliseconds
-- ARGV[3]        '1' to issue a fencing token, '0' not to
-- ARGV[4]        restart quarantine in ms, '0' for none
-- ARGV[5]        '1' when the last key is the marker (not on a Cluster: one node per slot)
-- ARGV[6]        '1' to read the server's clock for the client's clock watch (core/clock.ts);
--                '0' not to: the reply's time is then 0 unless the script needed the clock
--                anyway (a quarantine, a waiting line). Asked every ~100 ms, not per call:
--                TIME is a third of an uncontended attempt's cost on the server.
-- ARGV[7..9]     optional: a waiter's claim, its place in line and how long its entry lasts
--                in ms (lib/queue.lua). A key that holds the claim (a release handed the lock
--                to this waiter: release-one.lua) counts as free; a refusal puts the claim in
--                line (or renews its entry there); a success leaves it first in line (the
--                attempt may fail elsewhere; the lock takes it out when it is released:
--                release-one.lua). A waiter on several resources is no one's next: a refusal
--                only marks it present in each alive set, so that a release is published.
-- Returns {code, data, time}; time = the server's clock in µs (see lib/time.lua), or 0:
--   {1, '', time}       acquired, without a fencing token
--   {1, token, time}    acquired; token = the fencing token as a decimal string
--   {0, pttl, time[, holder]}  held by another value; pttl = when the last held key here frees,
--                       in ms (-1 when a held key has no expiry); holder = that value (one
--                       resource only; kept inside Tenure, never shown)
--   {2, left, time, why}  free, but this server may have lost data (why: 'marker' — the
--                       marker is missing or young: flushed, restarted empty, evicted — or
--                       'uptime' — restarted less than the quarantine ago): it must not vote
--                       for `left` more ms
-- Every read, and so every error (WRONGTYPE, a foreign counter), comes before the first write
-- (the marker aside: creating it is what starts a quarantine).
-- @include lib/time.lua
-- @include lib/fence.lua
-- @include lib/quarantine.lua
-- @include lib/queue.lua
local fence = ARGV[3] == '1'
local quarantine = tonumber(ARGV[4] or '0')
local marked = ARGV[5] == '1'
local claim = ARGV[7]
if claim == '' then
  claim = nil
end
local n = #KEYS
if marked then
  n = n - 1
end
local per = 1 -- keys per resource
if fence then
  per = per + 1
end
if claim then
  per = per + 2
end
n = n / per
local line = fence and 2 * n or n -- the waiting lines' keys follow
local value = ARGV[1]
local now = 0
local function now_us()
  if now == 0 then
    now = server_us()
  end
  return now
end
if ARGV[6] == '1' then
  now_us()
end

local heldPttl = nil
local holder = nil
for i = 1, n do
  local current = redis.call('GET', KEYS[i])
  if current and current ~= value and current ~= claim then
    holder = current
    local pttl = redis.call('PTTL', KEYS[i])
    if heldPttl == nil or pttl < 0 or (heldPttl >= 0 and pttl > heldPttl) then
      heldPttl = pttl
    end
  end
end
if heldPttl ~= nil then
  if claim then
    local now_ms = math.floor(now_us() / 1000)
    if n == 1 then
      enqueue(KEYS[line + 1], KEYS[line + 2], claim, tonumber(ARGV[8]), tonumber(ARGV[9]), now_ms)
    else
      for i = 1, n do
        present(KEYS[line + n + i], claim, tonumber(ARGV[9]), now_ms)
      end
    end
  end
  if n == 1 then
    -- (one resource: the holder's value, so that a failed attempt can hand its partial votes
    -- to the holder instead of freeing them: see undo-to.lua)
    return {0, heldPttl, now, holder}
  end
  return {0, heldPttl, now}
end

local refusal = quarantine > 0 and quarantine_reply(quarantine, marked, KEYS[#KEYS], now_us())
if refusal then
  return refusal
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
  return {1, '', now}
end
return {1, set_counters(n + 1, 2 * n, token), now}
