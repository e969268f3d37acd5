package io.keystep.deploy;

import io.keystep.testsupport.BusCredentials;
import io.keystep.testsupport.RedisAcl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The secrets of a local run: the pepper that keys code hashes, the key that seals codes for delivery, the key
 * that encrypts authenticator secrets at rest, the key pairs that sign trusted-device tokens and audit
 * checkpoints, the SMS sink's credentials, the event bus' passwords (one per Kafka principal), the local token
 * issuer's RSA key pair (the services get only its
 * public half; {@link AccessTokens} signs the demo's and {@code ./keystep token}'s bearer tokens with the private
 * half), the event origin key that proves delivery-service's statuses to audit-service, each Redis user's
 * password ({@link RedisAcl}), and the push stand-ins' credentials: the FCM service account's RSA key pair and the APNs
 * signing key's EC P-256 pair (delivery-service gets the private halves, the stand-ins check with the public ones).
 * Generated on first start and kept outside the repository, readable by the owner only.
 */
public record Secrets(String codePepper, String sealingKeys, String factorEncryptionKeys,
                      String trustedDeviceSigningKey, String trustedDevicePublicKey, String auditCheckpointPrivateKey,
                      String auditCheckpointPublicKey, String smsAccountSid, String smsAuthToken,
                      String tokenIssuerPrivateKey, String tokenIssuerPublicKey, String eventOriginKey,
                      BusCredentials kafka, Map<String, String> redisPasswords, String fcmPrivateKey,
                      String fcmPublicKey, String apnsPrivateKey, String apnsPublicKey) {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Fresh random secrets. */
    public static Secrets generate() {
        KeyPair deviceKeys = ed25519();
        KeyPair checkpointKeys = ed25519();
        KeyPair issuerKeys = rsa();
        KeyPair fcmKeys = rsa();
        KeyPair apnsKeys = p256();
        return new Secrets(randomBase64(32), "k1:" + randomBase64(32), "f1:" + randomBase64(32),
                Base64.getEncoder().encodeToString(deviceKeys.getPrivate().getEncoded()),
                Base64.getEncoder().encodeToString(deviceKeys.getPublic().getEncoded()),
                Base64.getEncoder().encodeToString(checkpointKeys.getPrivate().getEncoded()),
                Base64.getEncoder().encodeToString(checkpointKeys.getPublic().getEncoded()),
                "AC" + HexFormat.of().formatHex(randomBytes(16)), HexFormat.of().formatHex(randomBytes(16)),
                Base64.getEncoder().encodeToString(issuerKeys.getPrivate().getEncoded()),
                Base64.getEncoder().encodeToString(issuerKeys.getPublic().getEncoded()), randomBase64(32),
                BusCredentials.generate(), RedisAcl.newPasswords(), base64(fcmKeys.getPrivate().getEncoded()),
                base64(fcmKeys.getPublic().getEncoded()), base64(apnsKeys.getPrivate().getEncoded()),
                base64(apnsKeys.getPublic().getEncoded()));
    }

    /** The secrets kept in {@code file}, created there on first use. */
    public static Secrets loadOrCreate(Path file) {
        try {
            if (Files.exists(file)) {
                Properties properties = new Properties();
                try (var reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    properties.load(reader);
                }
                Secrets secrets = new Secrets(properties.getProperty("KEYSTEP_CHALLENGE_CODE_PEPPER"),
                        properties.getProperty("KEYSTEP_SEALING_KEYS"),
                        properties.getProperty("KEYSTEP_FACTORS_ENCRYPTION_KEYS"),
                        properties.getProperty("KEYSTEP_TRUSTED_DEVICES_SIGNING_KEY"),
                        properties.getProperty("KEYSTEP_TRUSTED_DEVICES_PUBLIC_KEY"),
                        properties.getProperty("KEYSTEP_AUDIT_CHECKPOINT_PRIVATE_KEY"),
                        properties.getProperty("KEYSTEP_AUDIT_CHECKPOINT_PUBLIC_KEY"),
                        properties.getProperty("KEYSTEP_DELIVERY_SMS_ACCOUNT_SID"),
                        properties.getProperty("KEYSTEP_DELIVERY_SMS_AUTH_TOKEN"),
                        properties.getProperty("KEYSTEP_LOCAL_TOKEN_ISSUER_PRIVATE_KEY"),
                        properties.getProperty("KEYSTEP_LOCAL_TOKEN_ISSUER_PUBLIC_KEY"),
                        properties.getProperty("KEYSTEP_EVENT_ORIGIN_KEY"),
                        kafkaPasswords(properties), redisPasswords(properties),
                        properties.getProperty("KEYSTEP_LOCAL_FCM_PRIVATE_KEY"),
                        properties.getProperty("KEYSTEP_LOCAL_FCM_PUBLIC_KEY"),
                        properties.getProperty("KEYSTEP_LOCAL_APNS_PRIVATE_KEY"),
                        properties.getProperty("KEYSTEP_LOCAL_APNS_PUBLIC_KEY"));
                if (secrets.kafka() != null && secrets.asEnvironment().values().stream().noneMatch(value -> value == null || value.isBlank())) {
                    return secrets;
                }
                // Written by an older version: keep nothing half-filled, start over with a complete set.
                Files.delete(file);
            }
            Secrets secrets = generate();
            Files.createDirectories(file.getParent());
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            StringBuilder text = new StringBuilder("# Secrets of the local run, generated on first start. Never commit.\n");
            secrets.asEnvironment().forEach((name, value) -> text.append(name).append('=').append(value).append('\n'));
            Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
            return secrets;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read or write " + file, e);
        }
    }

    /** The secrets by the names the services' environment variables (and the local secrets file) use. */
    public Map<String, String> asEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KEYSTEP_CHALLENGE_CODE_PEPPER", codePepper);
        env.put("KEYSTEP_SEALING_KEYS", sealingKeys);
        env.put("KEYSTEP_FACTORS_ENCRYPTION_KEYS", factorEncryptionKeys);
        env.put("KEYSTEP_TRUSTED_DEVICES_SIGNING_KEY", trustedDeviceSigningKey);
        env.put("KEYSTEP_TRUSTED_DEVICES_PUBLIC_KEY", trustedDevicePublicKey);
        env.put("KEYSTEP_AUDIT_CHECKPOINT_PRIVATE_KEY", auditCheckpointPrivateKey);
        env.put("KEYSTEP_AUDIT_CHECKPOINT_PUBLIC_KEY", auditCheckpointPublicKey);
        env.put("KEYSTEP_DELIVERY_SMS_ACCOUNT_SID", smsAccountSid);
        env.put("KEYSTEP_DELIVERY_SMS_AUTH_TOKEN", smsAuthToken);
        env.put("KEYSTEP_LOCAL_TOKEN_ISSUER_PRIVATE_KEY", tokenIssuerPrivateKey);
        env.put("KEYSTEP_LOCAL_TOKEN_ISSUER_PUBLIC_KEY", tokenIssuerPublicKey);
        env.put("KEYSTEP_EVENT_ORIGIN_KEY", eventOriginKey);
        kafka.passwords().forEach((principal, password) -> env.put(kafkaPasswordName(principal), password));
        RedisAcl.USERS.forEach(user -> env.put(user.passwordVariable(), redisPasswords.get(user.name())));
        env.put("KEYSTEP_LOCAL_FCM_PRIVATE_KEY", fcmPrivateKey);
        env.put("KEYSTEP_LOCAL_FCM_PUBLIC_KEY", fcmPublicKey);
        env.put("KEYSTEP_LOCAL_APNS_PRIVATE_KEY", apnsPrivateKey);
        env.put("KEYSTEP_LOCAL_APNS_PUBLIC_KEY", apnsPublicKey);
        return env;
    }

    /** The name a Kafka principal's password is kept under, {@code KEYSTEP_KAFKA_PASSWORD_RISK_SERVICE} and so on. */
    static String kafkaPasswordName(String principal) {
        return "KEYSTEP_KAFKA_PASSWORD_" + principal.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    /** The kept Kafka passwords, or null when one is missing (a file from before the bus took credentials). */
    private static BusCredentials kafkaPasswords(Properties properties) {
        Map<String, String> passwords = new LinkedHashMap<>();
        for (String principal : BusCredentials.allPrincipals()) {
            String password = properties.getProperty(kafkaPasswordName(principal));
            if (password == null || password.isBlank()) {
                return null;
            }
            passwords.put(principal, password);
        }
        return BusCredentials.of(passwords);
    }

    private static Map<String, String> redisPasswords(Properties properties) {
        Map<String, String> passwords = new LinkedHashMap<>();
        RedisAcl.USERS.forEach(user -> passwords.put(user.name(), properties.getProperty(user.passwordVariable())));
        return passwords;
    }

    /** The token issuer's public key as PEM, the form the services' {@code MP_JWT_VERIFY_PUBLICKEY} takes. */
    public String tokenIssuerPublicKeyPem() {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(Base64.getDecoder().decode(tokenIssuerPublicKey));
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }

    /** The FCM stand-in's service account, as the pair the stand-in checks assertions with. */
    public KeyPair fcmServiceAccount() {
        return keyPair("RSA", fcmPrivateKey, fcmPublicKey);
    }

    /** The APNs stand-in's signing key (what a {@code .p8} file holds, and its public half). */
    public KeyPair apnsSigningKey() {
        return keyPair("EC", apnsPrivateKey, apnsPublicKey);
    }

    private static KeyPair keyPair(String algorithm, String privateKey, String publicKey) {
        try {
            KeyFactory keys = KeyFactory.getInstance(algorithm);
            return new KeyPair(keys.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(publicKey))),
                    keys.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(privateKey))));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the secrets file holds a broken " + algorithm + " key pair", e);
        }
    }

    private static KeyPair p256() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no P-256", e);
        }
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, RANDOM);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no RSA", e);
        }
    }

    private static String randomBase64(int bytes) {
        return Base64.getEncoder().encodeToString(randomBytes(bytes));
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
