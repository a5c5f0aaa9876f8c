-- next_token(first, last): the next fencing token for the counters KEYS[first..last]:
--   max over them of max(counter + 1, server time in microseconds)
-- so a token is above every token issued before for any of these resources, and an instance
-- that lost its data starts above the tokens it issued before (given a sane server clock).
-- Reads only: returns nil, err when a counter holds a foreign value, before any write.
local function next_token(first, last)
  local t = redis.call('TIME')
  local token = tonumber(t[1]) * 1000000 + tonumber(t[2])
  for i = first, last do
    local raw = redis.call('GET', KEYS[i])
    if raw then
      local c = tonumber(raw)
      if not c then
        return nil, redis.error_reply('TENURE fence counter ' .. KEYS[i] .. ' holds a non-numeric value')
      end
      if c + 1 > token then
        token = c + 1
      end
    end
  end
  return token
end

-- set_counters(first, last, token): write the token to KEYS[first..last]; returns it as text.
local function set_counters(first, last, token)
  local s = string.format('%.0f', token)
  for i = first, last do
    redis.call('SET', KEYS[i], s)
  end
  return s
end
