package io.keystep.challenge.api;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Verifies bearer tokens as SmallRye JWT does (signature, issuer, audience, expiry: {@link DefaultJWTParser}), and
 * remembers a token that verified, so that a gateway presenting the same token on every call does not pay an RS256
 * verification and a claims parse per request. The token is remembered by the SHA-256 of its full text (signature
 * included): only the exact string that verified is ever answered from memory. Its expiry is enforced on every use
 * (no grace), a token is reused for at most {@link #MAX_REUSE_MILLIS} after its verification (so a changed key or
 * configuration applies within it), and a failure is never remembered: a refused token is verified, and refused,
 * again each time.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class VerifiedTokenCache implements JWTParser {

    /** How many verified tokens are kept; beyond it, expired ones are dropped first, then all. */
    static final int MAX_ENTRIES = 10_000;
    /** How long a verification is reused at most, even for a token valid much longer. */
    static final long MAX_REUSE_MILLIS = 60_000;

    private record Verified(JsonWebToken token, long usableUntilMillis) {
    }

    private final DefaultJWTParser verifier;
    private final Long tokenAgeSeconds;
    private final LongSupplier clockMillis;
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    @Inject
    public VerifiedTokenCache(DefaultJWTParser verifier, JWTAuthContextInfo contextInfo) {
        this(verifier, contextInfo.getTokenAge(), System::currentTimeMillis);
    }

    /** With the parser's own time source (its expiry checks use the system clock too). */
    VerifiedTokenCache(DefaultJWTParser verifier, Long tokenAgeSeconds, LongSupplier clockMillis) {
        this.verifier = verifier;
        this.tokenAgeSeconds = tokenAgeSeconds;
        this.clockMillis = clockMillis;
    }

    @Override
    public JsonWebToken parse(String token) throws ParseException {
        if (token == null) {
            return verifier.parse(null);
        }
        long now = clockMillis.getAsLong();
        String key = sha256(token);
        Verified known = verified.get(key);
        if (known != null) {
            if (now < known.usableUntilMillis()) {
                return known.token();
            }
            verified.remove(key, known);
        }
        JsonWebToken jwt = verifier.parse(token);
        long usableUntil = usableUntil(jwt, now);
        if (usableUntil > now) {
            if (verified.size() >= MAX_ENTRIES) {
                verified.values().removeIf(v -> v.usableUntilMillis() <= now);
                if (verified.size() >= MAX_ENTRIES) {
                    verified.clear();
                }
            }
            verified.put(key, new Verified(jwt, usableUntil));
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
        if (tokenAgeSeconds != null) {
            long issued = jwt.getIssuedAtTime();
            if (issued <= 0) {
                return 0;
            }
            until = Math.min(until, (issued + tokenAgeSeconds) * 1000);
        }
        return until;
    }

    /** How many verified tokens are remembered now. */
    int size() {
        return verified.size();
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
    public JsonWebToken verify(String token, java.security.PublicKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, javax.crypto.SecretKey key) throws ParseException {
        return verifier.verify(token, key);
    }

    @Override
    public JsonWebToken verify(String token, String secret) throws ParseException {
        return verifier.verify(token, secret);
    }

    @Override
    public JsonWebToken decrypt(String token, java.security.PrivateKey key) throws ParseException {
        return verifier.decrypt(token, key);
    }

    @Override
    public JsonWebToken decrypt(String token, javax.crypto.SecretKey key) throws ParseException {
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
