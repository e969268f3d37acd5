package io.keystep.challenge.factors;

import io.keystep.challenge.domain.VerificationRefused;
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
 * <p>
 * Checking a code costs one Argon2id hash: the codes of one set share their salt (unique per set; with 60 random
 * bits per code a per-code salt adds nothing an attacker could not afford anyway), so the presented code is hashed
 * once and compared with every unused code. Each check first counts an attempt and takes the user's one permit in
 * Redis ({@link RecoveryAttempts}), so that a burst of guesses is refused before it costs a hash.
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

    /** Checks of a user's recovery codes per window (a use clears them); beyond it they are refused unevaluated. */
    static final int ATTEMPTS_PER_WINDOW = 10;
    static final java.time.Duration ATTEMPT_WINDOW = java.time.Duration.ofMinutes(15);

    /** The outcome of redeeming a code, with how many remain. */
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
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        // Hashing is slow by design: off the event loop, back on the caller's context for the database.
        return vertx.executeBlocking(Uni.createFrom().item(() -> plain.stream().map(code -> {
                    RecoveryCode row = new RecoveryCode();
                    row.id = UUID.randomUUID();
                    row.tenantId = tenantId;
                    row.userId = userId;
                    row.codeHash = hash(normalise(code), salt);
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
        return underPermit(tenantId, userId, normalise(presented), "redeem");
    }

    /**
     * Uses a code once as the answer of a verification (channel {@code recovery_code}), under the same per-user
     * attempts and permit as {@link #redeem} (the verification's budget and the user's lockout apply on top).
     * Answers whether this call used the code up (of two parallel uses of one code, exactly one) and how many remain.
     */
    public Uni<Redemption> consume(String tenantId, String userId, String presented) {
        return underPermit(tenantId, userId, normalise(presented), "verification");
    }

    /**
     * Counts the attempt and takes the user's permit before any hash (atomically, so that parallel guesses cannot
     * exceed the budget); refused ones fail with {@link VerificationRefused} (429, nothing evaluated or spent).
     */
    private Uni<Redemption> underPermit(String tenantId, String userId, String normalised, String via) {
        Instant now = clock.instant();
        return attempts.reserve(tenantId, userId, ATTEMPTS_PER_WINDOW, ATTEMPT_WINDOW, now).flatMap(reserved -> {
            switch (reserved.outcome()) {
                case LIMITED -> {
                    metrics.recoveryCodeRefused(tenantId, "attempts");
                    return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.LOCKED_OUT,
                            "too many recovery code attempts; try again later", null, reserved.retryAfter(), null));
                }
                case BUSY -> {
                    metrics.recoveryCodeRefused(tenantId, "busy");
                    return Uni.createFrom().failure(new VerificationRefused(VerificationRefused.Kind.LOCKED_OUT,
                            "another recovery code of this user is being checked; try again in a moment", null,
                            reserved.retryAfter(), null));
                }
                default -> {
                    return evaluate(tenantId, userId, normalised, now, via)
                            .eventually(() -> attempts.release(tenantId, userId, reserved.permit()));
                }
            }
        });
    }

    private Uni<Redemption> evaluate(String tenantId, String userId, String normalised, Instant now, String via) {
        return codes.unused(tenantId, userId).flatMap(unused -> vertx.executeBlocking(Uni.createFrom().item(() ->
                        match(tenantId, normalised, unused)))
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

    String hash(String code, byte[] salt) {
        return "argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + LANES + "$"
                + Base64.getEncoder().withoutPadding().encodeToString(salt) + "$"
                + Base64.getEncoder().withoutPadding().encodeToString(argon2(code, salt, MEMORY_KIB, ITERATIONS, LANES));
    }

    /**
     * The unused code the presented one is, if any: hashed once per distinct salt and parameters among the unused
     * codes (once for a set generated with a shared salt; a set from before, with a salt per code, costs one hash per
     * code until it is regenerated), and every stored hash compared, in constant time each.
     */
    private java.util.Optional<RecoveryCode> match(String tenantId, String code, List<RecoveryCode> unused) {
        java.util.Map<String, byte[]> computed = new java.util.HashMap<>();
        RecoveryCode found = null;
        for (RecoveryCode candidate : unused) {
            String stored = candidate.codeHash;
            int digestStart = stored.lastIndexOf('$');
            if (digestStart < 0) {
                continue;
            }
            byte[] presented = computed.computeIfAbsent(stored.substring(0, digestStart), params -> {
                byte[] hashed = hashLike(code, stored);
                if (hashed != null) {
                    metrics.recoveryCodeHashed(tenantId);
                }
                return hashed;
            });
            if (presented != null && found == null
                    && MessageDigest.isEqual(Base64.getDecoder().decode(stored.substring(digestStart + 1)), presented)) {
                found = candidate;
            }
        }
        return java.util.Optional.ofNullable(found);
    }

    /** The code hashed with the salt and parameters of {@code stored}; null when {@code stored} is no Argon2id hash. */
    private static byte[] hashLike(String code, String stored) {
        String[] parts = stored.split("\\$");
        if (parts.length != 5 || !"argon2id".equals(parts[0])) {
            return null;
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
        return argon2(code, Base64.getDecoder().decode(parts[3]), m, t, p);
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
