package io.keystep.audit.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;

/** audit-service settings, under {@code keystep.audit}. */
@ConfigMapping(prefix = "keystep.audit")
public interface AuditConfig {

    Ingest ingest();

    Query query();

    Export export();

    Retention retention();

    Checkpoint checkpoint();

    Conversion conversion();

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

        /**
         * No retention is shorter than this, whoever sets it (a tenant's setting, the values above): a year by default.
         * The operator's: a tenant's PUT under it is refused (400), and a lower configured value counts as the floor.
         */
        @WithDefault("12")
        int floorMonths();

        /**
         * How long after it is asked for a shortening of a tenant's retention takes effect, so that it can be seen in
         * the trail and undone before any row goes; a lengthening takes effect at once. An ISO-8601 duration.
         */
        @WithDefault("P7D")
        Duration shorteningDelay();

        /** How often shortenings whose time has come are applied (and announced). */
        @WithDefault("PT1M")
        Duration applyEvery();

        /** Cron expression of the retention run. */
        @WithDefault("0 15 3 * * ?")
        String schedule();

        /** The tenant's configured retention, never under the floor. */
        default int monthsFor(String tenantId) {
            return Math.max(floorMonths(), tenantMonths().getOrDefault(tenantId, defaultMonths()));
        }
    }

    interface Checkpoint {
        /** How often the chain heads are signed and published. */
        @WithDefault("PT5M")
        Duration every();

        /**
         * Ed25519 private key, PKCS#8, base64 ({@code KEYSTEP_AUDIT_CHECKPOINT_PRIVATE_KEY}). Required: without it the
         * service does not start, as a trail without signed checkpoints cannot show a rewrite or a truncation.
         */
        String privateKey();

        /**
         * The matching Ed25519 public key, X.509, base64 ({@code KEYSTEP_AUDIT_CHECKPOINT_PUBLIC_KEY}), required:
         * {@code /v1/audit/verify} checks every checkpoint with it (never with a key read from the database), and it is
         * served so that copies can check the signatures.
         */
        String publicKey();

        /**
         * Public keys of earlier signing keys, by key id ({@code keystep.audit.checkpoint.previous-public-keys.<id>}),
         * so that checkpoints signed before a key rotation still verify.
         */
        Map<String, String> previousPublicKeys();

        @WithDefault("default")
        String keyId();
    }

    interface Conversion {
        /** A tenant's conversion alert threshold when it set none: a share of challenges approved, 0 to 1. */
        @WithDefault("0.5")
        double alertThreshold();

        /** The challenges a country or prefix needs in the period before its conversion can raise an alert. */
        @WithDefault("20")
        int alertMinVolume();

        /** How often the conversion gauges of the last hour are computed again. */
        @WithDefault("PT1M")
        Duration metricsEvery();

        /** The period the conversion gauges look back over. */
        @WithDefault("PT1H")
        Duration metricsWindow();
    }
}
