local inherited = 0
local canceled = ''
local old = redis.call('GET', KEYS[2])
if old and old ~= ARGV[3] then
  local okey = 'ks:challenge:{' .. string.match(KEYS[1], '{(.-)}') .. '}:' .. old
  local st = redis.call('HMGET', okey, 'status', 'attempts', 'expiresAt')
  if st[1] and (tonumber(st[3]) or 0) > tonumber(ARGV[2])
      and (st[1] == 'pending' or st[1] == 'max_attempts_reached') then
    inherited = tonumber(st[2]) or 0
    if st[1] == 'pending' then
      redis.call('HSET', okey, 'status', 'canceled')
      redis.call('HDEL', okey, 'digest')
      canceled = old
    end
  end
end
if inherited > tonumber(ARGV[4]) then inherited = tonumber(ARGV[4]) end
redis.call('DEL', KEYS[1])
for i = 5, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'attempts', tostring(inherited), 'maxAttempts', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[1])
return {tostring(inherited), canceled}
