package io.keystep.testsupport.auth;

import io.smallrye.jwt.build.Jwt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Mints real RS256 bearer tokens the way an identity provider would, signed by a key pair made once per JVM.
 * The services verify them with the public key {@link JwtTestResource} configures: nothing is bypassed.
 */
public final class Tokens {

    public static final String ISSUER = "https://issuer.keystep.test";
    public static final String AUDIENCE = "keystep";

    public static final String GATEWAY = "gateway";
    public static final String WORKER = "worker";
    public static final String COMPLIANCE = "compliance";
    public static final String ADMIN = "admin";
    public static final String SUPPORT = "support";
    public static final String ANALYST = "analyst";

    private static final KeyPair KEYS = jvmKeys();
    private static final ConcurrentMap<String, String> CACHE = new ConcurrentHashMap<>();
    private static volatile Path publicKeyFile;

    private Tokens() {
    }

    /** A valid token for the tenant with the given roles (valid an hour, minted once per JVM and reused). */
    public static String of(String tenant, String... roles) {
        String cacheKey = tenant + "|" + String.join(",", roles);
        return CACHE.computeIfAbsent(cacheKey, k -> sign(builder(tenant, roles)));
    }

    public static String gateway(String tenant) {
        return of(tenant, GATEWAY);
    }

    public static String worker(String tenant) {
        return of(tenant, WORKER);
    }

    public static String compliance(String tenant) {
        return of(tenant, COMPLIANCE);
    }

    public static String admin(String tenant) {
        return of(tenant, ADMIN);
    }

    public static String support(String tenant) {
        return of(tenant, SUPPORT);
    }

    public static String analyst(String tenant) {
        return of(tenant, ANALYST);
    }

    /** A token for another audience: well signed, in date, for a different service. */
    public static String wrongAudience(String tenant, String... roles) {
        return sign(builder(tenant, roles).audience("some-other-service"));
    }

    /** A token that expired an hour ago. */
    public static String expired(String tenant, String... roles) {
        Instant issued = Instant.now().minus(Duration.ofHours(2));
        return sign(builder(tenant, roles).issuedAt(issued).expiresAt(issued.plus(Duration.ofHours(1))));
    }

    /** A token from another issuer's key: the claims are right, the signature is not ours. */
    public static String foreignSignature(String tenant, String... roles) {
        return builder(tenant, roles).sign(generate().getPrivate());
    }

    /** A token with every claim right but no {@code tenant} claim. */
    public static String withoutTenant(String... roles) {
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject("no-tenant").groups(Set.of(roles))
                .expiresIn(Duration.ofHours(1)).sign(KEYS.getPrivate());
    }

    /** Claims of a valid token, for tests that need to vary one of them before signing with {@link #sign}. */
    public static io.smallrye.jwt.build.JwtClaimsBuilder builder(String tenant, String... roles) {
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject(tenant + "-" + String.join("-", roles) + "-client")
                .claim("tenant", tenant).claim("jti", UUID.randomUUID().toString()).groups(Set.of(roles))
                .expiresIn(Duration.ofHours(1));
    }

    /** Signs claims with the key the services are configured to trust. */
    public static String sign(io.smallrye.jwt.build.JwtClaimsBuilder claims) {
        return claims.sign(KEYS.getPrivate());
    }

    public static PrivateKey privateKey() {
        return KEYS.getPrivate();
    }

    /** The public key as PEM, the form {@code mp.jwt.verify.publickey} accepts. */
    public static String publicKeyPem() {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(KEYS.getPublic().getEncoded());
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }

    /** A file holding {@link #publicKeyPem()}, written once per JVM. */
    public static synchronized Path publicKeyFile() {
        if (publicKeyFile == null) {
            try {
                Path file = Files.createTempFile("keystep-test-jwt", ".pem");
                file.toFile().deleteOnExit();
                Files.writeString(file, publicKeyPem());
                publicKeyFile = file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return publicKeyFile;
    }

    /**
     * One key pair for the whole JVM, whatever class loader asks: a test profile restarts the application in a
     * class loader of its own, and a token signed in one must verify in the other. Kept as text in a system
     * property (PKCS#8 and X.509, base64).
     */
    private static synchronized KeyPair jvmKeys() {
        String property = "keystep.test.jwt-keys";
        String kept = System.getProperty(property);
        try {
            if (kept != null) {
                String[] parts = kept.split(":");
                java.security.KeyFactory rsa = java.security.KeyFactory.getInstance("RSA");
                return new KeyPair(
                        rsa.generatePublic(new java.security.spec.X509EncodedKeySpec(Base64.getDecoder().decode(parts[1]))),
                        rsa.generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(Base64.getDecoder().decode(parts[0]))));
            }
            KeyPair keys = generate();
            System.setProperty(property, Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded()) + ":"
                    + Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()));
            return keys;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
