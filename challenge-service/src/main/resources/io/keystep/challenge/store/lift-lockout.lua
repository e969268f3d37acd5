local f = redis.call('HMGET', KEYS[1], 'lockedUntil', 'suspended')
redis.call('DEL', KEYS[1], KEYS[2])
return {f[1] or '', f[2] or ''}
