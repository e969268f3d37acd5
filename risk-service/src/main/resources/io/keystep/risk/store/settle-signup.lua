-- Takes a pending experiment signup (KEYS[1] hash, ARGV[1] login id) and answers it, or nil when it was settled
-- already: an outcome delivered twice, or one after the signup was counted abandoned, counts once.
local pending = redis.call('HGET', KEYS[1], ARGV[1])
if pending then redis.call('HDEL', KEYS[1], ARGV[1]) end
return pending
