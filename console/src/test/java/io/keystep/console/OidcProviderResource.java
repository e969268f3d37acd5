package io.keystep.console;

import io.keystep.testsupport.FreePorts;
import io.keystep.testsupport.oidc.OidcStandIn;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Runs the console in its production sign-in mode against a stand-in OpenID Connect provider, with the services'
 * APIs answered by a {@link ServiceRecorder}. The console listens on a port chosen here, so that its redirect URI can
 * be registered with the provider exactly, as an operator registers it.
 */
public class OidcProviderResource implements QuarkusTestResourceLifecycleManager {

    static final String CLIENT_ID = "keystep-console";
    /** Long enough to key the state and session cookies' encryption, as the console's documentation asks. */
    static final String CLIENT_SECRET = "console-secret-0123456789abcdefghijklmnopqrstuv";

    static OidcStandIn provider;
    static ServiceRecorder services;
    static int port;

    static String console() {
        return "http://localhost:" + port;
    }

    @Override
    public Map<String, String> start() {
        port = FreePorts.distinct(1)[0];
        provider = OidcStandIn.start(0)
                .client(CLIENT_ID, CLIENT_SECRET, console() + "/sign-in/callback")
                .user("ana", "acme", Set.of("compliance"))
                .user("ben", "acme", Set.of("analyst"))
                .user("nils", null, Set.of("compliance"));
        services = ServiceRecorder.start();
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.http.test-port", String.valueOf(port));
        config.put("keystep.console.sign-in", "oidc");
        config.put("quarkus.oidc.auth-server-url", provider.issuer());
        config.put("quarkus.oidc.client-id", CLIENT_ID);
        config.put("quarkus.oidc.credentials.secret", CLIENT_SECRET);
        config.put("keystep.console.services.audit", services.baseUrl());
        config.put("keystep.console.services.risk", services.baseUrl());
        config.put("keystep.console.services.challenge", services.baseUrl());
        config.put("keystep.console.services.delivery", services.baseUrl());
        return config;
    }

    @Override
    public void stop() {
        if (provider != null) {
            provider.close();
        }
        if (services != null) {
            services.close();
        }
    }
}
