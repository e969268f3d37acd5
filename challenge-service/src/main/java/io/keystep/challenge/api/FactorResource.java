package io.keystep.challenge.api;

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

    /** What to enroll; every field optional (SHA1, 6 digits, 30 s). */
    public record EnrollRequest(String label, String algorithm, Integer digits, Integer period) {
    }

    /** The enrolled factor; {@code qrCode} is the PNG, base64. The secret is shown here once. */
    public record EnrollResponse(String factorId, String otpauthUri, String qrCode) {
    }

    public record CodeRequest(String code) {
    }

    public record ResyncRequest(String firstCode, String secondCode) {
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
                    "TOTP".equals(f.kind) ? f.periodSeconds : null, f.driftSteps, f.createdAt, f.lastUsedAt, null,
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

    private final io.keystep.challenge.factors.StepUps stepUps;
    private final Caller caller;

    public FactorResource(AuthenticatorFactors factors, io.keystep.challenge.factors.RecoveryCodes recoveryCodes,
                          io.keystep.challenge.factors.StepUps stepUps, Caller caller) {
        this.caller = caller;
        this.factors = factors;
        this.recoveryCodes = recoveryCodes;
        this.stepUps = stepUps;
    }

    @POST
    @Path("/totp")
    public Uni<Response> enrollTotp(@PathParam("userId") String userIdParam,
                                    @HeaderParam(STEP_UP_HEADER) String stepUp, EnrollRequest body) {
        return enroll(userIdParam, "TOTP", body, stepUp);
    }

    @POST
    @Path("/hotp")
    public Uni<Response> enrollHotp(@PathParam("userId") String userIdParam,
                                    @HeaderParam(STEP_UP_HEADER) String stepUp, EnrollRequest body) {
        return enroll(userIdParam, "HOTP", body, stepUp);
    }

    /** The header naming the approved {@code factor_change} verification that adding or removing a factor needs. */
    static final String STEP_UP_HEADER = "Step-Up-Verification-Id";

    private Uni<Response> enroll(String userIdParam, String kind, EnrollRequest body,
                                 String stepUp) {
        String tenantId = caller.tenant();
        String userId = RequestChecks.userId(userIdParam);
        EnrollRequest req = body == null ? new EnrollRequest(null, null, null, null) : body;
        FieldErrors errors = new FieldErrors();
        String algorithm = req.algorithm() == null ? "SHA1" : req.algorithm().toUpperCase(Locale.ROOT).replace("-", "");
        if (!List.of("SHA1", "SHA256", "SHA512").contains(algorithm)) {
            errors.refuse("algorithm", "must be SHA1, SHA256 or SHA512");
        }
        int digits = req.digits() == null ? 6 : req.digits();
        if (digits != 6 && digits != 8) {
            errors.refuse("digits", "must be 6 or 8");
        }
        int period = req.period() == null ? 30 : req.period();
        if ("TOTP".equals(kind) && (period < 15 || period > 300)) {
            errors.refuse("period", "must be 15 to 300 seconds");
        }
        if ("HOTP".equals(kind) && req.period() != null) {
            errors.refuse("period", "is only for totp");
        }
        String label = label(req.label(), errors);
        errors.check();
        return requireStepUp(tenantId, userId, stepUp).chain(() -> factors.enroll(tenantId, userId, kind,
                        label == null ? null : label.trim(), algorithm, digits, period))
                .map(e -> Response.status(201).entity(new EnrollResponse(e.factorId(), e.otpauthUri(),
                        Base64.getEncoder().encodeToString(e.qrPng()))).build());
    }

    /** The QR code of a factor awaiting activation; 404 once it is active (its secret is never shown again). */
    @GET
    @Path("/{factorId}/qr.png")
    @Produces("image/png")
    public Uni<Response> qr(@PathParam("userId") String userIdParam, @PathParam("factorId") String factorIdParam) {
        String tenantId = caller.tenant();
        String userId = RequestChecks.userId(userIdParam);
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
    public Uni<FactorView> activate(@PathParam("userId") String userIdParam,
                                    @PathParam("factorId") String factorIdParam, CodeRequest body) {
        String tenantId = caller.tenant();
        String userId = RequestChecks.userId(userIdParam);
        UUID factorId = factorId(factorIdParam);
        String code = code(body == null ? null : body.code(), "code");
        return factors.activate(tenantId, userId, factorId, code).flatMap(result -> switch (result) {
            case NOT_FOUND -> Uni.createFrom().failure(
                    ProblemException.notFound("pending factor " + factorId + " not found"));
            case REJECTED -> Uni.createFrom().failure(new ProblemException(Problem.of(422, "invalid-code",
                    "Invalid code", "the code does not match the factor (or was used already)")));
            case ACCEPTED -> view(tenantId, userId, factorId).flatMap(view -> recoveryCodes.exist(tenantId, userId)
                    .flatMap(exist -> exist ? Uni.createFrom().item(view)
                            : recoveryCodes.generate(tenantId, userId).map(view::withRecoveryCodes)));
        });
    }

    /** Resynchronises an HOTP factor from two consecutive codes. */
    @POST
    @Path("/{factorId}/resync")
    public Uni<FactorView> resync(@PathParam("userId") String userIdParam,
                                  @PathParam("factorId") String factorIdParam, ResyncRequest body) {
        String tenantId = caller.tenant();
        String userId = RequestChecks.userId(userIdParam);
        UUID factorId = factorId(factorIdParam);
        String first = code(body == null ? null : body.firstCode(), "firstCode");
        String second = code(body.secondCode(), "secondCode");
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
    public Uni<List<FactorView>> list(@PathParam("userId") String userIdParam) {
        String tenantId = caller.tenant();
        String userId = RequestChecks.userId(userIdParam);
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

    /** A rename and/or making the factor the preferred one. */
    public record UpdateRequest(String label, Boolean preferred) {
    }

    /** Renames a factor or makes it the preferred one (no step-up: neither changes how the user signs in). */
    @jakarta.ws.rs.PATCH
    @Path("/{factorId}")
    public Uni<FactorView> update(@PathParam("userId") String userIdParam,
                                  @PathParam("factorId") String factorIdParam, UpdateRequest body) {
        String tenantId = caller.tenant();
        String userId = RequestChecks.userId(userIdParam);
        UUID factorId = factorId(factorIdParam);
        if (body == null || (body.label() == null && body.preferred() == null)) {
            throw ProblemException.invalid("label", "label or preferred is required");
        }
        FieldErrors errors = new FieldErrors();
        if (body.preferred() != null && !body.preferred()) {
            errors.refuse("preferred", "can only be set to true (prefer another factor instead)");
        }
        String label = label(body.label(), errors);
        errors.check();
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
    public Uni<Response> remove(@PathParam("userId") String userIdParam, @PathParam("factorId") String factorIdParam,
                                @HeaderParam(STEP_UP_HEADER) String stepUp) {
        String tenantId = caller.tenant();
        String userId = RequestChecks.userId(userIdParam);
        UUID factorId = factorId(factorIdParam);
        return requireStepUp(tenantId, userId, stepUp).chain(() -> factors.remove(tenantId, userId, factorId))
                .map(result -> switch (result) {
                    case DONE -> Response.noContent().build();
                    case NOT_FOUND -> throw ProblemException.notFound("factor " + factorId + " not found");
                    case LAST_FACTOR -> throw new ProblemException(Problem.of(409, "last-factor", "Last factor",
                            "the user's last factor can be removed only while unused recovery codes remain"));
                });
    }

    private Uni<Void> requireStepUp(String tenantId, String userId, String stepUp) {
        return stepUps.isFresh(tenantId, userId, stepUp)
                .onFailure().transform(io.keystep.challenge.domain.CheckUnavailableException::new)
                .map(fresh -> {
                    if (!fresh) {
                        throw new ProblemException(Problem.of(403, "step-up-required", "Step-up required",
                                "adding or removing a factor needs header " + STEP_UP_HEADER + " naming a verification"
                                        + " with purpose factor_change approved for this user within 5 minutes"));
                    }
                    return null;
                });
    }

    private Uni<FactorView> view(String tenantId, String userId, UUID factorId) {
        return factorsOf(tenantId, userId).map(all -> all.stream().filter(f -> f.factorId().equals(factorId.toString()))
                .findFirst().orElseThrow(() -> ProblemException.notFound("factor " + factorId + " not found")));
    }

    /** A factor's name as the authenticator app shows it: printable, and without the ':' of its otpauth label. */
    private static String label(String label, FieldErrors errors) {
        if (label != null && (label.isBlank() || label.length() > 64 || label.chars().anyMatch(Character::isISOControl)
                || label.contains(":"))) {
            return errors.refuse("label", "must be 1-64 printable characters without ':'");
        }
        return label;
    }

    static UUID factorId(String raw) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ProblemException.notFound("factor " + raw + " not found");
        }
    }

    private static String code(String code, String field) {
        if (code == null || !code.matches("[0-9]{6,8}")) {
            throw ProblemException.invalid(field, "must be 6 or 8 digits");
        }
        return code;
    }
}
