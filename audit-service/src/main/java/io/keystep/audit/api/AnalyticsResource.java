package io.keystep.audit.api;

import io.keystep.audit.domain.AuditSettings;
import io.keystep.audit.domain.ConversionBreakdown;
import io.keystep.audit.domain.ConversionBreakdown.KeyFigures;
import io.keystep.audit.store.TenantSettingsStore;
import io.keystep.audit.store.TrailAnalytics;
import io.keystep.audit.store.AuditEventStore;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tenant's verification analytics of a period, from its trail, for the analysts' screens: how many logins were
 * challenged, how many challenges were approved (overall, by channel, country, number prefix and provider), how long
 * people took, fallbacks, lockouts, limits, risk reasons, signup experiment arms, a series per hour or day, and the
 * countries and prefixes converting under the tenant's alert threshold. Role {@code analyst} only: figures, never a
 * user's events.
 *
 * <p>A challenge counts when its first {@code challenge.issued} is in the period, as approved when an APPROVED
 * {@code verification.completed} of it is too. Countries and prefixes come from the masked destination the trail keeps
 * ({@code +4915*****678}), so a prefix has at most as many digits as the mask shows. Logins, decisions, fallbacks,
 * lockouts and limits are counted as {@code /v1/audit/summary} counts them.
 */
@Path("/v1/audit/analytics")
@RolesAllowed(Roles.ANALYST)
@Produces(MediaType.APPLICATION_JSON)
public class AnalyticsResource {

    static final int MAX_BUCKETS = 400;
    private static final Duration DEFAULT_PERIOD = Duration.ofDays(7);
    /** Periods up to this long are shown by the hour unless a bucket is asked for. */
    private static final Duration HOURLY_UP_TO = Duration.ofDays(2);

    /** A signup experiment's arm: its assessments ({@code logins}) and how many of them were challenged. */
    public record ExperimentArmFigures(String experimentId, String arm, long logins, long challenged) {
    }

    /** One bucket of the series: logins and challenged decisions in it, challenges first issued in it and approved. */
    public record SeriesPoint(Instant start, long logins, long challenged, long created, long approved,
                              Double conversion) {
    }

    /** Challenges approved in the period, and the median and 90th percentile of the seconds from issue to approval. */
    public record TimeToVerify(long count, Double p50Seconds, Double p90Seconds) {
    }

    /** The figures; rates are between 0 and 1, or null when there is nothing to divide by. */
    public record Analytics(String tenantId, Instant from, Instant to, String bucket, int prefixLength, long logins,
                            long decisions, long challenged, long denied, Double challengeRate, long created,
                            long approved, Double conversion, List<KeyFigures> byChannel, List<KeyFigures> byCountry,
                            List<KeyFigures> byPrefix, List<KeyFigures> byProvider, TimeToVerify timeToVerify,
                            long fallbacks, long lockouts, Map<String, Long> sendLimits, Map<String, Long> riskReasons,
                            List<ExperimentArmFigures> experimentArms, List<SeriesPoint> series,
                            List<ConversionBreakdown.Alert> alerts) {
    }

    private final AuditEventStore store;
    private final TrailAnalytics analytics;
    private final TenantSettingsStore settings;
    private final Clock clock;
    private final Caller caller;

    public AnalyticsResource(AuditEventStore store, TrailAnalytics analytics, TenantSettingsStore settings, Clock clock,
                             Caller caller) {
        this.store = store;
        this.analytics = analytics;
        this.settings = settings;
        this.clock = clock;
        this.caller = caller;
    }

    /**
     * The analytics of {@code from} (default: 7 days before {@code to}) to {@code to} (default: now), by {@code bucket}
     * ({@code hour} or {@code day}; default hour for a period of up to 2 days, else day; at most 400 buckets), with
     * number prefixes of {@code prefixLength} digits (3 to 8, default 5).
     */
    @GET
    public Uni<Analytics> analytics(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader,
                                    @QueryParam("from") @QueryParameterRules.DateTime String fromParam,
                                    @QueryParam("to") @QueryParameterRules.DateTime String toParam,
                                    @QueryParam("bucket") @Pattern(regexp = "\\s*(hour|day)?\\s*",
                                            message = "must be hour or day") String bucketParam,
                                    @QueryParam("prefixLength") @Pattern(regexp = "\\s*([3-8])?\\s*",
                                            message = "must be a whole number from 3 to 8") String prefixParam) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        Instant to = RequestParameters.instant(toParam);
        Instant from = RequestParameters.instant(fromParam);
        Instant end = to != null ? to : clock.instant();
        Instant start = from != null ? from : end.minus(DEFAULT_PERIOD);
        if (!start.isBefore(end)) {
            throw ProblemException.invalid(to != null ? "to" : "from", to != null ? "must be after from"
                    : "must be before to (now when absent)");
        }
        String asked = RequestParameters.optional(bucketParam);
        String bucket = asked != null ? asked
                : Duration.between(start, end).compareTo(HOURLY_UP_TO) <= 0 ? "hour" : "day";
        if (buckets(start, end, bucket) > MAX_BUCKETS) {
            throw ProblemException.invalid(asked != null ? "bucket" : "from", "the period holds more than "
                    + MAX_BUCKETS + " buckets of a " + bucket + "; choose a shorter period"
                    + (bucket.equals("hour") ? " or bucket=day" : ""));
        }
        String prefix = RequestParameters.optional(prefixParam);
        int prefixLength = prefix == null ? ConversionBreakdown.DEFAULT_PREFIX_LENGTH : Integer.parseInt(prefix);
        // one statement after the other: they share the request's database session
        return SummaryResource.of(store, tenant, start, end)
                .chain(summary -> analytics.challengeGroups(tenant, start, end)
                .chain(groups -> analytics.series(tenant, start, end, bucket)
                .chain(series -> analytics.risk(tenant, start, end)
                .chain(risk -> settings.settingsOf(tenant)
                .map(own -> figures(tenant, start, end, bucket, prefixLength, summary,
                        ConversionBreakdown.of(groups, prefixLength), series, risk, own))))));
    }

    /** How many buckets of the unit (starting at whole units of UTC) the period touches. */
    static long buckets(Instant from, Instant to, String bucket) {
        ChronoUnit unit = bucket.equals("hour") ? ChronoUnit.HOURS : ChronoUnit.DAYS;
        Instant first = from.truncatedTo(unit);
        long width = unit.getDuration().toNanos();
        long span = Duration.between(first, to).toNanos();
        return (span + width - 1) / width;
    }

    static Analytics figures(String tenant, Instant from, Instant to, String bucket, int prefixLength,
                             SummaryResource.Summary summary, ConversionBreakdown breakdown,
                             TrailAnalytics.Series series, List<TrailAnalytics.RiskRow> risk, AuditSettings own) {
        Map<String, Long> reasons = new LinkedHashMap<>();
        risk.stream().filter(r -> r.kind().equals("reason"))
                .sorted(Comparator.comparingLong(TrailAnalytics.RiskRow::count).reversed()
                        .thenComparing(TrailAnalytics.RiskRow::key))
                .forEach(r -> reasons.put(r.key(), r.count()));
        List<ExperimentArmFigures> arms = risk.stream().filter(r -> r.kind().equals("arm"))
                .map(r -> new ExperimentArmFigures(r.key(), r.arm(), r.count(), r.challenged()))
                .sorted(Comparator.comparing(ExperimentArmFigures::experimentId)
                        .thenComparing(a -> a.arm() == null ? "" : a.arm()))
                .toList();
        List<SeriesPoint> points = series.buckets().stream().map(b -> new SeriesPoint(b.start(), b.logins(),
                b.challenged(), b.created(), b.approved(), ConversionBreakdown.rate(b.approved(), b.created()))).toList();
        TrailAnalytics.TimeToVerify time = series.timeToVerify();
        List<ConversionBreakdown.Alert> alerts = breakdown.alerts(own.conversionAlertThreshold(),
                own.conversionAlertMinVolume());
        ConversionBreakdown top = breakdown.top(ConversionBreakdown.TOP_KEYS);
        return new Analytics(tenant, from, to, bucket, prefixLength, summary.logins(), summary.decisions(),
                summary.challenged(), summary.denied(), summary.challengeRate(), breakdown.created(),
                breakdown.approved(), breakdown.conversion(), top.byChannel(), top.byCountry(), top.byPrefix(),
                top.byProvider(), new TimeToVerify(time.count(), time.p50Seconds(), time.p90Seconds()),
                summary.fallbacks(), summary.lockouts(), summary.limits(), reasons, arms, points, alerts);
    }
}
