package io.keystep.challenge.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The transactional outbox of challenge-service's events ({@code event_outbox}) and its relay. */
@ConfigMapping(prefix = "keystep.outbox")
public interface OutboxConfig {

    /** How often the relay looks for rows left pending (each commit also wakes it at once). */
    @WithDefault("5s")
    Duration relayEvery();

    /** At most this many rows per relay pass. */
    @WithDefault("100")
    int batchSize();

    /** How long a sent row is kept, for inquiries, before it is deleted. */
    @WithDefault("P7D")
    Duration retention();
}
