-- holds_all(n, value): whether KEYS[1..n] all hold value.
local function holds_all(n, value)
  for i = 1, n do
    if redis.call('GET', KEYS[i]) ~= value then
      return false
    end
  end
  return true
end
