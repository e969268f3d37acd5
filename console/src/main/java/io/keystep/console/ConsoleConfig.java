package io.keystep.console;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** Where the console finds the four services, and how people sign in. */
@ConfigMapping(prefix = "keystep.console")
public interface ConsoleConfig {

    /** The services' API base URLs, as the console's host reaches them. */
    Services services();

    /**
     * {@code oidc}: the operator's OpenID Connect provider (authorization code flow, {@code quarkus.oidc.*}); the
     * production setting. {@code local}: a sign-in form that mints tokens with the local run's issuer key, for the
     * local run only: the console refuses to start with it unless it listens on a loopback address.
     */
    @WithDefault("oidc")
    String signIn();

    /** The local issuer: used only when {@code sign-in=local}. */
    LocalIssuer localIssuer();

    /** How long a local sign-in lasts (the token's lifetime). */
    @WithDefault("60")
    int sessionMinutes();

    interface Services {
        String risk();

        String challenge();

        String delivery();

        String audit();
    }

    interface LocalIssuer {
        /** The issuer's RSA private key, PKCS#8, Base64 (the local run's {@code KEYSTEP_TOKEN_ISSUER_PRIVATE_KEY}). */
        Optional<String> privateKey();

        @WithDefault("https://keystep.local/issuer")
        String issuer();

        @WithDefault("keystep")
        String audience();
    }

    default boolean localSignIn() {
        return "local".equals(signIn());
    }
}
