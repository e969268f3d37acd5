-- Releases a user's recovery-code permit if this attempt still holds it (KEYS[1] the permit, ARGV[1] its token).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
