if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HGET', KEYS[1], 'delivered') ~= '1'
    and (redis.call('HGET', KEYS[1], 'attempt') or '1') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'delivered', '1')
  return 1
end
return 0
