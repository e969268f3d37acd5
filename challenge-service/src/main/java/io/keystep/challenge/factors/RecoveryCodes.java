package io.keystep.challenge.factors;

import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.challenge.store.RecoveryAttempts;
import io.keystep.challenge.store.RecoveryCode;
import io.keystep.challenge.store.RecoveryCodeRepository;
import io.keystep.events.Factor;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Recovery codes: 10 codes of 60 random bits (12 Base32 characters, shown as {@code xxxx-xxxx-xxxx}), shown once,
 * stored only as salted Argon2id hashes (Bouncy Castle; memory-hard, the OWASP password storage choice, so that a
 * stolen table costs an attacker far more than a fast hash would), each usable once.
 */
@ApplicationScoped
public class RecoveryCodes {

    static final int COUNT = 10;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
    private static final int CHARS = 12;
    // OWASP Password Storage Cheat Sheet minimum for Argon2id: 19 MiB, 2 iterations, 1 lane.
    private static final int MEMORY_KIB = 19456;
    private static final int ITERATIONS = 2;
    private static final int LANES = 1;

    /** Failed redemptions a user gets per window before further ones are refused unevaluated. */
    static final int ATTEMPTS_PER_WINDOW = 10;
    static final java.time.Duration ATTEMPT_WINDOW = java.time.Duration.ofMinutes(15);

    /**
     * The outcome of redeeming a code, with how many remain; {@code retryAfter} set when too many attempts were
     * made (nothing was evaluated).
     */
    public record Redemption(boolean accepted, int remaining, java.time.Duration retryAfter) {
        Redemption(boolean accepted, int remaining) {
            this(accepted, remaining, null);
        }
    }

    private final RecoveryCodeRepository codes;
    private final EventPublisher publisher;
    private final Vertx vertx;
    private final Clock clock;
    private final RecoveryAttempts attempts;
    private final SecureRandom random = new SecureRandom();

    private final FactorNotices notices;
    private final FactorMetrics metrics;

    public RecoveryCodes(RecoveryCodeRepository codes, EventPublisher publisher, Vertx vertx, Clock clock,
                         RecoveryAttempts attempts, FactorNotices notices,
                         FactorMetrics metrics) {
        this.notices = notices;
        this.metrics = metrics;
        this.attempts = attempts;
        this.codes = codes;
        this.publisher = publisher;
        this.vertx = vertx;
        this.clock = clock;
    }

    /** Makes a new set (the old one stops working); answers the plaintext codes, which are never kept. */
    public Uni<List<String>> generate(String tenantId, String userId) {
        Instant now = clock.instant();
        List<String> plain = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            plain.add(newCode());
        }
        // Hashing is slow by design: off the event loop, back on the caller's context for the database.
        return vertx.executeBlocking(Uni.createFrom().item(() -> plain.stream().map(code -> {
                    RecoveryCode row = new RecoveryCode();
                    row.id = UUID.randomUUID();
                    row.tenantId = tenantId;
                    row.userId = userId;
                    row.codeHash = hash(normalise(code));
                    row.createdAt = now;
                    return row;
                }).toList()))
                .flatMap(rows -> codes.replace(tenantId, userId, rows))
                .chain(() -> notices.publish(tenantId, now, new FactorChanged(userId, null,
                        Factor.RECOVERY_CODE, FactorChange.RECOVERY_CODES_GENERATED, COUNT + " remaining")))
                .invoke(() -> metrics.recoveryCodesRegenerated(tenantId))
                .replaceWith(plain);
    }

    /** How many unused codes the user has. */
    public Uni<Integer> remaining(String tenantId, String userId) {
        return codes.unused(tenantId, userId).map(List::size);
    }

    public Uni<Boolean> exist(String tenantId, String userId) {
        return codes.exists(tenantId, userId);
    }

    /**
     * Uses a code once. A used code notifies the user ({@code factor.changed.v1} RECOVERY_CODE_USED, which the
     * notification side turns into a message to the user's other channels).
     */
    public Uni<Redemption> redeem(String tenantId, String userId, String presented) {
        Instant now = clock.instant();
        String normalised = normalise(presented);
        // Each redemption reserves an attempt first (atomically), so that parallel guesses cannot exceed the
        // budget, and a flood of guesses cannot make the server compute slow hashes without end.
        return attempts.reserve(tenantId, userId, ATTEMPT_WINDOW).flatMap(reserved -> {
            if (reserved[0] > ATTEMPTS_PER_WINDOW) {
                return Uni.createFrom().item(new Redemption(false, -1,
                        java.time.Duration.ofMillis(Math.max(1000, reserved[1]))));
            }
            return evaluate(tenantId, userId, normalised, now, "redeem");
        });
    }

    /**
     * Uses a code once as the answer of a verification (channel {@code recovery_code}): the verification's attempt
     * budget and the user's lockout govern the guesses, so no separate attempt is reserved here. Answers whether
     * this call used the code up (of two parallel uses of one code, exactly one) and how many remain.
     */
    public Uni<Redemption> consume(String tenantId, String userId, String presented) {
        return evaluate(tenantId, userId, normalise(presented), clock.instant(), "verification");
    }

    private Uni<Redemption> evaluate(String tenantId, String userId, String normalised, Instant now, String via) {
        return codes.unused(tenantId, userId).flatMap(unused -> vertx.executeBlocking(Uni.createFrom().item(() ->
                        unused.stream().filter(c -> matches(normalised, c.codeHash)).findFirst()))
                .flatMap(match -> {
                    if (match.isEmpty()) {
                        return Uni.createFrom().item(new Redemption(false, unused.size()));
                    }
                    return codes.markUsed(match.get().id, now).flatMap(won -> {
                        if (!won) {
                            return Uni.createFrom().item(new Redemption(false, unused.size() - 1));
                        }
                        int left = unused.size() - 1;
                        metrics.recoveryCodeUsed(tenantId, via);
                        return attempts.clear(tenantId, userId).chain(() -> notices.publish(tenantId, now, new FactorChanged(userId, null,
                                        Factor.RECOVERY_CODE, FactorChange.RECOVERY_CODE_USED, left + " remaining"))
                                .replaceWith(new Redemption(true, left)));
                    });
                }));
    }

    private String newCode() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < CHARS; i++) {
            if (i > 0 && i % 4 == 0) {
                s.append('-');
            }
            s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return s.toString();
    }

    /** The form a code is hashed in: lower case, without dashes or spaces. */
    public static String normalise(String code) {
        return code == null ? "" : code.replace("-", "").replace(" ", "").toLowerCase(Locale.ROOT);
    }

    String hash(String code) {
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        return "argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + LANES + "$"
                + Base64.getEncoder().withoutPadding().encodeToString(salt) + "$"
                + Base64.getEncoder().withoutPadding().encodeToString(argon2(code, salt, MEMORY_KIB, ITERATIONS, LANES));
    }

    static boolean matches(String code, String stored) {
        String[] parts = stored.split("\\$");
        if (parts.length != 5 || !"argon2id".equals(parts[0])) {
            return false;
        }
        int m = 0;
        int t = 0;
        int p = 0;
        for (String kv : parts[2].split(",")) {
            String[] pair = kv.split("=");
            switch (pair[0]) {
                case "m" -> m = Integer.parseInt(pair[1]);
                case "t" -> t = Integer.parseInt(pair[1]);
                case "p" -> p = Integer.parseInt(pair[1]);
                default -> {
                }
            }
        }
        byte[] salt = Base64.getDecoder().decode(parts[3]);
        byte[] expected = Base64.getDecoder().decode(parts[4]);
        return MessageDigest.isEqual(expected, argon2(code, salt, m, t, p));
    }

    private static byte[] argon2(String code, byte[] salt, int memoryKib, int iterations, int lanes) {
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(lanes)
                .build());
        byte[] out = new byte[32];
        generator.generateBytes(code.getBytes(StandardCharsets.UTF_8), out);
        return out;
    }
}
