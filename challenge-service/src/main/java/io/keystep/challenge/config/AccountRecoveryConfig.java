package io.keystep.challenge.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Account recovery when every factor is lost (docs/operations.md, "Account recovery"). */
@ConfigMapping(prefix = "keystep.account-recovery")
public interface AccountRecoveryConfig {

    /** The wait between approval and use, unless the tenant sets its own (at least an hour). */
    @WithDefault("PT24H")
    Duration delay();

    /** How long an opened recovery waits for its second approver before it lapses. */
    @WithDefault("P3D")
    Duration approvalWindow();

    /** How long a matured recovery may be used before it lapses. */
    @WithDefault("P3D")
    Duration useWindow();
}
