package io.keystep.risk.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.kit.store.RedisScript;
import io.keystep.risk.domain.SignupExperiment;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Each tenant's signup experiment and its challenged signups still waiting for an outcome, under the tenant's own
 * hash tag: {@code risk:{tenant}:signup-experiment} (JSON; kept after a stop, so that the experiment stays known) and
 * {@code risk:{tenant}:experiment-pending} (a hash: login id → {@code experiment|arm|deadline}, the deadline in epoch
 * milliseconds). {@code risk:experiment-tenants} lists the tenants that ever had a pending signup, for the sweep.
 */
@ApplicationScoped
public class SignupExperimentStore {

    /** Same replacement as the risk settings: set (or delete, given an empty value) and answer the previous value. */
    private static final RedisScript REPLACE = RedisScript.load(RiskSettingsStore.class, "replace-settings.lua");
    private static final RedisScript SETTLE = RedisScript.load(SignupExperimentStore.class, "settle-signup.lua");
    private static final RedisScript TAKE_ABANDONED = RedisScript.load(SignupExperimentStore.class,
            "take-abandoned-signups.lua");
    static final String TENANTS = "risk:experiment-tenants";

    /** A challenged signup of an experiment waiting for its outcome. */
    public record PendingSignup(String experimentId, String arm) {
    }

    private final ReactiveRedisDataSource redis;
    private final ObjectMapper mapper;

    public SignupExperimentStore(ReactiveRedisDataSource redis, ObjectMapper mapper) {
        this.redis = redis;
        this.mapper = mapper;
    }

    public static String experimentKey(String tenantId) {
        return "risk:{" + tenantId + "}:signup-experiment";
    }

    public static String pendingKey(String tenantId) {
        return "risk:{" + tenantId + "}:experiment-pending";
    }

    /** The tenant's experiment, running or stopped; empty when it never had one. */
    public Uni<Optional<SignupExperiment>> experiment(String tenantId) {
        return redis.value(String.class).get(experimentKey(tenantId)).map(this::read);
    }

    /** Stores the tenant's experiment and answers the one it replaced. */
    public Uni<Optional<SignupExperiment>> replace(String tenantId, SignupExperiment experiment) {
        return REPLACE.run(redis, List.of(experimentKey(tenantId)), write(experiment))
                .map(r -> read(r == null ? null : r.toString()));
    }

    /** Remembers a challenged signup until its outcome arrives or its deadline passes. */
    public Uni<Void> pending(String tenantId, String loginId, PendingSignup signup, Instant deadline) {
        String value = signup.experimentId() + "|" + signup.arm() + "|" + deadline.toEpochMilli();
        return redis.hash(String.class).hset(pendingKey(tenantId), loginId, value)
                .chain(() -> redis.hash(String.class).hset(TENANTS, tenantId, "1"))
                .replaceWithVoid();
    }

    /** Takes the login's pending signup, if it still waits: only one caller ever gets it. */
    public Uni<Optional<PendingSignup>> settle(String tenantId, String loginId) {
        return SETTLE.run(redis, List.of(pendingKey(tenantId)), loginId)
                .map(r -> Optional.ofNullable(r).map(v -> parse(v.toString())));
    }

    /** Takes the tenant's pending signups whose deadline is at or before {@code now}. */
    public Uni<List<PendingSignup>> takeAbandoned(String tenantId, Instant now) {
        return TAKE_ABANDONED.run(redis, List.of(pendingKey(tenantId)), Long.toString(now.toEpochMilli()))
                .map(SignupExperimentStore::parseAll);
    }

    /** The tenants that have had pending signups. */
    public Uni<List<String>> tenants() {
        return redis.hash(String.class).hkeys(TENANTS);
    }

    private static List<PendingSignup> parseAll(Response r) {
        List<PendingSignup> signups = new ArrayList<>();
        if (r != null) {
            r.forEach(v -> signups.add(parse(v.toString())));
        }
        return signups;
    }

    private static PendingSignup parse(String value) {
        String[] parts = value.split("\\|");
        return new PendingSignup(parts[0], parts[1]);
    }

    private Optional<SignupExperiment> read(String json) {
        if (json == null || json.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(mapper.readValue(json, SignupExperiment.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable signup experiment in Redis", e);
        }
    }

    private String write(SignupExperiment experiment) {
        try {
            return mapper.writeValueAsString(experiment);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the signup experiment", e);
        }
    }
}
