package io.keystep.audit.api;

import io.keystep.audit.store.AuditEventStore;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The monitoring figures of a period for one tenant: challenge rate, success rate, fallback usage and lockouts,
 * with delivery outcomes by channel. Without {@code from}/{@code to}: the last 30 days.
 *
 * <p>Lockouts count every {@code verification.limited} event (a user locked out or suspended, a send or check
 * refused by a limit; by kind in {@code limits}) plus each check that ended {@code LOCKED} without a
 * {@code verification.limited} event for the same verification, so that one lockout published both ways counts once.
 */
@Path("/v1/audit/summary")
@RolesAllowed(Roles.COMPLIANCE)
@Produces(MediaType.APPLICATION_JSON)
public class SummaryResource {

    private static final String SUMMARY = "SELECT type, payload ->> 'decision', payload ->> 'outcome',"
            + " COALESCE(payload ->> 'channel', payload -> 'channelPlan' ->> 0), payload ->> 'status',"
            + " payload ->> 'limit', count(*), count(DISTINCT payload ->> 'challengeId')"
            + " FROM audit_event WHERE tenant_id = ?1 AND occurred_at >= CAST(CAST(?2 AS text) AS timestamptz)"
            + " AND occurred_at < CAST(CAST(?3 AS text) AS timestamptz) GROUP BY 1, 2, 3, 4, 5, 6";
    // a LOCKED check whose lockout was also published as verification.limited is counted there; two columns,
    // because a native query of one column gives scalars rather than rows
    private static final String LOCKED_ALONE = "SELECT count(*), 0 FROM audit_event c WHERE c.tenant_id = ?1"
            + " AND c.occurred_at >= CAST(CAST(?2 AS text) AS timestamptz)"
            + " AND c.occurred_at < CAST(CAST(?3 AS text) AS timestamptz)"
            + " AND c.type = 'verification.completed' AND c.payload ->> 'outcome' = 'LOCKED'"
            + " AND NOT EXISTS (SELECT 1 FROM audit_event l WHERE l.tenant_id = c.tenant_id"
            + " AND l.correlation_id = c.payload ->> 'challengeId' AND l.type = 'verification.limited'"
            + " AND l.payload ->> 'verificationId' = c.payload ->> 'challengeId')";

    private final AuditEventStore store;
    private final Clock clock;
    private final Caller caller;

    public SummaryResource(AuditEventStore store, Clock clock, Caller caller) {
        this.caller = caller;
        this.store = store;
        this.clock = clock;
    }

    /** Counts of one channel. */
    public record ChannelFigures(long challengesIssued, long sent, long delivered, long failed, long fellBack) {
    }

    /** The figures; rates are between 0 and 1, or null when there is nothing to divide by. */
    public record Summary(String tenantId, Instant from, Instant to, long logins, long decisions, long challenged,
                          long denied, Double challengeRate, long challengesIssued, long challengesApproved,
                          Double successRate, long fallbacks, Double fallbackRate, long lockouts,
                          Map<String, Long> limits, Map<String, Long> verificationOutcomes,
                          Map<String, ChannelFigures> byChannel, long deadLetters, long malformed) {
    }

    @GET
    public Uni<Summary> summary(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader,
                                @QueryParam("from") @QueryParameterRules.DateTime String fromParam,
                                @QueryParam("to") @QueryParameterRules.DateTime String toParam) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        Instant from = RequestParameters.instant(fromParam);
        Instant to = RequestParameters.instant(toParam);
        Instant end = to != null ? to : clock.instant();
        Instant start = from != null ? from : end.minus(Duration.ofDays(30));
        return of(store, tenant, start, end);
    }

    /** The tenant's figures of the period; the analytics count logins, decisions, fallbacks and lockouts by them. */
    static Uni<Summary> of(AuditEventStore store, String tenant, Instant start, Instant end) {
        List<Object> params = List.of(tenant, start.toString(), end.toString());
        return store.rows(SUMMARY, params).chain(rows -> store.rows(LOCKED_ALONE, params)
                .map(locked -> figures(tenant, start, end, rows, ((Number) locked.get(0)[0]).longValue())));
    }

    static Summary figures(String tenant, Instant from, Instant to, List<Object[]> rows, long lockedWithoutLimitEvent) {
        long logins = 0, decisions = 0, challenged = 0, denied = 0, issued = 0, approved = 0, fallbacks = 0;
        long lockouts = lockedWithoutLimitEvent, deadLetters = 0, malformed = 0;
        Map<String, Long> outcomes = new TreeMap<>();
        Map<String, Long> limits = new TreeMap<>();
        Map<String, long[]> channels = new TreeMap<>();
        for (Object[] row : rows) {
            String type = (String) row[0];
            String decision = (String) row[1];
            String outcome = (String) row[2];
            String channel = (String) row[3];
            String status = (String) row[4];
            String limit = (String) row[5];
            long count = ((Number) row[6]).longValue();
            long distinctChallenges = ((Number) row[7]).longValue();
            switch (type) {
                case "auth.login" -> logins += count;
                case "auth.decision" -> {
                    decisions += count;
                    if ("CHALLENGE".equals(decision)) {
                        challenged += count;
                    } else if ("DENY".equals(decision)) {
                        denied += count;
                    }
                }
                case "challenge.issued" -> {
                    issued += count;
                    channels.computeIfAbsent(channel == null ? "UNKNOWN" : channel, c -> new long[5])[0] += count;
                }
                case "delivery.status" -> {
                    long[] figures = channels.computeIfAbsent(channel == null ? "UNKNOWN" : channel, c -> new long[5]);
                    switch (status == null ? "" : status) {
                        case "SENT" -> figures[1] += count;
                        case "DELIVERED" -> figures[2] += count;
                        case "FAILED" -> figures[3] += count;
                        case "FELL_BACK" -> {
                            figures[4] += count;
                            fallbacks += count;
                        }
                        default -> {
                        }
                    }
                }
                case "verification.completed" -> {
                    outcomes.merge(outcome == null ? "UNKNOWN" : outcome, count, Long::sum);
                    if ("APPROVED".equals(outcome)) {
                        approved += distinctChallenges;
                    }
                }
                case "verification.limited" -> {
                    limits.merge(limit == null ? "UNKNOWN" : limit, count, Long::sum);
                    lockouts += count;
                }
                case "dead-letter" -> deadLetters += count;
                case "malformed" -> malformed += count;
                default -> {
                }
            }
        }
        Map<String, ChannelFigures> byChannel = new TreeMap<>();
        channels.forEach((c, f) -> byChannel.put(c, new ChannelFigures(f[0], f[1], f[2], f[3], f[4])));
        return new Summary(tenant, from, to, logins, decisions, challenged, denied, rate(challenged, decisions), issued,
                approved, rate(approved, issued), fallbacks, rate(fallbacks, issued), lockouts, limits, outcomes,
                byChannel, deadLetters, malformed);
    }

    private static Double rate(long part, long whole) {
        return whole == 0 ? null : (double) part / whole;
    }
}
