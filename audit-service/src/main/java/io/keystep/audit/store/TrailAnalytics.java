package io.keystep.audit.store;

import io.keystep.audit.domain.ChallengeGroup;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;

/**
 * The analytics' reads of the trail, each one statement over a tenant's rows of a period: the {@code (tenant_id,
 * occurred_at)} index bounds every scan before any payload is looked at. A challenge counts in the period when its
 * first {@code challenge.issued} is in it, and as approved when an APPROVED {@code verification.completed} of it is.
 */
@ApplicationScoped
public class TrailAnalytics {

    private static final String PERIOD = "tenant_id = ?1 AND occurred_at >= CAST(CAST(?2 AS text) AS timestamptz)"
            + " AND occurred_at < CAST(CAST(?3 AS text) AS timestamptz)";

    /**
     * One row per challenge of the period: its first issue, its first approval, the first planned channel and the
     * digits before the mask of the destination of its first issue, and the provider of its latest delivery status
     * naming one.
     */
    private static final String CHALLENGES = "SELECT payload ->> 'challengeId' AS challenge,"
            + " min(occurred_at) FILTER (WHERE type = 'challenge.issued') AS issued_at,"
            + " min(occurred_at) FILTER (WHERE type = 'verification.completed'"
            + " AND payload ->> 'outcome' = 'APPROVED') AS approved_at,"
            + " (array_agg(COALESCE(payload ->> 'channel', payload -> 'channelPlan' ->> 0) ORDER BY occurred_at,"
            + " chain_seq) FILTER (WHERE type = 'challenge.issued'))[1] AS channel,"
            + " (array_agg(substring(payload ->> 'destination' FROM '^\\+([0-9]+)\\*') ORDER BY occurred_at, chain_seq)"
            + " FILTER (WHERE type = 'challenge.issued'))[1] AS digits,"
            + " (array_agg(payload ->> 'provider' ORDER BY occurred_at DESC, chain_seq DESC)"
            + " FILTER (WHERE type = 'delivery.status' AND payload ->> 'provider' IS NOT NULL))[1] AS provider"
            + " FROM audit_event WHERE " + PERIOD
            + " AND type IN ('challenge.issued', 'verification.completed', 'delivery.status')"
            + " AND payload ->> 'challengeId' IS NOT NULL GROUP BY 1";

    private static final String GROUPS = "WITH c AS (" + CHALLENGES + ") SELECT channel, digits, provider, count(*),"
            + " count(approved_at) FROM c WHERE issued_at IS NOT NULL GROUP BY 1, 2, 3";

    /**
     * One row per bucket ({@code ?4}: hour or day, UTC; {@code ?5} its interval), empty ones included: its start,
     * logins, challenged decisions, challenges created and approved of them; and on every row the period's time to
     * verify (challenges approved, median and 90th percentile in seconds from first issue to first approval).
     */
    private static final String SERIES = "WITH c AS (" + CHALLENGES + "),"
            + " b AS (SELECT generate_series(date_trunc(CAST(?4 AS text), CAST(CAST(?2 AS text) AS timestamptz)"
            + " AT TIME ZONE 'UTC'), CAST(CAST(?3 AS text) AS timestamptz) AT TIME ZONE 'UTC' - interval '1 microsecond',"
            + " CAST(CAST(?5 AS text) AS interval)) AS start),"
            + " e AS (SELECT date_trunc(CAST(?4 AS text), occurred_at AT TIME ZONE 'UTC') AS start,"
            + " count(*) FILTER (WHERE type = 'auth.login') AS logins,"
            + " count(*) FILTER (WHERE type = 'auth.decision' AND payload ->> 'decision' = 'CHALLENGE') AS challenged"
            + " FROM audit_event WHERE " + PERIOD + " AND type IN ('auth.login', 'auth.decision') GROUP BY 1),"
            + " k AS (SELECT date_trunc(CAST(?4 AS text), issued_at AT TIME ZONE 'UTC') AS start, count(*) AS created,"
            + " count(approved_at) AS approved FROM c WHERE issued_at IS NOT NULL GROUP BY 1),"
            + " t AS (SELECT count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50,"
            + " percentile_cont(0.9) WITHIN GROUP (ORDER BY s) AS p90 FROM (SELECT extract(epoch FROM approved_at"
            + " - issued_at) AS s FROM c WHERE issued_at IS NOT NULL AND approved_at >= issued_at) d)"
            + " SELECT to_char(b.start, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), COALESCE(e.logins, 0),"
            + " COALESCE(e.challenged, 0), COALESCE(k.created, 0), COALESCE(k.approved, 0), t.n, t.p50, t.p90"
            + " FROM b CROSS JOIN t LEFT JOIN e ON e.start = b.start LEFT JOIN k ON k.start = b.start ORDER BY b.start";

    /**
     * The period's {@code risk.assessed} figures: {@code reason} rows (a reason and how many assessments gave it) and
     * {@code arm} rows (an experiment, an arm, its assessments and how many of them were challenged).
     */
    private static final String RISK = "SELECT CAST('reason' AS text), r.reason, CAST(NULL AS text), count(*),"
            + " CAST(0 AS bigint) FROM audit_event CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN"
            + " jsonb_typeof(payload -> 'reasons') = 'array' THEN payload -> 'reasons' ELSE CAST('[]' AS jsonb) END)"
            + " AS r(reason) WHERE " + PERIOD + " AND type = 'risk.assessed' GROUP BY 2"
            + " UNION ALL SELECT CAST('arm' AS text), payload -> 'experiment' ->> 'experimentId',"
            + " payload -> 'experiment' ->> 'arm', count(*), count(*) FILTER (WHERE payload ->> 'decision' = 'CHALLENGE')"
            + " FROM audit_event WHERE " + PERIOD + " AND type = 'risk.assessed'"
            + " AND payload -> 'experiment' ->> 'experimentId' IS NOT NULL GROUP BY 2, 3";

    /**
     * Tenants with a challenge issued in the period. Rows occur before they are received, so the period also bounds
     * {@code received_at}, the partition key with an index of its own, rather than every tenant's rows being read.
     * Two columns, so that rows come back as arrays.
     */
    private static final String TENANTS = "SELECT DISTINCT tenant_id, 0 FROM audit_event"
            + " WHERE received_at >= CAST(CAST(?1 AS text) AS timestamptz)"
            + " AND occurred_at >= CAST(CAST(?1 AS text) AS timestamptz)"
            + " AND occurred_at < CAST(CAST(?2 AS text) AS timestamptz) AND type = 'challenge.issued' ORDER BY 1";

    /** One bucket of the series. */
    public record Bucket(Instant start, long logins, long challenged, long created, long approved) {
    }

    /** Challenges approved, and the median and 90th percentile of their time from first issue to first approval. */
    public record TimeToVerify(long count, Double p50Seconds, Double p90Seconds) {
    }

    /** The buckets of a period and its time to verify. */
    public record Series(List<Bucket> buckets, TimeToVerify timeToVerify) {
    }

    /** One row of the risk figures: {@code kind} is {@code reason} (key, count) or {@code arm} (key, arm, both counts). */
    public record RiskRow(String kind, String key, String arm, long count, long challenged) {
    }

    private final AuditEventStore store;

    public TrailAnalytics(AuditEventStore store) {
        this.store = store;
    }

    /** The period's challenges grouped by channel, destination digits and provider. */
    public Uni<List<ChallengeGroup>> challengeGroups(String tenant, Instant from, Instant to) {
        return store.rows(GROUPS, List.of(tenant, from.toString(), to.toString())).map(rows -> rows.stream()
                .map(r -> new ChallengeGroup((String) r[0], (String) r[1], (String) r[2], number(r[3]), number(r[4])))
                .toList());
    }

    /**
     * The period's buckets of {@code unit} ({@code hour} or {@code day}, starting at whole units of UTC), the first
     * one holding {@code from}, and its time to verify.
     */
    public Uni<Series> series(String tenant, Instant from, Instant to, String unit) {
        return store.rows(SERIES, List.of(tenant, from.toString(), to.toString(), unit, "1 " + unit)).map(rows -> {
            List<Bucket> buckets = rows.stream().map(r -> new Bucket(Instant.parse((String) r[0]), number(r[1]),
                    number(r[2]), number(r[3]), number(r[4]))).toList();
            TimeToVerify time = rows.isEmpty() ? new TimeToVerify(0, null, null) : new TimeToVerify(number(rows.get(0)[5]),
                    decimal(rows.get(0)[6]), decimal(rows.get(0)[7]));
            return new Series(buckets, time);
        });
    }

    /** The period's risk reasons and experiment arms. */
    public Uni<List<RiskRow>> risk(String tenant, Instant from, Instant to) {
        return store.rows(RISK, List.of(tenant, from.toString(), to.toString())).map(rows -> rows.stream()
                .map(r -> new RiskRow((String) r[0], (String) r[1], (String) r[2], number(r[3]), number(r[4])))
                .toList());
    }

    /** The tenants with a challenge issued in the period. */
    public Uni<List<String>> tenantsWithChallenges(Instant from, Instant to) {
        return store.rows(TENANTS, List.of(from.toString(), to.toString()))
                .map(rows -> rows.stream().map(r -> (String) r[0]).toList());
    }

    private static long number(Object value) {
        return value == null ? 0 : ((Number) value).longValue();
    }

    private static Double decimal(Object value) {
        return value == null ? null : ((Number) value).doubleValue();
    }
}
