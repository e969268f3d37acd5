local f = redis.call('HMGET', KEYS[1], 'tenant', 'status', 'expiresAt')
if not f[1] or f[1] ~= ARGV[1] then return {'not_found'} end
if f[2] ~= 'pending' then return {'not_pending', f[2]} end
if tonumber(ARGV[2]) >= (tonumber(f[3]) or 0) then return {'not_pending', 'expired'} end
redis.call('HSET', KEYS[1], 'digest', ARGV[3], 'expiresAt', ARGV[4])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'channelPlan', ARGV[6]) end
local n = redis.call('HINCRBY', KEYS[1], 'sendAttempts', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local id = string.match(KEYS[1], '}:(.*)$')
if redis.call('GET', KEYS[2]) == id then redis.call('PEXPIRE', KEYS[2], ARGV[5]) end
return {'ok', tostring(n)}
