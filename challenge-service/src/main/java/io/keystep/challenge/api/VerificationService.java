package io.keystep.challenge.api;

import io.keystep.challenge.config.VerifyConfig;
import io.keystep.challenge.domain.CodeDigest;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.challenge.domain.StoredChallenge;
import io.keystep.challenge.domain.Verification;
import io.keystep.challenge.domain.VerificationRefused;
import io.keystep.challenge.domain.VerificationRequest;
import io.keystep.challenge.messaging.CancellationTrail;
import io.keystep.challenge.store.ChallengeStore;
import io.keystep.challenge.store.IdempotencyKeys;
import io.keystep.challenge.store.UserTags;
import io.keystep.events.Channel;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * The Verify API's send side: create (idempotent), resend, cancel and read verifications, under the send
 * limits. A new verification for the same subject and purpose replaces the pending one and inherits its spent
 * attempts; a resend replaces the code and keeps the budget.
 */
@ApplicationScoped
public class VerificationService {

    private final ChallengeStore store;
    private final IdempotencyKeys idempotency;
    private final SentVerifications sent;
    private final HeldVerifications held;
    private final CancellationTrail cancellations;
    private final CodeDigest digests;
    private final VerifyConfig config;
    private final Clock clock;
    private final io.keystep.challenge.factors.Passkeys passkeys;

    public VerificationService(ChallengeStore store, IdempotencyKeys idempotency, SentVerifications sent,
                               HeldVerifications held, CancellationTrail cancellations, CodeDigest digests,
                               VerifyConfig config, Clock clock, io.keystep.challenge.factors.Passkeys passkeys) {
        this.passkeys = passkeys;
        this.store = store;
        this.idempotency = idempotency;
        this.sent = sent;
        this.held = held;
        this.cancellations = cancellations;
        this.digests = digests;
        this.config = config;
        this.clock = clock;
    }

    /** Creates a verification and sends its code; with an idempotency key, a repeat answers the first one. */
    public Uni<Verification> create(String tenantId, VerificationRequest request, TenantSettings settings,
                                    String idempotencyKey, String clientIp) {
        String destinationKey = request.destination() == null ? null
                : digests.destinationPseudonym(tenantId, request.destination());
        String subject = subject(request, destinationKey);
        String id = UserTags.newChallengeId(tenantId, subject);
        if (idempotencyKey == null) {
            return VerificationViews.failClosed(send(tenantId, id, subject, destinationKey, request, settings,
                    clientIp));
        }
        String fingerprint = digests.pseudonym(tenantId, request.toString());
        return VerificationViews.failClosed(idempotency.claim(tenantId, idempotencyKey, id + "|" + fingerprint,
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

    /** Sends verification {@code id}, or holds it for the user's authenticator app or recovery codes. */
    private Uni<Verification> send(String tenantId, String id, String subject, String destinationKey,
                                   VerificationRequest request, TenantSettings settings, String clientIp) {
        if (request.destination() == null) {
            return held.start(tenantId, id, request, settings);
        }
        return sent.send(tenantId, id, subject, destinationKey, request, settings, clientIp);
    }

    /** Sends a new code for a pending verification; the old code stops working, the attempt budget stays. */
    public Uni<Verification> resend(String tenantId, String id, List<Channel> channelPlan, TenantSettings settings,
                                    String clientIp) {
        return VerificationViews.failClosed(sent.resend(tenantId, id, channelPlan, settings, clientIp));
    }

    /**
     * Cancels a pending verification: its code stops working, and {@code verification.completed.v1} CANCELED is
     * acknowledged before the answer. Canceling twice is harmless and announces once (again only if the first
     * announcement failed).
     */
    public Uni<Verification> cancel(String tenantId, String id) {
        return VerificationViews.failClosed(store.cancel(tenantId, id).flatMap(change -> {
            if ("not_found".equals(change.result())) {
                return Uni.createFrom().failure(VerificationViews.notFound(id));
            }
            if (!"canceled".equals(change.result())) {
                return Uni.createFrom().failure(VerificationViews.notPending(id, change.detail()));
            }
            Uni<Void> announced = "1".equals(change.detail()) ? Uni.createFrom().voidItem()
                    : cancellations.announce(tenantId, id, clock.instant());
            return announced.chain(() -> get(tenantId, id));
        }));
    }

    /** The verification as it stands. */
    public Uni<Verification> get(String tenantId, String id) {
        Instant now = clock.instant();
        return VerificationViews.failClosed(store.find(tenantId, id).flatMap(found -> {
            StoredChallenge c = found.orElseThrow(() -> VerificationViews.notFound(id));
            Verification view = VerificationViews.view(c, now);
            if (!"pending".equals(view.status()) || c.factorId() == null || !c.factorId().startsWith("PASSKEY:")) {
                return Uni.createFrom().item(view);
            }
            // A pending passkey verification shows the options its assertion needs, as when it was created.
            return passkeys.requestOptions(tenantId, c.subject(), id, java.time.Duration.between(now, c.expiresAt()))
                    .map(options -> options.map(view::withPasskeyOptions).orElse(view));
        }));
    }
}
