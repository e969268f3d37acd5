package io.keystep.testsupport;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PfxOptions;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwt.consumer.JwtContext;

import java.io.IOException;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import static io.keystep.testsupport.SmsSink.JSON;

/**
 * A stand-in for the Apple Push Notification service's provider API: HTTP/2 only, over TLS with a self-signed
 * certificate made at start ({@link #certificatePem()} is what a client must trust), token-based authentication, and
 * a plain-HTTP inbox where a device reads the payloads it was sent ({@code GET /inbox/{token}} on
 * {@link #inboxBaseUrl()}).
 * <p>
 * {@code POST /3/device/{token}} is checked as APNs checks it: the provider token ({@code authorization: bearer}) is an
 * ES256 JWT whose header names the key ({@code kid}) and whose claims name the team ({@code iss}) and when it was made
 * ({@code iat}), signed by the key's private half; one made more than an hour ago answers 403
 * {@code ExpiredProviderToken}, any other fault 403 {@code InvalidProviderToken}. Then {@code apns-topic} must be the
 * app's bundle id, {@code apns-push-type} {@code alert}, {@code apns-priority} and {@code apns-expiration} numbers, the
 * device token hexadecimal, and the payload an alert with a title and a body plus exactly {@code challengeId} and
 * {@code nonce}: a push of the platform carries nothing else. Accepted: 200 with an {@code apns-id}. A token marked
 * unregistered answers 410 {@code Unregistered}.
 * <p>
 * It generates its signing key (EC P-256, as Apple's {@code .p8} files hold), team id and key id unless given them.
 */
public final class ApnsStandIn implements AutoCloseable {

    /** What the platform's push carries besides {@code aps}, and all it may carry. */
    public static final Set<String> CUSTOM_KEYS = Set.of("challengeId", "nonce");

    private static final Pattern DEVICE_TOKEN = Pattern.compile("[0-9a-fA-F]{64,200}");
    private static final Pattern NUMBER = Pattern.compile("\\d{1,12}");
    private static final long PROVIDER_TOKEN_MAX_AGE_SECONDS = 3600;
    private static final int MAX_PAYLOAD_BYTES = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Vertx vertx;
    private final String bundleId;
    private final String teamId;
    private final String keyId;
    private final KeyPair signingKey;
    private final JwtConsumer providerTokens;
    private final PushStandIns.ServerIdentity identity;
    private final Set<String> unregistered = ConcurrentHashMap.newKeySet();
    private final Set<String> providerTokensSeen = ConcurrentHashMap.newKeySet();
    private final List<Notification> notifications = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger failuresToServe = new AtomicInteger();
    private volatile int failureStatus = 503;
    private HttpServer api;
    private HttpServer inbox;

    /**
     * One notification APNs accepted for a device.
     *
     * @param expiration the {@code apns-expiration} asked for, epoch seconds (0: deliver once or not at all)
     * @param payload    the payload the app receives
     */
    public record Notification(String apnsId, String token, String topic, String pushType, int priority,
                               long expiration, Map<String, Object> payload, Instant receivedAt) {
    }

    private ApnsStandIn(String bundleId, String teamId, String keyId, KeyPair signingKey) {
        this.bundleId = bundleId;
        this.teamId = teamId;
        this.keyId = keyId;
        this.signingKey = signingKey;
        this.identity = PushStandIns.selfSigned("apns");
        this.providerTokens = new JwtConsumerBuilder()
                .setRequireIssuedAt()
                .setSkipDefaultAudienceValidation()
                .setExpectedIssuer(teamId)
                .setVerificationKey(signingKey.getPublic())
                .setJwsAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                        AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256))
                .build();
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
    }

    /**
     * Starts the provider API on {@code port} and the inbox on {@code inboxPort} (0 for free ones) for the app
     * {@code bundleId}, with a signing key, team id and key id of its own.
     */
    public static ApnsStandIn start(int port, int inboxPort, String bundleId) {
        return start(port, inboxPort, bundleId, randomId(), randomId(), ecKeyPair());
    }

    /** Starts for the app {@code bundleId}, trusting the provider tokens of {@code teamId}'s key {@code keyId}. */
    public static ApnsStandIn start(int port, int inboxPort, String bundleId, String teamId, String keyId,
                                    KeyPair signingKey) {
        ApnsStandIn apns = new ApnsStandIn(bundleId, teamId, keyId, signingKey);
        try {
            apns.api = await(apns.vertx.createHttpServer(new HttpServerOptions()
                            .setHost("127.0.0.1").setPort(port)
                            .setSsl(true).setUseAlpn(true).setAlpnVersions(List.of(HttpVersion.HTTP_2))
                            .setKeyCertOptions(new PfxOptions().setPath(apns.identity.keyStore().toString())
                                    .setPassword(apns.identity.password())))
                    .requestHandler(apns::handleApi).listen());
            apns.inbox = await(apns.vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1")
                    .setPort(inboxPort)).requestHandler(apns::handleInbox).listen());
            return apns;
        } catch (RuntimeException e) {
            apns.close();
            throw e;
        }
    }

    /** The provider API's root, in place of {@code https://api.push.apple.com}. */
    public String serverUrl() {
        return "https://127.0.0.1:" + api.actualPort();
    }

    /** The self-signed certificate the provider API presents (PEM), which a client must trust to reach it. */
    public String certificatePem() {
        return identity.certificatePem();
    }

    /** The inbox's root (plain HTTP); a device reads its notifications at {@code /inbox/{token}}. */
    public String inboxBaseUrl() {
        return "http://127.0.0.1:" + inbox.actualPort();
    }

    /** Where the device with this token reads the payloads it was sent. */
    public String inboxUrl(String token) {
        return inboxBaseUrl() + "/inbox/" + token;
    }

    public String bundleId() {
        return bundleId;
    }

    /** The 10-character team id, the provider tokens' {@code iss}. */
    public String teamId() {
        return teamId;
    }

    /** The 10-character key id, the provider tokens' {@code kid}. */
    public String keyId() {
        return keyId;
    }

    /** The signing key as Apple hands it out in a {@code .p8} file: PKCS#8 PEM. */
    public String signingKeyPem() {
        return PushStandIns.pem("PRIVATE KEY", signingKey.getPrivate().getEncoded());
    }

    /** Every notification accepted so far, oldest first. */
    public List<Notification> notifications() {
        return List.copyOf(notifications);
    }

    public List<Notification> notificationsTo(String token) {
        return notifications.stream().filter(n -> n.token().equalsIgnoreCase(token)).toList();
    }

    /** From now on {@code token} belongs to no active app (the app was deleted from the device). */
    public void markUnregistered(String token) {
        unregistered.add(token.toLowerCase(Locale.ROOT));
    }

    /** Answers the next {@code count} requests with {@code status} ({@code 503}: {@code ServiceUnavailable}). */
    public void failNext(int count, int status) {
        failureStatus = status;
        failuresToServe.set(count);
    }

    /** Requests to the provider API so far, refused ones included. */
    public int requests() {
        return requests.get();
    }

    /** Distinct provider tokens that authenticated a request: APNs expects one to be reused for 20 to 60 minutes. */
    public int providerTokensSeen() {
        return providerTokensSeen.size();
    }

    @Override
    public void close() {
        await(vertx.close());
    }

    private void handleApi(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            requests.incrementAndGet();
            answer(request, body);
        }).onFailure(e -> reject(request, 400, "BadRequest"));
    }

    private void answer(HttpServerRequest request, Buffer body) {
        String path = request.path();
        if (request.version() != HttpVersion.HTTP_2) {
            reject(request, 400, "BadRequest");
            return;
        }
        if (request.method() != HttpMethod.POST) {
            reject(request, 405, "MethodNotAllowed");
            return;
        }
        if (!path.startsWith("/3/device/")) {
            reject(request, 404, "BadPath");
            return;
        }
        String refusedToken = providerTokenRefusal(request.getHeader("authorization"));
        if (refusedToken != null) {
            reject(request, 403, refusedToken);
            return;
        }
        String topic = request.getHeader("apns-topic");
        String pushType = request.getHeader("apns-push-type");
        String priority = request.getHeader("apns-priority");
        String expiration = request.getHeader("apns-expiration");
        String token = path.substring("/3/device/".length());
        if (topic == null) {
            reject(request, 400, "MissingTopic");
        } else if (!topic.equals(bundleId)) {
            reject(request, 400, "TopicDisallowed");
        } else if (!"alert".equals(pushType)) {
            reject(request, 400, "InvalidPushType");
        } else if (priority != null && !Set.of("1", "5", "10").contains(priority)) {
            reject(request, 400, "BadPriority");
        } else if (expiration != null && !NUMBER.matcher(expiration).matches()) {
            reject(request, 400, "BadExpirationDate");
        } else if (!DEVICE_TOKEN.matcher(token).matches()) {
            reject(request, 400, "BadDeviceToken");
        } else if (body.length() == 0) {
            reject(request, 400, "PayloadEmpty");
        } else if (body.length() > MAX_PAYLOAD_BYTES) {
            reject(request, 413, "PayloadTooLarge");
        } else if (failuresToServe.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            reject(request, failureStatus, failureStatus == 429 ? "TooManyRequests" : "ServiceUnavailable");
        } else if (unregistered.contains(token.toLowerCase(Locale.ROOT))) {
            request.response().setStatusCode(410).putHeader("content-type", "application/json")
                    .putHeader("apns-id", apnsId(request))
                    .end(json(Map.of("reason", "Unregistered", "timestamp", System.currentTimeMillis())));
        } else {
            accept(request, token, topic, pushType, priority, expiration, body);
        }
    }

    private void accept(HttpServerRequest request, String token, String topic, String pushType, String priority,
                        String expiration, Buffer body) {
        Map<String, Object> payload;
        try {
            payload = JSON.readValue(body.getBytes(), new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            reject(request, 400, "BadRequest");
            return;
        }
        if (!fitsThePlatform(payload)) {
            // Not one of Apple's reasons: the platform's rule that a push carries the challenge and nonce alone.
            reject(request, 400, "BadPayload");
            return;
        }
        String id = apnsId(request);
        notifications.add(new Notification(id, token.toLowerCase(Locale.ROOT), topic, pushType,
                priority == null ? 10 : Integer.parseInt(priority), expiration == null ? 0 : Long.parseLong(expiration),
                payload, Instant.now()));
        request.response().setStatusCode(200).putHeader("apns-id", id).end();
    }

    /** An alert with a title and a body, and besides {@code aps} exactly the challenge id and the nonce. */
    private static boolean fitsThePlatform(Map<String, Object> payload) {
        Set<String> custom = new java.util.HashSet<>(payload.keySet());
        custom.remove("aps");
        if (!custom.equals(CUSTOM_KEYS) || !CUSTOM_KEYS.stream().allMatch(k -> payload.get(k) instanceof String s
                && !s.isBlank())) {
            return false;
        }
        JsonNode alert = JSON.valueToTree(payload.get("aps")).path("alert");
        return alert.path("title").isTextual() && alert.path("body").isTextual();
    }

    /** Why APNs would refuse this provider token, or null when it authenticates the request. */
    private String providerTokenRefusal(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "bearer ", 0, 7)) {
            return "MissingProviderToken";
        }
        String jwt = authorization.substring(7).strip();
        try {
            JwtContext context = providerTokens.process(jwt);
            if (!keyId.equals(context.getJoseObjects().get(0).getKeyIdHeaderValue())) {
                return "InvalidProviderToken";
            }
            JwtClaims claims = context.getJwtClaims();
            long age = Instant.now().getEpochSecond() - claims.getIssuedAt().getValue();
            if (age > PROVIDER_TOKEN_MAX_AGE_SECONDS) {
                return "ExpiredProviderToken";
            }
            if (age < -60) {
                return "InvalidProviderToken";
            }
        } catch (InvalidJwtException | MalformedClaimException | RuntimeException e) {
            return "InvalidProviderToken";
        }
        providerTokensSeen.add(jwt);
        return null;
    }

    private void handleInbox(HttpServerRequest request) {
        String path = request.path();
        if (request.method() == HttpMethod.GET && path.startsWith("/inbox/")) {
            List<Map<String, Object>> payloads = new ArrayList<>();
            notificationsTo(path.substring("/inbox/".length())).forEach(n -> payloads.add(n.payload()));
            request.response().putHeader("content-type", "application/json").end(json(payloads));
        } else {
            request.response().setStatusCode(404).end();
        }
    }

    private static void reject(HttpServerRequest request, int status, String reason) {
        request.response().setStatusCode(status).putHeader("content-type", "application/json")
                .putHeader("apns-id", apnsId(request)).end(json(Map.of("reason", reason)));
    }

    private static String apnsId(HttpServerRequest request) {
        String given = request.getHeader("apns-id");
        return given != null ? given : UUID.randomUUID().toString().toUpperCase(Locale.ROOT);
    }

    private static Buffer json(Object value) {
        try {
            return Buffer.buffer(JSON.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException("the APNs stand-in could not start or stop", e);
        }
    }

    /** Ten upper-case letters and digits, as Apple's team and key ids are. */
    private static String randomId() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder id = new StringBuilder(10);
        for (int i = 0; i < 10; i++) {
            id.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return id.toString();
    }

    private static KeyPair ecKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("this JDK has no P-256", e);
        }
    }
}
