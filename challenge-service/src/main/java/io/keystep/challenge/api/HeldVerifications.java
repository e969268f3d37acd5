package io.keystep.challenge.api;

import io.keystep.challenge.config.ChallengeConfig;
import io.keystep.challenge.domain.Bindings;
import io.keystep.challenge.domain.ChallengeMetrics;
import io.keystep.challenge.domain.CodeDigest;
import io.keystep.challenge.domain.NewChallenge;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.challenge.domain.Verification;
import io.keystep.challenge.domain.VerificationRefused;
import io.keystep.challenge.domain.VerificationRequest;
import io.keystep.challenge.factors.AuthenticatorFactors;
import io.keystep.challenge.factors.RecoveryCodes;
import io.keystep.challenge.messaging.CancellationTrail;
import io.keystep.challenge.store.ChallengeStore;
import io.keystep.events.Purpose;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Verifications nothing is sent for, answered by the user's authenticator app or one of its recovery codes: no
 * send limit applies. The Redis challenge holds the digest of an internal approval value that only the factor
 * unlocks (see {@link CodeChecker}), so that the check keeps the same budget, lockout and binding as a sent code.
 */
@ApplicationScoped
public class HeldVerifications {

    private final ChallengeStore store;
    private final SendGate gate;
    private final AuthenticatorFactors factors;
    private final RecoveryCodes recoveryCodes;
    private final CancellationTrail cancellations;
    private final CodeDigest digests;
    private final ChallengeConfig config;
    private final ChallengeMetrics metrics;
    private final Clock clock;
    private final io.keystep.challenge.factors.Passkeys passkeys;
    private final io.keystep.challenge.factors.PushApprovals pushes;
    private final io.keystep.challenge.store.PushDevices pushDevices;
    private final io.keystep.challenge.messaging.LoginChallenges loginChallenges;
    private final io.keystep.challenge.messaging.EventPublisher publisher;

    public HeldVerifications(io.keystep.challenge.factors.Passkeys passkeys,
                             io.keystep.challenge.factors.PushApprovals pushes,
                             io.keystep.challenge.store.PushDevices pushDevices,
                             io.keystep.challenge.messaging.LoginChallenges loginChallenges,
                             io.keystep.challenge.messaging.EventPublisher publisher, ChallengeStore store, SendGate gate, AuthenticatorFactors factors,
                             RecoveryCodes recoveryCodes, CancellationTrail cancellations, CodeDigest digests,
                             ChallengeConfig config, ChallengeMetrics metrics, Clock clock) {
        this.passkeys = passkeys;
        this.pushes = pushes;
        this.pushDevices = pushDevices;
        this.loginChallenges = loginChallenges;
        this.publisher = publisher;
        this.store = store;
        this.gate = gate;
        this.factors = factors;
        this.recoveryCodes = recoveryCodes;
        this.cancellations = cancellations;
        this.digests = digests;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Starts verification {@code id} for the user's authenticator app or recovery codes. */
    Uni<Verification> start(String tenantId, String id, VerificationRequest request, TenantSettings settings) {
        // A recovery code for purpose recovery is the way back from a suspension (a lockout still waits).
        boolean recovery = "recovery_code".equals(request.channel()) && request.purpose() == Purpose.RECOVERY;
        return gate.refuseIfLocked(tenantId, null, request.userId(), null, clock.instant(), recovery)
                .chain(() -> startAuthenticator(tenantId, id, request, settings));
    }

    private Uni<Verification> startAuthenticator(String tenantId, String id, VerificationRequest request,
                                                 TenantSettings settings) {
        Instant now = clock.instant();
        String kind = request.channel().toUpperCase(Locale.ROOT);
        if ("RECOVERY_CODE".equals(kind)) {
            return startRecoveryCode(tenantId, id, request, settings, now);
        }
        if ("PASSKEY".equals(kind)) {
            return startPasskey(tenantId, id, request, settings, now);
        }
        if ("PUSH".equals(kind)) {
            return startPush(tenantId, id, request, settings, now);
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
     * A verification answered with one of the user's passkeys: it answers the options the browser needs. A tenant
     * without a relying party, or a user without a passkey → 422 {@code no-factor}.
     */
    private Uni<Verification> startPasskey(String tenantId, String id, VerificationRequest request,
                                           TenantSettings settings, Instant now) {
        return passkeys.requestOptions(tenantId, request.userId(), id, settings.codeTtl()).flatMap(options -> {
            if (options.isEmpty()) {
                return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.NO_FACTOR,
                        "user " + request.userId() + " has no passkey the tenant's relying party accepts"));
            }
            return createHeld(tenantId, id, request, settings, now, settings.codeLength(), "PASSKEY:" + request.userId())
                    .map(v -> v.withPasskeyOptions(options.get()));
        });
    }

    /**
     * A verification answered on the user's paired device: a push to the preferred (else the most recently paired)
     * reachable device, under the fatigue limit, whose number the answer carries for the screen to show. No reachable
     * device → 422 {@code no-factor}; past the fatigue limit → 429.
     */
    private Uni<Verification> startPush(String tenantId, String id, VerificationRequest request,
                                        TenantSettings settings, Instant now) {
        return pushDevices.ofUser(tenantId, request.userId()).flatMap(devices -> {
            var device = devices.stream().filter(io.keystep.challenge.store.PushDevices.Device::reachable)
                    .findFirst();
            if (device.isEmpty()) {
                return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.NO_FACTOR,
                        "user " + request.userId() + " has no paired device that can be reached"));
            }
            return pushes.takePush(tenantId, request.userId()).flatMap(taken -> {
                if (!taken) {
                    return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.SEND_LIMITED,
                            "the user had the tenant's number of pushes since the last approval", "push_fatigue",
                            java.time.Duration.ofMinutes(1), null));
                }
                io.keystep.challenge.factors.LoginFactors.Option option = new io.keystep.challenge.factors.LoginFactors
                        .Option(io.keystep.events.Factor.PUSH, "PUSH:" + device.get().deviceId(), null,
                        List.of(io.keystep.events.Channel.PUSH), 0, device.get().destination(), device.get().name());
                return pushes.policyOf(tenantId).flatMap(policy -> loginChallenges.openPush(tenantId, id,
                                new io.keystep.challenge.messaging.LoginChallenges.Login(null, request.userId(), null,
                                        request.purpose()), option, settings, now, policy, request.amount(),
                                request.payee()))
                        .call(opened -> cancellations.announceReplaced(tenantId, opened.created(), now))
                        .call(opened -> publisher.challengeIssued(tenantId, now, opened.job()))
                        .map(opened -> {
                            metrics.verificationCreated(tenantId, request.channel());
                            return new Verification(id, "pending", "push", null,
                                    request.purpose().name().toLowerCase(Locale.ROOT), request.amount(),
                                    request.payee(), opened.expiresAt(), 1,
                                    Math.max(0, settings.maxAttempts() - opened.created().inherited()), null)
                                    .withNumber(opened.pushNumber());
                        });
            });
        });
    }

    /**
     * A verification answered with one of the user's recovery codes: the challenge holds the digest of the approval
     * value that only an unused recovery code unlocks. No unused code → 422 {@code no-factor}.
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
        return store.create(challenge, now, expiresAt.plus(config.retainAfterExpiry()))
                .call(created -> cancellations.announceReplaced(tenantId, created, now))
                .map(ChallengeStore.Created::inherited)
                .map(inherited -> {
                    metrics.verificationCreated(tenantId, request.channel());
                    return new Verification(id, "pending", request.channel(), null,
                            request.purpose().name().toLowerCase(Locale.ROOT), request.amount(), request.payee(),
                            expiresAt, 0, Math.max(0, settings.maxAttempts() - inherited), null);
                });
    }
}
