-- Reserves one recovery-code attempt for a user before any hash is computed (see RecoveryAttempts for KEYS, ARGV).
-- Refused unevaluated: 'limited' when the window's attempts are spent, 'busy' while another of the user's attempts
-- holds the permit (so that a burst costs at most one hash at a time; a busy refusal spends no attempt).
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local f = redis.call('HMGET', KEYS[1], 'start', 'n')
local start = tonumber(f[1]) or 0
local n = tonumber(f[2]) or 0
if now - start >= window or now < start then
  start = now
  n = 0
end
if n >= tonumber(ARGV[3]) then
  return {'limited', tostring(start + window - now)}
end
if not redis.call('SET', KEYS[2], ARGV[4], 'NX', 'PX', ARGV[5]) then
  return {'busy', tostring(math.max(redis.call('PTTL', KEYS[2]), 1))}
end
n = n + 1
redis.call('HSET', KEYS[1], 'start', tostring(start), 'n', tostring(n))
redis.call('PEXPIRE', KEYS[1], window)
return {'ok', tostring(n)}
