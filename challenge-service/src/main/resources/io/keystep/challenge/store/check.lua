-- The whole check of a presented code, atomically (see ChallengeStore.CHECK_SCRIPT for KEYS and ARGV).
-- Kept in its own file so that the benchmarks measure exactly the script the service runs.
local f = redis.call('HMGET', KEYS[1], 'tenant', 'status', 'attempts', 'maxAttempts', 'expiresAt',
                     'digest', 'userId', 'loginId', 'device', 'channelPlan', 'factorId')
if not f[1] or f[1] ~= ARGV[1] then
  return {'not_found'}
end
-- ARGV[10] = '1': the caller presented a sent code without knowing the challenge's factor. A challenge answered by
-- an authenticator or a recovery code is not judged (nothing is touched): the script names the factor and the user,
-- and the caller checks the code against that factor first, then runs the script again without this flag.
if ARGV[10] == '1' and f[11] then
  return {'factor', f[11], f[7] or ''}
end
local now = tonumber(ARGV[2])
local status = f[2]
local attempts = tonumber(f[3]) or 0
local max = tonumber(f[4]) or 0
local lockedUntil = ''
local lockoutStarted = '0'
local function reply(s, evaluated)
  return {s, tostring(attempts), tostring(max), f[7] or '', f[8] or '', f[9] or '', evaluated,
          f[10] or 'SMS', lockedUntil, lockoutStarted}
end
if status == 'approved' then return reply('already_used', '0') end
if status == 'canceled' then return reply('canceled', '0') end
if now >= (tonumber(f[5]) or 0) then
  redis.call('HSET', KEYS[1], 'status', 'expired')
  redis.call('HDEL', KEYS[1], 'digest')
  return reply('expired', '0')
end
if status ~= 'pending' or attempts >= max then
  redis.call('HSET', KEYS[1], 'status', 'max_attempts_reached')
  redis.call('HDEL', KEYS[1], 'digest')
  return reply('max_attempts_reached', '0')
end
-- The user's keys share the challenge key's hash tag, which is the user's (see UserTags): one slot on a cluster.
local tag = string.match(KEYS[1], '{(.-)}')
local lockKey = 'ks:lockout:{' .. tag .. '}:' .. f[1] .. ':' .. (f[7] or '')
local failKey = 'ks:failures:{' .. tag .. '}:' .. f[1] .. ':' .. (f[7] or '')
local lock = redis.call('HMGET', lockKey, 'lockedUntil', 'suspended')
-- ARGV[9] = '1': a recovery-code check for purpose recovery, the way out of a suspension (never of a lockout).
if lock[2] == '1' and ARGV[9] ~= '1' then return reply('suspended', '0') end
if lock[1] and tonumber(lock[1]) > now then
  lockedUntil = lock[1]
  return reply('locked_out', '0')
end
attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local stored = f[6] or ''
local presented = ARGV[3]
-- Every byte is compared and the differences accumulated: no early exit that timing could reveal.
local diff = bit.bxor(#stored, #presented)
local n = math.max(#stored, #presented)
for i = 1, n do
  diff = bit.bor(diff, bit.bxor(string.byte(stored, i) or 0, string.byte(presented, i) or 0))
end
if diff == 0 and #stored > 0 then
  redis.call('HSET', KEYS[1], 'status', 'approved', 'approvedAt', ARGV[2])
  redis.call('HDEL', KEYS[1], 'digest')
  redis.call('HSET', lockKey, 'consecutive', '0', 'level', '0')
  redis.call('DEL', failKey)
  return reply('approved', '1')
end
-- A failed check counts against the user, apart from password failures (those live in risk-service).
local window = tonumber(ARGV[4])
redis.call('ZADD', failKey, now, KEYS[1] .. ':' .. attempts)
redis.call('ZREMRANGEBYSCORE', failKey, '-inf', now - window)
redis.call('PEXPIRE', failKey, window)
local consecutive = redis.call('HINCRBY', lockKey, 'consecutive', 1)
if redis.call('ZCARD', failKey) >= tonumber(ARGV[5]) then
  local level = redis.call('HINCRBY', lockKey, 'level', 1)
  local wait = math.min(tonumber(ARGV[6]) * (2 ^ (level - 1)), tonumber(ARGV[7]))
  lockedUntil = tostring(now + wait)
  lockoutStarted = '1'
  redis.call('HSET', lockKey, 'lockedUntil', lockedUntil)
  redis.call('DEL', failKey)
end
if consecutive >= tonumber(ARGV[8]) and lock[2] ~= '1' then
  redis.call('HSET', lockKey, 'suspended', '1')
  lockoutStarted = '2'
end
-- A suspension lasts until it is lifted (support, or the user's recovery code: lift-lockout.lua), never by time:
-- its key loses any expiry. Counters of a user who is not suspended are forgotten after 30 days without a failure.
if lock[2] == '1' or lockoutStarted == '2' then
  redis.call('PERSIST', lockKey)
else
  redis.call('PEXPIRE', lockKey, 2592000000)
end
if attempts >= max then
  redis.call('HSET', KEYS[1], 'status', 'max_attempts_reached')
  redis.call('HDEL', KEYS[1], 'digest')
  return reply('max_attempts_reached', '1')
end
return reply('pending', '1')
