package io.keystep.challenge.config;

import io.keystep.challenge.domain.CodeDigest;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The code digest, keyed by the configured pepper. */
public class CodeDigestProducer {

    /** Built at start-up, so that a weak or malformed secret stops the service instead of its first request. */
    @Produces
    @Singleton
    @Startup
    CodeDigest codeDigest(ChallengeConfig config) {
        return new CodeDigest(config.codePepper());
    }
}
