package io.keystep.kit.messaging;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventOriginTest {

    private static String key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    @Test
    void aProofVerifiesOnlyForItsOwnTopicKeyAndValueUnderTheSameKey() {
        EventOrigin origin = new EventOrigin(Optional.of(key()), true);
        String proof = origin.sign("delivery.status.v1", "acme:alice", "{\"a\":1}");

        assertTrue(origin.verifies("delivery.status.v1", "acme:alice", "{\"a\":1}", proof));
        assertFalse(origin.verifies("delivery.status.v1", "globex:alice", "{\"a\":1}", proof));
        assertFalse(origin.verifies("delivery.status.v1", "acme:alice", "{\"a\":2}", proof));
        assertFalse(origin.verifies("auth.login.v1", "acme:alice", "{\"a\":1}", proof));
        // the parts are length-prefixed: moving text from one part to the next is another record
        assertFalse(origin.verifies("delivery.status.v1", "acme:alice{", "\"a\":1}", proof));
        assertFalse(new EventOrigin(Optional.of(key()), true)
                .verifies("delivery.status.v1", "acme:alice", "{\"a\":1}", proof));
        assertFalse(origin.verifies("delivery.status.v1", "acme:alice", "{\"a\":1}", "not base64!"));
        assertFalse(origin.verifies("delivery.status.v1", "acme:alice", "{\"a\":1}", null));
    }

    @Test
    void withoutAKeyNothingIsSignedOrVerifiedAndARequiredKeyStopsTheStart() {
        EventOrigin none = new EventOrigin(Optional.empty(), false);
        assertThrows(IllegalStateException.class, () -> none.sign("t", "k", "v"));
        assertFalse(none.verifies("t", "k", "v", Base64.getEncoder().encodeToString(new byte[32])));
        assertThrows(IllegalStateException.class, () -> new EventOrigin(Optional.empty(), true));
        IllegalStateException shortKey = assertThrows(IllegalStateException.class,
                () -> new EventOrigin(Optional.of(Base64.getEncoder().encodeToString(new byte[16])), false));
        assertEquals("keystep.event-origin.key must be 32 bytes, base64", shortKey.getMessage());
    }
}
