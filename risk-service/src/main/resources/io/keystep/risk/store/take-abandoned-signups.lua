-- Takes and answers the pending experiment signups of one tenant (KEYS[1] hash: login id -> "experiment|arm|deadline",
-- the deadline in epoch milliseconds) whose deadline is at or before ARGV[1]: each is taken by one caller only.
local entries = redis.call('HGETALL', KEYS[1])
local now = tonumber(ARGV[1])
local due = {}
for i = 1, #entries, 2 do
  local deadline = tonumber(string.match(entries[i + 1], '|(%d+)$'))
  if deadline ~= nil and deadline <= now then
    redis.call('HDEL', KEYS[1], entries[i])
    due[#due + 1] = entries[i + 1]
  end
end
return due
