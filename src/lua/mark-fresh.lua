-- mark-fresh: declare this server's data complete (a deliberate fresh start: a new deployment,
-- @keys marker
-- @args quarantine:int
-- a test suite), so that restartQuarantine does not hold it out.
-- KEYS[1]  the server's marker key
-- ARGV[1]  the restart quarantine in ms
-- The marker is dated one quarantine back and bound to this server run (run_id): a later
-- restart or flush is noticed again as usual.
-- Returns 1.
-- @include lib/time.lua
local now_ms = math.floor(server_us() / 1000)
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)') or ''
redis.call('SET', KEYS[1], string.format('%.0f', now_ms - tonumber(ARGV[1])) .. ':' .. run)
return 1
