-- Takes one push for a user if fewer than the limit were taken in the window. KEYS[1] the user's push count;
-- ARGV[1] the limit, ARGV[2] the window in ms. Replies 1 when taken, 0 when the limit is reached.
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  return 0
end
redis.call('INCR', KEYS[1])
if n == 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
