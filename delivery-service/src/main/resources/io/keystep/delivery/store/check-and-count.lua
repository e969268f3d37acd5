local function count(key) return tonumber(redis.call('GET', key) or '0') end
if count(KEYS[1]) >= tonumber(ARGV[1]) then return 'DESTINATION_RATE' end
if count(KEYS[2]) >= tonumber(ARGV[2]) then return 'PREFIX_RATE' end
local country = count(KEYS[3])
if country >= tonumber(ARGV[3]) then return 'COUNTRY_RATE' end
local rare = tonumber(ARGV[6])
if rare == -1 then
  rare = 0
  local total = tonumber(redis.call('HGET', KEYS[4], '_total') or '0')
  if total >= tonumber(ARGV[8]) then
    local sent = tonumber(redis.call('HGET', KEYS[4], ARGV[5]) or '0')
    if sent / total < tonumber(ARGV[7]) then rare = 1 end
  end
end
if rare == 1 and country >= tonumber(ARGV[4]) then return 'RARE_COUNTRY' end
for i = 1, 3 do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[9]) end
end
redis.call('HINCRBY', KEYS[4], ARGV[5], 1)
redis.call('HINCRBY', KEYS[4], '_total', 1)
redis.call('EXPIRE', KEYS[4], ARGV[10])
return 'OK'
