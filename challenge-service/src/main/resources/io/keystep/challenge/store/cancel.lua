local f = redis.call('HMGET', KEYS[1], 'tenant', 'status', 'cancelAnnounced')
if not f[1] or f[1] ~= ARGV[1] then return {'not_found'} end
if f[2] == 'pending' or f[2] == 'canceled' then
  redis.call('HSET', KEYS[1], 'status', 'canceled')
  redis.call('HDEL', KEYS[1], 'digest')
  return {'canceled', f[3] or '0'}
end
return {'not_pending', f[2]}
