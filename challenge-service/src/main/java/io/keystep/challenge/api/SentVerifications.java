package io.keystep.challenge.api;

import io.keystep.challenge.config.ChallengeConfig;
import io.keystep.challenge.domain.Bindings;
import io.keystep.challenge.domain.ChallengeMetrics;
import io.keystep.challenge.domain.CodeDigest;
import io.keystep.challenge.domain.CodeGenerator;
import io.keystep.kit.formats.CodeUse;
import io.keystep.kit.formats.DeliverySeal;
import io.keystep.challenge.domain.NewChallenge;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.challenge.domain.Verification;
import io.keystep.challenge.domain.VerificationRefused;
import io.keystep.challenge.domain.VerificationRequest;
import io.keystep.challenge.messaging.CancellationTrail;
import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.challenge.store.ChallengeStore;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.Purpose;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Verifications whose code is sent (SMS, voice, WhatsApp, email): the first send and every resend, each under the
 * user's lockout and the send limits ({@link SendGate}), each code published sealed for delivery-service. A resend
 * replaces the code and keeps the attempt budget.
 */
@ApplicationScoped
public class SentVerifications {

    private static final Logger LOG = Logger.getLogger(SentVerifications.class);

    private final ChallengeStore store;
    private final SendGate gate;
    private final EventPublisher publisher;
    private final CancellationTrail cancellations;
    private final CodeGenerator codes;
    private final CodeDigest digests;
    private final DeliverySeal sealer;
    private final ChallengeConfig config;
    private final ChallengeMetrics metrics;
    private final Clock clock;

    public SentVerifications(ChallengeStore store, SendGate gate, EventPublisher publisher,
                             CancellationTrail cancellations, CodeGenerator codes, CodeDigest digests,
                             DeliverySeal sealer, ChallengeConfig config, ChallengeMetrics metrics, Clock clock) {
        this.store = store;
        this.gate = gate;
        this.publisher = publisher;
        this.cancellations = cancellations;
        this.codes = codes;
        this.digests = digests;
        this.sealer = sealer;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Sends verification {@code id}; {@code destinationKey} is the destination's pseudonym. */
    Uni<Verification> send(String tenantId, String id, String subject, String destinationKey,
                           VerificationRequest request, TenantSettings settings, String clientIp) {
        Instant now = clock.instant();
        return gate.refuseIfLocked(tenantId, null, subject, request.destination(), now).chain(() -> gate.acquireSend(
                tenantId, null, subject, request.destination(), destinationKey, clientIp, now, request.channel(),
                settings).flatMap(ignored -> {
            String code = codes.next(request.codeLength());
            Instant expiresAt = now.plus(settings.codeTtl());
            String binding = Bindings.of(request.amount(), request.payee());
            NewChallenge challenge = new NewChallenge(id, tenantId, subject, null, null, request.purpose().name(),
                    digests.digest(tenantId, id, code, binding), settings.maxAttempts(), expiresAt,
                    request.channelPlan(), request.destination(), request.locale(), request.amount(),
                    request.payee(), request.codeLength());
            CodeUse use = new CodeUse(tenantId, id, subject, request.channelPlan(), request.destination(),
                    request.purpose(), 1, expiresAt, request.locale(), request.amount(), request.payee());
            ChallengeIssued job = use.job(null, sealer.sealCode(use, code));
            return store.create(challenge, now, expiresAt.plus(config.retainAfterExpiry()))
                    .call(created -> cancellations.announceReplaced(tenantId, created, now))
                    .call(created -> publisher.challengeIssued(tenantId, now, job))
                    .map(ChallengeStore.Created::inherited)
                    .map(inherited -> {
                        metrics.verificationCreated(tenantId, request.channel());
                        LOG.debugf("verification %s sent to %s (%s)", id, VerificationViews.mask(request.destination()),
                                request.purpose());
                        return new Verification(id, "pending", VerificationViews.channelName(request.channelPlan()),
                                VerificationViews.mask(request.destination()),
                                request.purpose().name().toLowerCase(Locale.ROOT), request.amount(), request.payee(),
                                expiresAt, 1, Math.max(0, settings.maxAttempts() - inherited), null);
                    });
        }));
    }

    /** Sends a new code for a pending verification; the old code stops working, the attempt budget stays. */
    Uni<Verification> resend(String tenantId, String id, List<Channel> channelPlan, TenantSettings settings,
                             String clientIp) {
        Instant now = clock.instant();
        return store.find(tenantId, id).map(found -> found.orElseThrow(() -> VerificationViews.notFound(id)))
                .flatMap(current -> {
            if (current.factorId() != null) {
                return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.NOT_PENDING,
                        "verification " + id + " is answered with an authenticator app: nothing to resend"));
            }
            if (!"pending".equals(current.effectiveStatus(now))) {
                return Uni.createFrom().failure(VerificationViews.notPending(id, current.effectiveStatus(now)));
            }
            List<Channel> plan = channelPlan == null ? current.channelPlan() : channelPlan;
            String channel = VerificationViews.channelName(plan);
            return gate.refuseIfLocked(tenantId, id, current.subject(), current.destination(), now).chain(() -> gate
                    .acquireSend(tenantId, id, current.subject(), current.destination(),
                            digests.destinationPseudonym(tenantId, current.destination()), clientIp, now, channel, settings)
                    .flatMap(ignored -> {
                        String code = codes.next(current.codeLength());
                        Instant expiresAt = now.plus(settings.codeTtl());
                        String digest = digests.digest(tenantId, id, code, current.binding());
                        return store.replaceCode(current, now, digest, expiresAt,
                                        expiresAt.plus(config.retainAfterExpiry()),
                                        channelPlan == null ? null
                                                : String.join(",", plan.stream().map(Enum::name).toList()))
                                .flatMap(change -> {
                                    if ("not_found".equals(change.result())) {
                                        return Uni.createFrom().failure(VerificationViews.notFound(id));
                                    }
                                    if (!"ok".equals(change.result())) {
                                        return Uni.createFrom().failure(
                                                VerificationViews.notPending(id, change.detail()));
                                    }
                                    int sends = Integer.parseInt(change.detail());
                                    CodeUse use = new CodeUse(tenantId, id, current.subject(), plan,
                                            current.destination(), Purpose.valueOf(current.purpose()), sends,
                                            expiresAt, current.locale(), current.amount(), current.payee());
                                    return publisher.challengeIssued(tenantId, now,
                                                    use.job(current.loginId(), sealer.sealCode(use, code)))
                                            .map(v -> {
                                                metrics.verificationCreated(tenantId, channel);
                                                return new Verification(id, "pending", channel,
                                                        VerificationViews.mask(current.destination()),
                                                        current.purpose().toLowerCase(Locale.ROOT), current.amount(),
                                                        current.payee(), expiresAt, sends,
                                                        current.remainingAttempts(), null);
                                            });
                                });
                    }));
        });
    }
}
