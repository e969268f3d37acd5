package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.testsupport.BusAccessSetup;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The Kafka ACLs a deployment file grants, read from a Strimzi {@code KafkaUser} or a {@code kafka-acls.sh --add}
 * line, as the bindings the local broker is given ({@link BusAccessSetup#bindings()}), so that both compare.
 * Anything the reader does not understand fails the test rather than being skipped.
 */
final class ManifestAcls {

    private ManifestAcls() {
    }

    /** What {@code BusAccess} grants {@code principal}, as the local broker enforces it. */
    static Set<AclBinding> expected(String principal) {
        return BusAccessSetup.bindings().stream()
                .filter(binding -> binding.entry().principal().equals("User:" + principal))
                .collect(Collectors.toSet());
    }

    /** The ACLs of a Strimzi {@code KafkaUser} (simple authorization), its name being the principal. */
    static Set<AclBinding> ofKafkaUser(JsonNode user) {
        String principal = "User:" + user.at("/metadata/name").asText();
        Set<AclBinding> bindings = new HashSet<>();
        for (JsonNode rule : user.at("/spec/authorization/acls")) {
            require(rule.path("type").asText("allow").equals("allow"), "only allow rules: " + rule);
            require(rule.path("host").asText("*").equals("*"), "no host-bound rule: " + rule);
            ResourcePattern resource = new ResourcePattern(resourceType(rule.at("/resource/type").asText()),
                    rule.at("/resource/name").asText(),
                    patternType(rule.at("/resource/patternType").asText("literal")));
            List<String> operations = new ArrayList<>();
            rule.path("operations").forEach(operation -> operations.add(operation.asText()));
            if (rule.has("operation")) {
                operations.add(rule.path("operation").asText());
            }
            require(!operations.isEmpty(), "a rule names its operations: " + rule);
            for (String operation : operations) {
                bindings.add(allow(resource, principal, operation));
            }
        }
        return bindings;
    }

    /** The ACLs one {@code kafka-acls.sh --add ...} line of a shell script creates. */
    static Set<AclBinding> ofKafkaAclsLine(String line) {
        List<String> words = List.of(line.trim().split("\\s+"));
        require(words.contains("--add"), "an ACL line adds: " + line);
        List<String> principals = new ArrayList<>();
        List<String> operations = new ArrayList<>();
        List<String[]> resources = new ArrayList<>();
        PatternType pattern = PatternType.LITERAL;
        for (int i = 1; i < words.size(); i++) {
            String word = words.get(i);
            switch (word) {
                case "--add" -> { }
                case "--bootstrap-server", "--command-config" -> i++;
                case "--allow-principal" -> principals.add(words.get(++i));
                case "--allow-host" -> require(words.get(++i).equals("*"), "no host-bound ACL: " + line);
                case "--operation" -> operations.add(words.get(++i));
                case "--topic", "--group", "--transactional-id" -> resources.add(new String[] {word, words.get(++i)});
                case "--cluster" -> resources.add(new String[] {word, "kafka-cluster"});
                case "--resource-pattern-type" -> pattern = patternType(words.get(++i));
                default -> require(word.startsWith("$"), "unknown option " + word + " in: " + line);
            }
        }
        require(!principals.isEmpty() && !operations.isEmpty() && !resources.isEmpty(),
                "an ACL line names principal, operation and resource: " + line);
        Set<AclBinding> bindings = new HashSet<>();
        for (String[] resource : resources) {
            ResourcePattern onto = new ResourcePattern(resourceType(resource[0].substring(2)), resource[1], pattern);
            for (String principal : principals) {
                for (String operation : operations) {
                    bindings.add(allow(onto, principal, operation));
                }
            }
        }
        return bindings;
    }

    /**
     * Drops an explicit Describe where the same principal may read, write, delete or alter the same resource:
     * Kafka implies it there, so a file that spells it grants nothing more.
     */
    static Set<AclBinding> withoutImpliedDescribe(Set<AclBinding> bindings) {
        Set<AclOperation> implying = Set.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE,
                AclOperation.ALTER);
        return bindings.stream()
                .filter(binding -> binding.entry().operation() != AclOperation.DESCRIBE
                        || bindings.stream().noneMatch(other -> other.pattern().equals(binding.pattern())
                        && other.entry().principal().equals(binding.entry().principal())
                        && implying.contains(other.entry().operation())))
                .collect(Collectors.toSet());
    }

    /** What is missing and what is too much, one ACL a line, for an assertion message. */
    static String difference(Set<AclBinding> expected, Set<AclBinding> actual) {
        return "missing " + describe(minus(expected, actual)) + ", too much " + describe(minus(actual, expected));
    }

    private static Set<AclBinding> minus(Set<AclBinding> a, Set<AclBinding> b) {
        Set<AclBinding> rest = new HashSet<>(a);
        rest.removeAll(b);
        return rest;
    }

    private static String describe(Set<AclBinding> bindings) {
        return bindings.stream()
                .map(b -> b.entry().principal() + " " + b.entry().operation() + " " + b.pattern().resourceType()
                        + " " + b.pattern().name() + " (" + b.pattern().patternType() + ")")
                .collect(Collectors.toCollection(TreeSet::new)).toString();
    }

    private static AclBinding allow(ResourcePattern resource, String principal, String operation) {
        // IdempotentWrite, DescribeConfigs... are IDEMPOTENT_WRITE, DESCRIBE_CONFIGS... to Kafka.
        AclOperation parsed = AclOperation.fromString(operation.replaceAll("([a-z])([A-Z])", "$1_$2")
                .replace('-', '_'));
        require(parsed != AclOperation.UNKNOWN, "unknown operation " + operation);
        return new AclBinding(resource, new AccessControlEntry(principal, "*", parsed, AclPermissionType.ALLOW));
    }

    private static ResourceType resourceType(String name) {
        ResourceType type = switch (name.toLowerCase(Locale.ROOT)) {
            case "topic" -> ResourceType.TOPIC;
            case "group" -> ResourceType.GROUP;
            case "cluster" -> ResourceType.CLUSTER;
            case "transactionalid", "transactional-id" -> ResourceType.TRANSACTIONAL_ID;
            default -> ResourceType.UNKNOWN;
        };
        require(type != ResourceType.UNKNOWN, "unknown resource type " + name);
        return type;
    }

    private static PatternType patternType(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "literal" -> PatternType.LITERAL;
            case "prefix", "prefixed" -> PatternType.PREFIXED;
            default -> throw new AssertionError("unknown pattern type " + name);
        };
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
