-- KEYS[1] a destination's sends. ARGV[1] now ms, ARGV[2] cooldown ms. The newest send is dated back to the end of its
-- cooldown, no further: the window still counts it, the next send to the number is no longer held back.
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] == nil then return 0 end
local ended = tonumber(ARGV[1]) - tonumber(ARGV[2])
if tonumber(last[2]) > ended then
  redis.call('ZADD', KEYS[1], 'XX', ended, last[1])
  return 1
end
return 0
