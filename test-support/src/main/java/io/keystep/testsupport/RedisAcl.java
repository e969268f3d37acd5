package io.keystep.testsupport;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Who may do what in the platform's Redis, defined once: the tests' servers, the local run and the deployment
 * manifests take their ACL from here (a test compares the manifests' text with {@link #rules()}). The default
 * user is off; each service that keeps state in Redis has a user of its own, limited to its key prefixes and to
 * the commands it sends (its scripts' commands included, since Redis checks those against the caller too).
 */
public final class RedisAcl {

    /**
     * One Redis user: its name, the key patterns it may touch, the commands it may run, and whether it may use every
     * Pub/Sub channel (no service uses Pub/Sub).
     */
    public record User(String name, List<String> keyPatterns, List<String> commands, boolean allChannels) {

        /** The rule after the user's name and password, as {@code ACL SETUSER} and an ACL file take it. */
        public String rule() {
            return "resetkeys " + keyPatterns.stream().map(p -> "~" + p).collect(Collectors.joining(" "))
                    + (allChannels ? " allchannels" : " resetchannels") + " -@all " + commands.stream()
                    .map(c -> "+" + c.toLowerCase(Locale.ROOT)).collect(Collectors.joining(" "));
        }

        /** The user's full ACL line, the password given by its SHA-256 so that the line holds no password. */
        public String line(String password) {
            return "user " + name + " on #" + sha256(password) + " " + rule();
        }

        /** The name of the environment variable (and local secrets entry) that holds this user's password. */
        public String passwordVariable() {
            return "KEYSTEP_REDIS_" + name.toUpperCase(Locale.ROOT).replace('-', '_') + "_PASSWORD";
        }
    }

    /** What every service's client sends besides its data: health checks, scripts, and the cluster's topology. */
    private static final List<String> CLIENT = List.of("PING", "EVALSHA", "EVAL", "CLUSTER|SLOTS", "ASKING");

    /** Risk state per user and per IP, and each tenant's risk settings. */
    public static final User RISK = service("risk-service", List.of("risk:*"),
            "GET", "SET", "DEL", "EXISTS", "PEXPIRE", "PTTL", "HGET", "HSET", "HDEL", "HGETALL", "HEXISTS", "HKEYS",
            "ZADD", "ZCOUNT", "ZSCORE", "ZREMRANGEBYSCORE");

    /**
     * Live challenges, their users' lockouts and failures, send limits, idempotency keys, login decisions and passkey
     * registrations under way (taken once, by GETDEL).
     */
    public static final User CHALLENGE = service("challenge-service", List.of("ks:*"),
            "GET", "GETDEL", "SET", "DEL", "EXISTS", "INCR", "PEXPIRE", "PERSIST", "PTTL", "HGET", "HMGET", "HSET", "HSETNX",
            "HDEL", "HGETALL", "HINCRBY", "ZADD", "ZCARD", "ZRANGE", "ZREMRANGEBYSCORE");

    /** Delivery attempts and their fallback timers, once-keys, costs, settings and the fraud counters. */
    public static final User DELIVERY = service("delivery-service", List.of("delivery:*", "fraud:*"),
            "GET", "SET", "DEL", "EXISTS", "INCR", "EXPIRE", "HGET", "HMGET", "HSET", "HGETALL", "HINCRBY",
            "HINCRBYFLOAT", "ZADD", "ZREM", "ZSCORE", "ZRANGEBYSCORE");

    /** For operators and the test harness only (inspection, set-up): every key, every command. No service has it. */
    public static final User OPERATOR = new User("operator", List.of("*"), List.of("@all"), true);

    /** The services' users. */
    public static final List<User> SERVICES = List.of(RISK, CHALLENGE, DELIVERY);

    /** Every user with a password: the services' and the operator. */
    public static final List<User> USERS = Stream.concat(SERVICES.stream(), Stream.of(OPERATOR)).toList();

    /** The default user, which any connection is before it authenticates: off, with no rights. */
    public static final String DEFAULT_USER = "user default off resetpass resetkeys resetchannels -@all";

    private static final SecureRandom RANDOM = new SecureRandom();

    private RedisAcl() {
    }

    private static User service(String name, List<String> keyPatterns, String... dataCommands) {
        List<String> commands = new ArrayList<>(CLIENT);
        commands.addAll(List.of(dataCommands));
        return new User(name, keyPatterns, List.copyOf(commands), false);
    }

    /** The user of service {@code name} (its {@code quarkus.application.name}). */
    public static User service(String name) {
        return SERVICES.stream().filter(u -> u.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(name + " has no Redis user; the users are "
                        + SERVICES.stream().map(User::name).toList()));
    }

    /** The user named {@code name}, the operator included. */
    public static User user(String name) {
        return USERS.stream().filter(u -> u.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no Redis user " + name));
    }

    /** Every user's rule by name, the default user's first, without passwords: what the manifests must state. */
    public static Map<String, String> rules() {
        Map<String, String> rules = new LinkedHashMap<>();
        rules.put("default", DEFAULT_USER.substring("user default ".length()));
        USERS.forEach(u -> rules.put(u.name(), u.rule()));
        return rules;
    }

    /** The ACL lines a server takes, the default user's first, each password given by its SHA-256. */
    public static List<String> lines(Map<String, String> passwords) {
        List<String> lines = new ArrayList<>(List.of(DEFAULT_USER));
        for (User user : USERS) {
            String password = passwords.get(user.name());
            if (password == null || password.isBlank()) {
                throw new IllegalArgumentException("no Redis password for " + user.name());
            }
            lines.add(user.line(password));
        }
        return lines;
    }

    /** A fresh random password for every user, by user name. */
    public static Map<String, String> newPasswords() {
        Map<String, String> passwords = new LinkedHashMap<>();
        for (User user : USERS) {
            byte[] bytes = new byte[24];
            RANDOM.nextBytes(bytes);
            passwords.put(user.name(), Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
        }
        return passwords;
    }

    static String sha256(String password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(password.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
