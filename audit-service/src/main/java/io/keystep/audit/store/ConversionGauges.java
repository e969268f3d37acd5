package io.keystep.audit.store;

import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.AuditSettings;
import io.keystep.audit.domain.ConversionBreakdown;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The conversion of the last hour by country and number prefix, per tenant with challenges in that hour, as gauges for
 * Prometheus to alert on ({@code deploy/prometheus/keystep-alerts.yaml}), beside each tenant's threshold and minimum
 * volume. Computed every minute by the analytics' own rule ({@link ConversionBreakdown}), so that an alert and the
 * analysts' screen never disagree. The 50 keys with the most challenges per dimension and tenant are kept; a key or
 * tenant without challenges in the hour loses its series.
 */
@ApplicationScoped
public class ConversionGauges {

    private static final Logger LOG = Logger.getLogger(ConversionGauges.class);

    private final TrailAnalytics analytics;
    private final TenantSettingsStore settings;
    private final AuditConfig config;
    private final Clock clock;
    private final MultiGauge ratio;
    private final MultiGauge created;
    private final MultiGauge threshold;
    private final MultiGauge minVolume;

    public ConversionGauges(TrailAnalytics analytics, TenantSettingsStore settings, AuditConfig config, Clock clock,
                            MeterRegistry registry) {
        this.analytics = analytics;
        this.settings = settings;
        this.config = config;
        this.clock = clock;
        ratio = MultiGauge.builder("keystep.verification.conversion.ratio")
                .description("challenges approved of those created in the last hour, by country or number prefix")
                .register(registry);
        created = MultiGauge.builder("keystep.verification.created")
                .description("challenges created in the last hour, by country or number prefix").register(registry);
        threshold = MultiGauge.builder("keystep.verification.conversion.threshold")
                .description("the tenant's conversion alert threshold (audit settings)").register(registry);
        minVolume = MultiGauge.builder("keystep.verification.conversion.min.volume")
                .description("the challenges a country or prefix needs before its conversion alerts (audit settings)")
                .register(registry);
    }

    /** One tenant's figures of the hour. */
    private record TenantFigures(String tenant, AuditSettings settings, ConversionBreakdown breakdown) {
    }

    @Scheduled(every = "${keystep.audit.conversion.metrics-every}", delayed = "PT5S",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return refresh().onFailure().invoke(e -> LOG.warn("conversion gauges not computed; they are again later", e))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Computes the last hour's figures and replaces every series with them. */
    public Uni<Void> refresh() {
        Instant now = clock.instant();
        Instant from = now.minus(config.conversion().metricsWindow());
        return analytics.tenantsWithChallenges(from, now)
                .chain(tenants -> Multi.createFrom().iterable(tenants)
                        .onItem().transformToUniAndConcatenate(tenant -> settings.settingsOf(tenant)
                                .chain(own -> analytics.challengeGroups(tenant, from, now)
                                        .map(groups -> new TenantFigures(tenant, own, ConversionBreakdown
                                                .of(groups, ConversionBreakdown.DEFAULT_PREFIX_LENGTH)
                                                .top(ConversionBreakdown.TOP_KEYS)))))
                        .collect().asList())
                .invoke(this::publish)
                .replaceWithVoid();
    }

    private void publish(List<TenantFigures> tenants) {
        List<MultiGauge.Row<?>> ratios = new ArrayList<>();
        List<MultiGauge.Row<?>> volumes = new ArrayList<>();
        List<MultiGauge.Row<?>> thresholds = new ArrayList<>();
        List<MultiGauge.Row<?>> minVolumes = new ArrayList<>();
        for (TenantFigures figures : tenants) {
            Tags tenant = Tags.of("tenant", figures.tenant());
            thresholds.add(MultiGauge.Row.of(tenant, figures.settings().conversionAlertThreshold()));
            minVolumes.add(MultiGauge.Row.of(tenant, figures.settings().conversionAlertMinVolume()));
            add(ratios, volumes, tenant, ConversionBreakdown.COUNTRY, figures.breakdown().byCountry());
            add(ratios, volumes, tenant, ConversionBreakdown.PREFIX, figures.breakdown().byPrefix());
        }
        // overwrite: a row not given again is removed, so a key without challenges in the hour leaves no stale ratio
        ratio.register(ratios, true);
        created.register(volumes, true);
        threshold.register(thresholds, true);
        minVolume.register(minVolumes, true);
    }

    private static void add(List<MultiGauge.Row<?>> ratios, List<MultiGauge.Row<?>> volumes, Tags tenant,
                            String dimension, List<ConversionBreakdown.KeyFigures> keys) {
        for (ConversionBreakdown.KeyFigures key : keys) {
            Tags tags = tenant.and("dimension", dimension, "key", key.key());
            volumes.add(MultiGauge.Row.of(tags, key.created()));
            if (key.conversion() != null) {
                ratios.add(MultiGauge.Row.of(tags, key.conversion()));
            }
        }
    }
}
