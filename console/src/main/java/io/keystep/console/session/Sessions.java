package io.keystep.console.session;

import io.keystep.console.ConsoleConfig;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.jwt.build.Jwt;
import jakarta.enterprise.context.ApplicationScoped;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Where a session comes from: the operator's OpenID Connect provider (quarkus-oidc's code flow leaves an identity
 * and its access token), or, in the local run, the console's own cookie holding a token the local issuer signed.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup
public class Sessions {

    /** The local sign-in's cookie: the token itself, HttpOnly and SameSite=Strict. */
    public static final String COOKIE = "keystep_console";

    private final ConsoleConfig config;
    private final PrivateKey signingKey;
    private final JwtConsumer localTokens;
    /** Access tokens quarkus-oidc already verified: only their claims are read here. */
    private final JwtConsumer verifiedTokens = new JwtConsumerBuilder().setSkipSignatureVerification()
            .setSkipDefaultAudienceValidation().setRequireExpirationTime().build();

    public Sessions(ConsoleConfig config) {
        this.config = config;
        if (config.localSignIn()) {
            String key = config.localIssuer().privateKey().filter(k -> !k.isBlank()).orElseThrow(() ->
                    new IllegalStateException("keystep.console.sign-in=local needs keystep.console.local-issuer"
                            + ".private-key (KEYSTEP_CONSOLE_LOCAL_ISSUER_PRIVATE_KEY)"));
            try {
                RSAPrivateCrtKey privateKey = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA")
                        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(key.trim())));
                PublicKey publicKey = KeyFactory.getInstance("RSA").generatePublic(
                        new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
                this.signingKey = privateKey;
                this.localTokens = new JwtConsumerBuilder().setVerificationKey(publicKey)
                        .setExpectedIssuer(config.localIssuer().issuer())
                        .setExpectedAudience(config.localIssuer().audience())
                        .setRequireExpirationTime().setRequireSubject().build();
            } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
                throw new IllegalStateException("the local issuer's private key is not a Base64 PKCS#8 RSA key", e);
            }
        } else {
            this.signingKey = null;
            this.localTokens = null;
        }
    }

    public boolean local() {
        return config.localSignIn();
    }

    /** A local sign-in: a token as {@code ./keystep token} mints it, for this person, tenant and roles. */
    public String mintLocal(String subject, String tenant, Set<String> roles) {
        if (signingKey == null) {
            throw new IllegalStateException("local sign-in is off");
        }
        return Jwt.issuer(config.localIssuer().issuer()).audience(config.localIssuer().audience()).subject(subject)
                .claim("tenant", tenant).claim("jti", UUID.randomUUID().toString()).groups(roles)
                .expiresIn(Duration.ofMinutes(config.sessionMinutes())).sign(signingKey);
    }

    /** The session of a request: its OIDC identity, or else its local cookie; empty when neither holds a valid one. */
    public Optional<Session> of(SecurityIdentity identity, String cookie) {
        if (identity != null && !identity.isAnonymous()) {
            AccessTokenCredential access = identity.getCredential(AccessTokenCredential.class);
            if (access != null) {
                return session(verifiedTokens, access.getToken(), identity.getRoles());
            }
        }
        if (localTokens != null && cookie != null && !cookie.isBlank()) {
            return session(localTokens, cookie, null);
        }
        return Optional.empty();
    }

    private static Optional<Session> session(JwtConsumer consumer, String token, Set<String> roles) {
        try {
            JwtClaims claims = consumer.processToClaims(token);
            Object tenant = claims.getClaimValue("tenant");
            if (!(tenant instanceof String t) || t.isBlank()) {
                return Optional.empty();
            }
            Set<String> held = roles != null && !roles.isEmpty() ? roles : groups(claims);
            Instant expires = Instant.ofEpochSecond(claims.getExpirationTime().getValue());
            if (!expires.isAfter(Instant.now())) {
                return Optional.empty();
            }
            String subject = claims.getSubject();
            return Optional.of(new Session(subject == null ? "unknown" : subject, t, held, token, expires));
        } catch (InvalidJwtException | MalformedClaimException e) {
            return Optional.empty();
        }
    }

    private static Set<String> groups(JwtClaims claims) throws MalformedClaimException {
        if (!claims.hasClaim("groups")) {
            return Set.of();
        }
        List<String> groups = claims.isClaimValueStringList("groups") ? claims.getStringListClaimValue("groups")
                : List.of(claims.getStringClaimValue("groups"));
        return new HashSet<>(groups);
    }
}
