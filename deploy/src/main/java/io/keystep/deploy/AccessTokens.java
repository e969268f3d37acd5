package io.keystep.deploy;

import io.smallrye.jwt.build.Jwt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The local run's token issuer: signs RS256 bearer tokens with the key pair in {@link Secrets}, with the issuer
 * and audience the services verify. In production an identity provider (Keycloak, Auth0, Entra ID, ...) issues
 * these tokens; this stands in for it on one machine.
 */
public final class AccessTokens {

    public static final String ISSUER = "https://keystep.local/issuer";
    public static final String AUDIENCE = "keystep";
    public static final Set<String> ROLES = Set.of("gateway", "worker", "compliance", "support", "analyst", "admin");

    private final PrivateKey signingKey;

    public AccessTokens(Secrets secrets) {
        try {
            signingKey = KeyFactory.getInstance("RSA").generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getDecoder().decode(secrets.tokenIssuerPrivateKey())));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the local token issuer key is unreadable", e);
        }
    }

    /** A token for {@code tenant} with one role, valid for {@code lifetime}. */
    public String mint(String tenant, String role, Duration lifetime) {
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException("role must be one of " + ROLES);
        }
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject(tenant + "-local-" + role)
                .claim("tenant", tenant).claim("jti", UUID.randomUUID().toString()).groups(role)
                .expiresIn(lifetime).sign(signingKey);
    }

    /**
     * Tokens for {@code tenant} with one role, each valid for {@code lifetime} and minted anew once the last has lived
     * half of it: a caller that runs for hours (the demo gateway of the local run) never presents an expired one.
     */
    public Supplier<String> renewing(String tenant, String role, Duration lifetime) {
        record Minted(String token, Instant renewAt) {
        }
        Duration renewAfter = lifetime.dividedBy(2);
        AtomicReference<Minted> last = new AtomicReference<>(
                new Minted(mint(tenant, role, lifetime), Instant.now().plus(renewAfter)));
        return () -> last.updateAndGet(minted -> Instant.now().isBefore(minted.renewAt()) ? minted
                : new Minted(mint(tenant, role, lifetime), Instant.now().plus(renewAfter))).token();
    }

    /**
     * The environment that makes a service verify these tokens: the public key is written to {@code keyFile} and named
     * by location, as production names its identity provider's key (a service does not start without one).
     */
    public static java.util.Map<String, String> verifierEnvironment(Secrets secrets, Path keyFile) {
        try {
            Files.createDirectories(keyFile.toAbsolutePath().getParent());
            Files.writeString(keyFile, secrets.tokenIssuerPublicKeyPem(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + keyFile, e);
        }
        return java.util.Map.of(
                "MP_JWT_VERIFY_PUBLICKEY_LOCATION", keyFile.toAbsolutePath().toUri().toString(),
                "MP_JWT_VERIFY_ISSUER", ISSUER,
                "MP_JWT_VERIFY_AUDIENCES", AUDIENCE);
    }

    /**
     * {@code ./keystep token <role> [tenant] [minutes]}: prints a token signed with the local run's key, for curl or
     * Swagger UI's Authorize button.
     */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: ./keystep token <gateway|worker|compliance|support|analyst|admin> [tenant (demo)] [minutes (60)]");
            System.exit(2);
        }
        java.nio.file.Path root = java.nio.file.Path.of(System.getProperty("keystep.root", ".")).toAbsolutePath();
        Secrets secrets = Secrets.loadOrCreate(root.resolve(".local/secrets.env"));
        String tenant = args.length > 1 ? args[1] : Demo.TENANT;
        long minutes = args.length > 2 ? Long.parseLong(args[2]) : 60;
        try {
            System.out.println(new AccessTokens(secrets).mint(tenant, args[0], Duration.ofMinutes(minutes)));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
    }
}
