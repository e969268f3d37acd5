package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a login gateway or a compliance tool does over HTTP, as the demo and the end-to-end test use it: each call
 * carries the bearer token of the role it needs (gateway for challenge-service, compliance for the audit trail).
 */
public final class GatewayClient {

    /** An HTTP answer: its status and its JSON body (null when there was none). */
    public record Answer(int status, JsonNode body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String challengeUrl;
    private final String auditUrl;
    private final Supplier<String> gatewayToken;
    private final Supplier<String> complianceToken;

    public GatewayClient(String challengeUrl, String auditUrl, String gatewayToken, String complianceToken) {
        this(challengeUrl, auditUrl, () -> gatewayToken, () -> complianceToken);
    }

    /** A client that asks the suppliers for a token at each call, so that a long-lived one can renew them. */
    public GatewayClient(String challengeUrl, String auditUrl, Supplier<String> gatewayToken,
                         Supplier<String> complianceToken) {
        this.challengeUrl = challengeUrl;
        this.auditUrl = auditUrl;
        this.gatewayToken = gatewayToken;
        this.complianceToken = complianceToken;
    }

    /** A client for {@code tenant} whose tokens the local issuer signs, each valid for an hour and renewed before. */
    public static GatewayClient of(LocalStack stack, AccessTokens tokens, String tenant) {
        return new GatewayClient(stack.service("challenge-service").url(), stack.service("audit-service").url(),
                tokens.renewing(tenant, "gateway", Duration.ofHours(1)),
                tokens.renewing(tenant, "compliance", Duration.ofHours(1)));
    }

    /**
     * {@code PUT /v1/users/{userId}/phone} for a user without factors, who passed the first factor just now: sends a
     * code to the number, which {@link #confirmPhone} presents.
     */
    public Answer enrollPhone(String userId, String phoneNumber) {
        return send(gatewayToken, "PUT", challengeUrl + "/v1/users/" + encode(userId) + "/phone",
                Map.of("phoneNumber", phoneNumber),
                Map.of("First-Factor-Authenticated-At", Instant.now().toString()));
    }

    /** {@code PUT /v1/users/{userId}/phone} for a user with factors: the step-up verification authorises it. */
    public Answer enrollPhone(String userId, String phoneNumber, String stepUpId) {
        return send(gatewayToken, "PUT", challengeUrl + "/v1/users/" + encode(userId) + "/phone",
                Map.of("phoneNumber", phoneNumber), Map.of("Step-Up-Verification-Id", stepUpId));
    }

    /**
     * {@code POST /v1/users/{userId}/push-devices/pairing} for a user without factors, who passed the first factor
     * just now: a single-use pairing link the phone app opens.
     */
    public Answer pushPairing(String userId) {
        return send(gatewayToken, "POST", challengeUrl + "/v1/users/" + encode(userId) + "/push-devices/pairing",
                Map.of(), Map.of("First-Factor-Authenticated-At", Instant.now().toString()));
    }

    /** {@code POST /v1/verifications}: a verification of the Verify API (a code sent, or a push to the phone). */
    public Answer verification(Map<String, String> body) {
        return send(gatewayToken, "POST", challengeUrl + "/v1/verifications", body);
    }

    /** {@code POST /v1/users/{userId}/phone/confirm}: the code the new number received makes it the user's. */
    public Answer confirmPhone(String userId, String code) {
        return send(gatewayToken, "POST", challengeUrl + "/v1/users/" + encode(userId) + "/phone/confirm",
                Map.of("code", code));
    }

    /**
     * {@code POST /v1/users/{userId}/factors/totp} for a user without factors, who passed the first factor just now:
     * answers the factor's id and its {@code otpauth://} URI, which {@link #activateFactor} confirms.
     */
    public Answer enrollTotp(String userId) {
        return send(gatewayToken, "POST", challengeUrl + "/v1/users/" + encode(userId) + "/factors/totp", Map.of(),
                Map.of("First-Factor-Authenticated-At", Instant.now().toString()));
    }

    /** {@code POST /v1/users/{userId}/factors/{factorId}/activate}: a code of the new authenticator activates it. */
    public Answer activateFactor(String userId, String factorId, String code) {
        return send(gatewayToken, "POST", challengeUrl + "/v1/users/" + encode(userId) + "/factors/"
                + encode(factorId) + "/activate", Map.of("code", code));
    }

    /** {@code POST /v1/logins/{loginId}/switch}: moves the login's challenge to another of the user's factors. */
    public Answer switchLogin(String loginId, String factor) {
        return send(gatewayToken, "POST", challengeUrl + "/v1/logins/" + encode(loginId) + "/switch",
                Map.of("factor", factor));
    }

    /** {@code GET /v1/logins/{loginId}}: the decision for a login, for gateways that poll. */
    public Answer loginDecision(String loginId) {
        return send(gatewayToken, "GET", challengeUrl + "/v1/logins/" + encode(loginId), null);
    }

    /** {@code POST /v1/verifications/{id}/check}: submits the code the person typed. */
    public Answer check(String challengeId, String code) {
        return send(gatewayToken, "POST", challengeUrl + "/v1/verifications/" + encode(challengeId) + "/check",
                Map.of("code", code));
    }

    /** {@code POST /v1/verifications/{id}/trust-device}: after an approved login, a token for its device. */
    public Answer trustDevice(String challengeId, String label) {
        return send(gatewayToken, "POST", challengeUrl + "/v1/verifications/" + encode(challengeId) + "/trust-device",
                Map.of("label", label));
    }

    /**
     * {@code POST /v1/users/{userId}/passkeys/registration} for a user who passed the first factor at
     * {@code firstFactorAt}: the options (JSON form) a browser creates a passkey with.
     */
    public Answer passkeyRegistration(String userId, Instant firstFactorAt) {
        return send(gatewayToken, "POST", challengeUrl + "/v1/users/" + encode(userId) + "/passkeys/registration",
                Map.of(), Map.of("First-Factor-Authenticated-At", firstFactorAt.toString()));
    }

    /**
     * {@code POST /v1/users/{userId}/passkeys}: the credential the browser created (its JSON form) becomes the user's
     * passkey, named {@code label} (null: the service's default).
     */
    public Answer registerPasskey(String userId, JsonNode credential, String label) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("credential", credential);
        if (label != null) {
            body.put("label", label);
        }
        return send(gatewayToken, "POST", challengeUrl + "/v1/users/" + encode(userId) + "/passkeys", body);
    }

    /** {@code POST /v1/verifications/{id}/check} with the browser's passkey assertion (its JSON form). */
    public Answer checkPasskey(String challengeId, JsonNode assertion) {
        return send(gatewayToken, "POST", challengeUrl + "/v1/verifications/" + encode(challengeId) + "/check",
                Map.of("passkey", assertion));
    }

    /** {@code GET /v1/users/{userId}/factors}: the user's factors. */
    public Answer factors(String userId) {
        return send(gatewayToken, "GET", challengeUrl + "/v1/users/" + encode(userId) + "/factors", null);
    }

    /** {@code PUT} of a tenant setting ({@code <service>/v1/settings/…}) with the tenant admin's token. */
    public Answer putSetting(String adminToken, String url, Object body) {
        return send(() -> adminToken, "PUT", url, body);
    }

    /** {@code GET /v1/audit/events?userId=…}: the user's audit trail, newest first. */
    public Answer auditTrail(String userId) {
        return send(complianceToken, "GET", auditUrl + "/v1/audit/events?userId=" + encode(userId) + "&limit=500", null);
    }

    private Answer send(Supplier<String> token, String method, String url, Object body) {
        return send(token, method, url, body, Map.of());
    }

    private Answer send(Supplier<String> token, String method, String url, Object body, Map<String, String> headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + token.get())
                    .header("Accept", "application/json");
            headers.forEach(request::header);
            if (body == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            }
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = response.body().length == 0 ? null : JSON.readTree(response.body());
            return new Answer(response.statusCode(), json);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
