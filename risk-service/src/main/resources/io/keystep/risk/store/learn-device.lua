-- Makes a device known (KEYS[1] the user's devices, KEYS[2] when the user's devices were last forgotten): field
-- ARGV[1] = ARGV[2] (ms), the hash living ARGV[3] ms; unless the approval that teaches it (ARGV[4] ms, '' when
-- none) came before the devices were forgotten, so that an approval delivered late cannot bring a device back.
local forgotten = tonumber(redis.call('GET', KEYS[2]) or '')
if forgotten and ARGV[4] ~= '' and tonumber(ARGV[4]) < forgotten then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
