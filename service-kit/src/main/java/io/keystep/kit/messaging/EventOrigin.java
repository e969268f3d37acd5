package io.keystep.kit.messaging;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

/**
 * Proves that a record was written by a platform service: header {@value #HEADER}, the base64 HMAC-SHA256, under the
 * platform's event origin key ({@code keystep.event-origin.key}, {@code KEYSTEP_EVENT_ORIGIN_KEY}, base64 of 32
 * bytes), of the record's topic, key and value. A consumer cannot see which Kafka principal wrote a record, and
 * external writers of a topic (SMS workers on {@code delivery.status.v1}) may name any tenant; only holders of the
 * key (the services that write or check such topics) can prove a record as the platform's own.
 * <p>
 * Started with the service, so that a malformed key stops it, and so does a missing one where
 * {@code keystep.event-origin.required} is set (the services that write or check proofs); another service needs no
 * key ({@link #sign} then fails and nothing {@link #verifies}).
 */
@Startup
@ApplicationScoped
public class EventOrigin {

    /** The record header holding the proof. */
    public static final String HEADER = "keystep-origin";
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;

    public EventOrigin(@ConfigProperty(name = "keystep.event-origin.key") Optional<String> key,
                       @ConfigProperty(name = "keystep.event-origin.required", defaultValue = "false")
                       boolean required) {
        this.key = key.filter(k -> !k.isBlank()).map(EventOrigin::decode).orElse(null);
        if (required && this.key == null) {
            throw new IllegalStateException("keystep.event-origin.key (KEYSTEP_EVENT_ORIGIN_KEY) is required");
        }
    }

    /** Whether a key is configured. */
    public boolean configured() {
        return key != null;
    }

    /** The proof of a record this service writes. */
    public String sign(String topic, String recordKey, String value) {
        if (key == null) {
            throw new IllegalStateException("no event origin key configured (KEYSTEP_EVENT_ORIGIN_KEY)");
        }
        return Base64.getEncoder().encodeToString(mac(topic, recordKey, value));
    }

    /** Whether {@code proof} is this platform's proof of exactly this topic, key and value (constant time). */
    public boolean verifies(String topic, String recordKey, String value, String proof) {
        if (key == null || proof == null) {
            return false;
        }
        byte[] presented;
        try {
            presented = Base64.getDecoder().decode(proof.trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(mac(topic, recordKey, value), presented);
    }

    private byte[] mac(String topic, String recordKey, String value) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            // each part length-prefixed, so that no two different records share an input
            for (String part : new String[]{topic, recordKey, value}) {
                byte[] bytes = part == null ? new byte[0] : part.getBytes(StandardCharsets.UTF_8);
                mac.update(ByteBuffer.allocate(5).put((byte) (part == null ? 0 : 1)).putInt(bytes.length).array());
                mac.update(bytes);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }

    private static SecretKeySpec decode(String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("keystep.event-origin.key is not base64");
        }
        if (bytes.length != 32) {
            throw new IllegalStateException("keystep.event-origin.key must be 32 bytes, base64");
        }
        return new SecretKeySpec(bytes, ALGORITHM);
    }
}
