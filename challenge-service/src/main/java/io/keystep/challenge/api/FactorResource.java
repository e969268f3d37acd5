package io.keystep.challenge.api;

import io.keystep.challenge.api.FactorRequests.CodeRequest;
import io.keystep.challenge.api.FactorRequests.EnrollRequest;
import io.keystep.challenge.api.FactorRequests.ResyncRequest;
import io.keystep.challenge.api.FactorRequests.UpdateRequest;
import io.keystep.challenge.factors.AuthenticatorFactors;
import io.keystep.challenge.store.AuthFactor;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.keystep.kit.web.constraints.UserId;
import jakarta.validation.Valid;
import jakarta.validation.groups.ConvertGroup;

import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Authenticator factors of a user: enroll TOTP or HOTP (QR code), activate with a first code, resynchronise
 * HOTP, list.
 */
@jakarta.annotation.security.RolesAllowed(Roles.GATEWAY)
@Path("/v1/users/{userId}/factors")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class FactorResource {

    /** The enrolled factor; {@code qrCode} is the PNG, base64. The secret is shown here once. */
    public record EnrollResponse(String factorId, String otpauthUri, String qrCode) {
    }


    /**
     * A factor as listed (never its secret). The enrolled phone is a factor of type {@code sms} whose label and
     * {@code phoneNumber} are the masked number.
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record FactorView(String factorId, String type, String label, String status, boolean preferred,
                             String algorithm, Integer digits, Integer period, Integer driftSteps, Instant createdAt,
                             Instant lastUsedAt, List<String> recoveryCodes, String phoneNumber) {
        static FactorView of(AuthFactor f) {
            return new FactorView(f.id.toString(), f.kind.toLowerCase(Locale.ROOT), f.label,
                    f.status.toLowerCase(Locale.ROOT), f.preferred, f.algorithm, f.digits,
                    "TOTP".equals(f.kind) ? f.periodSeconds : null, "PASSKEY".equals(f.kind) ? null : f.driftSteps, f.createdAt, f.lastUsedAt, null,
                    null);
        }

        static FactorView ofPhone(io.keystep.challenge.store.PhoneEnrollment p, boolean preferred) {
            String masked = io.keystep.challenge.domain.PhoneNumbers.mask(p.phoneNumber);
            return new FactorView(p.id.toString(), "sms", masked, "active", preferred, null, null, null, null,
                    p.enrolledAt, null, null, masked);
        }

        FactorView withRecoveryCodes(List<String> codes) {
            return new FactorView(factorId, type, label, status, preferred, algorithm, digits, period, driftSteps,
                    createdAt, lastUsedAt, codes, phoneNumber);
        }
    }

    private final AuthenticatorFactors factors;
    private final io.keystep.challenge.factors.RecoveryCodes recoveryCodes;
    private final io.keystep.challenge.factors.EnrollmentNudges nudges;
    private final FactorChangeGate gate;
    private final Caller caller;

    public FactorResource(AuthenticatorFactors factors, io.keystep.challenge.factors.RecoveryCodes recoveryCodes,
                          io.keystep.challenge.factors.EnrollmentNudges nudges, FactorChangeGate gate, Caller caller) {
        this.nudges = nudges;
        this.caller = caller;
        this.factors = factors;
        this.recoveryCodes = recoveryCodes;
        this.gate = gate;
    }

    @POST
    @Path("/totp")
    public Uni<Response> enrollTotp(@PathParam("userId") @UserId String userId,
                                    @HeaderParam(STEP_UP_HEADER) String stepUp,
                                    @HeaderParam(FactorChangeGate.FIRST_FACTOR_HEADER) String firstFactorAt,
                                    @Valid @ConvertGroup(to = EnrollRequest.Totp.class) EnrollRequest body) {
        return enroll(userId, "TOTP", body, stepUp, firstFactorAt);
    }

    @POST
    @Path("/hotp")
    public Uni<Response> enrollHotp(@PathParam("userId") @UserId String userId,
                                    @HeaderParam(STEP_UP_HEADER) String stepUp,
                                    @HeaderParam(FactorChangeGate.FIRST_FACTOR_HEADER) String firstFactorAt,
                                    @Valid @ConvertGroup(to = EnrollRequest.Hotp.class) EnrollRequest body) {
        return enroll(userId, "HOTP", body, stepUp, firstFactorAt);
    }

    /** The header naming the approved {@code factor_change} verification that adding or removing a factor needs. */
    static final String STEP_UP_HEADER = FactorChangeGate.STEP_UP_HEADER;

    /**
     * Enrolls a pending authenticator: with a step-up on a factor the user has, a matured account recovery, or (for
     * a user without any factor) header {@code First-Factor-Authenticated-At}.
     */
    private Uni<Response> enroll(String userId, String kind, EnrollRequest body, String stepUp, String firstFactorAt) {
        String tenantId = caller.tenant();
        EnrollRequest req = body == null ? new EnrollRequest(null, null, null, null) : body;
        String algorithm = req.algorithm() == null ? "SHA1" : req.algorithm().toUpperCase(Locale.ROOT).replace("-", "");
        int digits = req.digits() == null ? 6 : req.digits();
        int period = req.period() == null ? 30 : req.period();
        String label = req.label();
        return gate.toAdd(tenantId, userId, stepUp, firstFactorAt, kind.toLowerCase(Locale.ROOT))
                .chain(() -> factors.enroll(tenantId, userId, kind,
                        label == null ? null : label.trim(), algorithm, digits, period))
                .map(e -> Response.status(201).entity(new EnrollResponse(e.factorId(), e.otpauthUri(),
                        Base64.getEncoder().encodeToString(e.qrPng()))).build());
    }

    /** The QR code of a factor awaiting activation; 404 once it is active (its secret is never shown again). */
    @GET
    @Path("/{factorId}/qr.png")
    @Produces("image/png")
    public Uni<Response> qr(@PathParam("userId") @UserId String userId, @PathParam("factorId") String factorIdParam) {
        String tenantId = caller.tenant();
        UUID factorId = factorId(factorIdParam);
        return factors.pendingQr(tenantId, userId, factorId).map(png -> Response.ok(png.orElseThrow(
                        () -> ProblemException.notFound("pending factor " + factorId + " not found")), "image/png")
                .header("Cache-Control", "no-store").build());
    }

    /**
     * Activates a pending factor with a first code from the authenticator. A wrong code → 422. The user's first
     * strong factor comes with recovery codes ({@code recoveryCodes}, shown this once).
     */
    @POST
    @Path("/{factorId}/activate")
    public Uni<FactorView> activate(@PathParam("userId") @UserId String userId,
                                    @PathParam("factorId") String factorIdParam, @Valid CodeRequest body) {
        String tenantId = caller.tenant();
        UUID factorId = factorId(factorIdParam);
        if (body == null) {
            throw ProblemException.invalid("code", FactorRequests.CODE);
        }
        String code = body.code();
        return factors.activate(tenantId, userId, factorId, code).flatMap(result -> switch (result) {
            case NOT_FOUND -> Uni.createFrom().failure(
                    ProblemException.notFound("pending factor " + factorId + " not found"));
            case REJECTED -> Uni.createFrom().failure(new ProblemException(Problem.of(422, "invalid-code",
                    "Invalid code", "the code does not match the factor (or was used already)")));
            case ACCEPTED -> view(tenantId, userId, factorId).call(view -> nudges.enrolled(tenantId, userId,
                            view.type())).flatMap(view -> recoveryCodes.exist(tenantId, userId)
                    .flatMap(exist -> exist ? Uni.createFrom().item(view)
                            : recoveryCodes.generate(tenantId, userId).map(view::withRecoveryCodes)));
        });
    }

    /** Resynchronises an HOTP factor from two consecutive codes. */
    @POST
    @Path("/{factorId}/resync")
    public Uni<FactorView> resync(@PathParam("userId") @UserId String userId,
                                  @PathParam("factorId") String factorIdParam, @Valid ResyncRequest body) {
        String tenantId = caller.tenant();
        UUID factorId = factorId(factorIdParam);
        if (body == null) {
            throw new ProblemException(Problem.validation(List.of(
                    new Problem.FieldError("firstCode", FactorRequests.CODE),
                    new Problem.FieldError("secondCode", FactorRequests.CODE))));
        }
        String first = body.firstCode();
        String second = body.secondCode();
        return factors.resync(tenantId, userId, factorId, first, second).flatMap(result -> switch (result) {
            case NOT_FOUND -> Uni.createFrom().failure(
                    ProblemException.notFound("active hotp factor " + factorId + " not found"));
            case REJECTED -> Uni.createFrom().failure(new ProblemException(Problem.of(422, "invalid-code",
                    "Invalid codes", "no two consecutive codes match within the resynchronisation window")));
            case ACCEPTED -> view(tenantId, userId, factorId);
        });
    }

    /**
     * The user's factors (never a secret): the enrolled phone first (type {@code sms}, masked; preferred when no
     * authenticator is), then the authenticators.
     */
    @GET
    public Uni<List<FactorView>> list(@PathParam("userId") @UserId String userId) {
        String tenantId = caller.tenant();
        return factorsOf(tenantId, userId);
    }

    private Uni<List<FactorView>> factorsOf(String tenantId, String userId) {
        return factors.ofUser(tenantId, userId).flatMap(all -> factors.phone(tenantId, userId).map(phone -> {
            List<FactorView> out = new java.util.ArrayList<>();
            phone.ifPresent(p -> out.add(FactorView.ofPhone(p, all.stream().noneMatch(f -> f.preferred))));
            all.stream().map(FactorView::of).forEach(out::add);
            return out;
        }));
    }

    /** Renames a factor or makes it the preferred one (no step-up: neither changes how the user signs in). */
    @jakarta.ws.rs.PATCH
    @Path("/{factorId}")
    public Uni<FactorView> update(@PathParam("userId") @UserId String userId,
                                  @PathParam("factorId") String factorIdParam, @Valid UpdateRequest body) {
        String tenantId = caller.tenant();
        UUID factorId = factorId(factorIdParam);
        if (body == null || (body.label() == null && body.preferred() == null)) {
            throw ProblemException.invalid("label", "label or preferred is required");
        }
        String label = body.label();
        return factors.phone(tenantId, userId).flatMap(phone -> {
            if (phone.isPresent() && phone.get().id.equals(factorId)) {
                if (label != null) {
                    throw ProblemException.invalid("label", "a phone factor is named by its masked number");
                }
                return factors.preferPhone(tenantId, userId, factorId)
                        .flatMap(r -> r == AuthenticatorFactors.Change.DONE ? view(tenantId, userId, factorId)
                                : Uni.createFrom().failure(
                                        ProblemException.notFound("active factor " + factorId + " not found")));
            }
            return updateAuthenticator(tenantId, userId, factorId, label, body);
        });
    }

    private Uni<FactorView> updateAuthenticator(String tenantId, String userId, UUID factorId, String label,
                                                UpdateRequest body) {
        Uni<AuthenticatorFactors.Change> renamed = label == null ? Uni.createFrom().item(AuthenticatorFactors.Change.DONE)
                : factors.rename(tenantId, userId, factorId, label.trim());
        return renamed.flatMap(r -> r != AuthenticatorFactors.Change.DONE || body.preferred() == null
                        ? Uni.createFrom().item(r) : factors.prefer(tenantId, userId, factorId))
                .flatMap(r -> r == AuthenticatorFactors.Change.DONE ? view(tenantId, userId, factorId)
                        : Uni.createFrom().failure(
                                ProblemException.notFound("active factor " + factorId + " not found")));
    }

    /**
     * Removes a factor (step-up required). The last way in goes only while unused recovery codes remain: else
     * 409 {@code last-factor}.
     */
    @jakarta.ws.rs.DELETE
    @Path("/{factorId}")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> remove(@PathParam("userId") @UserId String userId, @PathParam("factorId") String factorIdParam,
                                @HeaderParam(STEP_UP_HEADER) String stepUp) {
        String tenantId = caller.tenant();
        UUID factorId = factorId(factorIdParam);
        return gate.toChange(tenantId, userId, stepUp, "removing a factor")
                .chain(() -> factors.remove(tenantId, userId, factorId))
                .map(result -> switch (result) {
                    case DONE -> Response.noContent().build();
                    case NOT_FOUND -> throw ProblemException.notFound("factor " + factorId + " not found");
                    case LAST_FACTOR -> throw new ProblemException(Problem.of(409, "last-factor", "Last factor",
                            "the user's last factor can be removed only while unused recovery codes remain"));
                });
    }

    private Uni<FactorView> view(String tenantId, String userId, UUID factorId) {
        return factorsOf(tenantId, userId).map(all -> all.stream().filter(f -> f.factorId().equals(factorId.toString()))
                .findFirst().orElseThrow(() -> ProblemException.notFound("factor " + factorId + " not found")));
    }

    static UUID factorId(String raw) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ProblemException.notFound("factor " + raw + " not found");
        }
    }
}
