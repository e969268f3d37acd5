package io.keystep.audit.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** audit-service settings, under {@code keystep.audit}. */
@ConfigMapping(prefix = "keystep.audit")
public interface AuditConfig {

    Ingest ingest();

    Query query();

    Export export();

    Retention retention();

    Checkpoint checkpoint();

    interface Ingest {
        /** First wait before a batch is written again after a database error. */
        @WithDefault("PT0.2S")
        Duration minBackoff();

        /** Longest wait between two attempts; ingest retries until PostgreSQL answers again. */
        @WithDefault("PT10S")
        Duration maxBackoff();
    }

    interface Query {
        @WithDefault("100")
        int defaultLimit();

        @WithDefault("1000")
        int maxLimit();
    }

    interface Export {
        /** Rows read per database round trip; an export holds at most one page in memory. */
        @WithDefault("500")
        int pageSize();
    }

    interface Retention {
        /** How long rows are kept when the tenant has no setting of its own: 4 years. */
        @WithDefault("48")
        int defaultMonths();

        /** Per-tenant retention in months, {@code keystep.audit.retention.tenant-months.<tenant>=<months>}. */
        Map<String, Integer> tenantMonths();

        /** Cron expression of the retention run. */
        @WithDefault("0 15 3 * * ?")
        String schedule();

        default int monthsFor(String tenantId) {
            return tenantMonths().getOrDefault(tenantId, defaultMonths());
        }
    }

    interface Checkpoint {
        /** How often the chain heads are signed and published. */
        @WithDefault("PT5M")
        Duration every();

        /** Ed25519 private key, PKCS#8, base64. Without it no checkpoint is signed. */
        Optional<String> privateKey();

        /** The matching Ed25519 public key, X.509, base64; served so that copies can check the signatures. */
        Optional<String> publicKey();

        @WithDefault("default")
        String keyId();
    }
}
