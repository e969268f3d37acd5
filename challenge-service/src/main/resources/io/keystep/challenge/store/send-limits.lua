local now = tonumber(ARGV[1])
local function window(key, win, max, name)
  if max <= 0 then return nil end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
  if redis.call('ZCARD', key) >= max then
    local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return {name, tostring(math.max(1, tonumber(first[2]) + win - now))}
  end
  return nil
end
local dwin = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - dwin)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local cooldown = tonumber(ARGV[3])
if last[2] and now - tonumber(last[2]) < cooldown then
  return {'destination_cooldown', tostring(math.max(1, tonumber(last[2]) + cooldown - now))}
end
local hit = window(KEYS[1], dwin, tonumber(ARGV[5]), 'destination_window')
  or window(KEYS[2], tonumber(ARGV[6]), tonumber(ARGV[7]), 'ip')
  or window(KEYS[3], tonumber(ARGV[8]), tonumber(ARGV[9]), 'tenant')
if hit then return hit end
local specs = {{KEYS[1], dwin, 1}, {KEYS[2], tonumber(ARGV[6]), tonumber(ARGV[7])},
               {KEYS[3], tonumber(ARGV[8]), tonumber(ARGV[9])}}
for _, s in ipairs(specs) do
  if s[3] > 0 then
    redis.call('ZADD', s[1], now, ARGV[2])
    redis.call('PEXPIRE', s[1], s[2])
  end
end
return {'ok'}
