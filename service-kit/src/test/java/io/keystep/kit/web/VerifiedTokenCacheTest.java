package io.keystep.kit.web;

import io.quarkus.cache.runtime.caffeine.CaffeineCacheImpl;
import io.quarkus.cache.runtime.caffeine.CaffeineCacheInfo;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The memory of verified bearer tokens never answers for a token that would not verify now. */
class VerifiedTokenCacheTest {

    private static final long T0 = 1_800_000_000_000L;

    /** A verifier that accepts the tokens it knows while they are not expired, and records every call. */
    static final class Verifier extends DefaultJWTParser {
        final Map<String, Long> expiryByToken;
        final AtomicLong clock;
        final List<String> verified = new ArrayList<>();

        Verifier(AtomicLong clock, Map<String, Long> expiryByToken) {
            this.clock = clock;
            this.expiryByToken = expiryByToken;
        }

        @Override
        public JsonWebToken parse(String token) throws ParseException {
            verified.add(token);
            Long exp = expiryByToken.get(token);
            if (exp == null) {
                throw new ParseException("bad signature");
            }
            if (clock.get() >= exp * 1000) {
                throw new ParseException("expired");
            }
            return new Token(token, exp);
        }
    }

    record Token(String raw, long exp) implements JsonWebToken {
        @Override
        public String getName() {
            return "gateway";
        }

        @Override
        public Set<String> getClaimNames() {
            return Set.of("exp", "iat");
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getClaim(String claimName) {
            return switch (claimName) {
                case "exp" -> (T) Long.valueOf(exp);
                case "iat" -> (T) Long.valueOf(T0 / 1000);
                case "raw_token" -> (T) raw;
                default -> null;
            };
        }
    }

    private final AtomicLong clock = new AtomicLong(T0);
    private final CaffeineCacheImpl cache = new CaffeineCacheImpl(cacheInfo(), false);

    /** The cache as the kit's configuration builds it. */
    private static CaffeineCacheInfo cacheInfo() {
        CaffeineCacheInfo info = new CaffeineCacheInfo();
        info.name = VerifiedTokenCache.CACHE;
        info.maximumSize = 10_000L;
        info.expireAfterWrite = java.time.Duration.ofSeconds(60);
        return info;
    }

    @Test
    void aVerifiedTokenIsAnsweredFromMemoryUntilItExpiresThenRefused() throws Exception {
        Verifier verifier = new Verifier(clock, Map.of("good", T0 / 1000 + 30));
        VerifiedTokenCache tokens = new VerifiedTokenCache(verifier, () -> null, clock::get, cache);

        JsonWebToken first = tokens.parse("good");
        clock.addAndGet(29_000);
        assertSame(first, tokens.parse("good"));
        assertEquals(List.of("good"), verifier.verified);

        clock.addAndGet(1_000);
        assertThrows(ParseException.class, () -> tokens.parse("good"));
        assertEquals(List.of("good", "good"), verifier.verified);
    }

    @Test
    void aRefusedTokenIsVerifiedAndRefusedEveryTime() {
        Verifier verifier = new Verifier(clock, Map.of("good", T0 / 1000 + 30));
        VerifiedTokenCache tokens = new VerifiedTokenCache(verifier, () -> null, clock::get, cache);

        assertThrows(ParseException.class, () -> tokens.parse("forged"));
        assertThrows(ParseException.class, () -> tokens.parse("forged"));

        assertEquals(List.of("forged", "forged"), verifier.verified);
        assertEquals(0, cache.getSize());
    }

    @Test
    void anyOtherTokenTextIsVerifiedEvenWhenOneAlikeWasAccepted() throws Exception {
        Verifier verifier = new Verifier(clock, Map.of("good", T0 / 1000 + 30));
        VerifiedTokenCache tokens = new VerifiedTokenCache(verifier, () -> null, clock::get, cache);

        tokens.parse("good");
        assertThrows(ParseException.class, () -> tokens.parse("good."));
        assertThrows(ParseException.class, () -> tokens.parse("goo"));

        assertEquals(List.of("good", "good.", "goo"), verifier.verified);
    }

    @Test
    void aLongLivedTokenIsVerifiedAgainAfterAMinute() throws Exception {
        Verifier verifier = new Verifier(clock, Map.of("good", T0 / 1000 + 86_400));
        VerifiedTokenCache tokens = new VerifiedTokenCache(verifier, () -> null, clock::get, cache);

        tokens.parse("good");
        clock.addAndGet(59_999);
        tokens.parse("good");
        assertEquals(1, verifier.verified.size());

        clock.addAndGet(1);
        tokens.parse("good");
        assertEquals(2, verifier.verified.size());
    }

    @Test
    void aConfiguredTokenAgeEndsTheReuseAtTheTokensAge() throws Exception {
        Verifier verifier = new Verifier(clock, Map.of("good", T0 / 1000 + 3_600));
        VerifiedTokenCache tokens = new VerifiedTokenCache(verifier, () -> 10L, clock::get, cache);

        tokens.parse("good");
        clock.addAndGet(9_999);
        tokens.parse("good");
        assertEquals(1, verifier.verified.size());

        clock.addAndGet(1);
        tokens.parse("good");
        assertEquals(2, verifier.verified.size());
    }
}
