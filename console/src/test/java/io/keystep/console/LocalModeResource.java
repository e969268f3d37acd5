package io.keystep.console;

import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** Runs the console in the local run's sign-in mode (no OpenID Connect), the services answered by a recorder. */
public class LocalModeResource implements QuarkusTestResourceLifecycleManager {

    static ServiceRecorder services;

    @Override
    public Map<String, String> start() {
        services = ServiceRecorder.start();
        Map<String, String> config = new HashMap<>();
        config.put("keystep.console.sign-in", "local");
        config.put("quarkus.oidc.tenant-enabled", "false");
        config.put("keystep.console.local-issuer.private-key",
                Base64.getEncoder().encodeToString(Tokens.privateKey().getEncoded()));
        config.put("keystep.console.services.audit", services.baseUrl());
        config.put("keystep.console.services.risk", services.baseUrl());
        config.put("keystep.console.services.challenge", services.baseUrl());
        config.put("keystep.console.services.delivery", services.baseUrl());
        return config;
    }

    @Override
    public void stop() {
        if (services != null) {
            services.close();
        }
    }
}
