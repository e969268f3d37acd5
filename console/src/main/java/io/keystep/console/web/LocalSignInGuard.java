package io.keystep.console.web;

import io.keystep.console.ConsoleConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Local sign-in lets anyone who reaches the console choose a tenant and roles, so it is for one machine only: with
 * it, the console does not start unless it listens on a loopback address. Production signs in through OpenID Connect.
 */
public class LocalSignInGuard {

    void check(@Observes StartupEvent start, ConsoleConfig config,
               @ConfigProperty(name = "quarkus.http.host") String host) {
        refuseUnlessLoopback(config.signIn(), host);
    }

    /** Throws unless the sign-in is not local, or {@code host} is a loopback address. */
    public static void refuseUnlessLoopback(String signIn, String host) {
        if ("local".equals(signIn) && !loopback(host)) {
            throw new IllegalStateException("keystep.console.sign-in=local is refused on " + host
                    + ": it serves loopback only (quarkus.http.host=127.0.0.1); production signs in with OpenID Connect");
        }
    }

    public static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
