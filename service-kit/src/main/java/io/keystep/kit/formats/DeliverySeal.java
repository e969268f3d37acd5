package io.keystep.kit.formats;

import io.keystep.events.Channel;
import io.keystep.events.Purpose;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwa.AlgorithmConstraints.ConstraintType;
import org.jose4j.jwe.ContentEncryptionAlgorithmIdentifiers;
import org.jose4j.jwe.JsonWebEncryption;
import org.jose4j.jwe.KeyManagementAlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.lang.JoseException;

import javax.crypto.SecretKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The seal on what challenge-service hands to delivery workers and nobody else may read: a delivery job's code
 * ({@code challenge.issued.v1} {@code sealedCode}) and a factor-change notice's destinations (header
 * {@code keystep-notice-to} of {@code factor.changed.v1}).
 *
 * <p>Form: JWE compact serialisation, {@code alg=dir}, {@code enc=A256GCM}, {@code kid} = the sealing key's id. The
 * encrypted claims carry the value ({@code val}) and the whole use it is sealed for: a code its {@link CodeUse}
 * (tenant {@code tid}, challenge {@code sub}, user {@code uid}, destination {@code dst}, channels {@code chn}, purpose
 * {@code pur}, send attempt {@code att}, expiry {@code xat} in epoch milliseconds, language {@code loc}, amount
 * {@code amt} and payee {@code pay}); a notice its {@link NoticeUse} (tenant, event {@code sub}, user, summary
 * {@code sum}, language). Opening compares every one with what the record states in the clear and refuses on any
 * difference, so a sealed value cannot be replayed with another destination, channel, purpose or send attempt.
 *
 * <p>Codes and notices are sealed under different keys, each derived from the configured key by its own label
 * ({@link SealingKeys#derive}), so that a notice's seal never opens as a code, nor a code's as a notice. jose4j is
 * used directly because smallrye-jwt's parser insists on an expiry and a principal name and takes one key, where
 * this format picks the key by {@code kid}.
 *
 * <p>Thread-safe; one instance per service, built from {@link SealingKeys}.
 */
public final class DeliverySeal {

    /** HKDF {@code info} of the keys that seal delivery jobs' codes. */
    static final String CODE_LABEL = "keystep sealing v2: challenge.issued code";
    /** HKDF {@code info} of the keys that seal factor-change notices' destinations. */
    static final String NOTICE_LABEL = "keystep sealing v2: factor.changed notice destinations";

    static final String TENANT = "tid";
    static final String SUBJECT = "sub";
    static final String VALUE = "val";
    static final String USER = "uid";
    static final String DESTINATION = "dst";
    static final String CHANNELS = "chn";
    static final String PURPOSE = "pur";
    static final String SEND_ATTEMPT = "att";
    static final String EXPIRES_AT = "xat";
    static final String LOCALE = "loc";
    static final String AMOUNT = "amt";
    static final String PAYEE = "pay";
    static final String SUMMARY = "sum";

    private static final AlgorithmConstraints DIRECT_ONLY =
            new AlgorithmConstraints(ConstraintType.PERMIT, KeyManagementAlgorithmIdentifiers.DIRECT);
    private static final AlgorithmConstraints A256GCM_ONLY =
            new AlgorithmConstraints(ConstraintType.PERMIT, ContentEncryptionAlgorithmIdentifiers.AES_256_GCM);

    private final SealingKeys codeKeys;
    private final SealingKeys noticeKeys;

    public DeliverySeal(SealingKeys keys) {
        this.codeKeys = keys.derive(CODE_LABEL);
        this.noticeKeys = keys.derive(NOTICE_LABEL);
    }

    /** {@code code} sealed under the active code key for exactly {@code use}. */
    public String sealCode(CodeUse use, String code) {
        JwtClaims claims = new JwtClaims();
        claims.setStringClaim(TENANT, use.tenantId());
        claims.setStringClaim(SUBJECT, use.challengeId());
        claims.setStringClaim(VALUE, code);
        claims.setStringClaim(USER, use.userId());
        claims.setStringClaim(DESTINATION, use.destination());
        claims.setStringListClaim(CHANNELS, use.channels().stream().map(Enum::name).toList());
        claims.setStringClaim(PURPOSE, use.purpose().name());
        claims.setClaim(SEND_ATTEMPT, use.sendAttempt());
        claims.setClaim(EXPIRES_AT, use.expiresAt().toEpochMilli());
        claims.setStringClaim(LOCALE, use.locale());
        setIfPresent(claims, AMOUNT, use.amount());
        setIfPresent(claims, PAYEE, use.payee());
        return seal(codeKeys, claims);
    }

    /**
     * The code, if {@code sealed} opens under a code key and was sealed for exactly the use {@code stated} (the
     * job's plain fields); otherwise why not.
     */
    public Opening openCode(String sealed, CodeUse stated) {
        return open(codeKeys, sealed, claims -> {
            List<String> channels = claims.getStringListClaimValue(CHANNELS);
            CodeUse sealedFor = new CodeUse(claims.getStringClaimValue(TENANT), claims.getStringClaimValue(SUBJECT),
                    claims.getStringClaimValue(USER), channels.stream().map(Channel::valueOf).toList(),
                    claims.getStringClaimValue(DESTINATION), Purpose.valueOf(claims.getStringClaimValue(PURPOSE)),
                    Math.toIntExact(claims.getClaimValue(SEND_ATTEMPT, Long.class)),
                    Instant.ofEpochMilli(claims.getClaimValue(EXPIRES_AT, Long.class)),
                    claims.getStringClaimValue(LOCALE), claims.getStringClaimValue(AMOUNT),
                    claims.getStringClaimValue(PAYEE));
            return sealedFor.departures(stated);
        });
    }

    /** A notice's {@code destinations} sealed under the active notice key for exactly {@code use}. */
    public String sealNotice(NoticeUse use, String destinations) {
        JwtClaims claims = new JwtClaims();
        claims.setStringClaim(TENANT, use.tenantId());
        claims.setStringClaim(SUBJECT, use.eventId());
        claims.setStringClaim(VALUE, destinations);
        claims.setStringClaim(USER, use.userId());
        setIfPresent(claims, SUMMARY, use.summary());
        setIfPresent(claims, LOCALE, use.locale());
        return seal(noticeKeys, claims);
    }

    /**
     * The destinations, if {@code sealed} opens under a notice key and was sealed for exactly the notice
     * {@code stated} (the record's envelope and headers); otherwise why not.
     */
    public Opening openNotice(String sealed, NoticeUse stated) {
        return open(noticeKeys, sealed, claims -> new NoticeUse(claims.getStringClaimValue(TENANT),
                claims.getStringClaimValue(SUBJECT), claims.getStringClaimValue(USER),
                claims.getStringClaimValue(SUMMARY), claims.getStringClaimValue(LOCALE)).departures(stated));
    }

    private static String seal(SealingKeys keys, JwtClaims claims) {
        JsonWebEncryption jwe = new JsonWebEncryption();
        jwe.setAlgorithmHeaderValue(KeyManagementAlgorithmIdentifiers.DIRECT);
        jwe.setEncryptionMethodHeaderParameter(ContentEncryptionAlgorithmIdentifiers.AES_256_GCM);
        jwe.setKeyIdHeaderValue(keys.activeId());
        jwe.setKey(keys.active());
        jwe.setPayload(claims.toJson());
        try {
            return jwe.getCompactSerialization();
        } catch (JoseException e) {
            // AES-256-GCM is mandatory in every JDK; reaching this means a broken runtime, not a bad value.
            throw new IllegalStateException("AES-256-GCM unavailable", e);
        }
    }

    /** A reader of the sealed use that names the fields the stated use departs in; may throw on a malformed claim. */
    private interface Departures {
        List<String> of(JwtClaims claims) throws MalformedClaimException;
    }

    private static Opening open(SealingKeys keys, String sealed, Departures departures) {
        if (sealed == null || sealed.isBlank()) {
            return unreadable();
        }
        String value;
        List<String> fields;
        try {
            JsonWebEncryption jwe = new JsonWebEncryption();
            jwe.setAlgorithmConstraints(DIRECT_ONLY);
            jwe.setContentEncryptionAlgorithmConstraints(A256GCM_ONLY);
            jwe.setCompactSerialization(sealed);
            Optional<SecretKey> key = keys.byId(jwe.getKeyIdHeaderValue());
            if (key.isEmpty()) {
                return unreadable();
            }
            jwe.setKey(key.get());
            JwtClaims claims = JwtClaims.parse(jwe.getPayload());
            value = claims.getStringClaimValue(VALUE);
            if (value == null) {
                return unreadable();
            }
            fields = departures.of(claims);
        } catch (JoseException | InvalidJwtException | MalformedClaimException | RuntimeException e) {
            // Not our format, another kind's key, a wrong tag, a missing or mistyped claim: it does not open. The
            // reason is not told apart, and never quotes the input.
            return unreadable();
        }
        return fields.isEmpty() ? new Opening.Opened(value) : new Opening.Refused(Opening.MISMATCH, fields);
    }

    private static Opening unreadable() {
        return new Opening.Refused(Opening.UNREADABLE, List.of());
    }

    private static void setIfPresent(JwtClaims claims, String name, String value) {
        if (value != null) {
            claims.setStringClaim(name, value);
        }
    }
}
