package io.keystep.kit.web;

import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.cache.CaffeineCache;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

import javax.crypto.SecretKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Verifies bearer tokens as SmallRye JWT does (signature, issuer, audience, expiry: {@link DefaultJWTParser}), and
 * remembers a token that verified (cache {@value #CACHE}), so that a gateway presenting the same token on every call
 * does not pay an RS256 verification and a claims parse per request. The token is remembered by the SHA-256 of its
 * full text (signature included): only the exact string that verified is ever answered from memory. Its expiry is
 * enforced on every use (no grace), a token is reused for at most {@link #MAX_REUSE_MILLIS} after its verification
 * (so a changed key or configuration applies within it), and a failure is never remembered: a refused token is
 * verified, and refused, again each time.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class VerifiedTokenCache implements JWTParser {

    /** The cache's name; its size bound and write expiry are in the kit's {@code microprofile-config.properties}. */
    public static final String CACHE = "verified-tokens";
    /** How long a verification is reused at most, even for a token valid much longer. */
    static final long MAX_REUSE_MILLIS = 60_000;

    private record Verified(JsonWebToken token, long usableUntilMillis) {
    }

    private final DefaultJWTParser verifier;
    private final Supplier<Long> tokenAgeSeconds;
    private final LongSupplier clockMillis;
    private final CaffeineCache verified;

    /** With the parser's own time source (its expiry checks use the system clock too). */
    @Inject
    public VerifiedTokenCache(DefaultJWTParser verifier, JWTAuthContextInfo contextInfo, @CacheName(CACHE) Cache cache) {
        // read on use: without a verification key the context still answers, the parser is what refuses
        this(verifier, contextInfo::getTokenAge, System::currentTimeMillis, cache);
    }

    VerifiedTokenCache(DefaultJWTParser verifier, Supplier<Long> tokenAgeSeconds, LongSupplier clockMillis,
                       Cache cache) {
        this.verifier = verifier;
        this.tokenAgeSeconds = tokenAgeSeconds;
        this.clockMillis = clockMillis;
        this.verified = cache.as(CaffeineCache.class);
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        if (token == null) {
            return verifier.parse(null);
        }
        long now = clockMillis.getAsLong();
        String key = sha256(token);
        CompletableFuture<Verified> known = verified.getIfPresent(key);
        Verified remembered = known == null ? null : known.getNow(null);
        if (remembered != null) {
            if (now < remembered.usableUntilMillis()) {
                return remembered.token();
            }
            // Caffeine drops it at once; nothing to wait for (and this may run on an event loop)
            verified.invalidate(key).subscribe().with(ignored -> {
            });
        }
        JsonWebToken jwt = verifier.parse(token);
        long usableUntil = usableUntil(jwt, now);
        if (usableUntil > now) {
            verified.put(key, CompletableFuture.completedFuture(new Verified(jwt, usableUntil)));
        }
        return jwt;
    }

    /** Until when a token that verified at {@code now} may be answered from memory; not after its expiry. */
    private long usableUntil(JsonWebToken jwt, long now) {
        long expiry = jwt.getExpirationTime();
        if (expiry <= 0) {
            return 0;
        }
        long until = Math.min(expiry * 1000, now + MAX_REUSE_MILLIS);
        Long tokenAge = tokenAgeSeconds.get();
        if (tokenAge != null) {
            long issued = jwt.getIssuedAtTime();
            if (issued <= 0) {
                return 0;
            }
            until = Math.min(until, (issued + tokenAge) * 1000);
        }
        return until;
    }

    private static String sha256(String token) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    @Override
    public JsonWebToken parse(String token, JWTAuthContextInfo contextInfo) throws ParseException {
        return verifier.parse(token, contextInfo);
    }

    @Override
    public JsonWebToken verify(String token, PublicKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, SecretKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, String secret) throws ParseException {
        return verifier.verify(token, secret);
    }

    @Override
    public JsonWebToken decrypt(String token, PrivateKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, SecretKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, String secret) throws ParseException {
        return verifier.decrypt(token, secret);
    }

    @Override
    public JsonWebToken parseOnly(String token) throws ParseException {
        return verifier.parseOnly(token);
    }
}
