-- extend-batch: renew many leases in one call (the keeper's batches); each as extend.lua.
-- @keys lock[] marker?
-- @args layout:str values:str quarantine?:int marked?:flag
-- KEYS        the lock keys of every lease, lease after lease; then, when ARGV[4] is '1',
--             this server's marker key
-- ARGV[1]     the layout (core/batch-args.ts): runs of leases alike, each 'count:keys:ttl:bytes '
--             (a space after each) — that many leases in a row, each with that many keys,
--             renewed to that ttl in ms, whose value is that many bytes long
-- ARGV[2]     every lease's value, concatenated in lease order
-- ARGV[3]     optional: the restart quarantine in ms ('0': none)
-- ARGV[4]     '1' when the last key is this server's marker key (as extend.lua: a server in
--             quarantine re-takes nothing)
-- Returns {time, code_1, ..., code_m}: time = the server's clock in µs; code as extend.lua's
-- (1 extended, 3 re-taken, 0 held by another value here). A layout that does not account for
-- exactly the keys and values given is an error, and nothing is renewed.
-- Commands: one MGET reads every lease's keys (per 1,000 keys), then a PEXPIRE per key of a
-- lease that holds all its keys — no fewer can be safe on Redis 7.0, which has no command
-- that sets an expiry only where the key holds a given value (GETEX sets it whatever the
-- value: it could shorten another holder's key, and two clients would then hold the lock).
-- @include lib/time.lua
-- @include lib/quarantine.lua
-- @include lib/renew.lua
local layout = ARGV[1]
local values = ARGV[2]
local quarantine = tonumber(ARGV[3] or '0')
local marked = ARGV[4] == '1'
local runs = {}
local read, keys, bytes = 0, 0, 0
for count, n, ttl, len in string.gmatch(layout, '(%d+):(%d+):(%d+):(%d+) ') do
  read = read + #count + #n + #ttl + #len + 4
  count, n, len = tonumber(count), tonumber(n), tonumber(len)
  if n < 1 or len < 1 or tonumber(ttl) < 1 then
    read = -1
    break
  end
  keys = keys + count * n
  bytes = bytes + count * len
  runs[#runs + 1] = {count, n, ttl, len}
end
local lease_keys = #KEYS
if marked then
  lease_keys = lease_keys - 1
end
if read ~= #layout or keys ~= lease_keys or bytes ~= #values then
  return redis.error_reply('TENURE extend-batch: the layout does not match the keys and values given')
end
local now = server_us()
local function may_retake()
  return quarantine_reply(quarantine, marked, KEYS[#KEYS], now) == nil
end
-- Every key's value now, by name (false when missing), in MGETs of at most 1,000 keys (unpack's limit).
local known = {}
for from = 1, lease_keys, 1000 do
  local to = math.min(from + 999, lease_keys)
  local got = redis.call('MGET', unpack(KEYS, from, to))
  for j = 1, #got do
    known[KEYS[from + j - 1]] = got[j]
  end
end
local out = {now}
local k, at = 0, 1
for _, run in ipairs(runs) do
  local count, n, ttl, len = run[1], run[2], run[3], run[4]
  for _ = 1, count do
    out[#out + 1] = renew(k + 1, k + n, string.sub(values, at, at + len - 1), ttl, false, may_retake, known)
    k = k + n
    at = at + len
  end
end
return out
