for i, key in ipairs(KEYS) do
  local a = (i - 1) * 3
  redis.call('HSET', key, ARGV[a + 1], ARGV[a + 2])
  redis.call('PEXPIRE', key, ARGV[a + 3])
end
return #KEYS
