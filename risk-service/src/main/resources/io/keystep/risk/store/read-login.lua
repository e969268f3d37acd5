local decided = redis.call('GET', KEYS[1])
if decided then return {decided} end
local country = false
if ARGV[2] ~= '' then country = redis.call('HGET', KEYS[3], ARGV[2]) end
return {false, redis.call('HGET', KEYS[2], ARGV[1]), country, redis.call('HGET', KEYS[4], ARGV[3]),
        redis.call('ZCOUNT', KEYS[5], ARGV[4], '+inf'), redis.call('GET', KEYS[6]),
        redis.call('ZCOUNT', KEYS[7], ARGV[5], '+inf')}
