package io.keystep.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Lua script challenge-service runs for every check, read from its source so that the store's ceiling is
 * measured on exactly the script the service runs; a copy of it stands in when the source is not at hand.
 */
record CheckScript(String text, String origin) {

    static final Path SOURCE = Path.of(
            "challenge-service/src/main/java/io/keystep/challenge/store/ChallengeStore.java");
    private static final String START = "CHECK_SCRIPT = \"\"\"";

    /** KEYS[1] the challenge; ARGV[1] tenant, ARGV[2] now (epoch ms), ARGV[3] presented digest. */
    static CheckScript load(Path root) {
        Path file = root.resolve(SOURCE);
        try {
            String source = Files.readString(file);
            int start = source.indexOf(START);
            if (start >= 0) {
                int body = source.indexOf('\n', start) + 1;
                int end = source.indexOf("\"\"\"", body);
                if (body > 0 && end > body) {
                    return new CheckScript(source.substring(body, end).stripIndent().translateEscapes(),
                            root.relativize(file) + " (CHECK_SCRIPT)");
                }
            }
        } catch (IOException e) {
            // fall back to the copy below
        }
        return new CheckScript(COPY, "copy of challenge-service's check script (source not found)");
    }

    /** The check script as challenge-service had it when this benchmark was written. */
    private static final String COPY = """
            local f = redis.call('HMGET', KEYS[1], 'tenant', 'status', 'attempts', 'maxAttempts', 'expiresAt',
                                 'digest', 'userId', 'loginId', 'device', 'channelPlan')
            if not f[1] or f[1] ~= ARGV[1] then
              return {'not_found'}
            end
            local status = f[2]
            local attempts = tonumber(f[3]) or 0
            local max = tonumber(f[4]) or 0
            local function reply(s, evaluated)
              return {s, tostring(attempts), tostring(max), f[7] or '', f[8] or '', f[9] or '', evaluated,
                      f[10] or 'SMS'}
            end
            if status == 'approved' then return reply('already_used', '0') end
            if status == 'canceled' then return reply('canceled', '0') end
            if tonumber(ARGV[2]) >= (tonumber(f[5]) or 0) then
              redis.call('HSET', KEYS[1], 'status', 'expired')
              redis.call('HDEL', KEYS[1], 'digest')
              return reply('expired', '0')
            end
            if status ~= 'pending' or attempts >= max then
              redis.call('HSET', KEYS[1], 'status', 'max_attempts_reached')
              redis.call('HDEL', KEYS[1], 'digest')
              return reply('max_attempts_reached', '0')
            end
            attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
            local stored = f[6] or ''
            local presented = ARGV[3]
            local diff = bit.bxor(#stored, #presented)
            local n = math.max(#stored, #presented)
            for i = 1, n do
              diff = bit.bor(diff, bit.bxor(string.byte(stored, i) or 0, string.byte(presented, i) or 0))
            end
            if diff == 0 and #stored > 0 then
              redis.call('HSET', KEYS[1], 'status', 'approved')
              redis.call('HDEL', KEYS[1], 'digest')
              return reply('approved', '1')
            end
            if attempts >= max then
              redis.call('HSET', KEYS[1], 'status', 'max_attempts_reached')
              redis.call('HDEL', KEYS[1], 'digest')
              return reply('max_attempts_reached', '1')
            end
            return reply('pending', '1')
            """;
}
