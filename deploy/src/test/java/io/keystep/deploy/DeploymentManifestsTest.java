package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.keystep.testsupport.SharedServers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parses every deployment file and checks that what the services need is there: every topic they read or
 * write (dead-letter topics included) replicated three times with two in sync, a three-broker cluster,
 * readiness probes, resource limits, and secrets that come from a Secret, never from the file.
 */
class DeploymentManifestsTest {

    private static final Path DEPLOY = Path.of(".").toAbsolutePath().normalize();
    private static final Path ROOT = DEPLOY.getParent();
    private static final List<String> SERVICES = List.of("risk-service", "challenge-service", "delivery-service",
            "audit-service");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final List<JsonNode> kubernetes = KubernetesManifests.documents(DEPLOY, YAML);

    @Test
    void everyTopicTheServicesUseIsAStrimziTopicWithThreeReplicasAndTwoInSync() throws IOException {
        Map<String, JsonNode> topics = new HashMap<>();
        for (JsonNode doc : ofKind("KafkaTopic")) {
            topics.put(doc.at("/spec/topicName").asText(), doc);
        }
        String cluster = ofKind("Kafka").get(0).at("/metadata/name").asText();
        Set<String> needed = new HashSet<>(SharedServers.platformTopics());
        needed.addAll(topicsNamedInServiceConfiguration());
        for (String topic : needed) {
            JsonNode resource = topics.get(topic);
            assertNotNull(resource, "KafkaTopic for " + topic);
            assertEquals(3, resource.at("/spec/replicas").asInt(), topic);
            assertEquals("2", resource.at("/spec/config/min.insync.replicas").asText(), topic);
            assertTrue(resource.at("/spec/partitions").asInt() >= 3, topic + " has room for consumers to scale");
            assertEquals(cluster, resource.at("/metadata/labels/strimzi.io~1cluster").asText(), topic);
        }
    }

    @Test
    void theKafkaClusterHasThreeKraftNodesAndSafeDefaults() {
        JsonNode kafka = ofKind("Kafka").get(0);
        assertEquals("enabled", kafka.at("/metadata/annotations/strimzi.io~1kraft").asText());
        int brokers = 0;
        for (JsonNode pool : ofKind("KafkaNodePool")) {
            if (pool.at("/spec/roles").toString().contains("broker")) {
                brokers += pool.at("/spec/replicas").asInt();
            }
        }
        assertTrue(brokers >= 3, "three brokers at least: " + brokers);
        JsonNode config = kafka.at("/spec/kafka/config");
        assertEquals(3, config.path("default.replication.factor").asInt());
        assertEquals(2, config.path("min.insync.replicas").asInt());
        assertEquals(3, config.path("offsets.topic.replication.factor").asInt());
        assertFalse(config.path("auto.create.topics.enable").asBoolean(true), "topics are declared, not guessed");
    }

    @Test
    void everyServiceHasProbesLimitsKafkaAndSecretsFromASecret() {
        String bootstrap = ofKind("Kafka").get(0).at("/metadata/name").asText() + "-kafka-bootstrap:9092";
        for (String service : SERVICES) {
            JsonNode deployment = ofKind("Deployment").stream()
                    .filter(d -> d.at("/metadata/name").asText().equals(service)).findFirst()
                    .orElseThrow(() -> new AssertionError("no Deployment for " + service));
            JsonNode container = deployment.at("/spec/template/spec/containers/0");
            assertEquals("/q/health/ready", container.at("/readinessProbe/httpGet/path").asText(), service);
            assertEquals("/q/health/live", container.at("/livenessProbe/httpGet/path").asText(), service);
            assertFalse(container.at("/resources/limits/cpu").isMissingNode(), service + " cpu limit");
            assertFalse(container.at("/resources/limits/memory").isMissingNode(), service + " memory limit");
            Map<String, JsonNode> env = new HashMap<>();
            container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
            assertEquals(bootstrap, env.get("KAFKA_BOOTSTRAP_SERVERS").path("value").asText(), service);
            for (String verifier : TOKEN_VERIFIER) {
                assertTrue(env.containsKey(verifier), service + " verifies bearer tokens: " + verifier);
            }
            for (Map.Entry<String, JsonNode> variable : env.entrySet()) {
                if (isSecret(variable.getKey())) {
                    assertTrue(variable.getValue().has("valueFrom"), variable.getKey() + " of " + service
                            + " comes from a Secret");
                    assertFalse(variable.getValue().has("value"), variable.getKey() + " has no literal value");
                }
            }
        }
    }

    @Test
    void composeRunsThreeKraftBrokersAndCreatesEveryTopicReplicatedWithSecretsFromTheEnvironment() throws IOException {
        JsonNode compose = YAML.readTree(DEPLOY.resolve("compose.yaml").toFile());
        JsonNode services = compose.path("services");
        int brokers = 0;
        for (var it = services.fields(); it.hasNext(); ) {
            var service = it.next();
            if (service.getValue().at("/environment/KAFKA_PROCESS_ROLES").asText().contains("broker")) {
                brokers++;
                assertEquals(3, service.getValue().at("/environment/KAFKA_CONTROLLER_QUORUM_VOTERS").asText()
                        .split(",").length, service.getKey() + " knows three controllers");
                assertEquals("2", service.getValue().at("/environment/KAFKA_MIN_INSYNC_REPLICAS").asText());
            }
        }
        assertEquals(3, brokers);
        String creation = services.at("/kafka-topics/command").toString();
        for (String topic : SharedServers.platformTopics()) {
            assertTrue(creation.contains("--topic " + topic + " --partitions 12 --replication-factor 3 "
                    + "--config min.insync.replicas=2"), "compose creates " + topic);
        }
        for (String service : SERVICES) {
            JsonNode env = services.at("/" + service + "/environment");
            assertFalse(env.isMissingNode(), service + " is in compose");
            for (String verifier : TOKEN_VERIFIER) {
                assertTrue(env.has(verifier), service + " verifies bearer tokens: " + verifier);
            }
            env.fields().forEachRemaining(variable -> {
                if (isSecret(variable.getKey())) {
                    assertTrue(variable.getValue().asText().startsWith("${"), variable.getKey() + " of " + service
                            + " comes from the environment");
                }
            });
        }
    }

    /** What every service needs to verify bearer tokens: the key (a JWKS URL), the issuer and the audience. */
    private static final List<String> TOKEN_VERIFIER = List.of("MP_JWT_VERIFY_PUBLICKEY_LOCATION",
            "MP_JWT_VERIFY_ISSUER", "MP_JWT_VERIFY_AUDIENCES");

    private static boolean isSecret(String name) {
        return name.endsWith("PASSWORD") || name.endsWith("PEPPER") || name.endsWith("_KEYS")
                || name.endsWith("TOKEN") || name.endsWith("SECRET") || name.endsWith("PRIVATE_KEY")
                || name.endsWith("SIGNING_KEY");
    }

    /** Every topic named in a service's channel configuration: what the services really read and write. */
    private static Set<String> topicsNamedInServiceConfiguration() throws IOException {
        Set<String> topics = new HashSet<>();
        for (String service : SERVICES) {
            Path file = ROOT.resolve(service).resolve("src/main/resources/application.properties");
            if (!Files.exists(file)) {
                continue;
            }
            Properties properties = new Properties();
            properties.load(new StringReader(Files.readString(file)));
            for (String name : properties.stringPropertyNames()) {
                if (name.startsWith("mp.messaging.") && (name.endsWith(".topic") || name.endsWith(".topics")
                        || name.endsWith(".dead-letter-queue.topic"))) {
                    for (String topic : properties.getProperty(name).split(",")) {
                        if (!topic.isBlank() && !topic.contains("${")) {
                            topics.add(topic.trim());
                        }
                    }
                }
            }
        }
        assertFalse(topics.isEmpty(), "the services name their topics");
        return topics;
    }

    private List<JsonNode> ofKind(String kind) {
        return kubernetes.stream().filter(doc -> kind.equals(doc.path("kind").asText())).toList();
    }
}
