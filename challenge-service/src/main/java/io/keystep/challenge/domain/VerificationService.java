package io.keystep.challenge.domain;

import io.keystep.challenge.config.ChallengeConfig;
import io.keystep.challenge.config.VerifyConfig;
import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.challenge.store.ChallengeStore;
import io.keystep.challenge.store.IdempotencyKeys;
import io.keystep.challenge.store.SendLimiter;
import io.keystep.challenge.store.UserTags;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.Limit;
import io.keystep.events.VerificationLimited;
import io.keystep.kit.formats.DeliverySeal;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The Verify API's send side: create (idempotent), resend, cancel and read verifications, under the send
 * limits. A new verification for the same subject and purpose replaces the pending one and inherits its spent
 * attempts; a resend replaces the code and keeps the budget.
 */
@ApplicationScoped
public class VerificationService {

    private static final Logger LOG = Logger.getLogger(VerificationService.class);

    private final ChallengeStore store;
    private final IdempotencyKeys idempotency;
    private final SendLimiter limiter;
    private final EventPublisher publisher;
    private final CodeGenerator codes;
    private final CodeDigest digests;
    private final DeliverySeal sealer;
    private final ChallengeConfig challengeConfig;
    private final VerifyConfig config;
    private final ChallengeMetrics metrics;
    private final Clock clock;
    private final io.keystep.challenge.factors.AuthenticatorFactors factors;
    private final CancellationTrail cancellations;
    private final io.keystep.challenge.factors.RecoveryCodes recoveryCodes;

    public VerificationService(io.keystep.challenge.factors.RecoveryCodes recoveryCodes, CancellationTrail cancellations, io.keystep.challenge.factors.AuthenticatorFactors factors, ChallengeStore store, IdempotencyKeys idempotency, SendLimiter limiter,
                               EventPublisher publisher, CodeGenerator codes, CodeDigest digests, DeliverySeal sealer,
                               ChallengeConfig challengeConfig, VerifyConfig config, ChallengeMetrics metrics,
                               Clock clock) {
        this.recoveryCodes = recoveryCodes;
        this.cancellations = cancellations;
        this.factors = factors;
        this.store = store;
        this.idempotency = idempotency;
        this.limiter = limiter;
        this.publisher = publisher;
        this.codes = codes;
        this.digests = digests;
        this.sealer = sealer;
        this.challengeConfig = challengeConfig;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Creates a verification and sends its code; with an idempotency key, a repeat answers the first one. */
    public Uni<Verification> create(String tenantId, VerificationRequest request, TenantSettings settings,
                                    String idempotencyKey, String clientIp) {
        String destinationKey = request.destination() == null ? null
                : digests.pseudonym(tenantId, request.destination());
        String subject = subject(request, destinationKey);
        String id = UserTags.newChallengeId(tenantId, subject);
        if (idempotencyKey == null) {
            return failClosed(send(tenantId, id, subject, destinationKey, request, settings, clientIp));
        }
        String fingerprint = digests.pseudonym(tenantId, request.toString());
        return failClosed(idempotency.claim(tenantId, idempotencyKey, id + "|" + fingerprint,
                        config.idempotencyTtl())
                .flatMap(earlier -> {
                    if (earlier.isEmpty()) {
                        return send(tenantId, id, subject, destinationKey, request, settings, clientIp)
                                .onFailure().call(() -> idempotency.release(tenantId, idempotencyKey));
                    }
                    String[] parts = earlier.get().split("\\|", 2);
                    if (parts.length != 2 || !parts[1].equals(fingerprint)) {
                        return Uni.createFrom().failure(new VerificationRefused(
                                VerificationRefused.Kind.IDEMPOTENCY_MISMATCH,
                                "this Idempotency-Key was used for a different request"));
                    }
                    return get(tenantId, parts[0]).onFailure(VerificationRefused.class).transform(
                            e -> new VerificationRefused(VerificationRefused.Kind.IDEMPOTENCY_IN_FLIGHT,
                                    "the first request with this Idempotency-Key is still being processed"));
                }));
    }

    /** Redis or Kafka failures become {@link CheckUnavailableException} (503); refusals pass through. */
    private static Uni<Verification> failClosed(Uni<Verification> uni) {
        return uni.onFailure(e -> !(e instanceof VerificationRefused) && !(e instanceof CheckUnavailableException))
                .transform(CheckUnavailableException::new);
    }

    /**
     * Whose verification this is: the user named, else the destination's pseudonym. Its lockout, its active
     * verification per purpose and (through the id's tag) its challenges are keyed by it.
     */
    private static String subject(VerificationRequest request, String destinationKey) {
        if (request.destination() == null || request.userId() != null) {
            return request.userId();
        }
        return "anon-" + destinationKey;
    }

    /** Sends verification {@code id}; {@code destinationKey} is the destination's pseudonym (null without one). */
    private Uni<Verification> send(String tenantId, String id, String subject, String destinationKey,
                                   VerificationRequest request, TenantSettings settings, String clientIp) {
        Instant now = clock.instant();
        if (request.destination() == null) {
            // A recovery code for purpose recovery is the way back from a suspension (a lockout still waits).
            boolean recovery = "recovery_code".equals(request.channel())
                    && request.purpose() == io.keystep.events.Purpose.RECOVERY;
            return refuseIfLocked(tenantId, null, request.userId(), null, now, recovery)
                    .chain(() -> startAuthenticator(tenantId, id, request, settings));
        }
        return refuseIfLocked(tenantId, null, subject, request.destination(), now).chain(() -> acquireSend(tenantId, null, subject, request.destination(), destinationKey, clientIp, now,
                request.channel(), settings).flatMap(ignored -> {
            String code = codes.next(request.codeLength());
            Instant expiresAt = now.plus(settings.codeTtl());
            String binding = Bindings.of(request.amount(), request.payee());
            NewChallenge challenge = new NewChallenge(id, tenantId, subject, null, null, request.purpose().name(),
                    digests.digest(tenantId, id, code, binding), settings.maxAttempts(), expiresAt,
                    request.channelPlan(), request.destination(), request.locale(), request.amount(),
                    request.payee(), request.codeLength());
            String sealed = sealer.seal(tenantId, id, code);
            return store.create(challenge, now, expiresAt.plus(challengeConfig.retainAfterExpiry()))
                    .call(created -> announceReplaced(tenantId, created, now))
                    .call(created -> publisher.challengeIssued(tenantId, now, new ChallengeIssued(id, null,
                            subject, request.channelPlan(), request.destination(), sealed, request.locale(),
                            expiresAt, request.purpose(), 1, request.amount(), request.payee())))
                    .map(ChallengeStore.Created::inherited)
                    .map(inherited -> {
                        metrics.verificationCreated(tenantId, request.channel());
                        LOG.debugf("verification %s sent to %s (%s)", id, mask(request.destination()),
                                request.purpose());
                        return new Verification(id, "pending", channelName(request.channelPlan()),
                                mask(request.destination()), request.purpose().name().toLowerCase(Locale.ROOT),
                                request.amount(), request.payee(), expiresAt, 1,
                                Math.max(0, settings.maxAttempts() - inherited), null);
                    });
        }));
    }

    /**
     * A user locked out by failed checks (or whose factor is suspended) gets no new code: the refusal is
     * published ({@code verification.limited.v1}, acknowledged) and answered 429 with {@code locked_until}
     * (403 when suspended), exactly as a check would be, before any code is generated.
     */
    private Uni<Void> refuseIfLocked(String tenantId, String verificationId, String subject, String destination,
                                     Instant now) {
        return refuseIfLocked(tenantId, verificationId, subject, destination, now, false);
    }

    private Uni<Void> refuseIfLocked(String tenantId, String verificationId, String subject, String destination,
                                     Instant now, boolean passSuspension) {
        if (subject == null) {
            return Uni.createFrom().voidItem();
        }
        return store.lockoutOf(tenantId, subject, now).flatMap(lockout -> {
            if (lockout.suspended() && !passSuspension) {
                metrics.limitHit(tenantId, "any", "factor_suspended");
                return publisher.verificationLimited(tenantId, now, new VerificationLimited(verificationId, subject,
                                Limit.FACTOR_SUSPENDED, 0, null, mask(destination)))
                        .chain(() -> Uni.createFrom().failure(new VerificationRefused(
                                VerificationRefused.Kind.SUSPENDED, "too many consecutive failed checks; this "
                                + "factor is suspended until account recovery")));
            }
            if (lockout.lockedUntil() == null) {
                return Uni.createFrom().voidItem();
            }
            Duration wait = Duration.between(now, lockout.lockedUntil());
            metrics.limitHit(tenantId, "any", "user_lockout");
            return publisher.verificationLimited(tenantId, now, new VerificationLimited(verificationId, subject,
                            Limit.USER_LOCKOUT, Math.max(1, (wait.toMillis() + 999) / 1000), lockout.lockedUntil(),
                            mask(destination)))
                    .chain(() -> Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.LOCKED_OUT,
                            "too many failed checks; verification is locked until " + lockout.lockedUntil(), null,
                            wait, lockout.lockedUntil())));
        });
    }

    /**
     * Records a send under every limit; a refusal is published ({@code verification.limited.v1}, acknowledged)
     * before the caller gets its 429, so that the audit trail shows every limit hit.
     */
    /**
     * A verification answered by the user's authenticator app: nothing is sent, so no send limit applies. The
     * Redis challenge holds the digest of an internal approval value that only a valid authenticator code
     * unlocks (see {@link CodeChecker}), so that the check keeps the same budget, lockout and binding.
     */
    private Uni<Verification> startAuthenticator(String tenantId, String id, VerificationRequest request,
                                                 TenantSettings settings) {
        Instant now = clock.instant();
        String kind = request.channel().toUpperCase(Locale.ROOT);
        if ("RECOVERY_CODE".equals(kind)) {
            return startRecoveryCode(tenantId, id, request, settings, now);
        }
        return factors.activeFactor(tenantId, request.userId(), kind).flatMap(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.NO_FACTOR,
                        "user " + request.userId() + " has no active " + request.channel() + " factor"));
            }
            return createHeld(tenantId, id, request, settings, now, found.get().digits,
                    found.get().kind + ":" + found.get().id);
        });
    }

    /**
     * A verification answered with one of the user's recovery codes: like an authenticator verification (nothing
     * sent, the same budget, lockout and binding), the challenge holding the digest of the approval value that only
     * an unused recovery code unlocks. No unused code → 422 {@code no-factor}.
     */
    private Uni<Verification> startRecoveryCode(String tenantId, String id, VerificationRequest request,
                                                TenantSettings settings, Instant now) {
        return recoveryCodes.remaining(tenantId, request.userId()).flatMap(remaining -> {
            if (remaining == 0) {
                return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.NO_FACTOR,
                        "user " + request.userId() + " has no unused recovery code"));
            }
            return createHeld(tenantId, id, request, settings, now, settings.codeLength(),
                    "RECOVERY_CODE:" + request.userId());
        });
    }

    /**
     * Creates a verification nothing is sent for: its challenge holds the digest of the approval value that only the
     * factor named by {@code heldBy} unlocks, with the same attempt budget, lockout and binding as a sent code.
     */
    private Uni<Verification> createHeld(String tenantId, String id, VerificationRequest request,
                                         TenantSettings settings, Instant now, int digits, String heldBy) {
        Instant expiresAt = now.plus(settings.codeTtl());
        String binding = Bindings.of(request.amount(), request.payee());
        NewChallenge challenge = new NewChallenge(id, tenantId, request.userId(), null, null,
                request.purpose().name(), digests.digest(tenantId, id, digests.authenticatorApproval(tenantId, id),
                binding), settings.maxAttempts(), expiresAt, List.of(), null, request.locale(), request.amount(),
                request.payee(), digits, heldBy);
        return store.create(challenge, now, expiresAt.plus(challengeConfig.retainAfterExpiry()))
                .call(created -> announceReplaced(tenantId, created, now))
                .map(ChallengeStore.Created::inherited)
                .map(inherited -> {
                    metrics.verificationCreated(tenantId, request.channel());
                    return new Verification(id, "pending", request.channel(), null,
                            request.purpose().name().toLowerCase(Locale.ROOT), request.amount(), request.payee(),
                            expiresAt, 0, Math.max(0, settings.maxAttempts() - inherited), null);
                });
    }

    private Uni<Void> acquireSend(String tenantId, String verificationId, String subject, String destination,
                                  String destinationKey, String clientIp, Instant now, String channel,
                                  TenantSettings settings) {
        SendLimiter.Limits limits = settings.sendLimits();
        return limiter.acquire(tenantId, destinationKey, clientIp, limits, now).flatMap(refusal -> {
            if (refusal.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            SendLimiter.Refusal r = refusal.get();
            metrics.limitHit(tenantId, channel, r.limit());
            long retryAfter = Math.max(1, (r.retryAfter().toMillis() + 999) / 1000);
            return publisher.verificationLimited(tenantId, now, new VerificationLimited(verificationId, subject,
                            Limit.valueOf(r.limit().toUpperCase(Locale.ROOT)), retryAfter, null, mask(destination)))
                    .chain(() -> Uni.createFrom().failure(new VerificationRefused(
                            VerificationRefused.Kind.SEND_LIMITED, "send limit reached: " + r.limit(), r.limit(),
                            r.retryAfter(), null)));
        });
    }

    /** Sends a new code for a pending verification; the old code stops working, the attempt budget stays. */
    public Uni<Verification> resend(String tenantId, String id, List<Channel> channelPlan, TenantSettings settings,
                                    String clientIp) {
        Instant now = clock.instant();
        return failClosed(find(tenantId, id).flatMap(current -> {
            if (current.factorId() != null) {
                return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.NOT_PENDING,
                        "verification " + id + " is answered with an authenticator app: nothing to resend"));
            }
            if (!"pending".equals(current.effectiveStatus(now))) {
                return Uni.createFrom().failure(notPending(id, current.effectiveStatus(now)));
            }
            List<Channel> plan = channelPlan == null ? current.channelPlan() : channelPlan;
            String channel = channelName(plan);
            return refuseIfLocked(tenantId, id, current.subject(), current.destination(), now).chain(() -> acquireSend(tenantId, id, current.subject(), current.destination(),
                            digests.pseudonym(tenantId, current.destination()), clientIp, now, channel, settings)
                    .flatMap(ignored -> {
                        String code = codes.next(current.codeLength());
                        Instant expiresAt = now.plus(settings.codeTtl());
                        String digest = digests.digest(tenantId, id, code, current.binding());
                        return store.replaceCode(current, now, digest, expiresAt,
                                        expiresAt.plus(challengeConfig.retainAfterExpiry()),
                                        channelPlan == null ? null
                                                : String.join(",", plan.stream().map(Enum::name).toList()))
                                .flatMap(change -> {
                                    if ("not_found".equals(change.result())) {
                                        return Uni.createFrom().failure(notFound(id));
                                    }
                                    if (!"ok".equals(change.result())) {
                                        return Uni.createFrom().failure(notPending(id, change.detail()));
                                    }
                                    int sends = Integer.parseInt(change.detail());
                                    return publisher.challengeIssued(tenantId, now, new ChallengeIssued(id,
                                                    current.loginId(), current.subject(), plan, current.destination(),
                                                    sealer.seal(tenantId, id, code), current.locale(), expiresAt,
                                                    io.keystep.events.Purpose.valueOf(current.purpose()), sends,
                                                    current.amount(), current.payee()))
                                            .map(v -> {
                                                metrics.verificationCreated(tenantId, channel);
                                                return new Verification(id, "pending", channel,
                                                        mask(current.destination()),
                                                        current.purpose().toLowerCase(Locale.ROOT), current.amount(),
                                                        current.payee(), expiresAt, sends,
                                                        current.remainingAttempts(), null);
                                            });
                                });
                    }));
        }));
    }

    /**
     * Cancels a pending verification: its code stops working, and {@code verification.completed.v1} CANCELED is
     * acknowledged before the answer. Canceling twice is harmless and announces once (again only if the first
     * announcement failed).
     */
    public Uni<Verification> cancel(String tenantId, String id) {
        return failClosed(store.cancel(tenantId, id).flatMap(change -> {
            if ("not_found".equals(change.result())) {
                return Uni.createFrom().failure(notFound(id));
            }
            if (!"canceled".equals(change.result())) {
                return Uni.createFrom().failure(notPending(id, change.detail()));
            }
            Uni<Void> announced = "1".equals(change.detail()) ? Uni.createFrom().voidItem()
                    : cancellations.announce(tenantId, id, clock.instant());
            return announced.chain(() -> get(tenantId, id));
        }));
    }

    /** A pending verification replaced by a new one for the same subject and purpose is canceled, in the trail too. */
    private Uni<Void> announceReplaced(String tenantId, ChallengeStore.Created created, Instant now) {
        return created.canceledId() == null ? Uni.createFrom().voidItem()
                : cancellations.announce(tenantId, created.canceledId(), now);
    }

    /** The verification as it stands. */
    public Uni<Verification> get(String tenantId, String id) {
        Instant now = clock.instant();
        return failClosed(find(tenantId, id).map(c -> view(c, now)));
    }

    private Uni<StoredChallenge> find(String tenantId, String id) {
        return store.find(tenantId, id).map(found -> found.orElseThrow(() -> notFound(id)));
    }

    static Verification view(StoredChallenge c, Instant now) {
        String channel = c.factorId() != null ? c.factorId().split(":")[0].toLowerCase(Locale.ROOT)
                : channelName(c.channelPlan());
        return new Verification(c.challengeId(), c.effectiveStatus(now), channel,
                mask(c.destination()), c.purpose().toLowerCase(Locale.ROOT), c.amount(), c.payee(), c.expiresAt(),
                c.sendAttempts(), c.remainingAttempts(), null);
    }

    private static String channelName(List<Channel> plan) {
        return plan.isEmpty() ? "sms" : plan.get(0).name().toLowerCase(Locale.ROOT);
    }

    private static String mask(String destination) {
        if (destination == null) {
            return null;
        }
        int at = destination.indexOf('@');
        if (at > 0) {
            return destination.charAt(0) + "***" + destination.substring(at);
        }
        return PhoneNumbers.mask(destination);
    }

    private static VerificationRefused notFound(String id) {
        return new VerificationRefused(VerificationRefused.Kind.NOT_FOUND, "verification " + id + " not found");
    }

    private static VerificationRefused notPending(String id, String status) {
        return new VerificationRefused(VerificationRefused.Kind.NOT_PENDING,
                "verification " + id + " is " + status + ", not pending");
    }
}
