package io.keystep.testsupport.auth;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Makes a Quarkus test verify bearer tokens against the key {@link Tokens} signs with, and prove and check records'
 * origin with this JVM's {@link EventOriginKey}.
 */
public class JwtTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of(
                "mp.jwt.verify.publickey.location", Tokens.publicKeyFile().toUri().toString(),
                "mp.jwt.verify.issuer", Tokens.ISSUER,
                "mp.jwt.verify.audiences", Tokens.AUDIENCE,
                "keystep.event-origin.key", EventOriginKey.base64());
    }

    @Override
    public void stop() {
        // the key file is removed when the JVM exits
    }
}
