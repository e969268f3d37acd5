package io.keystep.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.keystep.testsupport.SmsSink.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The push stand-ins check credentials as Google and Apple do: a service-account assertion or a provider token that is
 * not signed by the right key, not for the right audience, team or key id, or too old, gets nothing; the right one gets
 * the notification through, and the device reads it from its inbox. Driven by the JDK's own HTTP client (HTTP/2 for
 * APNs), not by the platform's code.
 */
class PushStandInsTest {

    private static final String TOKEN = "c3bd8a1f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3";
    private static FcmStandIn fcm;
    private static ApnsStandIn apns;
    private static HttpClient http;
    private static HttpClient http2;

    @BeforeAll
    static void start() throws Exception {
        fcm = FcmStandIn.start(0);
        apns = ApnsStandIn.start(0, 0, "dev.keystep.app");
        http = HttpClient.newHttpClient();
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("apns", CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(apns.certificatePem().getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trustManagers.getTrustManagers(), null);
        http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(tls).build();
    }

    @AfterAll
    static void stop() {
        fcm.close();
        apns.close();
    }

    @Test
    void fcmIssuesAnAccessTokenOnlyForAnAssertionSignedByTheServiceAccountForItsAudienceAndScope() throws Exception {
        PrivateKey own = rsaKey(fcm.privateKeyPem());
        PrivateKey foreign = KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate();
        long now = Instant.now().getEpochSecond();

        assertEquals("invalid_grant", tokenError(assertion(foreign, fcm.clientEmail(), fcm.tokenUri(),
                FcmStandIn.SCOPE, now, now + 3600)), "another key's signature");
        assertEquals("invalid_grant", tokenError(assertion(own, "someone@else.iam.gserviceaccount.com",
                fcm.tokenUri(), FcmStandIn.SCOPE, now, now + 3600)), "another issuer");
        assertEquals("invalid_grant", tokenError(assertion(own, fcm.clientEmail(),
                "https://oauth2.googleapis.com/token", FcmStandIn.SCOPE, now, now + 3600)), "another audience");
        assertEquals("invalid_grant", tokenError(assertion(own, fcm.clientEmail(), fcm.tokenUri(), FcmStandIn.SCOPE,
                now - 7200, now - 3600)), "expired");
        assertEquals("invalid_grant", tokenError(assertion(own, fcm.clientEmail(), fcm.tokenUri(), FcmStandIn.SCOPE,
                now, now + 7200)), "valid longer than an hour");
        assertEquals("invalid_scope", tokenError(assertion(own, fcm.clientEmail(), fcm.tokenUri(),
                "https://www.googleapis.com/auth/cloud-platform.read-only", now, now + 3600)), "another scope");
        assertEquals(0, fcm.accessTokensIssued());

        HttpResponse<String> issued = token(assertion(own, fcm.clientEmail(), fcm.tokenUri(), FcmStandIn.SCOPE, now,
                now + 3600));
        assertEquals(200, issued.statusCode(), issued.body());
        JsonNode answer = JSON.readTree(issued.body());
        assertEquals("Bearer", answer.path("token_type").asText());
        assertEquals(3600, answer.path("expires_in").asInt());
        String accessToken = answer.path("access_token").asText();

        String device = "fcm-device-" + System.nanoTime();
        String message = "{\"message\":{\"token\":\"" + device + "\",\"data\":{\"challengeId\":\"c-1\","
                + "\"nonce\":\"n0nceN0nceN0nceN0nce1\"},\"android\":{\"priority\":\"high\",\"ttl\":\"60s\"}}}";
        assertEquals(401, send(fcm.projectId(), "ya29.made-up", message).statusCode(), "a token it never issued");
        assertEquals(403, send("another-project", accessToken, message).statusCode(), "another project");
        HttpResponse<String> extra = send(fcm.projectId(), accessToken, message.replace("\"nonce\"",
                "\"userId\":\"alice\",\"nonce\""));
        assertEquals(400, extra.statusCode(), "data beyond the challenge and nonce");
        assertEquals("message.data", JSON.readTree(extra.body()).at("/error/details/0/fieldViolations/0/field")
                .asText());

        HttpResponse<String> sent = send(fcm.projectId(), accessToken, message);
        assertEquals(200, sent.statusCode(), sent.body());
        assertTrue(JSON.readTree(sent.body()).path("name").asText().startsWith("projects/" + fcm.projectId()
                + "/messages/"));
        assertEquals(List.of(Map.of("challengeId", "c-1", "nonce", "n0nceN0nceN0nceN0nce1")),
                JSON.readValue(http.send(HttpRequest.newBuilder(URI.create(fcm.inboxUrl(device))).build(),
                        HttpResponse.BodyHandlers.ofString()).body(), List.class));

        fcm.markUnregistered(device);
        HttpResponse<String> gone = send(fcm.projectId(), accessToken, message);
        assertEquals(404, gone.statusCode());
        assertEquals("UNREGISTERED", JSON.readTree(gone.body()).at("/error/details/0/errorCode").asText());
    }

    @Test
    void apnsTakesOnlyAFreshProviderTokenOfItsTeamAndKeyOverHttp2() throws Exception {
        PrivateKey own = ecKey(apns.signingKeyPem());
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        PrivateKey foreign = ec.generateKeyPair().getPrivate();
        long now = Instant.now().getEpochSecond();
        String payload = "{\"aps\":{\"alert\":{\"title\":\"Sign-in request\",\"body\":\"Open the app to approve or"
                + " deny\"}},\"challengeId\":\"c-2\",\"nonce\":\"n0nceN0nceN0nceN0nce2\"}";

        assertEquals("MissingProviderToken", reason(push(null, TOKEN, payload)));
        assertEquals("InvalidProviderToken", reason(push(providerToken(foreign, apns.teamId(), apns.keyId(), now),
                TOKEN, payload)), "another key");
        assertEquals("InvalidProviderToken", reason(push(providerToken(own, "ZZZZZZZZZZ", apns.keyId(), now),
                TOKEN, payload)), "another team");
        assertEquals("InvalidProviderToken", reason(push(providerToken(own, apns.teamId(), "ZZZZZZZZZZ", now),
                TOKEN, payload)), "another key id");
        assertEquals("ExpiredProviderToken", reason(push(providerToken(own, apns.teamId(), apns.keyId(), now - 3700),
                TOKEN, payload)), "made more than an hour ago");
        assertTrue(apns.notifications().isEmpty());

        String good = providerToken(own, apns.teamId(), apns.keyId(), now);
        assertEquals("BadPayload", reason(push(good, TOKEN, payload.replace("\"nonce\"", "\"userId\":\"bob\","
                + "\"nonce\""))), "anything beyond the challenge and nonce");
        assertEquals("BadDeviceToken", reason(push(good, "not-a-token", payload)));
        HttpResponse<String> accepted = push(good, TOKEN, payload);
        assertEquals(200, accepted.statusCode(), accepted.body());
        assertEquals(HttpClient.Version.HTTP_2, accepted.version());
        assertNotNull(accepted.headers().firstValue("apns-id").orElse(null));
        ApnsStandIn.Notification notification = apns.notificationsTo(TOKEN).get(0);
        assertEquals("alert", notification.pushType());
        assertEquals(10, notification.priority());
        assertEquals(List.of(JSON.readValue(payload, Map.class)), JSON.readValue(http.send(HttpRequest.newBuilder(
                URI.create(apns.inboxUrl(TOKEN))).build(), HttpResponse.BodyHandlers.ofString()).body(), List.class));

        apns.markUnregistered(TOKEN);
        HttpResponse<String> gone = push(good, TOKEN, payload);
        assertEquals(410, gone.statusCode());
        assertEquals("Unregistered", reason(gone));
    }

    private static String assertion(PrivateKey key, String issuer, String audience, String scope, long issuedAt,
                                    long expiresAt) throws Exception {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer);
        claims.setAudience(audience);
        claims.setStringClaim("scope", scope);
        claims.setIssuedAt(NumericDate.fromSeconds(issuedAt));
        claims.setExpirationTime(NumericDate.fromSeconds(expiresAt));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setKey(key);
        return jws.getCompactSerialization();
    }

    private static String providerToken(PrivateKey key, String team, String keyId, long issuedAt) throws Exception {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(team);
        claims.setIssuedAt(NumericDate.fromSeconds(issuedAt));
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256);
        jws.setKeyIdHeaderValue(keyId);
        jws.setKey(key);
        return jws.getCompactSerialization();
    }

    private static HttpResponse<String> token(String assertion) throws Exception {
        String form = "grant_type=" + URLEncoder.encode(FcmStandIn.JWT_BEARER, StandardCharsets.UTF_8)
                + "&assertion=" + assertion;
        return http.send(HttpRequest.newBuilder(URI.create(fcm.tokenUri()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String tokenError(String assertion) throws Exception {
        HttpResponse<String> answer = token(assertion);
        assertEquals(400, answer.statusCode());
        return JSON.readTree(answer.body()).path("error").asText();
    }

    private static HttpResponse<String> send(String project, String accessToken, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(fcm.baseUrl() + "/v1/projects/" + project
                        + "/messages:send")).header("Authorization", "Bearer " + accessToken)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> push(String providerToken, String deviceToken, String payload)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(apns.serverUrl() + "/3/device/" + deviceToken))
                .timeout(Duration.ofSeconds(10))
                .header("apns-topic", apns.bundleId()).header("apns-push-type", "alert")
                .header("apns-priority", "10").header("apns-expiration", String.valueOf(Instant.now()
                        .plusSeconds(300).getEpochSecond()))
                .POST(HttpRequest.BodyPublishers.ofString(payload));
        if (providerToken != null) {
            request.header("authorization", "bearer " + providerToken);
        }
        return http2.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String reason(HttpResponse<String> answer) throws Exception {
        return JSON.readTree(answer.body()).path("reason").asText();
    }

    private static PrivateKey rsaKey(String pem) throws Exception {
        return java.security.KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der(pem)));
    }

    private static PrivateKey ecKey(String pem) throws Exception {
        return java.security.KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der(pem)));
    }

    private static byte[] der(String pem) {
        return Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    }
}
