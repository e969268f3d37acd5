package io.keystep.kit.settings;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithParentName;

import java.util.Map;

/**
 * The secrets a packaged service does not start without, each named under {@code keystep.required-secrets} as a
 * reference to the environment variable an operator sets ({@code %prod.keystep.required-secrets.kafka=
 * ${KEYSTEP_KAFKA_PASSWORD}}). A mapping is resolved when the configuration is, before a database migration or a
 * broker connection, so a missing one stops start-up with a message naming its variable, not a connection error
 * later (or a client that connects without a password). Outside production the map is empty.
 */
@ConfigMapping(prefix = "keystep.required-secrets")
public interface RequiredSecrets {

    @WithParentName
    Map<String, String> byName();
}
