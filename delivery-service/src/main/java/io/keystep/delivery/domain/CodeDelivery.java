package io.keystep.delivery.domain;

import io.keystep.delivery.config.DeliveryConfig;
import io.keystep.delivery.messaging.DeliveryStatusPublisher;
import io.keystep.delivery.provider.OutboundMessage;
import io.keystep.delivery.provider.ProviderAdapter;
import io.keystep.delivery.provider.ProviderDirectory;
import io.keystep.delivery.provider.SendOutcome;
import io.keystep.delivery.store.DeliveryJobLedger;
import io.keystep.events.Channel;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.DeliveryStatus;
import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Envelope;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Carries one delivery job to the person: takes the job once, opens the sealed code, checks the destination,
 * renders the message, sends it through a provider and publishes what happened. Every refusal ends in a
 * {@code FAILED} status with a reason; nothing here throws for a bad job.
 */
@ApplicationScoped
public class CodeDelivery {

    private static final Logger LOG = Logger.getLogger(CodeDelivery.class);

    private final Clock clock;
    private final DeliveryConfig config;
    private final SealedCodeOpener opener;
    private final PhoneNumberNormaliser normaliser;
    private final MessageComposer composer;
    private final ProviderDirectory providers;
    private final DeliveryJobLedger ledger;
    private final DeliveryStatusPublisher statuses;
    private final MeterRegistry meters;

    public CodeDelivery(Clock clock, DeliveryConfig config, SealedCodeOpener opener, PhoneNumberNormaliser normaliser,
                        MessageComposer composer, ProviderDirectory providers, DeliveryJobLedger ledger,
                        DeliveryStatusPublisher statuses, MeterRegistry meters) {
        this.clock = clock;
        this.config = config;
        this.opener = opener;
        this.normaliser = normaliser;
        this.composer = composer;
        this.providers = providers;
        this.ledger = ledger;
        this.statuses = statuses;
        this.meters = meters;
    }

    /** Completes when the job's status is published (or the job was a duplicate). */
    public Uni<Void> deliver(Envelope<ChallengeIssued> envelope) {
        ChallengeIssued job = envelope.payload();
        return ledger.claim(envelope.tenantId(), job.challengeId(), config.dedupeTtl())
                .chain(claimed -> {
                    if (!claimed) {
                        LOG.infof("delivery job %s for tenant %s already taken; not sending again",
                                job.challengeId(), envelope.tenantId());
                        return Uni.createFrom().voidItem();
                    }
                    return send(envelope);
                });
    }

    private Uni<Void> send(Envelope<ChallengeIssued> envelope) {
        ChallengeIssued job = envelope.payload();
        Channel channel = job.channelPlan().get(0);
        Instant now = clock.instant();
        if (!job.expiresAt().isAfter(now)) {
            return fail(envelope, channel, null, "CODE_EXPIRED", Masking.destination(job.destination()));
        }
        Optional<String> code = opener.open(job.sealedCode(), envelope.tenantId(), job.challengeId());
        if (code.isEmpty()) {
            return fail(envelope, channel, null, "SEALED_CODE_UNREADABLE", Masking.destination(job.destination()));
        }
        PhoneNumberNormaliser.Result destination = normaliser.normalise(job.destination());
        if (destination instanceof PhoneNumberNormaliser.Invalid invalid) {
            return fail(envelope, channel, null, invalid.reason(), Masking.destination(job.destination()));
        }
        PhoneNumberNormaliser.PhoneNumber number = ((PhoneNumberNormaliser.Valid) destination).number();
        String masked = Masking.destination(number.e164());
        List<ProviderAdapter> candidates = providers.forChannel(channel);
        if (candidates.isEmpty()) {
            return fail(envelope, channel, null, "CHANNEL_UNAVAILABLE", masked);
        }
        ProviderAdapter provider = candidates.get(0);
        MessageComposer.Rendered rendered = composer.render(channel, new MessageComposer.Content(envelope.tenantId(),
                job.locale(), job.purpose(), code.get(), minutesLeft(now, job.expiresAt()), null));
        OutboundMessage message = new OutboundMessage(channel, number.e164(), rendered.body(), rendered.subject(),
                envelope.tenantId(), job.challengeId());
        Timer.Sample sample = Timer.start(meters);
        return provider.send(message).chain(outcome -> {
            sample.stop(meters.timer("keystep.delivery.provider.latency", "provider", provider.name(),
                    "channel", channel.name()));
            if (outcome instanceof SendOutcome.Accepted accepted) {
                count(envelope.tenantId(), channel, provider.name(), number.region(), DeliveryStatus.SENT);
                LOG.infof("challenge %s sent by %s on %s to %s", job.challengeId(), provider.name(), channel, masked);
                return statuses.publish(envelope.tenantId(), envelope.correlationId(), new DeliveryStatusChanged(
                        job.challengeId(), job.userId(), channel, provider.name(), DeliveryStatus.SENT, null, masked,
                        accepted.providerMessageId()));
            }
            SendOutcome.Refused refused = (SendOutcome.Refused) outcome;
            count(envelope.tenantId(), channel, provider.name(), number.region(), DeliveryStatus.FAILED);
            return fail(envelope, channel, provider.name(), refused.reason(), masked);
        });
    }

    private Uni<Void> fail(Envelope<ChallengeIssued> envelope, Channel channel, String provider, String reason,
                           String maskedDestination) {
        ChallengeIssued job = envelope.payload();
        LOG.warnf("challenge %s not delivered on %s to %s: %s", job.challengeId(), channel, maskedDestination, reason);
        if (provider == null) {
            count(envelope.tenantId(), channel, "none", "unknown", DeliveryStatus.FAILED);
        }
        return statuses.publish(envelope.tenantId(), envelope.correlationId(), new DeliveryStatusChanged(
                job.challengeId(), job.userId(), channel, provider, DeliveryStatus.FAILED, reason, maskedDestination,
                null));
    }

    private void count(String tenantId, Channel channel, String provider, String country, DeliveryStatus status) {
        meters.counter("keystep.delivery.sends", "tenant", tenantId, "channel", channel.name(), "provider", provider,
                "country", country == null ? "unknown" : country, "status", status.name()).increment();
    }

    /** Whole minutes left, rounded up, so that a code with 4m30s left says 5 minutes. */
    static long minutesLeft(Instant now, Instant expiresAt) {
        long seconds = Duration.between(now, expiresAt).toSeconds();
        return Math.max(1, (seconds + 59) / 60);
    }
}
