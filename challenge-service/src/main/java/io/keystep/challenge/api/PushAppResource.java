package io.keystep.challenge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.challenge.domain.CheckUnavailableException;
import io.keystep.challenge.factors.PushApprovals;
import io.keystep.challenge.messaging.CancellationTrail;
import io.keystep.challenge.store.ChallengeStore;
import io.keystep.events.Outcome;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The API of the paired phone app. Not bearer-token protected on purpose: an app holds no gateway token. Pairing is
 * authorised by the single-use pairing link and proven by a signature of the device's new key; every later request
 * is signed by that key ({@code Keystep-Device-Id}, {@code Keystep-Timestamp}, {@code Keystep-Signature} over
 * {@code METHOD\nPATH\nTIMESTAMP\nbase64url(SHA-256(body))}), checked before anything is read.
 */
@Path("/v1/push")
@PermitAll
@Produces(MediaType.APPLICATION_JSON)
public class PushAppResource {

    public static final String DEVICE_HEADER = "Keystep-Device-Id";
    public static final String TIMESTAMP_HEADER = "Keystep-Timestamp";
    public static final String SIGNATURE_HEADER = "Keystep-Signature";
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{20,64}");
    /** An FCM registration token. */
    private static final Pattern PUSH_TOKEN = Pattern.compile("[A-Za-z0-9:_.\\-]{8,4096}");
    /** An APNs device token: hexadecimal, as Apple issues it. */
    private static final Pattern APNS_TOKEN = Pattern.compile("[0-9A-Fa-f]{64,200}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /** A paired device as the app learns it. */
    public record Paired(String deviceId, String userId, String tenant) {
    }

    /** A push challenge as the app shows it: who asks, from where, until when; never the number. */
    public record ChallengeContext(String challengeId, JsonNode login, String status, Instant expiresAt) {
    }

    /** The outcome of an answer. */
    public record Answered(String challengeId, String status, Integer remainingAttempts) {
    }

    private final PushApprovals pushes;
    private final CodeChecker checker;
    private final ChallengeStore store;
    private final CancellationTrail cancellations;
    private final ObjectMapper mapper;
    private final Clock clock;

    public PushAppResource(PushApprovals pushes, CodeChecker checker, ChallengeStore store,
                           CancellationTrail cancellations, ObjectMapper mapper, Clock clock) {
        this.pushes = pushes;
        this.checker = checker;
        this.store = store;
        this.cancellations = cancellations;
        this.mapper = mapper;
        this.clock = clock;
    }

    /**
     * Pairs the app's device from a pairing link: {@code publicKey} (X.509 SubjectPublicKeyInfo, DER, base64),
     * {@code algorithm} ({@code ES256} or {@code Ed25519}), {@code platform} ({@code fcm} or {@code apns}),
     * {@code pushToken}, {@code name}, and {@code signature} (base64url) by that key over
     * {@code "keystep-pairing:" + token}.
     */
    @POST
    @Path("/pairings/{token}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> pair(@PathParam("token") String token, byte[] body) {
        if (token == null || !TOKEN.matcher(token).matches()) {
            throw ProblemException.notFound("pairing link not found");
        }
        JsonNode json = json(body);
        List<Problem.FieldError> errors = new ArrayList<>();
        String algorithm = text(json, "algorithm");
        if (!"ES256".equals(algorithm) && !"Ed25519".equals(algorithm)) {
            errors.add(new Problem.FieldError("algorithm", "must be ES256 or Ed25519"));
        }
        String platform = text(json, "platform");
        if (!"fcm".equals(platform) && !"apns".equals(platform)) {
            errors.add(new Problem.FieldError("platform", "must be fcm or apns"));
        }
        String pushToken = text(json, "pushToken");
        if (!validToken(platform, pushToken)) {
            errors.add(new Problem.FieldError("pushToken", "must be the provider's token for the device (for apns,"
                    + " 64 to 200 hexadecimal characters)"));
        }
        String name = text(json, "name");
        if (name == null || name.isBlank() || name.trim().length() > 64 || name.chars().anyMatch(Character::isISOControl)) {
            errors.add(new Problem.FieldError("name", "must be 1-64 printable characters"));
        }
        byte[] publicKey = decode(text(json, "publicKey"), Base64.getDecoder(), "publicKey", errors);
        byte[] signature = decode(text(json, "signature"), Base64.getUrlDecoder(), "signature", errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return FactorChangeGate.failClosed(pushes.pair(token, publicKey, algorithm, platform, pushToken, name.trim(),
                        signature))
                .flatMap(paired -> pushes.policyOf(paired.tenantId()).map(policy -> Response.status(201)
                        .entity(new Paired(paired.device().deviceId().toString(), paired.device().userId(),
                                policy.displayName())).build()));
    }

    /** The app's new push token (the provider rotated it); the device is reachable again. */
    @PUT
    @Path("/devices/{deviceId}/token")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> refreshToken(@PathParam("deviceId") String deviceId, @Context HttpServerRequest http,
                                      @HeaderParam(DEVICE_HEADER) String signer,
                                      @HeaderParam(TIMESTAMP_HEADER) String timestamp,
                                      @HeaderParam(SIGNATURE_HEADER) String signature, byte[] body) {
        return signed(http, signer, timestamp, signature, body).flatMap(device -> {
            if (!device.device().deviceId().toString().equals(deviceId)) {
                throw ProblemException.notFound("device " + deviceId + " not found");
            }
            String pushToken = text(json(body), "pushToken");
            if (!validToken(device.device().platform(), pushToken)) {
                throw ProblemException.invalid("pushToken", "must be the provider's token for the device (for apns,"
                        + " 64 to 200 hexadecimal characters)");
            }
            return FactorChangeGate.failClosed(pushes.refreshToken(device, pushToken))
                    .replaceWith(Response.noContent().build());
        });
    }

    /** What the app shows of a push challenge sent to this device; another device's reads as unknown. */
    @GET
    @Path("/challenges/{challengeId}/context")
    public Uni<ChallengeContext> context(@PathParam("challengeId") String challengeId, @Context HttpServerRequest http,
                                         @HeaderParam(DEVICE_HEADER) String signer,
                                         @HeaderParam(TIMESTAMP_HEADER) String timestamp,
                                         @HeaderParam(SIGNATURE_HEADER) String signature) {
        return signed(http, signer, timestamp, signature, new byte[0])
                .flatMap(device -> FactorChangeGate.failClosed(pushes.context(device, id(challengeId))))
                .map(found -> found.map(c -> new ChallengeContext(c.challengeId(), c.login(), c.status(),
                        c.expiresAt())).orElseThrow(() -> ProblemException.notFound("push " + challengeId
                        + " not found")));
    }

    /**
     * The person's answer, signed by the device: {@code nonce} (the notification's), {@code verdict}
     * {@code approve} with the {@code number} the login screen shows (a wrong number is a failed attempt under the
     * usual budget), or {@code deny} (with {@code reason} {@code not_me} when the person did not try to sign in: the
     * challenge ends, the user is told on their other channels, and the trail and the user's risk record it).
     */
    @POST
    @Path("/challenges/{challengeId}/answer")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Answered> answer(@PathParam("challengeId") String challengeId, @Context HttpServerRequest http,
                                @HeaderParam(DEVICE_HEADER) String signer,
                                @HeaderParam(TIMESTAMP_HEADER) String timestamp,
                                @HeaderParam(SIGNATURE_HEADER) String signature, byte[] body) {
        String id = id(challengeId);
        return signed(http, signer, timestamp, signature, body).flatMap(device -> {
            JsonNode json = json(body);
            String verdict = text(json, "verdict");
            String nonce = text(json, "nonce");
            List<Problem.FieldError> errors = new ArrayList<>();
            if (!"approve".equals(verdict) && !"deny".equals(verdict)) {
                errors.add(new Problem.FieldError("verdict", "must be approve or deny"));
            }
            if (nonce == null || nonce.isEmpty() || nonce.length() > 64) {
                errors.add(new Problem.FieldError("nonce", "must be the nonce of the notification"));
            }
            JsonNode number = json.path("number");
            if ("approve".equals(verdict) && (!number.isInt() || number.asInt() < 10 || number.asInt() > 99)) {
                errors.add(new Problem.FieldError("number", "must be the two-digit number the login screen shows"));
            }
            String reason = text(json, "reason");
            if (reason != null && !"not_me".equals(reason) && !"declined".equals(reason)) {
                errors.add(new Problem.FieldError("reason", "must be not_me or declined"));
            }
            if (!errors.isEmpty()) {
                throw ProblemException.invalid(errors);
            }
            return FactorChangeGate.failClosed(pushes.fields(device, id)).flatMap(found -> {
                if (found.isEmpty()) {
                    throw ProblemException.notFound("push " + challengeId + " not found");
                }
                if (!pushes.nonceMatches(device.tenantId(), id, nonce, found.get().get(1))) {
                    throw new ProblemException(Problem.of(403, "wrong-nonce", "Wrong nonce",
                            "the nonce is not the one this push carried"));
                }
                return "approve".equals(verdict) ? approve(device, id, number.asInt())
                        : deny(device, id, "not_me".equals(reason));
            });
        });
    }

    private Uni<Answered> approve(PushApprovals.SignedBy device, String id, int number) {
        return checker.checkPush(device.tenantId(), id, number).call(result -> result.status()
                        == io.keystep.challenge.domain.CheckStatus.APPROVED ? pushes.used(device)
                        : Uni.createFrom().voidItem())
                .map(result -> {
                    VerificationResource.CheckResponse answered = VerificationResource.answer(id, result, clock);
                    return new Answered(id, answered.status(), answered.remainingAttempts());
                });
    }

    private Uni<Answered> deny(PushApprovals.SignedBy device, String id, boolean notMe) {
        Instant now = clock.instant();
        return store.cancel(device.tenantId(), id).onFailure().transform(CheckUnavailableException::new)
                .flatMap(change -> {
                    if (!"canceled".equals(change.result())) {
                        throw new ProblemException(Problem.of(409, "not-pending", "Not pending",
                                "push " + id + " is " + change.detail() + ": it can no longer be denied"));
                    }
                    return cancellations.announce(device.tenantId(), id, now, notMe ? Outcome.DENIED
                                    : Outcome.CANCELED)
                            .chain(() -> notMe ? pushes.reported(device, id) : Uni.createFrom().voidItem())
                            .onFailure().transform(CheckUnavailableException::new)
                            .replaceWith(new Answered(id, notMe ? "denied" : "canceled", null));
                });
    }

    private Uni<PushApprovals.SignedBy> signed(HttpServerRequest http, String signer, String timestamp,
                                               String signature, byte[] body) {
        if (signer == null || timestamp == null || signature == null) {
            return Uni.createFrom().failure(new ProblemException(Problem.of(401, "bad-device-signature",
                    "Bad device signature", "the request must carry " + DEVICE_HEADER + ", " + TIMESTAMP_HEADER
                            + " and " + SIGNATURE_HEADER)));
        }
        return FactorChangeGate.failClosed(pushes.authenticate(signer, timestamp, signature, http.method().name(),
                http.path(), body));
    }

    private static boolean validToken(String platform, String token) {
        return token != null && ("apns".equals(platform) ? APNS_TOKEN : PUSH_TOKEN).matcher(token).matches();
    }

    private static String id(String challengeId) {
        if (challengeId == null || !ID.matcher(challengeId).matches()) {
            throw ProblemException.notFound("push " + challengeId + " not found");
        }
        return challengeId;
    }

    private JsonNode json(byte[] body) {
        try {
            JsonNode node = body == null || body.length == 0 ? null : mapper.readTree(body);
            if (node == null || !node.isObject()) {
                throw ProblemException.invalid("body", "must be a JSON object");
            }
            return node;
        } catch (java.io.IOException e) {
            throw ProblemException.invalid("body", "must be a JSON object");
        }
    }

    private static String text(JsonNode json, String field) {
        JsonNode value = json.get(field);
        return value == null || !value.isTextual() ? null : value.asText();
    }

    private static byte[] decode(String value, Base64.Decoder decoder, String field, List<Problem.FieldError> errors) {
        try {
            if (value != null && !value.isEmpty() && value.length() <= 1024) {
                return decoder.decode(value);
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        errors.add(new Problem.FieldError(field, "must be base64"));
        return null;
    }
}
