package io.keystep.console;

import io.keystep.console.web.LocalSignInGuard;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Local sign-in answers on loopback only: on any other address the console does not start. */
class LocalSignInGuardTest {

    @Test
    void loopbackAddressesAreAcceptedAndNothingElse() {
        assertTrue(LocalSignInGuard.loopback("127.0.0.1"));
        assertTrue(LocalSignInGuard.loopback("::1"));
        assertTrue(LocalSignInGuard.loopback("localhost"));
        assertFalse(LocalSignInGuard.loopback("0.0.0.0"));
        assertFalse(LocalSignInGuard.loopback("10.1.2.3"));
        assertFalse(LocalSignInGuard.loopback("no-such-host.invalid"));
    }

    @Test
    void theConsoleRefusesToStartWithLocalSignInOnAnotherAddress() {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> LocalSignInGuard.refuseUnlessLoopback("local", "0.0.0.0"));
        assertTrue(refused.getMessage().contains("loopback"), refused.getMessage());
        LocalSignInGuard.refuseUnlessLoopback("local", "127.0.0.1");
        LocalSignInGuard.refuseUnlessLoopback("oidc", "0.0.0.0");
    }
}
