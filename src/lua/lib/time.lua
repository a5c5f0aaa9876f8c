-- server_us(): the server's clock (TIME) in microseconds, exact in a Lua number (< 2^53).
-- Lock scripts return it, so that the client can compare the server's clock rate with its own.
local function server_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
