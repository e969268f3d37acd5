package io.keystep.testsupport.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The reference push authenticator: a small client that plays the phone app. It holds its own key pair (P-256 or
 * Ed25519), pairs from a pairing link by signing it, receives notifications (from the FCM or APNs stand-in's inbox,
 * as a phone receives them from its provider, or handed to it), fetches a push's context, and approves with the number
 * the login screen shows or denies — every request signed by its key, as a real app's would be.
 */
public final class ReferenceAuthenticator {

    /** A notification as the provider delivers it to the app: the push's id and nonce, nothing else. */
    public record Notification(String challengeId, String nonce) {
    }

    /** An answer of the platform: its HTTP status and body. */
    public record Answer(int status, JsonNode body) {
        public String text(String field) {
            return body == null ? null : body.path(field).asText(null);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final KeyPair keys;
    private final String algorithm;
    private final String platform;
    private final String name;
    private final Clock clock;
    private String pushToken;
    private String baseUrl;
    private String deviceId;

    private ReferenceAuthenticator(KeyPair keys, String algorithm, String platform, String pushToken, String name,
                                   Clock clock) {
        this.keys = keys;
        this.algorithm = algorithm;
        this.platform = platform;
        this.pushToken = pushToken;
        this.name = name;
        this.clock = clock;
    }

    /** A device with a fresh P-256 key ({@code ES256}) on {@code platform} ({@code fcm} or {@code apns}). */
    public static ReferenceAuthenticator es256(String platform, String pushToken, String name) {
        return create("EC", new ECGenParameterSpec("secp256r1"), "ES256", platform, pushToken, name, Clock.systemUTC());
    }

    /** A device with a fresh Ed25519 key. */
    public static ReferenceAuthenticator ed25519(String platform, String pushToken, String name) {
        return create("Ed25519", null, "Ed25519", platform, pushToken, name, Clock.systemUTC());
    }

    /** The same kind of device, whose clock is {@code clock} (a test moves it with the service's). */
    public ReferenceAuthenticator withClock(Clock other) {
        ReferenceAuthenticator copy = new ReferenceAuthenticator(keys, algorithm, platform, pushToken, name, other);
        copy.baseUrl = baseUrl;
        copy.deviceId = deviceId;
        return copy;
    }

    private static ReferenceAuthenticator create(String keyAlgorithm, ECGenParameterSpec spec, String algorithm,
                                                 String platform, String pushToken, String name, Clock clock) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(keyAlgorithm);
            if (spec != null) {
                generator.initialize(spec);
            }
            return new ReferenceAuthenticator(generator.generateKeyPair(), algorithm, platform, pushToken, name,
                    clock);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String deviceId() {
        return deviceId;
    }

    public String pushToken() {
        return pushToken;
    }

    public String platform() {
        return platform;
    }

    /**
     * Pairs from {@code pairingUrl}: posts the public key, platform, push token and name, signed over the link's
     * token. On 201 the device is paired and later requests go to the link's server.
     */
    public Answer pair(String pairingUrl) {
        URI uri = URI.create(pairingUrl);
        String token = uri.getPath().substring(uri.getPath().lastIndexOf('/') + 1);
        ObjectNode body = JSON.createObjectNode();
        body.put("publicKey", Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()));
        body.put("algorithm", algorithm);
        body.put("platform", platform);
        body.put("pushToken", pushToken);
        body.put("name", name);
        body.put("signature", sign(("keystep-pairing:" + token).getBytes(StandardCharsets.UTF_8)));
        Answer answer = send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
        if (answer.status() == 201) {
            baseUrl = uri.getScheme() + "://" + uri.getAuthority();
            deviceId = answer.text("deviceId");
        }
        return answer;
    }

    /** The notifications the provider stand-in holds for this device's token, oldest first. */
    public List<Notification> inbox(String standInBaseUrl) {
        Answer answer = send(HttpRequest.newBuilder(URI.create(standInBaseUrl + "/inbox/" + pushToken)).GET().build());
        List<Notification> out = new ArrayList<>();
        if (answer.status() == 200 && answer.body() != null) {
            answer.body().forEach(n -> out.add(new Notification(n.path("challengeId").asText(),
                    n.path("nonce").asText())));
        }
        return out;
    }

    /** What the platform tells the app of a push: the tenant's name, where and what the login comes from, when. */
    public Answer context(String challengeId) {
        return signed("GET", "/v1/push/challenges/" + challengeId + "/context", null);
    }

    /** Approves a push with the number the person read on the login screen. */
    public Answer approve(Notification push, int number) {
        ObjectNode body = JSON.createObjectNode();
        body.put("nonce", push.nonce());
        body.put("verdict", "approve");
        body.put("number", number);
        return signed("POST", "/v1/push/challenges/" + push.challengeId() + "/answer", body.toString());
    }

    /** Denies a push; {@code reason} {@code not_me} when the person did not try to sign in. */
    public Answer deny(Notification push, String reason) {
        ObjectNode body = JSON.createObjectNode();
        body.put("nonce", push.nonce());
        body.put("verdict", "deny");
        if (reason != null) {
            body.put("reason", reason);
        }
        return signed("POST", "/v1/push/challenges/" + push.challengeId() + "/answer", body.toString());
    }

    /** Tells the platform the provider gave the app a new push token. */
    public Answer refreshToken(String newToken) {
        ObjectNode body = JSON.createObjectNode();
        body.put("pushToken", newToken);
        Answer answer = signed("PUT", "/v1/push/devices/" + deviceId + "/token", body.toString());
        if (answer.status() == 204) {
            pushToken = newToken;
        }
        return answer;
    }

    /**
     * A request signed as this device signs: {@code METHOD\nPATH\nTIMESTAMP\nbase64url(SHA-256(body))}, under
     * {@code deviceId} (a test may name another device's id to forge one).
     */
    public Answer signed(String method, String path, String body, String asDevice) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        long timestamp = clock.instant().getEpochSecond();
        String signature = sign((method + "\n" + path + "\n" + timestamp + "\n" + Base64.getUrlEncoder()
                .withoutPadding().encodeToString(sha256(bytes))).getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Keystep-Device-Id", asDevice)
                .header("Keystep-Timestamp", Long.toString(timestamp))
                .header("Keystep-Signature", signature)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(bytes));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return send(request.build());
    }

    public Answer signed(String method, String path, String body) {
        return signed(method, path, body, deviceId);
    }

    /** Points this device at a server it was paired with elsewhere (a test that forges another device's requests). */
    public ReferenceAuthenticator at(String serverBaseUrl) {
        this.baseUrl = serverBaseUrl;
        return this;
    }

    private String sign(byte[] data) {
        try {
            Signature signer = Signature.getInstance("ES256".equals(algorithm) ? "SHA256withECDSA" : "Ed25519");
            signer.initSign(keys.getPrivate());
            signer.update(data);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Answer send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            String text = response.body();
            return new Answer(response.statusCode(), text == null || text.isBlank() ? null : JSON.readTree(text));
        } catch (IOException e) {
            throw new IllegalStateException("request to " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
