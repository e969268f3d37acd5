package io.keystep.testsupport.oidc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A stand-in OpenID Connect provider for the authorization code flow, checking what it receives as a provider does:
 * discovery ({@code /.well-known/openid-configuration}), {@code /authorize}, {@code /token}, {@code /jwks} and
 * {@code /userinfo}.
 * <p>
 * {@code /authorize} answers an unknown client or an unregistered {@code redirect_uri} with an error page (never a
 * redirect), and redirects any other fault back as {@code error=...}: a {@code response_type} other than
 * {@code code}, a scope without {@code openid}, no {@code state}, no {@code nonce}, a PKCE method other than
 * {@code S256}. A valid request shows a sign-in page where a registered user is chosen ({@code POST /authorize} with
 * the page's one-time {@code request} and the {@code user}); the answer is a redirect to the {@code redirect_uri} with
 * a one-time code bound to the client, the redirect URI, the nonce, the PKCE challenge and the user, valid a minute.
 * <p>
 * {@code /token} authenticates the client with {@code client_secret_basic} or {@code client_secret_post} (one of
 * them, not both), takes a code once only, for the client and {@code redirect_uri} it was issued to, and the PKCE
 * verifier that matches its challenge; it answers an RS256 ID token (the nonce, {@code aud} the client id) and an
 * RS256 access token as the platform's services verify one: {@code iss}, {@code aud} (the API audience),
 * {@code sub}, the user's {@code tenant} and {@code groups}, {@code exp} and {@code jti}. Every refusal is kept, with
 * its OAuth error code, for a test to read ({@link #refusals()}).
 */
public final class OidcStandIn implements AutoCloseable {

    /** The audience of the access tokens, as the platform's services expect it. */
    public static final String API_AUDIENCE = "keystep";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration CODE_LIFETIME = Duration.ofMinutes(1);

    private final HttpServer server;
    private final RsaJsonWebKey key;
    private final Duration tokenLifetime;
    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final Map<String, User> users = new ConcurrentHashMap<>();
    private final Map<String, Authorization> pending = new ConcurrentHashMap<>();
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final Map<String, User> accessTokens = new ConcurrentHashMap<>();
    private final List<Issued> issued = new CopyOnWriteArrayList<>();
    private final List<String> refusals = new CopyOnWriteArrayList<>();

    /** A registered person; {@code tenant} null leaves the claim out of their access token. */
    public record User(String name, String tenant, Set<String> groups) {
    }

    /** Tokens the token endpoint issued, newest last. */
    public record Issued(String user, String clientId, String idToken, String accessToken) {
    }

    private record Client(String id, String secret, Set<String> redirectUris) {
    }

    /** An authorization request that passed its checks, waiting for the person to choose who signs in. */
    private record Authorization(String clientId, String redirectUri, String state, String nonce, String scope,
                                 String codeChallenge, Instant expiresAt) {
    }

    /** What a code was issued for. */
    private record Grant(Authorization request, User user, Instant expiresAt) {
    }

    private OidcStandIn(HttpServer server, Duration tokenLifetime) {
        this.server = server;
        this.tokenLifetime = tokenLifetime;
        try {
            this.key = RsaJwkGenerator.generateJwk(2048);
        } catch (JoseException e) {
            throw new IllegalStateException("could not generate the provider's signing key", e);
        }
        key.setKeyId("standin-" + UUID.randomUUID());
        key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
        key.setUse("sig");
    }

    /** Starts on {@code port} (0 for a free one), on the loopback address; tokens live five minutes. */
    public static OidcStandIn start(int port) {
        return start(port, Duration.ofMinutes(5));
    }

    /** Starts on {@code port} (0 for a free one), issuing tokens that live {@code tokenLifetime}. */
    public static OidcStandIn start(int port, Duration tokenLifetime) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the OpenID Connect stand-in", e);
        }
        server.setExecutor(Executors.newFixedThreadPool(4));
        OidcStandIn provider = new OidcStandIn(server, tokenLifetime);
        server.createContext("/", provider::handle);
        server.start();
        return provider;
    }

    /** The issuer, also the base URL to configure as the provider's address ({@code quarkus.oidc.auth-server-url}). */
    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Registers a confidential client with its secret and the exact redirect URIs it may use. */
    public OidcStandIn client(String clientId, String secret, String... redirectUris) {
        clients.put(clientId, new Client(clientId, secret, Set.of(redirectUris)));
        return this;
    }

    /** Registers a person who can sign in; {@code tenant} null issues access tokens without the claim. */
    public OidcStandIn user(String name, String tenant, Set<String> groups) {
        users.put(name, new User(name, tenant, Set.copyOf(groups)));
        return this;
    }

    /** Every token response so far, oldest first. */
    public List<Issued> issued() {
        return List.copyOf(issued);
    }

    /** The access token last issued to {@code user}, or null. */
    public String lastAccessTokenOf(String user) {
        String token = null;
        for (Issued i : issued) {
            if (i.user().equals(user)) {
                token = i.accessToken();
            }
        }
        return token;
    }

    /** Every request refused so far, as {@code endpoint: error: why}, oldest first. */
    public List<String> refusals() {
        return List.copyOf(refusals);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            switch (method + " " + path) {
                case "GET /.well-known/openid-configuration" -> discovery(exchange);
                case "GET /authorize" -> authorize(exchange, query(exchange.getRequestURI()));
                case "POST /authorize" -> signIn(exchange, form(exchange));
                case "POST /token" -> token(exchange);
                case "GET /jwks" -> respond(exchange, 200, "application/json",
                        new JsonWebKeySet(key).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY)
                                .getBytes(StandardCharsets.UTF_8));
                case "GET /userinfo", "POST /userinfo" -> userInfo(exchange);
                default -> respond(exchange, 404, "application/json", json(Map.of("error", "not_found")));
            }
        } catch (RuntimeException e) {
            respond(exchange, 500, "application/json", json(Map.of("error", "server_error")));
        }
    }

    private void discovery(HttpExchange exchange) throws IOException {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("issuer", issuer());
        metadata.put("authorization_endpoint", issuer() + "/authorize");
        metadata.put("token_endpoint", issuer() + "/token");
        metadata.put("jwks_uri", issuer() + "/jwks");
        metadata.put("userinfo_endpoint", issuer() + "/userinfo");
        metadata.put("response_types_supported", List.of("code"));
        metadata.put("grant_types_supported", List.of("authorization_code"));
        metadata.put("subject_types_supported", List.of("public"));
        metadata.put("id_token_signing_alg_values_supported", List.of("RS256"));
        metadata.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
        metadata.put("code_challenge_methods_supported", List.of("S256"));
        metadata.put("scopes_supported", List.of("openid", "profile"));
        metadata.put("claims_supported", List.of("sub", "iss", "aud", "exp", "iat", "nonce", "tenant", "groups",
                "preferred_username"));
        respond(exchange, 200, "application/json", json(metadata));
    }

    // ---- the authorization endpoint

    private void authorize(HttpExchange exchange, Map<String, List<String>> params) throws IOException {
        for (Map.Entry<String, List<String>> param : params.entrySet()) {
            if (param.getValue().size() > 1) {
                errorPage(exchange, "invalid_request", "the parameter " + param.getKey() + " is repeated");
                return;
            }
        }
        String clientId = one(params, "client_id");
        Client client = clientId == null ? null : clients.get(clientId);
        if (client == null) {
            errorPage(exchange, "invalid_client", "unknown client_id " + clientId);
            return;
        }
        String redirectUri = one(params, "redirect_uri");
        if (redirectUri == null || !client.redirectUris().contains(redirectUri)) {
            errorPage(exchange, "invalid_request", "redirect_uri " + redirectUri + " is not registered for "
                    + clientId);
            return;
        }
        String state = one(params, "state");
        if (!"code".equals(one(params, "response_type"))) {
            redirectError(exchange, redirectUri, state, "unsupported_response_type",
                    "response_type must be code");
            return;
        }
        String scope = one(params, "scope");
        if (scope == null || !Arrays.asList(scope.split(" ")).contains("openid")) {
            redirectError(exchange, redirectUri, state, "invalid_scope", "the scope must include openid");
            return;
        }
        if (state == null || state.isBlank()) {
            redirectError(exchange, redirectUri, null, "invalid_request", "state is required");
            return;
        }
        String nonce = one(params, "nonce");
        if (nonce == null || nonce.isBlank()) {
            redirectError(exchange, redirectUri, state, "invalid_request", "nonce is required");
            return;
        }
        String challenge = one(params, "code_challenge");
        String method = one(params, "code_challenge_method");
        if (challenge != null && !"S256".equals(method)) {
            redirectError(exchange, redirectUri, state, "invalid_request",
                    "code_challenge_method must be S256");
            return;
        }
        if (challenge == null && method != null) {
            redirectError(exchange, redirectUri, state, "invalid_request", "code_challenge_method without a challenge");
            return;
        }
        String requestId = random();
        pending.put(requestId, new Authorization(clientId, redirectUri, state, nonce, scope, challenge,
                Instant.now().plus(Duration.ofMinutes(10))));
        respond(exchange, 200, "text/html; charset=utf-8", page(requestId).getBytes(StandardCharsets.UTF_8));
    }

    private String page(String requestId) {
        StringBuilder html = new StringBuilder("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>Sign in</title></head><body><h1>Sign in</h1><form method=\"post\" action=\"/authorize\">"
                + "<input type=\"hidden\" name=\"request\" value=\"" + requestId + "\">");
        users.keySet().stream().sorted().forEach(name -> html.append("<label><input type=\"radio\" name=\"user\" value=\"")
                .append(escape(name)).append("\"> ").append(escape(name)).append("</label><br>"));
        return html.append("<button type=\"submit\">Sign in</button></form></body></html>").toString();
    }

    /** The sign-in page's answer: the person chosen, for the request the page was shown for (once). */
    private void signIn(HttpExchange exchange, Map<String, List<String>> form) throws IOException {
        String requestId = one(form, "request");
        Authorization request = requestId == null ? null : pending.remove(requestId);
        if (request == null || request.expiresAt().isBefore(Instant.now())) {
            errorPage(exchange, "invalid_request", "no such sign-in in progress");
            return;
        }
        String name = one(form, "user");
        User user = name == null ? null : users.get(name);
        if (user == null) {
            redirectError(exchange, request.redirectUri(), request.state(), "access_denied", "no such user");
            return;
        }
        String code = random();
        codes.put(code, new Grant(request, user, Instant.now().plus(CODE_LIFETIME)));
        redirect(exchange, request.redirectUri(), Map.of("code", code, "state", request.state()));
    }

    // ---- the token endpoint

    private void token(HttpExchange exchange) throws IOException {
        Map<String, List<String>> form = form(exchange);
        for (Map.Entry<String, List<String>> param : form.entrySet()) {
            if (param.getValue().size() > 1) {
                tokenError(exchange, 400, "invalid_request", "the parameter " + param.getKey() + " is repeated");
                return;
            }
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String postedId = one(form, "client_id");
        String postedSecret = one(form, "client_secret");
        String clientId;
        String secret;
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            if (postedSecret != null) {
                tokenError(exchange, 400, "invalid_request", "more than one client authentication method");
                return;
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                        StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                tokenError(exchange, 401, "invalid_client", "malformed basic credentials");
                return;
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                tokenError(exchange, 401, "invalid_client", "malformed basic credentials");
                return;
            }
            // RFC 6749 2.3.1: the id and secret are form-encoded before the basic scheme
            clientId = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
            secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
            if (postedId != null && !postedId.equals(clientId)) {
                tokenError(exchange, 400, "invalid_request", "client_id differs from the authenticated client");
                return;
            }
        } else {
            clientId = postedId;
            secret = postedSecret;
        }
        Client client = clientId == null ? null : clients.get(clientId);
        if (client == null || secret == null || !MessageDigest.isEqual(
                client.secret().getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8))) {
            tokenError(exchange, 401, "invalid_client", "client authentication failed");
            return;
        }
        if (!"authorization_code".equals(one(form, "grant_type"))) {
            tokenError(exchange, 400, "unsupported_grant_type", "only authorization_code");
            return;
        }
        String code = one(form, "code");
        Grant grant = code == null ? null : codes.remove(code);
        if (grant == null) {
            tokenError(exchange, 400, "invalid_grant", "unknown or already used code");
            return;
        }
        Authorization request = grant.request();
        if (grant.expiresAt().isBefore(Instant.now())) {
            tokenError(exchange, 400, "invalid_grant", "the code expired");
            return;
        }
        if (!request.clientId().equals(clientId)) {
            tokenError(exchange, 400, "invalid_grant", "the code was issued to another client");
            return;
        }
        if (!request.redirectUri().equals(one(form, "redirect_uri"))) {
            tokenError(exchange, 400, "invalid_grant", "redirect_uri differs from the authorization request's");
            return;
        }
        String verifier = one(form, "code_verifier");
        if (request.codeChallenge() != null) {
            if (verifier == null || !request.codeChallenge().equals(s256(verifier))) {
                tokenError(exchange, 400, "invalid_grant", "PKCE verification failed");
                return;
            }
        } else if (verifier != null) {
            tokenError(exchange, 400, "invalid_grant", "code_verifier sent for a code issued without a challenge");
            return;
        }
        User user = grant.user();
        Instant now = Instant.now();
        String idToken = sign(idToken(user, request, now));
        String accessToken = sign(accessToken(user, request, now));
        accessTokens.put(accessToken, user);
        issued.add(new Issued(user.name(), clientId, idToken, accessToken));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("access_token", accessToken);
        answer.put("token_type", "Bearer");
        answer.put("expires_in", tokenLifetime.toSeconds());
        answer.put("id_token", idToken);
        answer.put("scope", request.scope());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        respond(exchange, 200, "application/json", json(answer));
    }

    private JwtClaims idToken(User user, Authorization request, Instant now) {
        JwtClaims claims = common(user, now);
        claims.setAudience(request.clientId());
        claims.setClaim("nonce", request.nonce());
        claims.setClaim("auth_time", now.getEpochSecond());
        claims.setClaim("azp", request.clientId());
        claims.setClaim("preferred_username", user.name());
        return claims;
    }

    private JwtClaims accessToken(User user, Authorization request, Instant now) {
        JwtClaims claims = common(user, now);
        claims.setAudience(API_AUDIENCE);
        claims.setClaim("azp", request.clientId());
        claims.setClaim("scope", request.scope());
        if (user.tenant() != null) {
            claims.setClaim("tenant", user.tenant());
        }
        claims.setStringListClaim("groups", new ArrayList<>(new LinkedHashSet<>(user.groups())));
        return claims;
    }

    private JwtClaims common(User user, Instant now) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer());
        claims.setSubject(user.name());
        claims.setIssuedAt(org.jose4j.jwt.NumericDate.fromSeconds(now.getEpochSecond()));
        claims.setExpirationTime(org.jose4j.jwt.NumericDate.fromSeconds(now.plus(tokenLifetime).getEpochSecond()));
        claims.setJwtId(UUID.randomUUID().toString());
        return claims;
    }

    private String sign(JwtClaims claims) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("could not sign a token", e);
        }
    }

    // ---- the userinfo endpoint

    private void userInfo(HttpExchange exchange) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        User user = authorization == null || !authorization.startsWith("Bearer ") ? null
                : accessTokens.get(authorization.substring(7).trim());
        if (user == null) {
            refusals.add("userinfo: invalid_token");
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            respond(exchange, 401, "application/json", json(Map.of("error", "invalid_token")));
            return;
        }
        respond(exchange, 200, "application/json", json(Map.of("sub", user.name(), "preferred_username",
                user.name())));
    }

    // ---- answers

    private void errorPage(HttpExchange exchange, String error, String why) throws IOException {
        refusals.add("authorize: " + error + ": " + why);
        respond(exchange, 400, "text/html; charset=utf-8", ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>Sign-in error</title></head><body><h1>" + escape(error) + "</h1><p>" + escape(why)
                + "</p></body></html>").getBytes(StandardCharsets.UTF_8));
    }

    private void redirectError(HttpExchange exchange, String redirectUri, String state, String error, String why)
            throws IOException {
        refusals.add("authorize: " + error + ": " + why);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("error", error);
        params.put("error_description", why);
        if (state != null) {
            params.put("state", state);
        }
        redirect(exchange, redirectUri, params);
    }

    private void tokenError(HttpExchange exchange, int status, String error, String why) throws IOException {
        refusals.add("token: " + error + ": " + why);
        if (status == 401) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"token\"");
        }
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        respond(exchange, status, "application/json", json(Map.of("error", error, "error_description", why)));
    }

    private static void redirect(HttpExchange exchange, String redirectUri, Map<String, String> params)
            throws IOException {
        String query = params.entrySet().stream()
                .map(p -> p.getKey() + "=" + URLEncoder.encode(p.getValue(), StandardCharsets.UTF_8))
                .collect(java.util.stream.Collectors.joining("&"));
        exchange.getResponseHeaders().set("Location", redirectUri + (redirectUri.contains("?") ? "&" : "?") + query);
        respond(exchange, 302, "text/plain", new byte[0]);
    }

    private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }

    // ---- helpers

    private static Map<String, List<String>> form(HttpExchange exchange) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
            return Map.of();
        }
        return parse(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static Map<String, List<String>> query(URI uri) {
        return uri.getRawQuery() == null ? Map.of() : parse(uri.getRawQuery());
    }

    private static Map<String, List<String>> parse(String encoded) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return params;
    }

    private static String one(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
    }

    private static String s256(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] json(Object value) throws IOException {
        return JSON.writeValueAsBytes(value);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
