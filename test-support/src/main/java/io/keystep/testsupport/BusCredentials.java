package io.keystep.testsupport;

import io.keystep.events.BusAccess;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SCRAM-SHA-512 passwords of the event bus' principals: every principal of {@link BusAccess}, the operator
 * ({@link #ADMIN}, a super user that creates users, ACLs and topics) and the broker's own ({@link #BROKER}). Tests
 * generate them per JVM; the local run keeps them with its other secrets.
 */
public final class BusCredentials {

    public static final String ADMIN = "admin";
    public static final String BROKER = "broker";
    public static final String MECHANISM = "SCRAM-SHA-512";

    private final Map<String, String> passwords;

    private BusCredentials(Map<String, String> passwords) {
        this.passwords = Map.copyOf(passwords);
    }

    /** Fresh random passwords for every principal. */
    public static BusCredentials generate() {
        SecureRandom random = new SecureRandom();
        Map<String, String> passwords = new LinkedHashMap<>();
        for (String principal : allPrincipals()) {
            byte[] bytes = new byte[24];
            random.nextBytes(bytes);
            passwords.put(principal, Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
        }
        return new BusCredentials(passwords);
    }

    /** Passwords kept elsewhere (the local run's secrets), one per principal; none may be missing. */
    public static BusCredentials of(Map<String, String> passwords) {
        for (String principal : allPrincipals()) {
            if (passwords.get(principal) == null || passwords.get(principal).isBlank()) {
                throw new IllegalArgumentException("no Kafka password for " + principal);
            }
        }
        return new BusCredentials(passwords);
    }

    /** The operator, the broker and every principal of the ACL table. */
    public static java.util.List<String> allPrincipals() {
        java.util.List<String> all = new java.util.ArrayList<>();
        all.add(ADMIN);
        all.add(BROKER);
        all.addAll(BusAccess.principals());
        return all;
    }

    public String password(String principal) {
        String password = passwords.get(principal);
        if (password == null) {
            throw new IllegalArgumentException("no Kafka principal " + principal);
        }
        return password;
    }

    public Map<String, String> passwords() {
        return passwords;
    }

    /**
     * What a Java client needs to connect as {@code principal} over SASL on a plaintext connection (the local
     * broker; production adds TLS): bootstrap servers, security protocol, mechanism and JAAS login.
     */
    public Map<String, Object> clientConfig(String bootstrapServers, String principal) {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrapServers);
        config.put("security.protocol", "SASL_PLAINTEXT");
        config.put("sasl.mechanism", MECHANISM);
        config.put("sasl.jaas.config", jaas(principal, password(principal)));
        return config;
    }

    /** The JAAS line of a SCRAM login. */
    public static String jaas(String username, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + username
                + "\" password=\"" + password + "\";";
    }
}
