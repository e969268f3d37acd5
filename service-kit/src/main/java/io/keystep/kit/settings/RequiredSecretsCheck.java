package io.keystep.kit.settings;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Registers {@link RequiredSecrets} in every service (Quarkus resolves a mapping only where one is injected) and
 * refuses a secret that is set but empty.
 */
@Startup
@ApplicationScoped
public class RequiredSecretsCheck {

    public RequiredSecretsCheck(RequiredSecrets secrets) {
        secrets.byName().forEach((name, value) -> {
            if (value == null || value.isBlank()) {
                throw new IllegalStateException("the secret keystep.required-secrets." + name + " is empty");
            }
        });
    }
}
