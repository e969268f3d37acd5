package io.keystep.testsupport.oidc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jose4j.jwk.HttpsJwks;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.HttpsJwksVerificationKeyResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenID Connect stand-in checks the code flow as a provider does: an unregistered redirect URI gets an error page
 * and no redirect, a request without nonce is sent back with an error, and a code is exchanged once only, by its
 * client, with its redirect URI and PKCE verifier; the tokens it issues verify against its JWKS. Driven by the JDK's
 * own HTTP client, not by the platform's code.
 */
class OidcStandInTest {

    private static final String REDIRECT = "http://localhost:9999/callback";
    private static final Pattern REQUEST = Pattern.compile("name=\"request\" value=\"([^\"]+)\"");
    private static OidcStandIn provider;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        provider = OidcStandIn.start(0).client("app", "app-secret", REDIRECT)
                .user("ana", "acme", Set.of("compliance"));
        http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @AfterAll
    static void stop() {
        provider.close();
    }

    @Test
    void anUnregisteredRedirectUriGetsAnErrorPageAndNoRedirect() throws Exception {
        HttpResponse<String> answer = get(authorizeUrl(Map.of("redirect_uri", "http://evil.example/callback")));
        assertEquals(400, answer.statusCode());
        assertTrue(answer.headers().firstValue("Location").isEmpty());
    }

    @Test
    void aRequestWithoutNonceIsSentBackWithAnError() throws Exception {
        Map<String, String> params = new LinkedHashMap<>(authorizeParams(null));
        params.remove("nonce");
        HttpResponse<String> answer = get(provider.issuer() + "/authorize?" + encode(params));
        assertEquals(302, answer.statusCode());
        String location = answer.headers().firstValue("Location").orElseThrow();
        assertTrue(location.startsWith(REDIRECT + "?error=invalid_request"), location);
        assertTrue(location.contains("state=s1"), location);
    }

    @Test
    void aCodeIsExchangedOnceWithItsVerifierAndTheTokensVerifyAgainstTheJwks() throws Exception {
        String verifier = "verifier-0123456789-0123456789-0123456789-abc";
        String code = code(verifier);

        HttpResponse<String> wrongSecret = token(Map.of("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT, "code_verifier", verifier, "client_id", "app", "client_secret", "nope"));
        assertEquals(401, wrongSecret.statusCode());

        HttpResponse<String> wrongVerifier = token(Map.of("grant_type", "authorization_code", "code", code(verifier),
                "redirect_uri", REDIRECT, "code_verifier", verifier + "x", "client_id", "app",
                "client_secret", "app-secret"));
        assertEquals(400, wrongVerifier.statusCode());
        assertTrue(wrongVerifier.body().contains("invalid_grant"));

        HttpResponse<String> wrongRedirect = token(Map.of("grant_type", "authorization_code", "code", code(verifier),
                "redirect_uri", REDIRECT + "/other", "code_verifier", verifier, "client_id", "app",
                "client_secret", "app-secret"));
        assertEquals(400, wrongRedirect.statusCode());

        Map<String, String> exchange = Map.of("grant_type", "authorization_code", "code", code,
                "redirect_uri", REDIRECT, "code_verifier", verifier, "client_id", "app", "client_secret", "app-secret");
        HttpResponse<String> ok = token(exchange);
        assertEquals(200, ok.statusCode(), ok.body());
        HttpResponse<String> again = token(exchange);
        assertEquals(400, again.statusCode(), "a code is good once");

        JsonNode tokens = new ObjectMapper().readTree(ok.body());
        JwtConsumer consumer = new JwtConsumerBuilder().setExpectedIssuer(provider.issuer())
                .setVerificationKeyResolver(new HttpsJwksVerificationKeyResolver(new HttpsJwks(provider.issuer() + "/jwks")))
                .setExpectedAudience("app", OidcStandIn.API_AUDIENCE).setRequireExpirationTime().build();
        JwtClaims id = consumer.processToClaims(tokens.get("id_token").asText());
        assertEquals("n1", id.getClaimValue("nonce"));
        assertEquals(List.of("app"), id.getAudience());
        JwtClaims access = consumer.processToClaims(tokens.get("access_token").asText());
        assertEquals(List.of(OidcStandIn.API_AUDIENCE), access.getAudience());
        assertEquals("ana", access.getSubject());
        assertEquals("acme", access.getClaimValue("tenant"));
        assertEquals(List.of("compliance"), access.getStringListClaimValue("groups"));
        assertFalse(access.getJwtId().isBlank());
    }

    /** A code for {@code ana}, bound to the PKCE challenge of {@code verifier}. */
    private static String code(String verifier) throws Exception {
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        HttpResponse<String> page = get(provider.issuer() + "/authorize?" + encode(authorizeParams(challenge)));
        assertEquals(200, page.statusCode(), page.body());
        Matcher request = REQUEST.matcher(page.body());
        assertTrue(request.find());
        HttpResponse<String> chosen = http.send(HttpRequest.newBuilder(URI.create(provider.issuer() + "/authorize"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(encode(Map.of("request", request.group(1), "user", "ana"))))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(302, chosen.statusCode());
        String location = chosen.headers().firstValue("Location").orElseThrow();
        assertTrue(location.startsWith(REDIRECT + "?"), location);
        Map<String, String> back = new LinkedHashMap<>();
        for (String pair : URI.create(location).getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            back.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        assertEquals("s1", back.get("state"));
        return back.get("code");
    }

    private static Map<String, String> authorizeParams(String challenge) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("response_type", "code");
        params.put("client_id", "app");
        params.put("redirect_uri", REDIRECT);
        params.put("scope", "openid profile");
        params.put("state", "s1");
        params.put("nonce", "n1");
        if (challenge != null) {
            params.put("code_challenge", challenge);
            params.put("code_challenge_method", "S256");
        }
        return params;
    }

    private static String authorizeUrl(Map<String, String> overrides) {
        Map<String, String> params = new LinkedHashMap<>(authorizeParams(null));
        params.putAll(overrides);
        return provider.issuer() + "/authorize?" + encode(params);
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> token(Map<String, String> form) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(provider.issuer() + "/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(encode(form))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String encode(Map<String, String> params) {
        return params.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }
}
