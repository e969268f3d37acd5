package io.keystep.challenge.store;

import io.keystep.kit.store.RedisScript;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a stored challenge proves beyond its own check: which factor answers it, its approval as a step-up proof,
 * and the one right to trust a device after a login's approval.
 */
@ApplicationScoped
public class VerificationProofs {

    /**
     * KEYS[1] the challenge; ARGV[1] tenant, ARGV[2] presented fingerprint or '', ARGV[3] now and ARGV[4] the trust
     * window, in milliseconds. Replies {'ok', user, device, purpose} or the refusal (see {@link #claimTrust}).
     */
    private static final RedisScript CLAIM_TRUST = RedisScript.load(VerificationProofs.class, "claim-trust.lua");

    /**
     * KEYS[1] the challenge; ARGV[1] tenant, ARGV[2] user, ARGV[3] now ms, ARGV[4] freshness ms. Replies {'ok',
     * factorId, destination} or the refusal (see {@link #claimStepUp}).
     */
    private static final RedisScript CLAIM_STEP_UP = RedisScript.load(VerificationProofs.class, "claim-step-up.lua");

    private final ReactiveRedisDataSource redis;

    public VerificationProofs(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    /**
     * For a challenge answered with an authenticator: {@code [factorId, userId]}; empty when the challenge is
     * unknown, another tenant's, or answered with a sent code.
     */
    public Uni<Optional<String[]>> authenticatorOf(String tenantId, String challengeId) {
        return redis.execute("HMGET", ChallengeStore.challengeKey(challengeId), "tenant", "factorId", "userId")
                .map(r -> {
                    if (r == null || r.get(0) == null || r.get(1) == null || !tenantId.equals(r.get(0).toString())) {
                        return Optional.<String[]>empty();
                    }
                    return Optional.of(new String[]{r.get(1).toString(),
                            r.get(2) == null ? "" : r.get(2).toString()});
                });
    }

    /**
     * Claims the right to trust a device after this challenge's approval, once and only within {@code window} of
     * the approval: answers {@code ok} with the user, the login's device fingerprint (or empty) and the purpose; or
     * {@code not_found}, {@code not_approved}, {@code not_a_login}, {@code wrong_device},
     * {@code fingerprint_required}, {@code window_passed}, {@code already_trusted}.
     */
    public Uni<List<String>> claimTrust(String tenantId, String challengeId, String presentedFingerprint,
                                        Instant now, Duration window) {
        return CLAIM_TRUST.run(redis, List.of(ChallengeStore.challengeKey(challengeId)), tenantId,
                        presentedFingerprint == null ? "" : presentedFingerprint, Long.toString(now.toEpochMilli()),
                        Long.toString(window.toMillis()))
                .map(r -> {
                    List<String> out = new ArrayList<>();
                    for (int i = 0; i < r.size(); i++) {
                        out.add(r.get(i) == null ? "" : r.get(i).toString());
                    }
                    return out;
                });
    }

    /**
     * Spends an approved {@code factor_change} verification of the user, approved within the freshness window, as
     * the step-up of one change: answers {@code ok} with what answered it (the factor id of an authenticator or of
     * recovery codes, else empty) and where its code went (else empty); or {@code not_found}, {@code not_approved},
     * {@code wrong_purpose}, {@code wrong_user}, {@code stale}, {@code spent}.
     */
    public Uni<List<String>> claimStepUp(String tenantId, String challengeId, String userId, long nowMillis,
                                         long freshnessMillis) {
        return CLAIM_STEP_UP.run(redis, List.of(ChallengeStore.challengeKey(challengeId)), tenantId, userId,
                        Long.toString(nowMillis), Long.toString(freshnessMillis))
                .map(r -> {
                    List<String> out = new ArrayList<>();
                    for (int i = 0; i < r.size(); i++) {
                        out.add(r.get(i) == null ? "" : r.get(i).toString());
                    }
                    return out;
                });
    }
}
