package io.keystep.delivery.provider;

import io.keystep.delivery.domain.PushReasons;
import io.keystep.events.Channel;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.MultiMap;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import org.jboss.logging.Logger;

import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * Firebase Cloud Messaging, HTTP v1 API: {@code POST {base}/v1/projects/{project}/messages:send} with a data message
 * of the challenge id and the nonce alone, high priority, dropped after a minute. The bearer token is a Google
 * service account's, got with the OAuth 2 JWT-bearer grant (an RS256 assertion for FCM's scope, valid an hour) and
 * reused until five minutes before it expires.
 */
public final class FcmAdapter implements ProviderAdapter {

    public static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
    static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    private static final Duration ASSERTION_LIFETIME = Duration.ofHours(1);
    private static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(5);
    private static final Logger LOG = Logger.getLogger(FcmAdapter.class);

    /** A service account of the Firebase project; {@code privateKey} signs its assertions. */
    public record Settings(String projectId, String clientEmail, PrivateKey privateKey, String tokenUri,
                           String baseUrl, Duration timeout) {

        @Override
        public String toString() {
            // Records print every field; the key signs for the whole project.
            return "Settings[projectId=" + projectId + ", clientEmail=" + clientEmail + "]";
        }
    }

    private final WebClient client;
    private final Settings settings;
    private final Clock clock;
    private final String sendUrl;
    private final RenewedCredential accessToken;

    public FcmAdapter(WebClient client, Settings settings, Clock clock) {
        this.client = client;
        this.settings = settings;
        this.clock = clock;
        this.sendUrl = trimmed(settings.baseUrl()) + "/v1/projects/" + settings.projectId() + "/messages:send";
        this.accessToken = new RenewedCredential(this::issueAccessToken, clock);
    }

    @Override
    public String name() {
        return "fcm";
    }

    @Override
    public Set<Channel> channels() {
        return Set.of(Channel.PUSH);
    }

    @Override
    public Uni<SendOutcome> send(OutboundMessage message) {
        JsonObject body = new JsonObject().put("message", new JsonObject()
                .put("token", message.to())
                .put("data", new JsonObject().put("challengeId", message.challengeId()).put("nonce", message.code()))
                // A sign-in waits for it: deliver now, waking the phone, or not at all once the person has moved on.
                .put("android", new JsonObject().put("priority", "high").put("ttl", "60s")));
        return accessToken.get()
                .chain(token -> client.postAbs(sendUrl)
                        .putHeader("Authorization", "Bearer " + token)
                        .putHeader("Content-Type", "application/json; charset=UTF-8")
                        .timeout(settings.timeout().toMillis())
                        .sendBuffer(Buffer.buffer(body.encode()))
                        .ifNoItem().after(settings.timeout()).fail()
                        .map(response -> outcome(response, token)))
                .onFailure().recoverWithItem(HttpOutcomes::failure);
    }

    private SendOutcome outcome(HttpResponse<Buffer> response, String token) {
        int status = response.statusCode();
        if (status / 100 == 2) {
            JsonObject answer = json(response);
            return new SendOutcome.Accepted(answer.getString("name"));
        }
        JsonObject error = json(response).getJsonObject("error", new JsonObject());
        if (deadToken(status, error)) {
            return new SendOutcome.Refused(PushReasons.TOKEN_UNREGISTERED, false);
        }
        if (status == 401) {
            // Revoked or expired early: the next try asks for a new access token.
            accessToken.drop(token);
            return new SendOutcome.Refused("PROVIDER_HTTP_401", true);
        }
        LOG.debugf("FCM refused a push: HTTP %d %s", status, error.getString("status", ""));
        return HttpOutcomes.status(status);
    }

    /**
     * {@code UNREGISTERED}, or {@code INVALID_ARGUMENT} about the registration token: the app is gone or the token
     * was never valid, and no retry will change that.
     */
    static boolean deadToken(int status, JsonObject error) {
        JsonArray details = error.getJsonArray("details", new JsonArray());
        for (int i = 0; i < details.size(); i++) {
            JsonObject detail = details.getJsonObject(i);
            if (status == 404 && "UNREGISTERED".equals(detail.getString("errorCode"))) {
                return true;
            }
            JsonArray violations = detail.getJsonArray("fieldViolations", new JsonArray());
            for (int j = 0; j < violations.size(); j++) {
                if (status == 400 && "message.token".equals(violations.getJsonObject(j).getString("field"))) {
                    return true;
                }
            }
        }
        return status == 400 && "INVALID_ARGUMENT".equals(error.getString("status"))
                && error.getString("message", "").contains("registration token");
    }

    /** An access token for FCM's scope, from the service account's signed assertion (RFC 7523). */
    private Uni<RenewedCredential.Issued> issueAccessToken() {
        Instant now = clock.instant();
        String assertion = Jwt.issuer(settings.clientEmail())
                .audience(settings.tokenUri())
                .claim("scope", SCOPE)
                .issuedAt(now)
                .expiresAt(now.plus(ASSERTION_LIFETIME))
                .jws().algorithm(SignatureAlgorithm.RS256)
                .sign(settings.privateKey());
        MultiMap form = MultiMap.caseInsensitiveMultiMap().add("grant_type", JWT_BEARER).add("assertion", assertion);
        return client.postAbs(settings.tokenUri())
                .timeout(settings.timeout().toMillis())
                .sendForm(form)
                .ifNoItem().after(settings.timeout()).fail()
                .map(response -> {
                    JsonObject answer = json(response);
                    if (response.statusCode() != 200 || answer.getString("access_token") == null) {
                        // Google's error code (invalid_grant, ...) names the fault without quoting a secret.
                        LOG.warnf("the FCM token endpoint refused the service account %s: HTTP %d %s",
                                settings.clientEmail(), response.statusCode(), answer.getString("error", ""));
                        throw new IllegalStateException("FCM access token refused: HTTP " + response.statusCode());
                    }
                    long lifetime = answer.getLong("expires_in", 3600L);
                    Duration reuse = Duration.ofSeconds(lifetime).minus(RENEW_BEFORE_EXPIRY);
                    if (reuse.isNegative() || reuse.isZero()) {
                        reuse = Duration.ofSeconds(lifetime / 2);
                    }
                    return new RenewedCredential.Issued(answer.getString("access_token"), clock.instant().plus(reuse));
                });
    }

    private static JsonObject json(HttpResponse<Buffer> response) {
        try {
            JsonObject answer = response.bodyAsJsonObject();
            return answer == null ? new JsonObject() : answer;
        } catch (RuntimeException e) {
            return new JsonObject();
        }
    }

    private static String trimmed(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
