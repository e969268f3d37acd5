package io.keystep.delivery.messaging;

import io.keystep.delivery.config.DeliveryConfig;
import io.keystep.delivery.domain.DeliveryJob;
import io.keystep.delivery.domain.DestinationCheck;
import io.keystep.events.Channel;
import io.keystep.events.DeliveryStatus;
import io.keystep.events.DeliveryStatusChanged;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What happened to a delivery job, told once: the status on {@code delivery.status.v1} and the send and cost
 * meters. FAILED is final for the send; it is logged at WARN with the masked destination only.
 */
@ApplicationScoped
public class DeliveryOutcomes {

    private static final Logger LOG = Logger.getLogger(DeliveryOutcomes.class);

    private final DeliveryStatusPublisher statuses;
    private final DestinationCheck destinations;
    private final MeterRegistry meters;
    private final DeliveryConfig config;
    /** Meters by their tags, looked up once rather than registered again on every send. */
    private final ConcurrentMap<SendsTags, Counter> sendCounters = new ConcurrentHashMap<>();
    private final ConcurrentMap<CostTags, Counter> costCounters = new ConcurrentHashMap<>();

    private record SendsTags(String tenantId, Channel channel, String provider, String country,
                             DeliveryStatus status) {
    }

    private record CostTags(String provider, String country, Channel channel) {
    }

    public DeliveryOutcomes(DeliveryStatusPublisher statuses, DestinationCheck destinations, MeterRegistry meters,
                            DeliveryConfig config) {
        this.statuses = statuses;
        this.destinations = destinations;
        this.meters = meters;
        this.config = config;
    }

    /** The job failed for good on {@code channel}. */
    Uni<Void> fail(DeliveryJob job, Channel channel, String provider, String reason, String masked) {
        LOG.warnf("challenge %s not delivered on %s to %s: %s", job.challengeId(), channel, masked, reason);
        count(job.tenantId(), channel, provider == null ? "none" : provider, destinations.country(job.destination()),
                DeliveryStatus.FAILED);
        return publish(job, channel, provider, DeliveryStatus.FAILED, reason, masked, null);
    }

    Uni<Void> publish(DeliveryJob job, Channel channel, String provider, DeliveryStatus status, String reason,
                      String masked, String providerMessageId) {
        return statuses.publish(job.tenantId(), job.correlationId(), new DeliveryStatusChanged(job.challengeId(),
                job.userId(), channel, provider, status, reason, masked, providerMessageId));
    }

    void count(String tenantId, Channel channel, String provider, String country, DeliveryStatus status) {
        sendCounters.computeIfAbsent(new SendsTags(tenantId, channel, provider, country, status),
                t -> meters.counter("keystep.delivery.sends", "tenant", t.tenantId(), "channel", t.channel().name(),
                        "provider", t.provider(), "country", t.country(), "status", t.status().name())).increment();
    }

    void countCost(String provider, String country, Channel channel, BigDecimal cost) {
        costCounters.computeIfAbsent(new CostTags(provider, country, channel),
                        t -> meters.counter("keystep.delivery.cost", "provider", t.provider(), "country", t.country(),
                                "channel", t.channel().name(), "currency", config.currency()))
                .increment(cost.doubleValue());
    }

    String maskedDestination(DeliveryJob job) {
        return destinations.masked(job.destination());
    }

    String country(DeliveryJob job) {
        return destinations.country(job.destination());
    }
}
