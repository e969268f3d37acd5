package io.keystep.challenge.api;

import io.keystep.challenge.domain.CheckStatus;
import io.keystep.challenge.domain.Verification;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.keystep.kit.web.constraints.OneOf;
import io.keystep.kit.web.constraints.OpaqueId;
import io.keystep.kit.web.constraints.PrintableText;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;

import java.time.Instant;
import java.util.List;

/**
 * The Verify API: send a code, check it, resend, cancel, read. Every error is problem+json naming the field.
 */
@jakarta.annotation.security.RolesAllowed(Roles.GATEWAY)
@Path("/v1/verifications")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class VerificationResource {

    /**
     * The code the person typed (digits, or for channel recovery_code a recovery code), or for a verification answered
     * with a passkey the browser's assertion ({@code PublicKeyCredential.toJSON()} of
     * {@code navigator.credentials.get()}) as {@code passkey}; and for a transaction the amount and payee the person
     * was shown.
     */
    public record CheckRequest(
            @Pattern(regexp = "[0-9]{4,10}|[A-Za-z2-7 -]{12,20}", message = "must be 4 to 10 digits (or, for channel"
                    + " recovery_code, a recovery code such as abcd-efgh-2345)")
            String code,
            @Pattern(regexp = VerificationRequests.AMOUNT, message = VerificationRequests.AMOUNT_MESSAGE)
            String amount,
            @PrintableText(max = 140, without = "|", trim = true, message = VerificationRequests.PAYEE_MESSAGE)
            String payee,
            com.fasterxml.jackson.databind.JsonNode passkey) {

        public CheckRequest(String code, String amount, String payee) {
            this(code, amount, payee, null);
        }
    }

    /**
     * The verification after the check.
     *
     * @param status      approved, pending (wrong code), expired, max_attempts_reached or canceled
     * @param lockedUntil when the user's lockout ends, when this check found or caused one
     * @param enrollmentNudge on an approved login answered on the phone, when the tenant's policy says it is time:
     *                    the stronger factors to invite the user to add ({@code totp}, ...)
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record CheckResponse(String id, String status, int remainingAttempts,
                                @com.fasterxml.jackson.annotation.JsonProperty("locked_until") Instant lockedUntil,
                                Integer recoveryCodesRemaining, List<String> enrollmentNudge) {

        public CheckResponse(String id, String status, int remainingAttempts, Instant lockedUntil) {
            this(id, status, remainingAttempts, lockedUntil, null, null);
        }
    }

    /** The body of a resend: another channel, optionally, and the person's IP as the gateway saw it. */
    public record ResendRequest(@OneOf(value = {"sms", "whatsapp", "voice", "email", "auto"}, ignoreCase = true,
            message = "must be sms, whatsapp, voice, email or auto") String channel,
                                @io.keystep.kit.web.constraints.IpAddress String clientIp) {
    }

    private final CodeChecker checker;
    private final VerificationService verifications;
    private final java.time.Clock clock;
    private final io.keystep.challenge.store.TenantSettingsRepository settings;

    private final io.keystep.challenge.store.VerificationProofs proofs;
    private final io.keystep.challenge.factors.TrustedDevices trustedDevices;
    private final Caller caller;
    private final ClientIps clientIps;

    public VerificationResource(CodeChecker checker, VerificationService verifications, java.time.Clock clock,
                                io.keystep.challenge.store.TenantSettingsRepository settings,
                                io.keystep.challenge.store.VerificationProofs proofs,
                                io.keystep.challenge.factors.TrustedDevices trustedDevices, Caller caller,
                                ClientIps clientIps) {
        this.caller = caller;
        this.clientIps = clientIps;
        this.proofs = proofs;
        this.trustedDevices = trustedDevices;
        this.clock = clock;
        this.settings = settings;
        this.checker = checker;
        this.verifications = verifications;
    }

    /**
     * Sends a code. With an {@code Idempotency-Key}, a repeated request answers the same verification and sends
     * nothing. Over a send limit: 429 with {@code Retry-After}.
     */
    @POST
    public Uni<Response> create(@HeaderParam("Idempotency-Key")
                                @Pattern(regexp = "[\\x21-\\x7e]{1,255}", message = "must be 1-255 printable characters")
                                String idempotencyKey,
                                @Context HttpServerRequest http,
                                @Valid VerificationRequests.CreateVerificationRequest body) {
        String tenantId = caller.tenant();
        if (body == null) {
            throw ProblemException.invalid("channel",
                    "is required: sms, whatsapp, voice, email, auto, totp, hotp, passkey, push or recovery_code");
        }
        String ip = clientIps.of(http, body.clientIp());
        return tenantSettings(tenantId).flatMap(settings -> verifications.create(tenantId,
                        VerificationRequests.toDomain(body, settings), settings, idempotencyKey, ip))
                .map(v -> Response.status(201).entity(v).build());
    }

    /** The verification as it stands. */
    @GET
    @Path("/{id}")
    public Uni<Verification> get(@PathParam("id") @OpaqueId String id) {
        String tenantId = caller.tenant();
        return verifications.get(tenantId, id);
    }

    /** Sends a new code (the old one stops working); the remaining attempts stay as they were. */
    @POST
    @Path("/{id}/resend")
    public Uni<Verification> resend(@PathParam("id") @OpaqueId String id, @Context HttpServerRequest http,
                                    @Valid ResendRequest body) {
        String tenantId = caller.tenant();
        String ip = clientIps.of(http, body == null ? null : body.clientIp());
        return tenantSettings(tenantId).flatMap(settings -> verifications.resend(tenantId, id,
                body == null || body.channel() == null ? null
                        : VerificationRequests.channelPlan(body.channel(), settings.autoChannels()), settings, ip));
    }

    /** Cancels a pending verification. */
    @POST
    @Path("/{id}/cancel")
    @Consumes(MediaType.WILDCARD)
    public Uni<Verification> cancel(@PathParam("id") @OpaqueId String id) {
        String tenantId = caller.tenant();
        return verifications.cancel(tenantId, id);
    }

    /**
     * Checks a code. A verification approves once: checking it again answers 409 {@code already-used}.
     * Unknown ids and other tenants' ids answer 404 alike.
     */
    @POST
    @Path("/{id}/check")
    public Uni<CheckResponse> check(@PathParam("id") @OpaqueId String id, @Valid CheckRequest presented) {
        String tenantId = caller.tenant();
        if (presented == null || presented.code() == null && presented.passkey() == null) {
            throw ProblemException.invalid("code", "is required (or, for a verification answered with a passkey,"
                    + " passkey)");
        }
        if (presented.code() != null && presented.passkey() != null) {
            throw ProblemException.invalid("passkey", "must not come with a code: a verification is answered by one"
                    + " or the other");
        }
        if (presented.passkey() != null && !presented.passkey().isObject()) {
            throw ProblemException.invalid("passkey", "must be the browser's assertion, an object");
        }
        String amount = VerificationRequests.presentedAmount(presented.amount());
        String payee = VerificationRequests.presentedPayee(presented.payee());
        Uni<io.keystep.challenge.domain.CheckResult> checked = presented.passkey() != null
                ? checker.checkPasskey(tenantId, id, presented.passkey().toString(), amount, payee)
                : checker.check(tenantId, id, presented.code(), amount, payee);
        return checked.map(result -> answer(id, result, clock));
    }

    /**
     * The answer to a check as the API gives it: 404 for an unknown verification, 409 once approved, 429 while the
     * user is locked out, 403 while suspended, else the verification's status.
     */
    static CheckResponse answer(String id, io.keystep.challenge.domain.CheckResult result, java.time.Clock clock) {
        {
            if (result.status() == CheckStatus.NOT_FOUND) {
                throw ProblemException.notFound("verification " + id + " not found");
            }
            if (result.status() == CheckStatus.ALREADY_USED) {
                throw new ProblemException(Problem.of(409, "already-used", "Already used",
                        "verification " + id + " was already approved; a code works once"));
            }
            if (result.status() == CheckStatus.LOCKED_OUT) {
                throw new io.keystep.challenge.domain.VerificationRefused(
                        io.keystep.challenge.domain.VerificationRefused.Kind.LOCKED_OUT,
                        "too many failed checks; verification is locked until " + result.lockedUntil(), null,
                        java.time.Duration.between(clock.instant(), result.lockedUntil()),
                        result.lockedUntil());
            }
            if (result.status() == CheckStatus.SUSPENDED) {
                throw new io.keystep.challenge.domain.VerificationRefused(
                        io.keystep.challenge.domain.VerificationRefused.Kind.SUSPENDED,
                        "too many consecutive failed checks; this factor is suspended until account recovery");
            }
            return new CheckResponse(id, result.status().wire(), result.remainingAttempts(), result.lockedUntil(),
                    result.recoveryCodesRemaining(),
                    result.enrollmentNudge().isEmpty() ? null : result.enrollmentNudge());
        }
    }

    /** The device to trust after an approved login verification. */
    public record TrustDeviceRequest(
            @PrintableText(max = 256, controls = true, message = "must be 1-256 characters") String deviceFingerprint,
            @PrintableText(max = 64) String label) {
    }

    /** The device token (shown once; only its hash is kept) and until when it is valid. */
    public record TrustedDeviceToken(String deviceId, String token, Instant expiresAt) {
    }

    /**
     * After an approved login verification, trusts the person's device: answers a signed device token that the
     * gateway sends with later logins ({@code device.trustedDeviceToken}). Once per verification. For a login
     * challenge the device is the login's; for a direct verification the body names its fingerprint.
     */
    @POST
    @Path("/{id}/trust-device")
    public Uni<Response> trustDevice(@PathParam("id") @OpaqueId String id, @Valid TrustDeviceRequest body) {
        String tenantId = caller.tenant();
        String presented = body == null ? null : body.deviceFingerprint();
        String label = body == null ? null : body.label();
        return proofs.claimTrust(tenantId, id, presented, clock.instant(), trustedDevices.trustWindow())
                .onFailure().transform(
                        io.keystep.challenge.domain.CheckUnavailableException::new)
                .flatMap(claim -> {
                    switch (claim.get(0)) {
                        case "not_found" -> throw ProblemException.notFound("verification " + id + " not found");
                        case "not_approved" -> throw new ProblemException(Problem.of(409, "not-approved",
                                "Verification not approved", "a device is trusted only after an approved login verification"));
                        case "not_a_login" -> throw new ProblemException(Problem.of(409, "not-a-login",
                                "Not a login verification",
                                "only an approved login verification of a known user can trust a device"));
                        case "wrong_device" -> throw ProblemException.invalid("deviceFingerprint",
                                "is not the device of this login");
                        case "fingerprint_required" -> throw ProblemException.invalid("deviceFingerprint",
                                "is required for this verification");
                        case "window_passed" -> throw new ProblemException(Problem.of(409, "trust-window-passed",
                                "Trust window passed", "a device can be trusted only within "
                                        + trustedDevices.trustWindow().toSeconds() + " seconds of the verification's approval"));
                        case "already_trusted" -> throw new ProblemException(Problem.of(409, "already-trusted",
                                "Device already trusted", "verification " + id + " already trusted a device"));
                        default -> {
                        }
                    }
                    String userId = claim.get(1);
                    String loginDevice = claim.get(2);
                    String fingerprint = loginDevice.isEmpty() ? presented : loginDevice;
                    return trustedDevices.trust(tenantId, userId, fingerprint, label);
                })
                .map(issued -> Response.status(201).header("Cache-Control", "no-store")
                        .entity(new TrustedDeviceToken(issued.deviceId(), issued.token(), issued.expiresAt())).build());
    }

    private Uni<io.keystep.challenge.domain.TenantSettings> tenantSettings(String tenantId) {
        return settings.settingsOf(tenantId).onFailure(e -> !(e instanceof ProblemException))
                .transform(io.keystep.challenge.domain.CheckUnavailableException::new);
    }
}
