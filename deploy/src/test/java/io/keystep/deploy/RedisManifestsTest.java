package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.keystep.testsupport.RedisAcl;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The deployments' Redis trusts no one by default, as the tests' does: the ACL the manifests give Redis is the one
 * of {@link RedisAcl}, each service connects as its own user with a password from a Secret (never a literal, never
 * in a URL), and only the services that use Redis may reach it.
 */
class RedisManifestsTest {

    private static final Path DEPLOY = Path.of(".").toAbsolutePath().normalize();
    private static final Path ROOT = DEPLOY.getParent();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final List<JsonNode> kubernetes = KubernetesManifests.documents(DEPLOY, YAML);

    /** The ACL rules as the manifests state them: one line a user, its name then its rule. */
    private static String expectedRules() {
        return RedisAcl.rules().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining("\n", "", "\n"));
    }

    @Test
    void theServicesThatUseRedisAreTheOnesWithARedisUser() throws IOException {
        Set<String> using = new HashSet<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path module : modules.filter(m -> Files.exists(m.resolve("src/main/resources/application.properties")))
                    .toList()) {
                if (Files.readString(module.resolve("src/main/resources/application.properties"))
                        .contains("quarkus.redis.")) {
                    using.add(module.getFileName().toString());
                }
            }
        }
        assertEquals(RedisAcl.SERVICES.stream().map(RedisAcl.User::name).collect(Collectors.toSet()), using);
    }

    @Test
    void kubernetesRedisRunsTheAclOfTheTestsWithTheDefaultUserOff() {
        JsonNode acl = named("ConfigMap", "redis-acl");
        assertEquals(expectedRules(), acl.at("/data/users.acl").asText());
        assertTrue(acl.at("/data/users.acl").asText().startsWith("default off "), "the default user is off");

        JsonNode pod = named("StatefulSet", "redis").at("/spec/template/spec");
        JsonNode redis = pod.at("/containers/0");
        assertTrue(redis.path("args").toString().contains("\"--aclfile\""), redis.path("args").toString());
        assertEquals("redis-acl", volume(pod, "rules").at("/configMap/name").asText());
        assertEquals("keystep-redis", volume(pod, "passwords").at("/secret/secretName").asText());
        String writer = pod.at("/initContainers/0/command").toString();
        assertTrue(writer.contains("sha256sum"), "passwords reach Redis's ACL file only as their SHA-256");
        assertTrue(redis.at("/readinessProbe/exec/command").toString().contains("--user operator"),
                "the probe authenticates, since an anonymous PING is refused");
    }

    @Test
    void eachServiceConnectsAsItsOwnUserWithAPasswordFromASecret() {
        for (RedisAcl.User user : RedisAcl.SERVICES) {
            JsonNode container = named("Deployment", user.name()).at("/spec/template/spec/containers/0");
            Map<String, JsonNode> env = new HashMap<>();
            container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
            URI hosts = URI.create(env.get("QUARKUS_REDIS_HOSTS").path("value").asText());
            assertEquals(user.name(), hosts.getUserInfo(), "the URL names the user and no password");
            JsonNode password = env.get("KEYSTEP_REDIS_PASSWORD");
            assertNotNull(password, user.name() + " has a Redis password");
            assertEquals("keystep-redis", password.at("/valueFrom/secretKeyRef/name").asText());
            assertEquals(user.name(), password.at("/valueFrom/secretKeyRef/key").asText());
        }
        JsonNode audit = named("Deployment", "audit-service").at("/spec/template/spec/containers/0/env");
        assertFalse(audit.toString().contains("REDIS"), "audit-service has no business with Redis");
    }

    @Test
    void noContainerCarriesARedisPasswordAsALiteral() {
        for (JsonNode doc : kubernetes) {
            for (JsonNode container : containers(doc)) {
                container.path("env").forEach(variable -> {
                    String name = variable.path("name").asText();
                    if (name.contains("REDIS") && (name.endsWith("PASSWORD") || name.endsWith("AUTH"))) {
                        assertFalse(variable.has("value"), name + " of " + doc.at("/metadata/name").asText()
                                + " has a literal value");
                        assertTrue(variable.at("/valueFrom/secretKeyRef").isObject(), name + " comes from a Secret");
                    }
                    if (variable.path("value").asText().startsWith("redis")) {
                        assertFalse(URI.create(variable.path("value").asText()).getUserInfo() != null
                                && URI.create(variable.path("value").asText()).getUserInfo().contains(":"),
                                name + " carries a password in its URL");
                    }
                });
            }
        }
    }

    @Test
    void onlyTheServicesThatUseRedisReachIt() {
        JsonNode policy = ofKind("NetworkPolicy").stream()
                .filter(p -> "redis".equals(p.at("/spec/podSelector/matchLabels/app").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no NetworkPolicy selects the Redis pods"));
        assertTrue(policy.at("/spec/policyTypes").toString().contains("Ingress"));
        assertEquals(1, policy.at("/spec/ingress").size());
        JsonNode rule = policy.at("/spec/ingress/0");
        Set<String> allowed = new HashSet<>();
        rule.path("from").forEach(peer -> {
            assertTrue(peer.path("namespaceSelector").isMissingNode() && peer.path("ipBlock").isMissingNode(),
                    "only pods of the namespace, by label: " + peer);
            allowed.add(peer.at("/podSelector/matchLabels/app").asText());
        });
        assertEquals(RedisAcl.SERVICES.stream().map(RedisAcl.User::name).collect(Collectors.toSet()), allowed);
        assertEquals("6379", rule.at("/ports/0/port").asText());
        for (String service : allowed) {
            assertEquals(service, named("Deployment", service).at("/spec/template/metadata/labels/app").asText(),
                    "the policy's label selects " + service + "'s pods");
        }
    }

    @Test
    void composeRedisRunsTheSameAclAndEachServiceItsOwnUser() throws IOException {
        assertEquals(expectedRules(), Files.readString(DEPLOY.resolve("redis/users.acl")));
        JsonNode services = YAML.readTree(DEPLOY.resolve("compose.yaml").toFile()).path("services");
        JsonNode redis = services.path("redis");
        assertTrue(redis.path("volumes").toString().contains("./redis/users.acl:"), "the rules are mounted");
        assertTrue(redis.path("command").toString().contains("--aclfile"));
        for (RedisAcl.User user : RedisAcl.USERS) {
            assertTrue(redis.at("/environment/" + user.passwordVariable()).asText().startsWith("${"),
                    user.passwordVariable() + " comes from the environment");
        }
        for (RedisAcl.User user : RedisAcl.SERVICES) {
            JsonNode env = services.at("/" + user.name() + "/environment");
            assertEquals(user.name(), URI.create(env.path("QUARKUS_REDIS_HOSTS").asText()).getUserInfo());
            assertEquals("${" + user.passwordVariable() + ":?set it in deploy/.env}",
                    env.path("KEYSTEP_REDIS_PASSWORD").asText());
        }
        assertNull(services.at("/audit-service/environment").get("QUARKUS_REDIS_HOSTS"));
        String example = Files.readString(DEPLOY.resolve(".env.example"));
        for (RedisAcl.User user : RedisAcl.USERS) {
            assertTrue(example.contains("\n" + user.passwordVariable() + "=\n"), user.passwordVariable());
        }
    }

    private static JsonNode volume(JsonNode pod, String name) {
        for (JsonNode volume : pod.path("volumes")) {
            if (volume.path("name").asText().equals(name)) {
                return volume;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    private static List<JsonNode> containers(JsonNode doc) {
        List<JsonNode> containers = new ArrayList<>();
        JsonNode pod = doc.at("/spec/template/spec");
        pod.path("containers").forEach(containers::add);
        pod.path("initContainers").forEach(containers::add);
        return containers;
    }

    private JsonNode named(String kind, String name) {
        return ofKind(kind).stream().filter(d -> d.at("/metadata/name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    private List<JsonNode> ofKind(String kind) {
        return kubernetes.stream().filter(doc -> kind.equals(doc.path("kind").asText())).toList();
    }
}
