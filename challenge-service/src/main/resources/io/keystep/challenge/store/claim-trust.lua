local f = redis.call('HMGET', KEYS[1], 'tenant', 'status', 'userId', 'device', 'purpose', 'approvedAt')
if not f[1] or f[1] ~= ARGV[1] then return {'not_found'} end
if f[2] ~= 'approved' then return {'not_approved'} end
local user = f[3] or ''
if user == '' or f[5] ~= 'LOGIN' or (#user == 37 and string.match(user, '^anon%-%x+$')) then
  return {'not_a_login'}
end
local device = f[4] or ''
if device ~= '' and ARGV[2] ~= '' and ARGV[2] ~= device then return {'wrong_device'} end
if device == '' and ARGV[2] == '' then return {'fingerprint_required'} end
-- Trust follows the approval closely or not at all: an approval without its time fails closed.
local approvedAt = tonumber(f[6] or '')
if not approvedAt or tonumber(ARGV[3]) - approvedAt > tonumber(ARGV[4]) then return {'window_passed'} end
-- Checked before claiming, so that a refused request does not use up the verification's one trust.
if redis.call('HSETNX', KEYS[1], 'deviceTrusted', '1') == 0 then return {'already_trusted'} end
return {'ok', f[3] or '', f[4] or '', f[5] or ''}
