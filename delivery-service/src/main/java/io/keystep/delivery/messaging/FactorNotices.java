package io.keystep.delivery.messaging;

import io.keystep.delivery.config.DeliveryConfig;
import io.keystep.delivery.config.NoticeConfig;
import io.keystep.delivery.domain.Masking;
import io.keystep.delivery.domain.PhoneNumberNormaliser;
import io.keystep.delivery.provider.OutboundMessage;
import io.keystep.delivery.provider.ProviderFailover;
import io.keystep.delivery.store.CostLedger;
import io.keystep.delivery.store.NoticeLedger;
import io.keystep.events.Channel;
import io.keystep.events.DeliveryStatus;
import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Envelope;
import io.keystep.events.FactorChanged;
import io.keystep.kit.formats.DeliverySeal;
import io.keystep.kit.formats.NoticeUse;
import io.keystep.kit.formats.Opening;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static io.keystep.kit.formats.NoticeHeaders.LOCALE;
import static io.keystep.kit.formats.NoticeHeaders.NOTICE;
import static io.keystep.kit.formats.NoticeHeaders.SUMMARY;
import static io.keystep.kit.formats.NoticeHeaders.TO;

/**
 * Out-of-band notices of factor changes (OWASP MFA cheat sheet; NIST SP 800-63B 6.1.2.1): a
 * {@code factor.changed.v1} record whose headers ask for a notice has its summary sent as an SMS to each sealed
 * destination, through the same providers as codes. Each (event, destination) is sent at most once; what happened
 * is published on {@code delivery.status.v1} with the event id in the {@code challengeId} field.
 * <p>
 * The destinations are sealed under the notice key (never a code's), bound to the tenant, the event id, the user and
 * the summary and language headers, so that a header copied onto another record, or a record whose text was changed,
 * does not open. The summary is never logged, and never next to a destination.
 */
@ApplicationScoped
public class FactorNotices {

    public static final String UNREADABLE = "SEALED_DESTINATION_UNREADABLE";

    private static final Logger LOG = Logger.getLogger(FactorNotices.class);

    private final DeliverySeal opener;
    private final PhoneNumberNormaliser normaliser;
    private final ProviderFailover sender;
    private final NoticeLedger ledger;
    private final DeliveryStatusPublisher statuses;
    private final CostLedger costs;
    private final MeterRegistry meters;
    private final Clock clock;
    private final DeliveryConfig config;
    private final NoticeConfig notices;

    public FactorNotices(DeliverySeal opener, PhoneNumberNormaliser normaliser, ProviderFailover sender,
                         NoticeLedger ledger, DeliveryStatusPublisher statuses, CostLedger costs, MeterRegistry meters,
                         Clock clock, DeliveryConfig config, NoticeConfig notices) {
        this.opener = opener;
        this.normaliser = normaliser;
        this.sender = sender;
        this.ledger = ledger;
        this.statuses = statuses;
        this.costs = costs;
        this.meters = meters;
        this.clock = clock;
        this.config = config;
        this.notices = notices;
    }

    /** Whether a record with these headers asks for a notice that has somewhere to go. */
    public boolean wanted(Map<String, String> headers) {
        if (!"v1".equals(headers.get(NOTICE))) {
            count("ignored");
            return false;
        }
        String to = headers.get(TO);
        if (to == null || to.isBlank()) {
            // The user has no other channel to be told on: challenge-service counted it already.
            count("no_destination");
            return false;
        }
        return true;
    }

    /** Completes when every destination's notice is sent or reported failed, or was sent before. */
    public Uni<Void> deliver(Envelope<FactorChanged> change, Map<String, String> headers) {
        String tenantId = change.tenantId();
        String eventId = change.eventId().toString();
        String userId = change.payload().userId();
        String summary = Optional.ofNullable(headers.get(SUMMARY)).map(String::strip).orElse("");
        Opening opening = opener.openNotice(headers.get(TO), new NoticeUse(tenantId, eventId, userId,
                headers.get(SUMMARY), headers.get(LOCALE)));
        Optional<String> opened = opening.value();
        if (opening instanceof Opening.Refused refused) {
            LOG.warnf("notice of event %s for tenant %s: the destinations do not open for this notice (%s); not sent",
                    eventId, tenantId, refused.describe());
            count("unreadable");
            return publish(tenantId, change.correlationId(), eventId, userId, Channel.SMS, null,
                    DeliveryStatus.FAILED, UNREADABLE, null, null);
        }
        List<String> destinations = Arrays.stream(opened.get().split(",")).map(String::strip)
                .filter(d -> !d.isEmpty()).distinct().toList();
        return Multi.createFrom().iterable(destinations)
                .onItem().transformToUniAndConcatenate(d -> deliverTo(change, eventId, summary, d))
                .collect().last().replaceWithVoid();
    }

    private Uni<Void> deliverTo(Envelope<FactorChanged> change, String eventId, String summary, String destination) {
        String tenantId = change.tenantId();
        String userId = change.payload().userId();
        int colon = destination.indexOf(':');
        String channelName = colon > 0 ? destination.substring(0, colon).toUpperCase(Locale.ROOT) : "";
        String raw = colon > 0 ? destination.substring(colon + 1).strip() : destination;
        PhoneNumberNormaliser.Result result = normaliser.normalise(raw);
        String canonical = result instanceof PhoneNumberNormaliser.Valid valid ? valid.number().e164() : raw;
        String masked = Masking.destination(canonical);
        return ledger.claim(tenantId, eventId, channelName + ":" + canonical, notices.dedupeTtl()).chain(claimed -> {
            if (!claimed) {
                LOG.infof("notice of event %s to %s already taken; not sending again", eventId, masked);
                count("duplicate");
                return Uni.createFrom().voidItem();
            }
            if (!"SMS".equals(channelName)) {
                return failed(change, eventId, Channel.SMS, null, "CHANNEL_NOT_SUPPORTED", masked);
            }
            if (result instanceof PhoneNumberNormaliser.Invalid invalid) {
                return failed(change, eventId, Channel.SMS, null, invalid.reason(), masked);
            }
            PhoneNumberNormaliser.PhoneNumber number = ((PhoneNumberNormaliser.Valid) result).number();
            if (!number.lineType().receivesText()) {
                return failed(change, eventId, Channel.SMS, null, "NOT_A_MOBILE_NUMBER", masked);
            }
            if (summary.isEmpty()) {
                return failed(change, eventId, Channel.SMS, null, "NOTICE_WITHOUT_SUMMARY", masked);
            }
            OutboundMessage message = new OutboundMessage(Channel.SMS, number.e164(), summary, null, null,
                    tenantId, eventId);
            return sender.send(message).chain(sent -> {
                if (!sent.sent()) {
                    return failed(change, eventId, Channel.SMS, sent.providerName(), sent.reason(), masked);
                }
                String country = number.region() == null ? "ZZ" : number.region();
                BigDecimal cost = sent.provider().cost(country);
                meters.counter("keystep.delivery.cost", "provider", sent.providerName(), "country", country,
                        "channel", Channel.SMS.name(), "currency", config.currency()).increment(cost.doubleValue());
                count("sent");
                LOG.infof("notice of event %s sent by %s on SMS to %s", eventId, sent.providerName(), masked);
                return costs.record(tenantId, sent.providerName(), country, cost, clock.instant())
                        .onFailure().invoke(e -> LOG.warnf("cost of notice %s not recorded: %s", eventId,
                                e.getClass().getSimpleName()))
                        .onFailure().recoverWithNull()
                        .chain(() -> publish(tenantId, change.correlationId(), eventId, userId, Channel.SMS,
                                sent.providerName(), DeliveryStatus.SENT, null, masked,
                                sent.accepted().providerMessageId()));
            });
        });
    }

    private Uni<Void> failed(Envelope<FactorChanged> change, String eventId, Channel channel, String provider,
                             String reason, String masked) {
        LOG.warnf("notice of event %s not sent on %s to %s: %s", eventId, channel, masked, reason);
        count("failed");
        return publish(change.tenantId(), change.correlationId(), eventId, change.payload().userId(), channel,
                provider, DeliveryStatus.FAILED, reason, masked, null);
    }

    private Uni<Void> publish(String tenantId, String correlationId, String eventId, String userId, Channel channel,
                              String provider, DeliveryStatus status, String reason, String masked,
                              String providerMessageId) {
        return statuses.publish(tenantId, correlationId, new DeliveryStatusChanged(eventId, userId, channel, provider,
                status, reason, masked, providerMessageId));
    }

    private void count(String outcome) {
        meters.counter("keystep.delivery.notices", "outcome", outcome).increment();
    }
}
