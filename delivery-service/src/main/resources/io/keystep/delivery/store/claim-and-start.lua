if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[4]) then
  return 0
end
local current = tonumber(redis.call('HGET', KEYS[2], 'attempt') or '0')
if current >= tonumber(ARGV[2]) then
  return 2
end
redis.call('HSET', KEYS[2], 'job', ARGV[1], 'step', '0', 'delivered', '0', 'attempt', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
