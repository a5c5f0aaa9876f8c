-- uptime_left(info, quarantine): ms until the server has been up for the quarantine, by INFO
-- server's uptime_in_seconds — whole seconds that can turn 1 as soon as ~0.5 s after start, so
-- counted one second short: never early.
local function uptime_left(info, quarantine)
  local up = tonumber(string.match(info, 'uptime_in_seconds:(%d+)'))
  if not up then
    return 0
  end
  local sure = math.max(0, up - 1) * 1000
  if sure < quarantine then
    return quarantine - sure
  end
  return 0
end

-- quarantine_left(marker, quarantine, now_us): ms this server must still wait before it may
-- vote, 0 when it may. A server may have lost locks other clients still hold — restarted
-- empty, flushed, resynced from an empty master, or evicted keys — and then it must not vote
-- until every lock it may have forgotten has expired. Two facts tell:
--   * the marker key (no expiry; its value is the server time in ms it was created at, and
--     optionally ':<run_id>' when a client declared the data fresh in that server run):
--     missing or younger than the quarantine means data may be gone;
--   * the uptime, for a restart that reloaded an old copy (an old marker with it), unless
--     the marker was declared fresh in this very run.
-- Returns the ms left and why ('marker' or 'uptime'), or 0.
local function quarantine_left(marker, quarantine, now_us)
  local now_ms = math.floor(now_us / 1000)
  local info = redis.call('INFO', 'server')
  local raw = redis.call('GET', marker)
  if not raw then
    redis.call('SET', marker, string.format('%.0f', now_ms))
    return quarantine, 'marker'
  end
  local since, run = string.match(raw, '^(%d+):?(%x*)$')
  if not since then
    return nil, redis.error_reply('TENURE server marker ' .. marker .. ' holds a foreign value')
  end
  local age = now_ms - tonumber(since)
  if age < 0 then
    -- The server's clock went back past the marker: start the quarantine again from now.
    redis.call('SET', marker, string.format('%.0f', now_ms))
    return quarantine, 'marker'
  end
  if age < quarantine then
    return quarantine - age, 'marker'
  end
  if run ~= '' and run == string.match(info, 'run_id:(%x+)') then
    return 0
  end
  local left = uptime_left(info, quarantine)
  if left > 0 then
    return left, 'uptime'
  end
  return 0
end

-- quarantine_reply(quarantine, marked, marker, now_us): what an acquiring script answers when
-- this server may not vote yet — {2, left, time, why}, or an error reply (a foreign marker) —
-- or nil when it may. `marked`: the marker key is KEYS (not on a Cluster node, where the
-- uptime alone tells). The one copy of this rule for acquire, rw-acquire and sem-pick.
local function quarantine_reply(quarantine, marked, marker, now_us)
  if quarantine <= 0 then
    return nil
  end
  local left, why
  if marked then
    left, why = quarantine_left(marker, quarantine, now_us)
    if not left then
      return why
    end
  else
    left, why = uptime_left(redis.call('INFO', 'server'), quarantine), 'uptime'
  end
  if left > 0 then
    return {2, left, now_us, why}
  end
  return nil
end
