package io.keystep.delivery.domain;

import io.keystep.delivery.config.DeliveryConfig;
import io.keystep.delivery.config.TenantPolicies;
import io.keystep.delivery.messaging.DeliveryStatusPublisher;
import io.keystep.delivery.provider.OutboundMessage;
import io.keystep.delivery.provider.ProviderDirectory;
import io.keystep.delivery.provider.Receipt;
import io.keystep.delivery.provider.RegisteredProvider;
import io.keystep.delivery.provider.SendOutcome;
import io.keystep.delivery.store.CostLedger;
import io.keystep.delivery.store.DeliveryAttempts;
import io.keystep.delivery.store.DeliveryJobLedger;
import io.keystep.delivery.store.DeliverySettingsStore;
import io.keystep.delivery.store.SendRateGuard;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.DeliveryStatus;
import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Envelope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

/**
 * Carries one delivery job to the person along its channel plan. Takes the job once (dedupe on the challenge id and
 * the send attempt, so that a resend is a new job), opens the sealed code, checks the destination (number, line
 * type, allowed countries, send rates), renders the message, sends it through the tenant's providers for the channel (retries with backoff and jitter, circuit breaker,
 * failover), and publishes what happened. A channel that fails, or that reports no DELIVERED receipt before the
 * fallback timeout, hands over to the next channel of the plan with a FELL_BACK status. FAILED is final: the plan is
 * exhausted or the destination refused. Nothing here throws for a bad job; the plaintext code lives only in memory
 * for the duration of one send.
 */
@ApplicationScoped
public class CodeDelivery {

    private static final Logger LOG = Logger.getLogger(CodeDelivery.class);
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

    private final Clock clock;
    private final DeliveryConfig config;
    private final TenantPolicies policies;
    private final SealedCodeOpener opener;
    private final PhoneNumberNormaliser normaliser;
    private final MessageComposer composer;
    private final ProviderDirectory providers;
    private final DeliveryJobLedger ledger;
    private final DeliveryAttempts attempts;
    private final SendRateGuard rateGuard;
    private final CostLedger costs;
    private final Backoff backoff;
    private final DeliveryStatusPublisher statuses;
    private final MeterRegistry meters;
    private final io.vertx.mutiny.core.Vertx vertx;
    private final DeliverySettingsStore settings;
    /** Meters by their tags, looked up once rather than registered again on every send. */
    private final ConcurrentMap<SendsTags, Counter> sendCounters = new ConcurrentHashMap<>();
    private final ConcurrentMap<CostTags, Counter> costCounters = new ConcurrentHashMap<>();
    private final ConcurrentMap<LatencyTags, Timer> latencyTimers = new ConcurrentHashMap<>();

    private record SendsTags(String tenantId, Channel channel, String provider, String country,
                             DeliveryStatus status) {
    }

    private record CostTags(String provider, String country, Channel channel) {
    }

    private record LatencyTags(String provider, Channel channel, boolean accepted) {
    }

    public CodeDelivery(Clock clock, DeliveryConfig config, TenantPolicies policies, SealedCodeOpener opener,
                        PhoneNumberNormaliser normaliser, MessageComposer composer, ProviderDirectory providers,
                        DeliveryJobLedger ledger, DeliveryAttempts attempts, SendRateGuard rateGuard, CostLedger costs,
                        Backoff backoff, DeliveryStatusPublisher statuses, MeterRegistry meters,
                        io.vertx.mutiny.core.Vertx vertx, DeliverySettingsStore settings) {
        this.clock = clock;
        this.config = config;
        this.policies = policies;
        this.opener = opener;
        this.normaliser = normaliser;
        this.composer = composer;
        this.providers = providers;
        this.ledger = ledger;
        this.attempts = attempts;
        this.rateGuard = rateGuard;
        this.costs = costs;
        this.backoff = backoff;
        this.statuses = statuses;
        this.meters = meters;
        this.vertx = vertx;
        this.settings = settings;
    }

    /** Completes when the job's first status is published (or the job was a duplicate). */
    public Uni<Void> deliver(Envelope<ChallengeIssued> envelope) {
        DeliveryJob received = DeliveryJob.from(envelope);
        return settings.of(received.tenantId()).chain(tenant -> planned(received, tenant));
    }

    /**
     * Puts the job's channels in the tenant's plan order, takes the job (once per send of a challenge) and starts
     * the send on its first channel.
     */
    private Uni<Void> planned(DeliveryJob received, DeliverySettings tenant) {
        List<Channel> plan = tenant.planFor(received.plan());
        if (plan.isEmpty()) {
            return ledger.claim(received.tenantId(), received.challengeId(), received.sendAttempt(),
                    config.dedupeTtl()).chain(claimed -> {
                        if (!claimed) {
                            alreadyTaken(received);
                            return Uni.createFrom().voidItem();
                        }
                        return fail(received, received.plan().get(0), null, "CHANNEL_NOT_IN_TENANT_PLAN",
                                maskedDestination(received));
                    });
        }
        DeliveryJob job = received.withPlan(plan);
        // What the first channel needs is worked out before the job is taken, so that taking it, starting the send
        // and (for a phone number) checking and counting the send rates are one Redis call; nothing is sent and no
        // status is published before the job is taken.
        Step first = prepare(job, 0, tenant);
        if (first instanceof RateChecked checked) {
            return attempts.claimStartAndAdmit(job, config.dedupeTtl(), stateTtl(job), checked.check())
                    .chain(admission -> switch (admission.claim()) {
                        case ALREADY_TAKEN -> notTaken(job, false);
                        case REPLACED -> notTaken(job, true);
                        case STARTED -> admitted(job, 0, tenant, checked, admission.blocked());
                    });
        }
        return attempts.claimAndStart(job, config.dedupeTtl(), stateTtl(job)).chain(claim -> switch (claim) {
            case ALREADY_TAKEN -> notTaken(job, false);
            case REPLACED -> notTaken(job, true);
            case STARTED -> carryOut(job, 0, tenant, first);
        });
    }

    private static Uni<Void> notTaken(DeliveryJob job, boolean replaced) {
        if (replaced) {
            // A later send of the challenge replaced this one's code: sending it would only confuse.
            LOG.infof("delivery job %s (send %d) for tenant %s was replaced by a later send; not sending",
                    job.challengeId(), job.sendAttempt(), job.tenantId());
        } else {
            alreadyTaken(job);
        }
        return Uni.createFrom().voidItem();
    }

    private static void alreadyTaken(DeliveryJob job) {
        LOG.infof("delivery job %s (send %d) for tenant %s already taken; not sending again",
                job.challengeId(), job.sendAttempt(), job.tenantId());
    }

    /** A fallback timer fired: no DELIVERED receipt came for {@code step} of send {@code sendAttempt} in time. */
    public Uni<Void> onFallbackTimer(String tenantId, String challengeId, int sendAttempt, int step) {
        return attempts.load(tenantId, challengeId).chain(found -> {
            if (found.isEmpty() || found.get().delivered() || found.get().step() != step
                    || found.get().job().sendAttempt() != sendAttempt) {
                return Uni.createFrom().voidItem();
            }
            DeliveryJob job = found.get().job();
            return moveOn(job, step, null, "NO_DELIVERY_RECEIPT");
        });
    }

    /** A provider's receipt arrived; it was already verified. Unknown messages are ignored. */
    public Uni<Void> onReceipt(String providerName, Receipt receipt) {
        if (receipt.kind() == Receipt.Kind.IN_PROGRESS) {
            return Uni.createFrom().voidItem();
        }
        return attempts.findMessage(providerName, receipt.providerMessageId()).chain(ref -> {
            if (ref.isEmpty()) {
                LOG.debugf("receipt from %s for an unknown message; ignored", providerName);
                return Uni.createFrom().voidItem();
            }
            DeliveryAttempts.MessageRef message = ref.get();
            return attempts.load(message.tenantId(), message.challengeId()).chain(found -> {
                if (found.isEmpty()) {
                    return Uni.createFrom().voidItem();
                }
                DeliveryJob job = found.get().job();
                if (job.sendAttempt() != message.sendAttempt()) {
                    // The receipt is for a message whose code a resend replaced; the newer send decides.
                    LOG.debugf("receipt from %s for a replaced send of challenge %s; ignored", providerName,
                            job.challengeId());
                    return Uni.createFrom().voidItem();
                }
                Channel channel = job.plan().get(message.step());
                String masked = maskedDestination(job);
                if (receipt.kind() == Receipt.Kind.DELIVERED) {
                    return attempts.markDelivered(job.tenantId(), job.challengeId(), job.sendAttempt()).chain(first -> {
                        if (!first) {
                            return Uni.createFrom().voidItem();
                        }
                        count(job.tenantId(), channel, providerName, country(job), DeliveryStatus.DELIVERED);
                        LOG.infof("challenge %s delivered by %s on %s", job.challengeId(), providerName, channel);
                        return attempts.cancel(job.tenantId(), job.challengeId(), job.sendAttempt(), message.step())
                                .chain(() -> publish(job, channel, providerName, DeliveryStatus.DELIVERED, null,
                                        masked, receipt.providerMessageId()));
                    });
                }
                if (found.get().delivered() || found.get().step() != message.step()) {
                    return Uni.createFrom().voidItem();
                }
                return attempts.cancel(job.tenantId(), job.challengeId(), job.sendAttempt(), message.step())
                        .chain(() -> moveOn(job, message.step(), providerName, receipt.reason()));
            });
        });
    }

    private Uni<Void> sendOnStep(DeliveryJob job, int step) {
        return settings.of(job.tenantId()).chain(tenant -> sendOnStep(job, step, tenant));
    }

    private Uni<Void> sendOnStep(DeliveryJob job, int step, DeliverySettings tenant) {
        return carryOut(job, step, tenant, prepare(job, step, tenant));
    }

    /**
     * What a step of the plan does, as far as it is known without Redis: end with a status (the code expired or does
     * not open, the destination is refused or does not suit the channel), send without a rate check (e-mail), or
     * check and count the send rates of a phone number and then send. The plaintext code stays in memory.
     */
    private sealed interface Step permits Refused, Unrated, RateChecked {
    }

    /** The step ends here; {@code outcome} publishes why (after the job is taken). */
    private record Refused(java.util.function.Supplier<Uni<Void>> outcome) implements Step {
    }

    /** Sent without a rate check. */
    private record Unrated(String to, String code, String masked) implements Step {
    }

    /** Sent once the send-rate guard admits it. */
    private record RateChecked(String to, String country, String code, String masked, SendRateGuard.Check check)
            implements Step {
    }

    private Step prepare(DeliveryJob job, int step, DeliverySettings tenant) {
        Channel channel = job.plan().get(step);
        Instant now = clock.instant();
        if (!job.expiresAt().isAfter(now)) {
            return new Refused(() -> fail(job, channel, null, "CODE_EXPIRED", Masking.destination(job.destination())));
        }
        Optional<String> code = opener.open(job.sealedCode(), job.tenantId(), job.challengeId());
        if (code.isEmpty()) {
            return new Refused(() -> fail(job, channel, null, "SEALED_CODE_UNREADABLE",
                    Masking.destination(job.destination())));
        }
        boolean isEmail = job.destination().contains("@");
        if (channel == Channel.EMAIL) {
            if (!EMAIL.matcher(job.destination().trim()).matches()) {
                return new Refused(() -> channelFailed(job, step, null, "NOT_AN_EMAIL_ADDRESS"));
            }
            return new Unrated(job.destination().trim(), code.get(), Masking.destination(job.destination().trim()));
        }
        if (isEmail) {
            return new Refused(() -> channelFailed(job, step, null, "NOT_A_PHONE_NUMBER"));
        }
        PhoneNumberNormaliser.Result result = normaliser.normalise(job.destination());
        if (result instanceof PhoneNumberNormaliser.Invalid invalid) {
            return new Refused(() -> fail(job, channel, null, invalid.reason(),
                    Masking.destination(job.destination())));
        }
        PhoneNumberNormaliser.PhoneNumber number = ((PhoneNumberNormaliser.Valid) result).number();
        String masked = Masking.destination(number.e164());
        java.util.Set<String> allowed = tenant.allowedCountries();
        if (!allowed.isEmpty() && (number.region() == null || !allowed.contains(number.region()))) {
            return new Refused(() -> fail(job, channel, null, "COUNTRY_NOT_ALLOWED", masked));
        }
        if ((channel == Channel.SMS || channel == Channel.WHATSAPP) && !number.lineType().receivesText()) {
            return new Refused(() -> channelFailed(job, step, null, "NOT_A_MOBILE_NUMBER"));
        }
        String country = number.region() == null ? "ZZ" : number.region();
        return new RateChecked(number.e164(), country, code.get(), masked, SendRateGuard.check(job.tenantId(),
                number.e164(), number.prefix(policies.prefixDigits()), country, tenant.limits(country), now));
    }

    private Uni<Void> carryOut(DeliveryJob job, int step, DeliverySettings tenant, Step prepared) {
        if (prepared instanceof Refused refused) {
            return refused.outcome().get();
        }
        if (prepared instanceof Unrated unrated) {
            return send(job, step, job.plan().get(step), unrated.to(), null, unrated.code(), unrated.masked(),
                    tenant);
        }
        RateChecked checked = (RateChecked) prepared;
        return rateGuard.admit(checked.check()).chain(blocked -> admitted(job, step, tenant, checked, blocked));
    }

    /** The send-rate guard answered: send, or fail with the rule that blocks the send. */
    private Uni<Void> admitted(DeliveryJob job, int step, DeliverySettings tenant, RateChecked checked,
                               Optional<String> blocked) {
        Channel channel = job.plan().get(step);
        if (blocked.isPresent()) {
            meters.counter("keystep.delivery.fraud.blocks", "tenant", job.tenantId(),
                    "rule", blocked.get(), "country", checked.country()).increment();
            return fail(job, channel, null, "FRAUD_BLOCKED_" + blocked.get(), checked.masked());
        }
        return send(job, step, channel, checked.to(), checked.country(), checked.code(), checked.masked(), tenant);
    }

    private Uni<Void> send(DeliveryJob job, int step, Channel channel, String to, String country, String code,
                           String masked, DeliverySettings tenant) {
        List<RegisteredProvider> candidates = providers.route(job.tenantId(), channel);
        if (candidates.isEmpty()) {
            return channelFailed(job, step, null, "NO_PROVIDER_FOR_CHANNEL");
        }
        MessageComposer.Rendered rendered = composer.render(channel, new MessageComposer.Content(job.tenantId(),
                job.locale(), job.purpose(), code, minutesLeft(clock.instant(), job.expiresAt()),
                job.transaction().orElse(null)));
        OutboundMessage message = new OutboundMessage(channel, to, rendered.body(), rendered.subject(),
                job.tenantId(), job.challengeId());
        return failover(candidates, 0, message, null).chain(result -> {
            if (result.accepted() == null) {
                return channelFailed(job, step, result.provider() == null ? null : result.provider().name(),
                        result.reason());
            }
            RegisteredProvider provider = result.provider();
            String countryTag = country == null ? "ZZ" : country;
            count(job.tenantId(), channel, provider.name(), countryTag, DeliveryStatus.SENT);
            BigDecimal cost = provider.cost(countryTag);
            costCounters.computeIfAbsent(new CostTags(provider.name(), countryTag, channel),
                    t -> meters.counter("keystep.delivery.cost", "provider", t.provider(), "country", t.country(),
                            "channel", t.channel().name(), "currency", config.currency()))
                    .increment(cost.doubleValue());
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
                bookkeeping = bookkeeping.chain(() -> attempts.schedule(job.tenantId(), job.challengeId(), job.sendAttempt(), step, due));
            }
            // The message is out: bookkeeping trouble must not turn it into a failure, nor stop the SENT status.
            return bookkeeping.onFailure().invoke(e -> LOG.warnf("delivery state for %s not saved: %s",
                            job.challengeId(), e.getClass().getSimpleName()))
                    .onFailure().recoverWithNull()
                    .chain(() -> publish(job, channel, provider.name(), DeliveryStatus.SENT, null, masked, messageId));
        });
    }

    /** The channel could not carry the code: the next channel takes over, or the job fails when none is left. */
    private Uni<Void> channelFailed(DeliveryJob job, int step, String providerName, String reason) {
        return moveOn(job, step, providerName, reason);
    }

    private Uni<Void> moveOn(DeliveryJob job, int step, String providerName, String reason) {
        Channel channel = job.plan().get(step);
        boolean last = step + 1 >= job.plan().size();
        // Only one caller moves a step on (a timer, a FAILED receipt, a duplicate of either): on the last channel
        // the step moves past the plan, so that a second FAILED receipt finds the job finished and publishes nothing.
        return attempts.advance(job.tenantId(), job.challengeId(), job.sendAttempt(), step, step + 1).chain(advanced -> {
            if (!advanced) {
                return Uni.createFrom().voidItem();
            }
            if (last) {
                return fail(job, channel, providerName, reason, maskedDestination(job));
            }
            Channel next = job.plan().get(step + 1);
            meters.counter("keystep.delivery.fallbacks", "tenant", job.tenantId(), "from", channel.name(),
                    "to", next.name()).increment();
            LOG.infof("challenge %s falls back from %s to %s: %s", job.challengeId(), channel, next, reason);
            return publish(job, next, providerName, DeliveryStatus.FELL_BACK, channel.name() + ": " + reason,
                    maskedDestination(job), null)
                    .chain(() -> sendOnStep(job, step + 1));
        });
    }

    private Uni<Void> fail(DeliveryJob job, Channel channel, String provider, String reason, String masked) {
        LOG.warnf("challenge %s not delivered on %s to %s: %s", job.challengeId(), channel, masked, reason);
        count(job.tenantId(), channel, provider == null ? "none" : provider, country(job), DeliveryStatus.FAILED);
        return publish(job, channel, provider, DeliveryStatus.FAILED, reason, masked, null);
    }

    private Uni<Void> publish(DeliveryJob job, Channel channel, String provider, DeliveryStatus status, String reason,
                              String masked, String providerMessageId) {
        return statuses.publish(job.tenantId(), job.correlationId(), new DeliveryStatusChanged(job.challengeId(),
                job.userId(), channel, provider, status, reason, masked, providerMessageId));
    }

    /**
     * Sends a ready message (not a challenge's code: a factor-change notice) on its channel through the tenant's
     * providers, with the same routing, retries, circuit breakers and failover as a code.
     */
    public Uni<ProviderSendResult> sendThroughProviders(OutboundMessage message) {
        List<RegisteredProvider> candidates = providers.route(message.tenantId(), message.channel());
        if (candidates.isEmpty()) {
            return Uni.createFrom().item(new ProviderSendResult(null, null, "NO_PROVIDER_FOR_CHANNEL"));
        }
        return failover(candidates, 0, message, null).map(result -> new ProviderSendResult(result.provider(),
                result.accepted(), result.reason()));
    }

    /** The result of trying a channel's providers: accepted by one, or the last refusal. */
    private record Attempted(RegisteredProvider provider, SendOutcome.Accepted accepted, String reason) {
    }

    private Uni<Attempted> failover(List<RegisteredProvider> candidates, int index, OutboundMessage message,
                                    Attempted last) {
        if (index >= candidates.size()) {
            return Uni.createFrom().item(last);
        }
        RegisteredProvider provider = candidates.get(index);
        return withRetries(provider, message, 1, null).chain(outcome -> {
            if (outcome instanceof SendOutcome.Accepted accepted) {
                if (index > 0) {
                    // Fallback usage across providers: the channel's first choice did not take the message.
                    meters.counter("keystep.delivery.provider.failovers", "channel", message.channel().name(),
                            "provider", provider.name()).increment();
                }
                return Uni.createFrom().item(new Attempted(provider, accepted, null));
            }
            SendOutcome.Refused refused = (SendOutcome.Refused) outcome;
            Attempted failed = new Attempted(provider, null, refused.reason());
            // A provider skipped for an open circuit does not hide the reason a tried provider gave.
            Attempted worth = "CIRCUIT_OPEN".equals(refused.reason()) && last != null ? last : failed;
            if (index + 1 < candidates.size()) {
                LOG.infof("provider %s refused challenge %s (%s); trying the next provider", provider.name(),
                        message.challengeId(), refused.reason());
            }
            return failover(candidates, index + 1, message, worth);
        });
    }

    private Uni<SendOutcome> withRetries(RegisteredProvider provider, OutboundMessage message, int attempt,
                                         SendOutcome.Refused previous) {
        if (!provider.breaker().tryAcquire()) {
            return Uni.createFrom().item(previous != null ? previous : new SendOutcome.Refused("CIRCUIT_OPEN", true));
        }
        Timer.Sample sample = Timer.start(meters);
        return provider.adapter().send(message).chain(outcome -> {
            boolean accepted = outcome instanceof SendOutcome.Accepted;
            sample.stop(latencyTimers.computeIfAbsent(new LatencyTags(provider.name(), message.channel(), accepted),
                    t -> meters.timer("keystep.delivery.provider.latency", "provider", t.provider(),
                            "channel", t.channel().name(), "outcome", t.accepted() ? "accepted" : "refused")));
            if (accepted) {
                provider.breaker().recordSuccess();
                return Uni.createFrom().item(outcome);
            }
            SendOutcome.Refused refused = (SendOutcome.Refused) outcome;
            if (!refused.retryable()) {
                // The provider answered; it is up, the message is what it refused.
                provider.breaker().recordSuccess();
                return Uni.createFrom().item(outcome);
            }
            provider.breaker().recordFailure();
            if (attempt >= config.retry().maxAttempts()) {
                return Uni.createFrom().item(outcome);
            }
            Duration wait = backoff.delay(attempt);
            // A Vert.x timer keeps the retry on the event loop the job runs on, rather than a worker thread.
            return Uni.createFrom().<Void>emitter(em -> vertx.setTimer(Math.max(1, wait.toMillis()),
                            id -> em.complete(null)))
                    .chain(() -> withRetries(provider, message, attempt + 1, refused));
        });
    }

    private String maskedDestination(DeliveryJob job) {
        if (job.destination().contains("@")) {
            return Masking.destination(job.destination().trim());
        }
        PhoneNumberNormaliser.Result result = normaliser.normalise(job.destination());
        return result instanceof PhoneNumberNormaliser.Valid valid
                ? Masking.destination(valid.number().e164()) : Masking.destination(job.destination());
    }

    private String country(DeliveryJob job) {
        if (job.destination().contains("@")) {
            return "ZZ";
        }
        PhoneNumberNormaliser.Result result = normaliser.normalise(job.destination());
        return result instanceof PhoneNumberNormaliser.Valid valid && valid.number().region() != null
                ? valid.number().region() : "ZZ";
    }

    private void count(String tenantId, Channel channel, String provider, String country, DeliveryStatus status) {
        sendCounters.computeIfAbsent(new SendsTags(tenantId, channel, provider, country, status),
                t -> meters.counter("keystep.delivery.sends", "tenant", t.tenantId(), "channel", t.channel().name(),
                        "provider", t.provider(), "country", t.country(), "status", t.status().name())).increment();
    }

    private Duration stateTtl(DeliveryJob job) {
        return Duration.between(clock.instant(), job.expiresAt()).plusHours(1);
    }

    /** Whole minutes left, rounded up, so that a code with 4m30s left says 5 minutes. */
    static long minutesLeft(Instant now, Instant expiresAt) {
        long seconds = Duration.between(now, expiresAt).toSeconds();
        return Math.max(1, (seconds + 59) / 60);
    }
}
