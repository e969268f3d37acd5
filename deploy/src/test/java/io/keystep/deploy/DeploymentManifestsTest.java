package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.keystep.events.BusAccess;
import io.keystep.testsupport.SharedServers;
import org.apache.kafka.common.acl.AclBinding;
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
        for (String service : SERVICES) {
            JsonNode deployment = ofKind("Deployment").stream()
                    .filter(d -> d.at("/metadata/name").asText().equals(service)).findFirst()
                    .orElseThrow(() -> new AssertionError("no Deployment for " + service));
            JsonNode container = deployment.at("/spec/template/spec/containers/0");
            assertEquals("/q/health/ready", container.at("/readinessProbe/httpGet/path").asText(), service);
            assertEquals("/q/health/live", container.at("/livenessProbe/httpGet/path").asText(), service);
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                assertEquals("management", container.at("/" + probe + "/httpGet/port").asText(),
                        service + "'s " + probe + " asks the management port");
            }
            assertFalse(container.at("/resources/limits/cpu").isMissingNode(), service + " cpu limit");
            assertFalse(container.at("/resources/limits/memory").isMissingNode(), service + " memory limit");
            Map<String, JsonNode> env = new HashMap<>();
            container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
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

    @Test
    void everyPrincipalOfTheBusIsAKafkaUserWithExactlyTheAclsOfBusAccess() {
        String cluster = ofKind("Kafka").get(0).at("/metadata/name").asText();
        Map<String, JsonNode> users = kafkaUsers();
        assertEquals(new HashSet<>(BusAccess.principals()), users.keySet(), "one KafkaUser per principal of BusAccess");
        for (String principal : BusAccess.principals()) {
            JsonNode user = users.get(principal);
            assertEquals(cluster, user.at("/metadata/labels/strimzi.io~1cluster").asText(), principal);
            assertEquals("scram-sha-512", user.at("/spec/authentication/type").asText(), principal + " logs in");
            assertEquals("simple", user.at("/spec/authorization/type").asText(), principal + " has ACLs");
            Set<AclBinding> granted = ManifestAcls.withoutImpliedDescribe(ManifestAcls.ofKafkaUser(user));
            Set<AclBinding> expected = ManifestAcls.expected(principal);
            assertEquals(expected, granted, principal + ": " + ManifestAcls.difference(expected, granted));
        }
    }

    @Test
    void eachServiceMayUseWhatItsChannelsDeclareAndNothingMore() throws IOException {
        Map<String, JsonNode> users = kafkaUsers();
        for (String service : SERVICES) {
            ServiceBusUse use = ServiceBusUse.of(ROOT.resolve(service)
                    .resolve("src/main/resources/application.properties"));
            assertEquals(service, use.applicationName(), "the service logs in under its application name");
            Set<AclBinding> declared = use.bindings();
            Set<AclBinding> table = ManifestAcls.expected(service);
            assertEquals(declared, table, "BusAccess against " + service + "'s channels: "
                    + ManifestAcls.difference(declared, table));
            assertNotNull(users.get(service), "KafkaUser " + service);
            Set<AclBinding> granted = ManifestAcls.withoutImpliedDescribe(ManifestAcls.ofKafkaUser(users.get(service)));
            assertEquals(declared, granted, "KafkaUser against " + service + "'s channels: "
                    + ManifestAcls.difference(declared, granted));
        }
    }

    @Test
    void clientsReachKafkaOnlyOverTlsWithScramAndEachServiceWithItsOwnPassword() {
        JsonNode kafka = ofKind("Kafka").get(0);
        String cluster = kafka.at("/metadata/name").asText();
        Set<String> ports = new HashSet<>();
        for (JsonNode listener : kafka.at("/spec/kafka/listeners")) {
            String name = listener.path("name").asText();
            assertTrue(listener.path("tls").asBoolean(false), "listener " + name + " encrypts");
            assertEquals("scram-sha-512", listener.at("/authentication/type").asText(), "listener " + name
                    + " authenticates its clients");
            ports.add(listener.path("port").asText());
        }
        assertFalse(ports.isEmpty(), "clients have a listener");
        assertEquals("simple", kafka.at("/spec/kafka/authorization/type").asText(), "the ACLs are enforced");
        assertTrue(kafka.at("/spec/kafka/authorization/superUsers").isEmpty(), "nobody above the ACLs");
        assertFalse(kafka.at("/spec/kafka/config/allow.everyone.if.no.acl.found").asBoolean(false), "deny by default");
        for (String service : SERVICES) {
            JsonNode pod = ofKind("Deployment").stream()
                    .filter(d -> d.at("/metadata/name").asText().equals(service)).findFirst().orElseThrow()
                    .at("/spec/template/spec");
            Map<String, JsonNode> env = new HashMap<>();
            pod.at("/containers/0/env").forEach(e -> env.put(e.path("name").asText(), e));
            String bootstrap = env.get("KAFKA_BOOTSTRAP_SERVERS").path("value").asText();
            assertTrue(bootstrap.startsWith(cluster + "-kafka-bootstrap:")
                    && ports.contains(bootstrap.substring(bootstrap.lastIndexOf(':') + 1)), service + ": " + bootstrap);
            JsonNode protocol = env.get("KEYSTEP_KAFKA_SECURITY_PROTOCOL");
            assertTrue(protocol == null || protocol.path("value").asText().equals("SASL_SSL"), service + " uses TLS");
            JsonNode password = env.get("KEYSTEP_KAFKA_PASSWORD");
            assertNotNull(password, service + " has a Kafka password");
            assertEquals(service, password.at("/valueFrom/secretKeyRef/name").asText(), service
                    + "'s password comes from its KafkaUser's Secret");
            assertEquals("password", password.at("/valueFrom/secretKeyRef/key").asText(), service);
            KafkaAccessChecks.assertClusterCaMounted(pod, env.get("KEYSTEP_KAFKA_CA_FILE"),
                    cluster + "-cluster-ca-cert", service);
        }
    }

    @Test
    void composeBrokersAuthenticateEveryListenerAndTheInitJobGrantsExactlyBusAccess() throws IOException {
        JsonNode services = YAML.readTree(DEPLOY.resolve("compose.yaml").toFile()).path("services");
        String clientPort = "9092";
        for (var it = services.fields(); it.hasNext(); ) {
            var service = it.next();
            if (service.getValue().at("/environment/KAFKA_PROCESS_ROLES").asText().contains("broker")) {
                KafkaAccessChecks.assertComposeBrokerLocked(service.getKey(), service.getValue().path("environment"),
                        clientPort);
            }
        }
        for (String service : SERVICES) {
            JsonNode env = services.at("/" + service + "/environment");
            for (String server : env.path("KAFKA_BOOTSTRAP_SERVERS").asText().split(",")) {
                assertTrue(server.endsWith(":" + clientPort), service + " reaches the SCRAM listener: " + server);
            }
            assertEquals("SASL_PLAINTEXT", env.path("KEYSTEP_KAFKA_SECURITY_PROTOCOL").asText(), service);
            assertTrue(env.path("KEYSTEP_KAFKA_PASSWORD").asText()
                    .startsWith("${" + Secrets.kafkaPasswordName(service) + ":?"), service + "'s own Kafka password");
        }
        JsonNode job = services.path("kafka-topics");
        KafkaAccessChecks.assertComposeJobLogsInAsAdminAndCreatesUsers(job);
        Map<String, Set<AclBinding>> granted = new HashMap<>();
        for (String line : job.at("/command/0").asText().split("\n")) {
            if (line.contains("kafka-acls.sh")) {
                for (AclBinding binding : ManifestAcls.ofKafkaAclsLine(line)) {
                    granted.computeIfAbsent(binding.entry().principal().substring("User:".length()),
                            principal -> new HashSet<>()).add(binding);
                }
            }
        }
        assertEquals(new HashSet<>(BusAccess.principals()), granted.keySet(), "compose grants every principal");
        for (String principal : BusAccess.principals()) {
            Set<AclBinding> acls = ManifestAcls.withoutImpliedDescribe(granted.get(principal));
            Set<AclBinding> expected = ManifestAcls.expected(principal);
            assertEquals(expected, acls, "compose, " + principal + ": " + ManifestAcls.difference(expected, acls));
        }
    }

    private Map<String, JsonNode> kafkaUsers() {
        Map<String, JsonNode> users = new HashMap<>();
        ofKind("KafkaUser").forEach(user -> users.put(user.at("/metadata/name").asText(), user));
        return users;
    }

    @Test
    void servicesReachPostgresqlAsTheirOwnRolesFromSecretsAndNothingElseReachesIt() throws IOException {
        for (String service : List.of("challenge-service", "audit-service")) {
            String db = service.substring(0, service.indexOf('-'));
            JsonNode deployment = ofKind("Deployment").stream()
                    .filter(d -> d.at("/metadata/name").asText().equals(service)).findFirst().orElseThrow();
            Map<String, JsonNode> env = new HashMap<>();
            deployment.at("/spec/template/spec/containers/0/env").forEach(e -> env.put(e.path("name").asText(), e));
            Map<String, String> expected = Map.of(
                    "QUARKUS_DATASOURCE_USERNAME", "postgres-" + db + "-service",
                    "QUARKUS_DATASOURCE_PASSWORD", "postgres-" + db + "-service",
                    "QUARKUS_FLYWAY_USERNAME", "postgres-" + db + "-owner",
                    "QUARKUS_FLYWAY_PASSWORD", "postgres-" + db + "-owner");
            expected.forEach((name, secret) -> {
                JsonNode variable = env.get(name);
                assertNotNull(variable, service + " sets " + name);
                assertFalse(variable.has("value"), name + " of " + service + " has no literal value");
                assertEquals(secret, variable.at("/valueFrom/secretKeyRef/name").asText(), name + " of " + service);
            });
            JsonNode compose = YAML.readTree(DEPLOY.resolve("compose.yaml").toFile()).at("/services/" + service
                    + "/environment");
            assertEquals(db + "_service", compose.path("QUARKUS_DATASOURCE_USERNAME").asText(), service);
            assertEquals(db + "_owner", compose.path("QUARKUS_FLYWAY_USERNAME").asText(), service);
        }
        for (String service : SERVICES) {
            String manifest = ofKind("Deployment").stream().filter(d -> d.at("/metadata/name").asText().equals(service))
                    .findFirst().orElseThrow().toString();
            assertFalse(manifest.contains("postgres-superuser"), service + " never gets the superuser's password");
        }

        JsonNode policy = ofKind("NetworkPolicy").stream()
                .filter(p -> "postgres".equals(p.at("/spec/podSelector/matchLabels/app").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("a NetworkPolicy selects the PostgreSQL pods"));
        assertTrue(policy.at("/spec/policyTypes").toString().contains("Ingress"));
        Set<String> clients = new HashSet<>();
        policy.at("/spec/ingress").forEach(rule -> rule.path("from").forEach(peer -> {
            assertTrue(peer.has("podSelector") && !peer.has("namespaceSelector") && !peer.has("ipBlock"),
                    "only pods of this namespace, by label: " + peer);
            clients.add(peer.at("/podSelector/matchLabels/app").asText());
        }));
        assertEquals(Set.of("challenge-service", "audit-service"), clients);

        // the cluster bootstraps the same roles as compose
        String initSql = Files.readString(DEPLOY.resolve("postgres/init.sql"));
        JsonNode init = ofKind("ConfigMap").stream().filter(c -> "postgres-init".equals(c.at("/metadata/name").asText()))
                .findFirst().orElseThrow();
        assertEquals(initSql, init.at("/data/init.sql").asText());
        assertEquals(Files.readString(DEPLOY.resolve("postgres/init.sh")), init.at("/data/init.sh").asText());
        for (String role : List.of("challenge_owner", "challenge_service", "audit_owner", "audit_service",
                "audit_reader")) {
            assertTrue(initSql.contains("CREATE ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"), role);
        }
    }

    @Test
    void healthAndMetricsAreOnTheManagementPortWhichOnlyPrometheusReachesAndNoServiceExposes() throws IOException {
        JsonNode policy = ofKind("NetworkPolicy").stream()
                .filter(p -> p.at("/spec/podSelector").toString().contains("challenge-service")).findFirst()
                .orElseThrow(() -> new AssertionError("a NetworkPolicy selects the services' pods"));
        assertTrue(policy.at("/spec/policyTypes").toString().contains("Ingress"));
        for (String service : SERVICES) {
            String managementPort = serviceProperty(service, "quarkus.management.port");
            assertEquals("true", serviceProperty(service, "quarkus.management.enabled"), service);
            JsonNode deployment = ofKind("Deployment").stream()
                    .filter(d -> d.at("/metadata/name").asText().equals(service)).findFirst().orElseThrow();
            JsonNode container = deployment.at("/spec/template/spec/containers/0");
            Map<String, String> ports = new HashMap<>();
            container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asText()));
            assertEquals(managementPort, ports.get("management"), service + " names its management port");
            assertEquals(managementPort, deployment.at("/spec/template/metadata/annotations/prometheus.io~1port")
                    .asText(), service + " is scraped on its management port");
            JsonNode exposed = ofKind("Service").stream()
                    .filter(d -> d.at("/metadata/name").asText().equals(service)).findFirst().orElseThrow();
            exposed.at("/spec/ports").forEach(p -> assertFalse(
                    p.path("targetPort").asText().equals("management") || p.path("port").asText().equals(managementPort),
                    service + "'s Service does not expose the management port"));
            assertTrue(policy.at("/spec/podSelector").toString().contains("\"" + service + "\""), service
                    + "'s pods are under the policy");
        }
        boolean managementReachable = false;
        for (JsonNode rule : policy.at("/spec/ingress")) {
            boolean toManagement = rule.path("ports").isEmpty()
                    || rule.path("ports").toString().contains("\"management\"");
            if (toManagement) {
                managementReachable = true;
                assertFalse(rule.path("from").isEmpty(), "the management port is not open to everyone: " + rule);
                rule.path("from").forEach(peer -> assertFalse(peer.has("ipBlock"), "no address range: " + peer));
            }
        }
        assertTrue(managementReachable, "Prometheus reaches the management port");
        JsonNode monitor = ofKind("PodMonitor").stream().findFirst()
                .orElseThrow(() -> new AssertionError("a PodMonitor scrapes the services"));
        assertEquals("management", monitor.at("/spec/podMetricsEndpoints/0/port").asText());
        assertEquals("/q/metrics", monitor.at("/spec/podMetricsEndpoints/0/path").asText());
        for (String service : SERVICES) {
            assertTrue(monitor.at("/spec/selector").toString().contains("\"" + service + "\""), service + " is scraped");
        }
    }

    @Test
    void composeChecksEachServiceOnItsManagementPortAndPublishesOnlyTheApi() throws IOException {
        JsonNode services = YAML.readTree(DEPLOY.resolve("compose.yaml").toFile()).path("services");
        for (String service : SERVICES) {
            String api = serviceProperty(service, "quarkus.http.port");
            String management = serviceProperty(service, "quarkus.management.port");
            JsonNode definition = services.path(service);
            String check = definition.at("/healthcheck/test").toString();
            assertTrue(check.contains("/" + management) && check.contains("/q/health/ready"),
                    service + " is checked on its management port: " + check);
            List<String> published = new java.util.ArrayList<>();
            definition.path("ports").forEach(p -> published.add(p.asText()));
            assertEquals(List.of(api + ":" + api), published, service + " publishes its API only");
        }
    }

    /** A setting of a service's {@code application.properties}, without profile. */
    private static String serviceProperty(String service, String name) throws IOException {
        Properties properties = new Properties();
        properties.load(new StringReader(Files.readString(ROOT.resolve(service)
                .resolve("src/main/resources/application.properties"))));
        String value = properties.getProperty(name);
        assertNotNull(value, service + " sets " + name);
        return value;
    }

    /** What every service needs to verify bearer tokens: the key (a JWKS URL), the issuer and the audience. */
    private static final List<String> TOKEN_VERIFIER = List.of("MP_JWT_VERIFY_PUBLICKEY_LOCATION",
            "MP_JWT_VERIFY_ISSUER", "MP_JWT_VERIFY_AUDIENCES");

    private static boolean isSecret(String name) {
        return name.endsWith("PASSWORD") || name.endsWith("PEPPER") || name.endsWith("_KEYS")
                || name.endsWith("TOKEN") || name.endsWith("SECRET") || name.endsWith("PRIVATE_KEY")
                || name.endsWith("SIGNING_KEY") || name.endsWith("ORIGIN_KEY");
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
