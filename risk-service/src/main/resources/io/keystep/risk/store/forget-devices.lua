-- Forgets every device of a user at once. KEYS[1] devices learned from logins, KEYS[2] trusted-device ids seen
-- (id -> fingerprint hash), KEYS[3] revoked trusted-device ids, KEYS[4] when the devices were last forgotten.
-- ARGV[1] the moment forgotten (ms, the producer's), ARGV[2] the revocation memory (ms), ARGV[3] now (ms).
-- Every device id seen is revoked, and the moment kept so that a token issued no later is refused even if its
-- own revocation never arrived; a moment older than the one kept does not move it back.
redis.call('DEL', KEYS[1])
local ids = redis.call('HKEYS', KEYS[2])
for _, id in ipairs(ids) do redis.call('HSET', KEYS[3], id, ARGV[3]) end
if #ids > 0 then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
local kept = tonumber(redis.call('GET', KEYS[4]) or '')
if not kept or tonumber(ARGV[1]) > kept then
  redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[2])
end
return #ids
