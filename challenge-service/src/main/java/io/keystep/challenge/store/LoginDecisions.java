package io.keystep.challenge.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.challenge.domain.LoginDecisionRecord;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Optional;

/**
 * Login decisions in Redis, recorded once per login, so that a redelivered {@code risk.assessed.v1} verdict
 * issues nothing twice, and readable through {@code GET /v1/logins/{loginId}}.
 */
@ApplicationScoped
public class LoginDecisions {

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper mapper;

    public LoginDecisions(ReactiveRedisDataSource redis, ObjectMapper mapper) {
        this.redis = redis;
        this.mapper = mapper;
    }

    static String loginKey(String tenantId, String loginId) {
        return "ks:login:{" + tenantId + "}:" + loginId;
    }

    /**
     * Records the login's decision unless one is recorded already. False means the login was decided before
     * (a redelivered event) and nothing must be issued again.
     */
    public Uni<Boolean> recordOnce(String tenantId, LoginDecisionRecord decision, Duration ttl) {
        return redis.execute("SET", loginKey(tenantId, decision.loginId()), toJson(decision), "NX", "PX",
                        Long.toString(ttl.toMillis()))
                .map(r -> r != null && "OK".equals(r.toString()));
    }

    /** The login's decision, if it is known. */
    public Uni<Optional<LoginDecisionRecord>> find(String tenantId, String loginId) {
        return redis.execute("GET", loginKey(tenantId, loginId))
                .map(r -> r == null ? Optional.empty() : Optional.of(fromJson(r.toString())));
    }

    /**
     * Notes that the login's decision (and, when challenged, its delivery job) were acknowledged by Kafka. Until
     * then a redelivered verdict publishes them again, so that no decided login is missing from the trail.
     */
    public Uni<Void> markPublished(String tenantId, String loginId, Duration ttl) {
        return redis.execute("SET", loginKey(tenantId, loginId) + ":published", "1", "PX",
                Long.toString(ttl.toMillis())).replaceWithVoid();
    }

    /** Whether the login's decision was published and acknowledged (see {@link #markPublished}). */
    public Uni<Boolean> published(String tenantId, String loginId) {
        return redis.execute("EXISTS", loginKey(tenantId, loginId) + ":published")
                .map(r -> r != null && r.toInteger() == 1);
    }

    /** Replaces the login's recorded decision, keeping its time to live; false when none is recorded. */
    public Uni<Boolean> replace(String tenantId, LoginDecisionRecord decision) {
        return redis.execute("SET", loginKey(tenantId, decision.loginId()), toJson(decision), "XX", "KEEPTTL")
                .map(r -> r != null && "OK".equals(r.toString()));
    }

    /**
     * Records the enrollment nudge on the login's decision, if the decision still names {@code challengeId} (a switch
     * since would have replaced it).
     */
    public Uni<Void> nudge(String tenantId, String loginId, String challengeId, java.util.List<String> factors) {
        return find(tenantId, loginId).flatMap(found -> found.filter(d -> challengeId.equals(d.challengeId()))
                .map(d -> replace(tenantId, d.withEnrollmentNudge(factors)).replaceWithVoid())
                .orElse(Uni.createFrom().voidItem()));
    }

    /**
     * Claims the login for one switch of its challenge at a time, for at most {@code hold}: false while another
     * switch of the same login is under way.
     */
    public Uni<Boolean> claimSwitch(String tenantId, String loginId, Duration hold) {
        return redis.execute("SET", loginKey(tenantId, loginId) + ":switching", "1", "NX", "PX",
                        Long.toString(hold.toMillis()))
                .map(r -> r != null && "OK".equals(r.toString()));
    }

    /** Ends the switch {@link #claimSwitch} claimed. */
    public Uni<Void> releaseSwitch(String tenantId, String loginId) {
        return redis.execute("DEL", loginKey(tenantId, loginId) + ":switching").replaceWithVoid();
    }

    /** Counts one more switch of the login's challenge, for as long as the decision is kept; answers the count. */
    public Uni<Long> countSwitch(String tenantId, String loginId, Duration ttl) {
        String key = loginKey(tenantId, loginId) + ":switches";
        return redis.execute("INCR", key).call(n -> redis.execute("PEXPIRE", key, Long.toString(ttl.toMillis())))
                .map(n -> n.toLong());
    }

    private String toJson(LoginDecisionRecord decision) {
        try {
            return mapper.writeValueAsString(decision);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private LoginDecisionRecord fromJson(String json) {
        try {
            return mapper.readValue(json, LoginDecisionRecord.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable login decision", e);
        }
    }
}
