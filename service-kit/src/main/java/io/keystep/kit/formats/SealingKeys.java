package io.keystep.kit.formats;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.eclipse.microprofile.config.spi.Converter;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The keys that seal what only delivery workers may read, {@code keystep.sealing.keys} (env
 * {@code KEYSTEP_SEALING_KEYS}): {@code <keyId>:<base64 32-byte key>[,...]}, the first one sealing, every one
 * opening, so that a rotated-out key keeps opening what it sealed. Parsing fails closed: a missing, malformed or
 * non-32-byte key is an {@link IllegalArgumentException}, which stops start-up. Never prints a key.
 *
 * <p>A configured key never seals anything itself: {@link #derive} gives, per kind of sealed value, a key of its own
 * under the same id (HKDF-SHA256, RFC 5869, with the kind's label as {@code info}), so that a value sealed as one
 * kind never opens as another and no further secret needs configuring.
 */
public final class SealingKeys {

    private static final String PROPERTY = "keystep.sealing.keys";
    private static final int KEY_BYTES = 32;

    private final String activeId;
    private final Map<String, SecretKey> keys;

    private SealingKeys(String activeId, Map<String, SecretKey> keys) {
        this.activeId = activeId;
        this.keys = keys;
    }

    /** Reads the configured list; the first entry is the active key. */
    public static SealingKeys parse(String keyList) {
        if (keyList == null || keyList.isBlank()) {
            throw new IllegalArgumentException(PROPERTY + " names no key");
        }
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        for (String entry : keyList.split(",")) {
            String trimmed = entry.trim();
            int colon = trimmed.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(PROPERTY + ": an entry is not <keyId>:<base64 key>");
            }
            String id = trimmed.substring(0, colon).trim();
            // The id travels in a JOSE header and names the key in logs: keep it plain.
            if (!id.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException(PROPERTY + ": a key id may hold only letters, digits, '_' and '-'");
            }
            byte[] raw;
            try {
                raw = Base64.getDecoder().decode(trimmed.substring(colon + 1).trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PROPERTY + ": key " + id + " is not base64");
            }
            if (raw.length != KEY_BYTES) {
                throw new IllegalArgumentException(PROPERTY + ": key " + id + " is not 32 bytes (AES-256)");
            }
            if (keys.put(id, new SecretKeySpec(raw, "AES")) != null) {
                throw new IllegalArgumentException(PROPERTY + ": key id " + id + " is listed twice");
            }
        }
        return new SealingKeys(keys.keySet().iterator().next(), Map.copyOf(keys));
    }

    /** The id of the key that seals. */
    public String activeId() {
        return activeId;
    }

    SecretKey active() {
        return keys.get(activeId);
    }

    /** The key of this id, empty when it is not (or no longer) configured. */
    Optional<SecretKey> byId(String keyId) {
        return Optional.ofNullable(keyId == null ? null : keys.get(keyId));
    }

    /**
     * The keys for one kind of sealed value: each configured key, under its own id, turned by HKDF-SHA256 with
     * {@code label} as {@code info} into an independent 32-byte AES key. Rotation works as before: the first id seals.
     */
    SealingKeys derive(String label) {
        Map<String, SecretKey> derived = new LinkedHashMap<>();
        keys.forEach((id, key) -> derived.put(id, hkdf(key.getEncoded(), label)));
        return new SealingKeys(activeId, Map.copyOf(derived));
    }

    /** HKDF-SHA256 (RFC 5869) with no salt: 32 bytes of output keying material for {@code label}. */
    static SecretKey hkdf(byte[] inputKey, String label) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(inputKey, null, label.getBytes(StandardCharsets.UTF_8)));
        byte[] derived = new byte[KEY_BYTES];
        hkdf.generateBytes(derived, 0, derived.length);
        return new SecretKeySpec(derived, "AES");
    }

    @Override
    public String toString() {
        return "SealingKeys" + keys.keySet() + ", active " + activeId;
    }

    /** For {@code @WithConverter} on a {@code @ConfigMapping} member, so that the list is typed where it is read. */
    public static final class ConfigConverter implements Converter<SealingKeys> {

        @Override
        public SealingKeys convert(String value) {
            return parse(value);
        }
    }
}
