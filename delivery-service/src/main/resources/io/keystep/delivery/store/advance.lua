if redis.call('HGET', KEYS[1], 'step') == ARGV[1] and redis.call('HGET', KEYS[1], 'delivered') ~= '1'
    and (redis.call('HGET', KEYS[1], 'attempt') or '1') == ARGV[3] then
  redis.call('HSET', KEYS[1], 'step', ARGV[2])
  return 1
end
return 0
