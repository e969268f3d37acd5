package io.keystep.audit.api;

import io.keystep.audit.store.AuditEventStore;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.keystep.kit.web.constraints.OpaqueId;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * A signup experiment's figures per arm, from the tenant's trail, for a console to chart: does requiring a second
 * factor at signup (arm A) change how many signups get through, compared with the normal policy (arm B)?
 *
 * <p>Each {@code risk.assessed} event naming the experiment is one signup of its arm. A challenged one is
 * completed by its login's first APPROVED {@code verification.completed}, abandoned by a first EXPIRED, LOCKED or
 * CANCELED one, or by none before its {@code pendingUntil}; until then it is pending. A REJECTED check leaves it
 * pending: the person may still type the right code. These are the rules risk-service counts its metrics by.
 */
@Path("/v1/audit/experiments/{experimentId}")
@RolesAllowed(Roles.COMPLIANCE)
@Produces(MediaType.APPLICATION_JSON)
public class ExperimentResource {

    /** One arm's signups; rates are between 0 and 1, or null when there is nothing to divide by. */
    public record ArmFigures(String arm, long started, long challenged, long notChallenged, long denied,
                             long completed, long abandoned, long pending, Double completionRate,
                             Double conversionRate) {

        static ArmFigures of(String arm, long[] f) {
            long started = f[0], challenged = f[1], denied = f[2], completed = f[3], abandoned = f[4];
            long pending = challenged - completed - abandoned;
            long allowed = started - challenged - denied;
            return new ArmFigures(arm, started, challenged, started - challenged, denied, completed, abandoned,
                    pending, rate(completed, completed + abandoned), rate(allowed + completed, started - pending));
        }
    }

    /**
     * The experiment's figures at {@code asOf}.
     *
     * @param startedAt     when the experiment was first started, from the tenant's settings changes; null when that
     *                      change is not in the trail (removed by retention)
     * @param firstSignupAt the first signup it decided, null before any
     * @param lastSignupAt  the latest signup it decided
     * @param arms          arm A (every signup challenged) and arm B (the normal policy), in that order
     */
    public record ExperimentSummary(String tenantId, String experimentId, Instant asOf, Instant startedAt,
                                    Instant firstSignupAt, Instant lastSignupAt, List<ArmFigures> arms) {
    }

    private static final String FINAL_OUTCOME = "SELECT v.payload ->> 'outcome' FROM audit_event v"
            + " WHERE v.tenant_id = a.tenant_id AND v.correlation_id = a.correlation_id"
            + " AND v.type = 'verification.completed' AND v.payload ->> 'loginId' = a.payload ->> 'loginId'"
            + " AND v.payload ->> 'outcome' IN ('APPROVED', 'EXPIRED', 'LOCKED', 'CANCELED')"
            + " AND v.occurred_at <= CAST(a.payload -> 'experiment' ->> 'pendingUntil' AS timestamptz)"
            + " ORDER BY v.chain_seq LIMIT 1";

    /** One row per arm, decision and settlement: count, first and last signup (epoch seconds). */
    private static final String SIGNUPS = "SELECT s.arm, s.decision, s.settled, count(*),"
            + " extract(epoch FROM min(s.occurred_at)), extract(epoch FROM max(s.occurred_at)) FROM ("
            + "SELECT a.payload -> 'experiment' ->> 'arm' AS arm, a.payload ->> 'decision' AS decision,"
            + " a.occurred_at, CASE WHEN a.payload ->> 'decision' <> 'CHALLENGE' THEN NULL"
            + " ELSE COALESCE((" + FINAL_OUTCOME + "), CASE WHEN CAST(a.payload -> 'experiment' ->> 'pendingUntil'"
            + " AS timestamptz) <= CAST(CAST(?3 AS text) AS timestamptz) THEN 'NEVER_CHECKED' END) END AS settled"
            + " FROM audit_event a WHERE a.tenant_id = ?1 AND a.type = 'risk.assessed'"
            + " AND a.payload -> 'experiment' ->> 'experimentId' = ?2) s GROUP BY 1, 2, 3";

    /** The first settings change that started the experiment; two columns, so that rows come back as arrays. */
    private static final String STARTED = "SELECT extract(epoch FROM min(occurred_at)), 0 FROM audit_event"
            + " WHERE tenant_id = ?1 AND type = 'tenant.settings-changed' AND payload ->> 'area' = 'risk'"
            + " AND EXISTS (SELECT 1 FROM jsonb_array_elements(payload -> 'changes') c"
            + " WHERE c ->> 'field' = 'signupExperiment.experimentId' AND c ->> 'after' = ?2)";

    private final AuditEventStore store;
    private final Clock clock;
    private final Caller caller;

    public ExperimentResource(AuditEventStore store, Clock clock, Caller caller) {
        this.store = store;
        this.clock = clock;
        this.caller = caller;
    }

    /** The experiment's figures per arm; 404 when the trail has neither its start nor any of its signups. */
    @GET
    public Uni<ExperimentSummary> summary(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader,
                                          @PathParam("experimentId") @OpaqueId String experimentId) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        Instant now = clock.instant();
        return store.rows(SIGNUPS, List.of(tenant, experimentId, now.toString()))
                .chain(rows -> store.rows(STARTED, List.of(tenant, experimentId))
                        .map(start -> figures(tenant, experimentId, now, instant(start.get(0)[0]), rows)));
    }

    static ExperimentSummary figures(String tenant, String experimentId, Instant asOf, Instant startedAt,
                                     List<Object[]> rows) {
        if (rows.isEmpty() && startedAt == null) {
            throw ProblemException.notFound("no signup experiment " + experimentId + " in the tenant's trail");
        }
        long[] a = new long[5];
        long[] b = new long[5];
        Instant first = null;
        Instant last = null;
        for (Object[] row : rows) {
            long[] f = "A".equals(row[0]) ? a : b;
            String decision = (String) row[1];
            String settled = (String) row[2];
            long count = ((Number) row[3]).longValue();
            f[0] += count;
            if ("CHALLENGE".equals(decision)) {
                f[1] += count;
                if ("APPROVED".equals(settled)) {
                    f[3] += count;
                } else if (settled != null) {
                    f[4] += count;
                }
            } else if ("DENY".equals(decision)) {
                f[2] += count;
            }
            Instant rowFirst = instant(row[4]);
            Instant rowLast = instant(row[5]);
            first = first == null || rowFirst.isBefore(first) ? rowFirst : first;
            last = last == null || rowLast.isAfter(last) ? rowLast : last;
        }
        return new ExperimentSummary(tenant, experimentId, asOf, startedAt, first, last,
                List.of(ArmFigures.of("A", a), ArmFigures.of("B", b)));
    }

    /** An epoch-seconds value of PostgreSQL (numeric, microsecond precision), or null. */
    private static Instant instant(Object epochSeconds) {
        if (epochSeconds == null) {
            return null;
        }
        double seconds = ((Number) epochSeconds).doubleValue();
        return Instant.ofEpochMilli(Math.round(seconds * 1000));
    }

    private static Double rate(long part, long whole) {
        return whole == 0 ? null : (double) part / whole;
    }
}
