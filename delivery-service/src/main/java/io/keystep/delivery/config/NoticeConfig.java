package io.keystep.delivery.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Factor-change notices ({@code factor.changed.v1} records that ask for one). */
@ConfigMapping(prefix = "keystep.notices")
public interface NoticeConfig {

    /** How long a sent notice is remembered, so that a redelivered record sends nothing twice. */
    @WithDefault("P7D")
    Duration dedupeTtl();

    /** A notice that cannot be sent in this time fails its record (dead-letter topic) instead of holding the consumer. */
    @WithDefault("PT120S")
    Duration timeout();
}
