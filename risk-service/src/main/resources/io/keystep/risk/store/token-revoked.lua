-- Whether a trusted-device id was revoked (KEYS[1] revoked ids, ARGV[1] the id), and when the user's devices were
-- last forgotten (KEYS[2], ms; false when never).
return {redis.call('HEXISTS', KEYS[1], ARGV[1]), redis.call('GET', KEYS[2])}
