package io.keystep.delivery.messaging;

import io.keystep.delivery.domain.DeliveryJob;
import io.keystep.delivery.domain.DeliverySettings;
import io.keystep.delivery.domain.DestinationCheck;
import io.keystep.delivery.domain.Masking;
import io.keystep.delivery.domain.MessageComposer;
import io.keystep.delivery.domain.PushDestination;
import io.keystep.delivery.domain.PushReasons;
import io.keystep.kit.formats.DeliverySeal;
import io.keystep.delivery.provider.OutboundMessage;
import io.keystep.delivery.provider.ProviderFailover;
import io.keystep.delivery.provider.ProviderSendResult;
import io.keystep.delivery.provider.RegisteredProvider;
import io.keystep.delivery.store.CostLedger;
import io.keystep.delivery.store.DeliveryAttempts;
import io.keystep.delivery.store.DeliverySettingsStore;
import io.keystep.delivery.store.SendRateGuard;
import io.keystep.events.Channel;
import io.keystep.events.DeliveryStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One channel of a job's plan at a time: checks the code and the destination, the send rates of a phone number,
 * renders the message and sends it through the channel's providers; a channel that cannot carry the code hands over
 * to the next channel of the plan with a FELL_BACK status, and the job fails when none is left. After a send, a
 * fallback timer waits for the DELIVERED receipt. The plaintext code lives only in memory for one send.
 */
@ApplicationScoped
public class ChannelSteps {

    private static final Logger LOG = Logger.getLogger(ChannelSteps.class);

    private final Clock clock;
    private final DeliverySeal opener;
    private final DestinationCheck destinations;
    private final MessageComposer composer;
    private final ProviderFailover providers;
    private final DeliveryAttempts attempts;
    private final SendRateGuard rateGuard;
    private final CostLedger costs;
    private final DeliverySettingsStore settings;
    private final DeliveryOutcomes outcomes;
    private final MeterRegistry meters;

    public ChannelSteps(Clock clock, DeliverySeal opener, DestinationCheck destinations,
                        MessageComposer composer, ProviderFailover providers, DeliveryAttempts attempts,
                        SendRateGuard rateGuard, CostLedger costs, DeliverySettingsStore settings,
                        DeliveryOutcomes outcomes, MeterRegistry meters) {
        this.clock = clock;
        this.opener = opener;
        this.destinations = destinations;
        this.composer = composer;
        this.providers = providers;
        this.attempts = attempts;
        this.rateGuard = rateGuard;
        this.costs = costs;
        this.settings = settings;
        this.outcomes = outcomes;
        this.meters = meters;
    }

    /**
     * What a step of the plan does, as far as it is known without Redis: end with a status (the code expired or does
     * not open, the destination is refused or does not suit the channel), send without a rate check (e-mail), notify
     * a paired phone (push), or check and count the send rates of a phone number and then send. The plaintext code
     * stays in memory.
     */
    sealed interface Step permits Refused, Unrated, RateChecked, Pushed {
    }

    /** The step ends here; {@code outcome} publishes why (after the job is taken). */
    record Refused(Supplier<Uni<Void>> outcome) implements Step {
    }

    /** Sent without a rate check. */
    record Unrated(String to, String code, String masked) implements Step {
    }

    /** A push to a paired phone: its platform's provider carries the challenge id and the nonce, nothing else. */
    record Pushed(PushDestination device, String nonce) implements Step {
    }

    /** Sent once the send-rate guard admits it. */
    record RateChecked(String to, String country, String code, String masked, SendRateGuard.Check check)
            implements Step {
    }

    /** What step {@code step} of the plan will do; nothing is sent or published yet. */
    Step prepare(DeliveryJob job, int step, DeliverySettings tenant) {
        Channel channel = job.plan().get(step);
        Instant now = clock.instant();
        if (!job.expiresAt().isAfter(now)) {
            return new Refused(() -> outcomes.fail(job, channel, null, "CODE_EXPIRED",
                    Masking.destination(job.destination())));
        }
        // Opened again on every step (the job keeps its code sealed between them), for the use the job states.
        Optional<String> code = opener.openCode(job.sealedCode(), job.use()).value();
        if (code.isEmpty()) {
            return new Refused(() -> outcomes.fail(job, channel, null, "SEALED_CODE_UNREADABLE",
                    Masking.destination(job.destination())));
        }
        DestinationCheck.Verdict verdict = destinations.check(job.destination(), channel, tenant.allowedCountries());
        if (verdict instanceof DestinationCheck.Refused refused) {
            return new Refused(refused.nextChannel() ? () -> moveOn(job, step, null, refused.reason())
                    : () -> outcomes.fail(job, channel, null, refused.reason(), refused.masked()));
        }
        if (verdict instanceof DestinationCheck.Email email) {
            return new Unrated(email.address(), code.get(), email.masked());
        }
        if (verdict instanceof DestinationCheck.Device device) {
            return new Pushed(device.device(), code.get());
        }
        DestinationCheck.Phone phone = (DestinationCheck.Phone) verdict;
        return new RateChecked(phone.e164(), phone.country(), code.get(), phone.masked(), SendRateGuard.check(
                job.tenantId(), phone.e164(), phone.prefix(), phone.country(), tenant.limits(phone.country()), now));
    }

    /** Does what {@link #prepare} found, once the job is taken. */
    Uni<Void> carryOut(DeliveryJob job, int step, DeliverySettings tenant, Step prepared) {
        if (prepared instanceof Refused refused) {
            return refused.outcome().get();
        }
        if (prepared instanceof Unrated unrated) {
            return send(job, step, unrated.to(), null, unrated.code(), unrated.masked(), tenant);
        }
        if (prepared instanceof Pushed pushed) {
            OutboundMessage message = new OutboundMessage(Channel.PUSH, pushed.device().token(), null, null,
                    pushed.nonce(), job.tenantId(), job.challengeId(), job.expiresAt());
            return sent(job, step, providers.sendThrough(pushed.device().platform(), message), null,
                    pushed.device().masked(), tenant);
        }
        RateChecked checked = (RateChecked) prepared;
        return rateGuard.admit(checked.check()).chain(blocked -> admitted(job, step, tenant, checked, blocked));
    }

    /** The send-rate guard answered: send, or fail with the rule that blocks the send. */
    Uni<Void> admitted(DeliveryJob job, int step, DeliverySettings tenant, RateChecked checked,
                       Optional<String> blocked) {
        if (blocked.isPresent()) {
            meters.counter("keystep.delivery.fraud.blocks", "tenant", job.tenantId(),
                    "rule", blocked.get(), "country", checked.country()).increment();
            return outcomes.fail(job, job.plan().get(step), null, "FRAUD_BLOCKED_" + blocked.get(),
                    checked.masked());
        }
        return send(job, step, checked.to(), checked.country(), checked.code(), checked.masked(), tenant);
    }

    private Uni<Void> send(DeliveryJob job, int step, String to, String country, String code, String masked,
                           DeliverySettings tenant) {
        Channel channel = job.plan().get(step);
        MessageComposer.Rendered rendered = composer.render(channel, new MessageComposer.Content(job.tenantId(),
                job.locale(), job.purpose(), code, minutesLeft(clock.instant(), job.expiresAt()),
                job.transaction().orElse(null)));
        OutboundMessage message = new OutboundMessage(channel, to, rendered.body(), rendered.subject(), code,
                job.tenantId(), job.challengeId());
        return sent(job, step, providers.send(message), country, masked, tenant);
    }

    /** What the providers answered: the status and bookkeeping of a message out, or the next channel. */
    private Uni<Void> sent(DeliveryJob job, int step, Uni<ProviderSendResult> sending, String country, String masked,
                           DeliverySettings tenant) {
        Channel channel = job.plan().get(step);
        return sending.chain(result -> {
            if (!result.sent()) {
                return moveOn(job, step, result.providerName(), channel == Channel.PUSH
                        ? pushRefusal(job, result) : result.reason());
            }
            RegisteredProvider provider = result.provider();
            String countryTag = country == null ? DestinationCheck.NO_COUNTRY : country;
            outcomes.count(job.tenantId(), channel, provider.name(), countryTag, DeliveryStatus.SENT);
            BigDecimal cost = provider.cost(countryTag);
            outcomes.countCost(provider.name(), countryTag, channel, cost);
            // Every send is on delivery.status.v1 (SENT) and in keystep_delivery_sends_total: a line per message at
            // INFO would cost more than the rest of the bookkeeping.
            LOG.debugf("challenge %s sent by %s on %s to %s", job.challengeId(), provider.name(), channel, masked);
            String messageId = result.accepted().providerMessageId();
            Uni<Void> bookkeeping = costs.record(job.tenantId(), provider.name(), countryTag, cost, clock.instant());
            if (messageId != null) {
                bookkeeping = bookkeeping.chain(() -> attempts.rememberMessage(provider.name(), messageId,
                        job.tenantId(), job.challengeId(), job.sendAttempt(), step, stateTtl(job)));
            }
            if (step + 1 < job.plan().size()) {
                long due = clock.millis() + tenant.fallbackTimeout().toMillis();
                bookkeeping = bookkeeping.chain(() -> attempts.schedule(job.tenantId(), job.challengeId(),
                        job.sendAttempt(), step, due));
            }
            // The message is out: bookkeeping trouble must not turn it into a failure, nor stop the SENT status.
            return bookkeeping.onFailure().invoke(e -> LOG.warnf("delivery state for %s not saved: %s",
                            job.challengeId(), e.getClass().getSimpleName()))
                    .onFailure().recoverWithNull()
                    .chain(() -> outcomes.publish(job, channel, provider.name(), DeliveryStatus.SENT, null, masked,
                            messageId));
        });
    }

    /** The reason a push failed as challenge-service reads it; the provider's own reason is only logged. */
    private static String pushRefusal(DeliveryJob job, ProviderSendResult result) {
        String published = PushReasons.published(result.reason());
        if (!published.equals(result.reason())) {
            LOG.infof("push for challenge %s not taken by %s: %s", job.challengeId(), result.providerName(),
                    result.reason());
        }
        return published;
    }

    /** The channel at {@code step} could not carry the code: the next channel takes over, or the job fails. */
    Uni<Void> moveOn(DeliveryJob job, int step, String providerName, String reason) {
        Channel channel = job.plan().get(step);
        boolean last = step + 1 >= job.plan().size();
        // Only one caller moves a step on (a timer, a FAILED receipt, a duplicate of either): on the last channel
        // the step moves past the plan, so that a second FAILED receipt finds the job finished and publishes nothing.
        return attempts.advance(job.tenantId(), job.challengeId(), job.sendAttempt(), step, step + 1).chain(advanced -> {
            if (!advanced) {
                return Uni.createFrom().voidItem();
            }
            if (last) {
                return outcomes.fail(job, channel, providerName, reason, outcomes.maskedDestination(job));
            }
            Channel next = job.plan().get(step + 1);
            meters.counter("keystep.delivery.fallbacks", "tenant", job.tenantId(), "from", channel.name(),
                    "to", next.name()).increment();
            LOG.infof("challenge %s falls back from %s to %s: %s", job.challengeId(), channel, next, reason);
            return outcomes.publish(job, next, providerName, DeliveryStatus.FELL_BACK, channel.name() + ": " + reason,
                            outcomes.maskedDestination(job), null)
                    .chain(() -> settings.of(job.tenantId()))
                    .chain(tenant -> carryOut(job, step + 1, tenant, prepare(job, step + 1, tenant)));
        });
    }

    /** How long a job's state is kept: past its code's expiry, so that late receipts still find it. */
    Duration stateTtl(DeliveryJob job) {
        return Duration.between(clock.instant(), job.expiresAt()).plusHours(1);
    }

    /** Whole minutes left, rounded up, so that a code with 4m30s left says 5 minutes. */
    static long minutesLeft(Instant now, Instant expiresAt) {
        long seconds = Duration.between(now, expiresAt).toSeconds();
        return Math.max(1, (seconds + 59) / 60);
    }
}
