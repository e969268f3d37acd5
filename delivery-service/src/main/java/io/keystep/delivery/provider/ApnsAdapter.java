package io.keystep.delivery.provider;

import io.keystep.delivery.domain.PushReasons;
import io.keystep.events.Channel;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import org.jboss.logging.Logger;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * The Apple Push Notification service's provider API over HTTP/2 with token-based authentication:
 * {@code POST {server}/3/device/{token}}, an alert that asks the person to open the app, with the challenge id and the
 * nonce beside it and nothing else, {@code apns-expiration} the challenge's expiry. The provider token (ES256, the key's
 * id as {@code kid}, the team as {@code iss}) is made again every 40 minutes: APNs refuses one older than an hour and
 * one renewed more often than every 20.
 */
public final class ApnsAdapter implements ProviderAdapter {

    static final String TITLE = "Sign-in request";
    static final String BODY = "Open the app to approve or deny";
    private static final Duration PROVIDER_TOKEN_REUSE = Duration.ofMinutes(40);
    private static final Logger LOG = Logger.getLogger(ApnsAdapter.class);

    /** The developer account's signing key and the app it notifies. */
    public record Settings(String teamId, String keyId, PrivateKey signingKey, String bundleId, String serverUrl,
                           Duration timeout) {

        @Override
        public String toString() {
            // Records print every field; the key signs for every app of the team.
            return "Settings[teamId=" + teamId + ", keyId=" + keyId + ", bundleId=" + bundleId + "]";
        }
    }

    private final WebClient client;
    private final Settings settings;
    private final String deviceUrl;
    private final RenewedCredential providerToken;

    /** @param client an HTTP/2 client (ALPN over TLS), APNs speaks nothing else */
    public ApnsAdapter(WebClient client, Settings settings, Clock clock) {
        this.client = client;
        this.settings = settings;
        String server = settings.serverUrl();
        this.deviceUrl = (server.endsWith("/") ? server.substring(0, server.length() - 1) : server) + "/3/device/";
        this.providerToken = new RenewedCredential(() -> Uni.createFrom().item(() -> {
            Instant now = clock.instant();
            return new RenewedCredential.Issued(providerToken(settings, now), now.plus(PROVIDER_TOKEN_REUSE));
        }), clock);
    }

    /**
     * The provider token: header {@code alg} ES256 and {@code kid}, claims {@code iss} and {@code iat} and nothing
     * else. jose4j (what smallrye-jwt builds on) is used directly because smallrye-jwt's builder adds {@code exp} and
     * {@code jti} to every token unless told not to for the whole process, bearer tokens minted in tests included.
     */
    static String providerToken(Settings settings, Instant issuedAt) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(settings.teamId());
        claims.setIssuedAt(NumericDate.fromSeconds(issuedAt.getEpochSecond()));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
        jws.setKeyIdHeaderValue(settings.keyId());
        jws.setPayload(claims.toJson());
        jws.setKey(settings.signingKey());
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            // ES256 is in every JDK and the key was checked at start: reaching this means a broken runtime.
            throw new IllegalStateException("could not sign the APNs provider token", e);
        }
    }

    @Override
    public String name() {
        return "apns";
    }

    @Override
    public Set<Channel> channels() {
        return Set.of(Channel.PUSH);
    }

    @Override
    public Uni<SendOutcome> send(OutboundMessage message) {
        JsonObject payload = new JsonObject()
                .put("aps", new JsonObject().put("alert", new JsonObject().put("title", TITLE).put("body", BODY)))
                .put("challengeId", message.challengeId())
                .put("nonce", message.code());
        long expiration = message.expiresAt() == null ? 0 : message.expiresAt().getEpochSecond();
        return providerToken.get()
                .chain(token -> client.postAbs(deviceUrl + message.to())
                        .putHeader("authorization", "bearer " + token)
                        .putHeader("apns-topic", settings.bundleId())
                        .putHeader("apns-push-type", "alert")
                        .putHeader("apns-priority", "10")
                        .putHeader("apns-expiration", String.valueOf(expiration))
                        .putHeader("content-type", "application/json")
                        .timeout(settings.timeout().toMillis())
                        .sendBuffer(Buffer.buffer(payload.encode()))
                        .ifNoItem().after(settings.timeout()).fail()
                        .map(response -> outcome(response, token)))
                .onFailure().recoverWithItem(HttpOutcomes::failure);
    }

    private SendOutcome outcome(HttpResponse<Buffer> response, String token) {
        int status = response.statusCode();
        if (status == 200) {
            return new SendOutcome.Accepted(response.getHeader("apns-id"));
        }
        String reason = reason(response);
        if (status == 410 || (status == 400 && "BadDeviceToken".equals(reason))) {
            return new SendOutcome.Refused(PushReasons.TOKEN_UNREGISTERED, false);
        }
        if (status == 403 && "ExpiredProviderToken".equals(reason)) {
            // The next try signs a new provider token.
            providerToken.drop(token);
            return new SendOutcome.Refused("APNS_" + reason, true);
        }
        if (status == 403 && "InvalidProviderToken".equals(reason)) {
            // Another token from the same key would fail the same way, and renewing often is refused too.
            LOG.warnf("APNs refused the provider token of key %s (team %s): check the key, its id and the team id",
                    settings.keyId(), settings.teamId());
            return new SendOutcome.Refused("APNS_" + reason, false);
        }
        LOG.debugf("APNs refused a push: HTTP %d %s", status, reason);
        SendOutcome.Refused refused = HttpOutcomes.status(status);
        return new SendOutcome.Refused(reason.isEmpty() ? refused.reason() : "APNS_" + reason, refused.retryable());
    }

    private static String reason(HttpResponse<Buffer> response) {
        try {
            JsonObject answer = response.bodyAsJsonObject();
            return answer == null ? "" : answer.getString("reason", "");
        } catch (RuntimeException e) {
            return "";
        }
    }
}
