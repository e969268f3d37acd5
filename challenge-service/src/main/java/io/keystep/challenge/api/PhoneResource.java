package io.keystep.challenge.api;

import io.keystep.challenge.domain.CheckResult;
import io.keystep.challenge.domain.CheckStatus;
import io.keystep.challenge.domain.CheckUnavailableException;
import io.keystep.challenge.domain.PhoneNumbers;
import io.keystep.challenge.domain.VerificationRefused;
import io.keystep.challenge.domain.VerificationRequest;
import io.keystep.challenge.factors.FactorMetrics;
import io.keystep.challenge.factors.FactorNotices;
import io.keystep.challenge.factors.StepUps;
import io.keystep.challenge.factors.TrustedDevices;
import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.challenge.domain.CodeDigest;
import io.keystep.challenge.store.PendingPhones;
import io.keystep.challenge.store.SendLimiter;
import io.keystep.challenge.store.PhoneEnrollment;
import io.keystep.challenge.store.PhoneEnrollmentRepository;
import io.keystep.challenge.store.TenantSettingsRepository;
import io.keystep.challenge.store.VerificationProofs;
import io.keystep.events.Channel;
import io.keystep.events.Factor;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.keystep.events.Purpose;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.keystep.kit.web.constraints.UserId;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The phone number SMS challenges go to. A new number becomes the user's only once it proved possession: the
 * request sends it a code ({@code 202}, the enrolled phone stays), and the code confirms it.
 */
@jakarta.annotation.security.RolesAllowed(Roles.GATEWAY)
@Path("/v1/users/{userId}/phone")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class PhoneResource {

    /** The number to enroll, international form ({@code +15555550123}). */
    public record EnrollPhoneRequest(@NotBlank(message = "is required") @PhoneNumber String phoneNumber,
                                     @io.keystep.kit.web.constraints.IpAddress String clientIp) {
    }

    /** The code the new number received. */
    public record ConfirmPhoneRequest(@NotBlank(message = "is required") String code) {
    }

    /**
     * The user's phone, masked: {@code active} once enrolled; {@code pending} while the new number has to confirm
     * the code sent to it ({@code verificationId}, {@code expiresAt}).
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record EnrolledPhone(String userId, String phoneNumber, String status, String verificationId,
                                Instant expiresAt) {
    }

    private final PhoneEnrollmentRepository phones;
    private final PendingPhones pending;
    private final FactorChangeGate gate;
    private final VerificationService verifications;
    private final TenantSettingsRepository settings;
    private final CodeChecker checker;
    private final VerificationProofs proofs;
    private final TrustedDevices trustedDevices;
    private final Clock clock;
    private final Caller caller;
    private final FactorNotices notices;
    private final EventPublisher publisher;
    private final FactorMetrics metrics;
    private final ClientIps clientIps;
    private final SendLimiter limiter;
    private final CodeDigest digests;

    public PhoneResource(PhoneEnrollmentRepository phones, PendingPhones pending, FactorChangeGate gate,
                         VerificationService verifications, TenantSettingsRepository settings, CodeChecker checker,
                         VerificationProofs proofs, TrustedDevices trustedDevices, Clock clock, Caller caller,
                         FactorNotices notices, EventPublisher publisher, FactorMetrics metrics,
                         ClientIps clientIps, SendLimiter limiter, CodeDigest digests) {
        this.phones = phones;
        this.pending = pending;
        this.gate = gate;
        this.verifications = verifications;
        this.settings = settings;
        this.checker = checker;
        this.proofs = proofs;
        this.trustedDevices = trustedDevices;
        this.clock = clock;
        this.caller = caller;
        this.notices = notices;
        this.publisher = publisher;
        this.metrics = metrics;
        this.clientIps = clientIps;
        this.limiter = limiter;
        this.digests = digests;
    }

    /**
     * Asks to enroll or replace the user's phone: authorised like adding any factor (a step-up on a factor the user
     * has, a matured account recovery, or for a user without factors the first-factor header), then a code goes to
     * the new number and the answer is {@code 202 pending}. The number already enrolled answers {@code 200 active}.
     */
    @PUT
    public Uni<Response> enroll(@PathParam("userId") @UserId String userId,
                                @HeaderParam(FactorChangeGate.STEP_UP_HEADER) String stepUp,
                                @HeaderParam(FactorChangeGate.FIRST_FACTOR_HEADER) String firstFactorAt,
                                @Context HttpServerRequest http, @Valid EnrollPhoneRequest request) {
        String tenantId = caller.tenant();
        if (request == null) {
            throw ProblemException.invalid("phoneNumber", "is required");
        }
        String e164 = PhoneNumbers.toE164(request.phoneNumber()).orElseThrow();
        String ip = clientIps.of(http, request.clientIp());
        return FactorChangeGate.failClosed(phones.phoneOf(tenantId, userId)).flatMap(enrolled -> {
            if (enrolled.isPresent() && enrolled.get().equals(e164)) {
                return Uni.createFrom().item(Response.ok(new EnrolledPhone(userId, PhoneNumbers.mask(e164), "active",
                        null, null)).build());
            }
            return gate.toAdd(tenantId, userId, stepUp, firstFactorAt, "sms")
                    .chain(() -> FactorChangeGate.failClosed(settings.settingsOf(tenantId)))
                    .flatMap(tenant -> verifications.create(tenantId, new VerificationRequest(e164, "sms",
                                    List.of(Channel.SMS), userId, "en", Purpose.FACTOR_CHANGE, null, null,
                                    tenant.codeLength()), tenant, null, ip)
                            .call(v -> FactorChangeGate.failClosed(pending.await(tenantId, userId, v.id(),
                                    java.time.Duration.between(clock.instant(), v.expiresAt())))))
                    .map(v -> Response.status(202).entity(new EnrolledPhone(userId, PhoneNumbers.mask(e164),
                            "pending", v.id(), v.expiresAt())).build());
        });
    }

    /**
     * Confirms the pending number with the code it received: it replaces the enrolled phone, every trusted device of
     * the user is revoked, and the old number is told. A wrong code → 422 with the attempts left.
     */
    @POST
    @Path("/confirm")
    public Uni<EnrolledPhone> confirm(@PathParam("userId") @UserId String userId,
                                      @Valid ConfirmPhoneRequest body) {
        String tenantId = caller.tenant();
        if (body == null) {
            throw ProblemException.invalid("code", "is required");
        }
        return FactorChangeGate.failClosed(pending.verificationOf(tenantId, userId)).flatMap(waiting -> {
            if (waiting.isEmpty()) {
                return Uni.createFrom().failure(ProblemException.notFound(
                        "no phone number of user " + userId + " awaits confirmation"));
            }
            String verificationId = waiting.get();
            return checker.check(tenantId, verificationId, body.code())
                    .flatMap(result -> confirmed(tenantId, userId, verificationId, result));
        });
    }

    private Uni<EnrolledPhone> confirmed(String tenantId, String userId, String verificationId, CheckResult result) {
        refuseUnlessApproved(verificationId, result);
        // The approval is spent here, so that it can never also pass as the step-up of another change.
        return FactorChangeGate.failClosed(proofs.claimStepUp(tenantId, verificationId, userId, clock.millis(),
                        StepUps.FRESHNESS.toMillis()))
                .flatMap(claimed -> {
                    if (!"ok".equals(claimed.get(0)) || claimed.get(2).isEmpty()) {
                        return Uni.createFrom().failure(new ProblemException(Problem.of(409, "already-used",
                                "Already used", "verification " + verificationId + " already confirmed a change")));
                    }
                    String e164 = claimed.get(2);
                    Instant now = clock.instant();
                    return FactorChangeGate.failClosed(phones.enrollmentOf(tenantId, userId)
                            .flatMap(before -> phones.enroll(tenantId, userId, e164, now)
                                    .call(() -> pending.end(tenantId, userId, verificationId))
                                    .call(() -> settings.settingsOf(tenantId).flatMap(tenant -> limiter.endCooldown(
                                            tenantId, digests.destinationPseudonym(tenantId, e164),
                                            tenant.sendLimits().cooldown(), now)))
                                    .call(after -> announce(tenantId, userId,
                                            before.map(b -> b.phoneNumber), after, now))))
                            .map(after -> new EnrolledPhone(userId, PhoneNumbers.mask(e164), "active", null, null));
                });
    }

    private void refuseUnlessApproved(String verificationId, CheckResult result) {
        switch (result.status()) {
            case APPROVED, ALREADY_USED -> {
                // Approved now, or earlier through the Verify API's check: either proves the number; the claim that
                // follows lets one confirmation through.
            }
            case NOT_FOUND -> throw ProblemException.notFound("verification " + verificationId + " not found");
            case LOCKED_OUT -> throw new VerificationRefused(VerificationRefused.Kind.LOCKED_OUT,
                    "too many failed checks; verification is locked until " + result.lockedUntil(), null,
                    java.time.Duration.between(clock.instant(), result.lockedUntil()), result.lockedUntil());
            case SUSPENDED -> throw new VerificationRefused(VerificationRefused.Kind.SUSPENDED,
                    "too many consecutive failed checks; this factor is suspended until account recovery");
            default -> throw new ProblemException(Problem.of(422, "invalid-code", "Invalid code",
                    "the code does not confirm the new number (" + result.status().wire() + ", "
                            + result.remainingAttempts() + " attempts left)"));
        }
    }

    /**
     * Publishes the change: the old number (if any) REMOVED and told, the new one ACTIVATED, with a notice to every
     * channel the user had; then every trusted device is revoked, as after any factor change.
     */
    private Uni<Void> announce(String tenantId, String userId, Optional<String> oldNumber, PhoneEnrollment now,
                               Instant at) {
        String factorId = now.id.toString();
        List<String> had = oldNumber.stream().toList();
        Uni<Void> removed = oldNumber.isEmpty() ? Uni.createFrom().voidItem()
                : notices.publish(tenantId, at, new FactorChanged(userId, factorId, Factor.SMS, FactorChange.REMOVED,
                        PhoneNumbers.mask(oldNumber.get())), had)
                .invoke(() -> metrics.removed(tenantId, "sms"));
        FactorChanged activated = new FactorChanged(userId, factorId, Factor.SMS, FactorChange.ACTIVATED,
                PhoneNumbers.mask(now.phoneNumber));
        return removed.chain(() -> had.isEmpty() ? publisher.factorChanged(tenantId, at, activated)
                        : notices.publish(tenantId, at, activated, had))
                .invoke(() -> metrics.activated(tenantId, "sms"))
                .chain(() -> trustedDevices.revokeAll(tenantId, userId, "phone_changed"));
    }
}
