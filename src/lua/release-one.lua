-- release-one: release a lock on one resource — compare-and-delete — and hand it to the next
-- @keys lock gone queue alive
-- @args value:str suffix:str publish:'SPUBLISH'|'PUBLISH' goneTtl:int handoff:int claim:str always:flag observed:flag
-- waiter in line: one waiter tries, not one per process (see lib/queue.lua).
-- KEYS[1]  the lock key
-- KEYS[2]  its gone mark
-- KEYS[3]  its waiting line (queue)
-- KEYS[4]  its waiting line (alive)
-- ARGV[1]  lock value (or a waiter's claim, when a waiter gives up its place)
-- ARGV[2]  suffix of the release channel (channel = lock key .. suffix); '' for none: then
--          no message and no hand-off (the vote of a won attempt's leftover claim)
-- ARGV[3]  'SPUBLISH' on a Redis Cluster, else 'PUBLISH' (see lib/publish.lua)
-- ARGV[4]  ms the gone mark lasts (the lock's ttl); '0' for none
-- ARGV[5]  ms the next waiter's claim holds the lock for it (it confirms with an attempt)
-- ARGV[6]  a claim to take out of line first ('' for none): the one this lock was waited for
--          with, or a waiter's that gives up its place
-- ARGV[7]  '1' to publish the release without asking who listens here (an election's, whose
--          observers may listen elsewhere; a Cluster node's, whose listeners may be on another)
-- ARGV[8]  '1' when observers follow every release on the release channel (an election's):
--          a hand-off is told there too, not on the next waiter's hand-off channel alone
-- Returns 1 when the key held the value (deleted), 0 otherwise.
--
-- The hand-off: the key is set to the first live claim in line, for ARGV[5] ms, and the
-- message names it (lib/publish.lua release_message), on the channel of that claim's Redlock
-- alone (handoff_channel): one process hears it. The claim is no lock: nobody holds it,
-- it only keeps other attempts out while its waiter comes — that waiter's attempt takes a key
-- holding its own claim as free (acquire.lua); a waiter a quorum named may hold the lock on
-- their word until that attempt comes back (lock/acquisition.ts). A waiter that never comes loses the claim when it expires. Nobody in line, but
-- someone listening (a waiter on several resources, an election's observer): a plain message.
-- Nobody listening: no message, and an uncontended lock pays one PUBSUB NUMSUB for the check.
-- The gone mark: as release.lua's, where the release handed the lock on or woke a listener, or
-- found the key not this value's.
--
-- The uncontended release first, before the libraries are defined (their closures cost a
-- busy server microseconds per call): no claim to take out of line, nobody told regardless —
-- compare-and-delete, and with nobody listening, done. Anything else goes on below, knowing
-- whether the key was this value's (and deleted) and how many listen.
local mine = nil
local listening = nil
if ARGV[6] == '' and ARGV[7] ~= '1' and ARGV[2] ~= '' then
  mine = redis.call('GET', KEYS[1]) == ARGV[1]
  if mine then
    redis.call('DEL', KEYS[1])
    listening = tonumber(redis.call('PUBSUB', 'NUMSUB', KEYS[1] .. ARGV[2])[2])
    if listening == 0 then
      return 1
    end
  end
end
-- @include lib/publish.lua
-- @include lib/queue.lua
local now = nil
local function now_ms()
  if not now then
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  return now
end

local value = ARGV[1]
local deleted = listening ~= nil -- (by the common case above)
if mine == nil then
  mine = redis.call('GET', KEYS[1]) == value
end
if ARGV[6] ~= '' then
  dequeue(KEYS[3], KEYS[4], ARGV[6])
end
local contended = false
if mine then
  if not deleted then
    redis.call('DEL', KEYS[1])
  end
  if ARGV[2] ~= '' then
    local channel = KEYS[1] .. ARGV[2]
    -- Every waiter listens on every server (it subscribes after its first refusal, and a
    -- waiter refused before its subscription was made tries again once it is): nobody
    -- listening here, nobody to hand to or to tell — the uncontended lock's case, one command.
    if ARGV[7] == '1' or (listening or listeners(channel)) > 0 then
      local waiting = redis.call('EXISTS', KEYS[4]) == 1 -- (every entry is in alive)
      local next = waiting and next_in_line(KEYS[3], KEYS[4], now_ms, tonumber(ARGV[5]))
      if next then
        redis.call('SET', KEYS[1], next, 'PX', ARGV[5])
        local message = release_message(value, next, ARGV[5])
        publish(handoff_channel(channel, next), message, ARGV[3])
        if ARGV[8] == '1' then
          publish(channel, message, ARGV[3])
        end
        contended = true
      else
        contended = publish(channel, release_message(value), ARGV[3]) > 0
      end
    end
  end
end
local gone_ttl = tonumber(ARGV[4])
if gone_ttl > 0 and (contended or not mine) then
  redis.call('SET', KEYS[2], value, 'PX', gone_ttl)
end
if mine then
  return 1
end
return 0
