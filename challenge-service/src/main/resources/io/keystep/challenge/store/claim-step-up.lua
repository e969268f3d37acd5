-- Spends an approved factor_change verification as the step-up of one change. KEYS[1] the challenge; ARGV[1] tenant,
-- ARGV[2] user, ARGV[3] now ms, ARGV[4] freshness ms. Replies {'ok', factorId, destination} or a refusal.
local f = redis.call('HMGET', KEYS[1], 'tenant', 'status', 'userId', 'purpose', 'approvedAt', 'factorId',
  'destination', 'stepUpSpent')
if not f[1] or f[1] ~= ARGV[1] then return {'not_found'} end
if f[2] ~= 'approved' or not f[5] then return {'not_approved'} end
if f[4] ~= 'FACTOR_CHANGE' then return {'wrong_purpose'} end
if f[3] ~= ARGV[2] then return {'wrong_user'} end
if tonumber(f[5]) + tonumber(ARGV[4]) < tonumber(ARGV[3]) then return {'stale'} end
-- Checked last, so that a refused request does not spend a step-up it could not use anyway.
if f[8] or redis.call('HSETNX', KEYS[1], 'stepUpSpent', ARGV[3]) == 0 then return {'spent'} end
return {'ok', f[6] or '', f[7] or ''}
