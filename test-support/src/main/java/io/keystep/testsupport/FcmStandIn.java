package io.keystep.testsupport;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.smallrye.jwt.util.KeyUtils;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.keystep.testsupport.SmsSink.JSON;
import static io.keystep.testsupport.SmsSink.respond;

/**
 * A stand-in for Firebase Cloud Messaging as a server sees it: Google's OAuth 2 token endpoint for a service account
 * ({@code POST /token}, the JWT-bearer grant) and the FCM HTTP v1 API
 * ({@code POST /v1/projects/{project}/messages:send}), checked as Google checks them, and a device's view of what it
 * was sent ({@code GET /inbox/{token}}).
 * <p>
 * The token endpoint verifies the assertion's RS256 signature with the service account's public key, its issuer (the
 * account's e-mail), audience (the token URI), scope (FCM's) and lifetime (an hour at most, not expired), and answers
 * an access token valid an hour. {@code messages:send} takes only an access token it issued, for its own project, and
 * a message to one registration token whose {@code data} is exactly {@code challengeId} and {@code nonce} (strings)
 * besides an {@code android} block: a push of the platform carries nothing else. A token marked unregistered answers
 * 404 {@code UNREGISTERED} with FCM's error JSON.
 * <p>
 * It generates its service account (an RSA key pair) unless given one, and hands the code under test what a Google
 * service-account file holds: {@link #projectId()}, {@link #clientEmail()}, {@link #privateKeyPem()},
 * {@link #tokenUri()}, and the API root {@link #baseUrl()}.
 */
public final class FcmStandIn implements AutoCloseable {

    /** The OAuth scope FCM's API needs. */
    public static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
    public static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    /** What the platform's push data carries, and all it may carry. */
    public static final Set<String> DATA_KEYS = Set.of("challengeId", "nonce");

    private static final Pattern SEND_PATH = Pattern.compile("/v1/projects/([^/]+)/messages:send");
    private static final Pattern TTL = Pattern.compile("\\d{1,7}(\\.\\d{1,9})?s");
    private static final Set<String> MESSAGE_KEYS = Set.of("token", "data", "android");
    private static final Set<String> ANDROID_KEYS = Set.of("priority", "ttl");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpServer server;
    private final String projectId;
    private final String clientEmail;
    private final KeyPair serviceAccount;
    private final JwtConsumer assertions;
    private final Map<String, Instant> accessTokens = new ConcurrentHashMap<>();
    private final Set<String> unregistered = ConcurrentHashMap.newKeySet();
    private final List<Notification> notifications = new CopyOnWriteArrayList<>();
    private final AtomicInteger sendRequests = new AtomicInteger();
    private final AtomicInteger failuresToServe = new AtomicInteger();
    private volatile int failureStatus = 503;

    /**
     * One message FCM accepted for a device.
     *
     * @param data     the data the app receives
     * @param priority the Android delivery priority asked for ({@code high}, {@code normal}), null when none
     * @param ttl      the Android time to live asked for ({@code 60s}), null when none
     */
    public record Notification(String messageId, String token, Map<String, String> data, String priority, String ttl,
                               Instant receivedAt) {
    }

    private FcmStandIn(HttpServer server, String projectId, KeyPair serviceAccount) {
        this.server = server;
        this.projectId = projectId;
        this.clientEmail = "keystep-push@" + projectId + ".iam.gserviceaccount.com";
        this.serviceAccount = serviceAccount;
        this.assertions = new JwtConsumerBuilder()
                .setRequireIssuedAt()
                .setRequireExpirationTime()
                .setMaxFutureValidityInMinutes(61)
                .setAllowedClockSkewInSeconds(30)
                .setExpectedIssuer(clientEmail)
                .setExpectedAudience(tokenUri())
                .setVerificationKey(serviceAccount.getPublic())
                .setJwsAlgorithmConstraints(new AlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                        AlgorithmIdentifiers.RSA_USING_SHA256))
                .build();
    }

    /** Starts on {@code port} (0 for a free one) with project {@code keystep-local} and a service account of its own. */
    public static FcmStandIn start(int port) {
        return start(port, "keystep-local", rsa());
    }

    /** Starts on {@code port} (0 for a free one) for {@code projectId}, trusting the service account's key pair. */
    public static FcmStandIn start(int port, String projectId, KeyPair serviceAccount) {
        HttpServer server = SmsSink.loopbackServer(port, "the FCM stand-in");
        FcmStandIn fcm = new FcmStandIn(server, projectId, serviceAccount);
        server.createContext("/", fcm::handle);
        server.start();
        return fcm;
    }

    /** The API root, in place of {@code https://fcm.googleapis.com}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The service account's token URI, in place of {@code https://oauth2.googleapis.com/token}. */
    public String tokenUri() {
        return baseUrl() + "/token";
    }

    public String projectId() {
        return projectId;
    }

    /** The service account's e-mail, the {@code iss} of its assertions. */
    public String clientEmail() {
        return clientEmail;
    }

    /** The service account's private key, PKCS#8 PEM, as a service-account file's {@code private_key} holds it. */
    public String privateKeyPem() {
        return PushStandIns.pem("PRIVATE KEY", serviceAccount.getPrivate().getEncoded());
    }

    /** Where a device with this registration token reads the data of what it was sent. */
    public String inboxUrl(String token) {
        return baseUrl() + "/inbox/" + token;
    }

    /** Every message accepted so far, oldest first. */
    public List<Notification> notifications() {
        return List.copyOf(notifications);
    }

    public List<Notification> notificationsTo(String token) {
        return notifications.stream().filter(n -> n.token().equals(token)).toList();
    }

    /** From now on {@code token} is a registration token FCM no longer knows (the app was uninstalled). */
    public void markUnregistered(String token) {
        unregistered.add(token);
    }

    /** Answers the next {@code count} sends with {@code status} ({@code 503}: {@code UNAVAILABLE}). */
    public void failNext(int count, int status) {
        failureStatus = status;
        failuresToServe.set(count);
    }

    /** Calls of {@code messages:send} so far, refused ones included. */
    public int sendRequests() {
        return sendRequests.get();
    }

    /** Access tokens issued so far. */
    public int accessTokensIssued() {
        return accessTokens.size();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            Matcher send = SEND_PATH.matcher(path);
            if ("POST".equals(method) && path.equals("/token")) {
                issueToken(exchange);
            } else if ("POST".equals(method) && send.matches()) {
                sendRequests.incrementAndGet();
                send(exchange, send.group(1));
            } else if ("GET".equals(method) && path.startsWith("/inbox/")) {
                String token = path.substring("/inbox/".length());
                respond(exchange, 200, "application/json",
                        JSON.writeValueAsBytes(notificationsTo(token).stream().map(Notification::data).toList()));
            } else {
                error(exchange, 404, "NOT_FOUND", "Requested entity was not found.", null);
            }
        }
    }

    /** Google's token endpoint for the JWT-bearer grant (RFC 7523). */
    private void issueToken(HttpExchange exchange) throws IOException {
        Map<String, String> form = TwilioMessagesStandIn.parseForm(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (!JWT_BEARER.equals(form.get("grant_type"))) {
            oauthError(exchange, "unsupported_grant_type", "Invalid grant_type: " + form.get("grant_type"));
            return;
        }
        String assertion = form.get("assertion");
        JwtClaims claims;
        try {
            claims = assertions.processToClaims(assertion == null ? "" : assertion);
            List<String> scopes = Arrays.asList(String.valueOf(claims.getClaimValue("scope")).split(" "));
            long lifetime = claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue();
            if (!scopes.contains(SCOPE)) {
                oauthError(exchange, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
                return;
            }
            if (lifetime <= 0 || lifetime > 3600) {
                oauthError(exchange, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes)"
                        + " and in a reasonable timeframe.");
                return;
            }
        } catch (InvalidJwtException | org.jose4j.jwt.MalformedClaimException e) {
            oauthError(exchange, "invalid_grant", "Invalid JWT Signature.");
            return;
        }
        String token = "ya29." + HexFormat.of().formatHex(bytes(32));
        accessTokens.put(token, Instant.now().plusSeconds(3600));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", token);
        answer.put("expires_in", 3600);
        answer.put("token_type", "Bearer");
        respond(exchange, 200, "application/json", JSON.writeValueAsBytes(answer));
    }

    private void send(HttpExchange exchange, String project) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        Instant valid = authorization == null || !authorization.startsWith("Bearer ") ? null
                : accessTokens.get(authorization.substring("Bearer ".length()));
        if (valid == null || valid.isBefore(Instant.now())) {
            error(exchange, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2"
                    + " access token, login cookie or other valid authentication credential.", null);
            return;
        }
        if (!projectId.equals(project)) {
            error(exchange, 403, "PERMISSION_DENIED", "Permission 'cloudmessaging.messages.create' denied on resource"
                    + " '//cloudresourcemanager.googleapis.com/projects/" + project + "'", null);
            return;
        }
        if (failuresToServe.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            error(exchange, failureStatus, failureStatus == 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE",
                    "The service is currently unavailable.", failureStatus == 429 ? "QUOTA_EXCEEDED" : "UNAVAILABLE");
            return;
        }
        JsonNode message;
        try {
            message = JSON.readTree(exchange.getRequestBody().readAllBytes()).path("message");
        } catch (IOException e) {
            invalid(exchange, "message", "Invalid JSON payload received.");
            return;
        }
        String refusal = refusal(message);
        if (refusal != null) {
            invalid(exchange, refusal, "Invalid value at '" + refusal + "'");
            return;
        }
        String token = message.path("token").asText();
        if (unregistered.contains(token)) {
            error(exchange, 404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED");
            return;
        }
        Map<String, String> data = JSON.convertValue(message.path("data"), new TypeReference<>() { });
        JsonNode android = message.path("android");
        String id = "0:" + System.currentTimeMillis() + "%" + HexFormat.of().formatHex(bytes(8));
        notifications.add(new Notification(id, token, Map.copyOf(data), android.path("priority").textValue(),
                android.path("ttl").textValue(), Instant.now()));
        respond(exchange, 200, "application/json",
                JSON.writeValueAsBytes(Map.of("name", "projects/" + projectId + "/messages/" + id)));
    }

    /** The field a message breaks the rules on, FCM's or the platform's (data is the challenge and nonce only). */
    private static String refusal(JsonNode message) {
        if (!message.isObject()) {
            return "message";
        }
        List<String> keys = new ArrayList<>();
        message.fieldNames().forEachRemaining(keys::add);
        if (!MESSAGE_KEYS.containsAll(keys)) {
            return "message." + keys.stream().filter(k -> !MESSAGE_KEYS.contains(k)).findFirst().orElseThrow();
        }
        if (!message.path("token").isTextual() || message.path("token").asText().isBlank()) {
            return "message.token";
        }
        JsonNode data = message.path("data");
        List<String> dataKeys = new ArrayList<>();
        data.fieldNames().forEachRemaining(dataKeys::add);
        if (!data.isObject() || !Set.copyOf(dataKeys).equals(DATA_KEYS)) {
            return "message.data";
        }
        for (String key : dataKeys) {
            if (!data.path(key).isTextual() || data.path(key).asText().isBlank()) {
                return "message.data." + key;
            }
        }
        JsonNode android = message.path("android");
        if (!android.isMissingNode()) {
            List<String> androidKeys = new ArrayList<>();
            android.fieldNames().forEachRemaining(androidKeys::add);
            if (!ANDROID_KEYS.containsAll(androidKeys)) {
                return "message.android";
            }
            String priority = android.path("priority").asText("normal");
            if (!priority.equals("high") && !priority.equals("normal")) {
                return "message.android.priority";
            }
            if (android.has("ttl") && !TTL.matcher(android.path("ttl").asText()).matches()) {
                return "message.android.ttl";
            }
        }
        return null;
    }

    private static void invalid(HttpExchange exchange, String field, String description) throws IOException {
        Map<String, Object> violation = Map.of("field", field, "description", description);
        Map<String, Object> badRequest = new LinkedHashMap<>();
        badRequest.put("@type", "type.googleapis.com/google.rpc.BadRequest");
        badRequest.put("fieldViolations", List.of(violation));
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", 400);
        error.put("message", description);
        error.put("status", "INVALID_ARGUMENT");
        error.put("details", List.of(badRequest));
        respond(exchange, 400, "application/json", JSON.writeValueAsBytes(Map.of("error", error)));
    }

    /** Google's API error: {@code error.code/message/status}, with FCM's {@code errorCode} when there is one. */
    private static void error(HttpExchange exchange, int status, String grpcStatus, String message, String fcmCode)
            throws IOException {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", status);
        error.put("message", message);
        error.put("status", grpcStatus);
        if (fcmCode != null) {
            error.put("details", List.of(Map.of("@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                    "errorCode", fcmCode)));
        }
        respond(exchange, status, "application/json", JSON.writeValueAsBytes(Map.of("error", error)));
    }

    private static void oauthError(HttpExchange exchange, String error, String description) throws IOException {
        respond(exchange, 400, "application/json",
                JSON.writeValueAsBytes(Map.of("error", error, "error_description", description)));
    }

    private static byte[] bytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static KeyPair rsa() {
        try {
            return KeyUtils.generateKeyPair(2048);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no RSA", e);
        }
    }
}
