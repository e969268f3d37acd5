package io.keystep.testsupport.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The platform's event origin key of this test JVM (made once, never a constant in the repository), configured by
 * {@link JwtTestResource}, and the proof a platform service puts on a record with it, for tests that write a record
 * as delivery-service would.
 */
public final class EventOriginKey {

    private static final byte[] KEY = generate();

    private EventOriginKey() {
    }

    /** The key, base64, as {@code keystep.event-origin.key} takes it. */
    public static String base64() {
        return Base64.getEncoder().encodeToString(KEY);
    }

    /** The {@code keystep-origin} header value of a record written by a platform service. */
    public static String proof(String topic, String key, String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
            for (String part : new String[]{topic, key, value}) {
                byte[] bytes = part == null ? new byte[0] : part.getBytes(StandardCharsets.UTF_8);
                mac.update(ByteBuffer.allocate(5).put((byte) (part == null ? 0 : 1)).putInt(bytes.length).array());
                mac.update(bytes);
            }
            return Base64.getEncoder().encodeToString(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One key for the whole JVM, whatever class loader asks (a test profile restarts the service in its own). */
    private static synchronized byte[] generate() {
        String property = "keystep.test.event-origin-key";
        String kept = System.getProperty(property);
        if (kept != null) {
            return Base64.getDecoder().decode(kept);
        }
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        System.setProperty(property, Base64.getEncoder().encodeToString(key));
        return key;
    }
}
