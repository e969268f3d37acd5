package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.BusAccess;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the deployment files keep the event bus closed: the parts of DeploymentManifestsTest's Kafka checks. */
final class KafkaAccessChecks {

    private static final String ADMIN_PASSWORD = "KEYSTEP_KAFKA_PASSWORD_ADMIN";

    private KafkaAccessChecks() {
    }

    /** The file the service trusts is the cluster CA certificate, mounted read-only from Strimzi's Secret. */
    static void assertClusterCaMounted(JsonNode pod, JsonNode caFile, String caSecret, String service) {
        assertNotNull(caFile, service + " names the Kafka CA file");
        Path file = Path.of(caFile.path("value").asText());
        JsonNode mount = named(pod.at("/containers/0/volumeMounts"), "mountPath", String.valueOf(file.getParent()));
        assertNotNull(mount, service + " mounts " + file.getParent());
        assertTrue(mount.path("readOnly").asBoolean(false), service + " mounts the CA read-only");
        JsonNode volume = named(pod.path("volumes"), "name", mount.path("name").asText());
        assertNotNull(volume, service + " has the volume " + mount.path("name").asText());
        assertEquals(caSecret, volume.at("/secret/secretName").asText(), service + " trusts the cluster CA");
        JsonNode items = volume.at("/secret/items");
        JsonNode item = named(items, "path", file.getFileName().toString());
        String key = items.isEmpty() ? file.getFileName().toString() : item == null ? "" : item.path("key").asText();
        assertEquals("ca.crt", key, service + " reads the CA certificate of the Secret");
    }

    /**
     * A compose broker: every listener authenticates (SASL), the one clients use takes SCRAM-SHA-512 only, the
     * StandardAuthorizer refuses what no ACL allows, only the broker and the operator are above the ACLs, and its
     * passwords come from the environment.
     */
    static void assertComposeBrokerLocked(String broker, JsonNode env, String clientPort) {
        Map<String, String> protocols = new HashMap<>();
        for (String entry : env.path("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").asText().split(",")) {
            String[] nameAndProtocol = entry.split(":");
            protocols.put(nameAndProtocol[0], nameAndProtocol[1]);
        }
        String clients = null;
        for (String listener : env.path("KAFKA_LISTENERS").asText().split(",")) {
            String name = listener.substring(0, listener.indexOf("://"));
            assertTrue(protocols.getOrDefault(name, "").startsWith("SASL_"), broker + ": listener " + name
                    + " authenticates");
            if (listener.endsWith(":" + clientPort)) {
                clients = name;
            }
        }
        assertNotNull(clients, broker + " has a listener on the clients' port " + clientPort);
        assertEquals("SCRAM-SHA-512", env.path("KAFKA_LISTENER_NAME_" + clients + "_SASL_ENABLED_MECHANISMS")
                .asText(), broker + ": clients log in with SCRAM-SHA-512 and nothing else");
        assertTrue(protocols.get(env.path("KAFKA_CONTROLLER_LISTENER_NAMES").asText()).startsWith("SASL_"), broker);
        assertTrue(protocols.get(env.path("KAFKA_INTER_BROKER_LISTENER_NAME").asText()).startsWith("SASL_"), broker);
        assertTrue(env.path("KAFKA_OPTS").asText().contains("-Djava.security.auth.login.config="), broker);
        assertEquals("org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                env.path("KAFKA_AUTHORIZER_CLASS_NAME").asText(), broker + " authorises every request");
        assertEquals("false", env.path("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND").asText(), broker + " denies by default");
        assertEquals(Set.of("User:broker", "User:admin"), Set.of(env.path("KAFKA_SUPER_USERS").asText().split(";")),
                broker + ": only the brokers and the operator are above the ACLs");
        assertFromEnvironment(broker, env, "KEYSTEP_KAFKA_PASSWORD_BROKER");
        assertFromEnvironment(broker, env, ADMIN_PASSWORD);
    }

    /**
     * The init job logs in as the operator for every command and gives each principal of BusAccess, and no one
     * else, a SCRAM-SHA-512 login with its own password from the environment.
     */
    static void assertComposeJobLogsInAsAdminAndCreatesUsers(JsonNode job) {
        String script = job.at("/command/0").asText();
        assertTrue(script.contains("username=\"admin\" password=\"$$" + ADMIN_PASSWORD + "\""), "the job is admin");
        assertTrue(script.contains("ADMIN=\"--bootstrap-server ") && script.contains(
                "--command-config /tmp/admin.properties\""), "the job's commands log in");
        assertFromEnvironment("kafka-topics", job.path("environment"), ADMIN_PASSWORD);
        Set<String> users = new HashSet<>();
        for (String line : script.split("\n")) {
            if (line.contains("/opt/kafka/bin/")) {
                assertTrue(line.contains(" $$ADMIN "), "logs in as admin: " + line);
            }
            if (line.contains("kafka-configs.sh") && line.contains("--entity-type users")) {
                List<String> words = List.of(line.trim().split("\\s+"));
                String user = words.get(words.indexOf("--entity-name") + 1);
                String password = Secrets.kafkaPasswordName(user);
                assertEquals("\"SCRAM-SHA-512=[password=$$" + password + "]\"",
                        words.get(words.indexOf("--add-config") + 1), user + "'s own password");
                assertFromEnvironment("kafka-topics", job.path("environment"), password);
                users.add(user);
            }
        }
        assertEquals(new HashSet<>(BusAccess.principals()), users, "a SCRAM login per principal of BusAccess");
    }

    private static void assertFromEnvironment(String service, JsonNode env, String variable) {
        String value = env.path(variable).asText();
        assertFalse(value.isEmpty(), service + " has " + variable);
        assertTrue(value.startsWith("${" + variable + ":?"), variable + " of " + service
                + " comes from deploy/.env and is required");
    }

    private static JsonNode named(JsonNode list, String field, String value) {
        for (JsonNode candidate : list) {
            if (candidate.path(field).asText().equals(value)) {
                return candidate;
            }
        }
        return null;
    }
}
