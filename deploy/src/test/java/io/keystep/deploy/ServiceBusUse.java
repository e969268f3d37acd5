package io.keystep.deploy;

import io.keystep.events.Topics;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a service really does on the bus, read from its {@code application.properties} the way SmallRye Reactive
 * Messaging reads it: an incoming channel reads its topics in its consumer group and writes its dead-letter topic;
 * an outgoing channel writes its topic. A channel without a topic takes the channel's name, a consumer without a
 * group the application's name.
 */
record ServiceBusUse(String applicationName, Set<String> reads, Set<String> writes, Set<String> groups) {

    private static final String INCOMING = "mp.messaging.incoming.";
    private static final String OUTGOING = "mp.messaging.outgoing.";
    /** Topics read without a channel or a consumer group (a plain consumer that assigns itself every partition). */
    private static final String ASSIGNED_READS = "keystep.bus.assigned-reads";

    /**
     * Channels whose topics a service's own ConfigSource supplies, not its properties: audit-service's
     * PlatformTopicsConfigSource gives {@code audit-in} every platform topic and its dead-letter topic.
     */
    private static final Map<String, List<String>> TOPICS_FROM_CONFIG_SOURCE = Map.of(
            "audit-service/audit-in", platformTopicsAndDeadLetters());

    static ServiceBusUse of(Path applicationProperties) throws IOException {
        Properties file = new Properties();
        file.load(new StringReader(Files.readString(applicationProperties)));
        Map<String, String> properties = new TreeMap<>();
        // The production profile overrides the plain keys; other profiles do not run in a deployment.
        file.stringPropertyNames().stream().filter(name -> !name.startsWith("%"))
                .forEach(name -> properties.put(name, file.getProperty(name).trim()));
        file.stringPropertyNames().stream().filter(name -> name.startsWith("%prod."))
                .forEach(name -> properties.put(name.substring("%prod.".length()), file.getProperty(name).trim()));
        String application = properties.get("quarkus.application.name");
        if (application == null) {
            throw new AssertionError(applicationProperties + " names the application");
        }
        Set<String> reads = new HashSet<>();
        Set<String> writes = new HashSet<>();
        Set<String> groups = new HashSet<>();
        for (String channel : channels(properties, INCOMING)) {
            Map<String, String> config = channelConfig(properties, INCOMING, channel);
            if (!isKafka(config)) {
                continue;
            }
            if (Boolean.parseBoolean(config.getOrDefault("pattern", "false"))) {
                throw new AssertionError(application + "/" + channel + " subscribes by pattern: list its topics");
            }
            reads.addAll(incomingTopics(application, channel, config));
            groups.add(config.getOrDefault("group.id", application));
            String deadLetters = config.get("dead-letter-queue.topic");
            if (deadLetters != null) {
                writes.add(deadLetters);
            } else if ("dead-letter-queue".equals(config.get("failure-strategy"))) {
                writes.add("dead-letter-topic-" + channel);
            }
        }
        // topics a service reads with a plain consumer by partition assignment: no channel, no group
        String assigned = properties.get(ASSIGNED_READS);
        if (assigned != null && !assigned.isBlank()) {
            reads.addAll(List.of(assigned.split("\\s*,\\s*")));
        }
        for (String channel : channels(properties, OUTGOING)) {
            Map<String, String> config = channelConfig(properties, OUTGOING, channel);
            if (isKafka(config)) {
                writes.add(config.getOrDefault("topic", channel));
            }
        }
        return new ServiceBusUse(application, reads, writes, groups);
    }

    /** The least ACLs that let the service do what it declares: the same shape as the local broker's. */
    Set<AclBinding> bindings() {
        String user = "User:" + applicationName;
        Set<AclBinding> bindings = new HashSet<>();
        writes.forEach(topic -> bindings.add(allow(ResourceType.TOPIC, topic, user, AclOperation.WRITE)));
        reads.forEach(topic -> bindings.add(allow(ResourceType.TOPIC, topic, user, AclOperation.READ)));
        groups.forEach(group -> bindings.add(allow(ResourceType.GROUP, group, user, AclOperation.READ)));
        return bindings;
    }

    private static List<String> incomingTopics(String application, String channel, Map<String, String> config) {
        if (config.containsKey("topics")) {
            return List.of(config.get("topics").split("\\s*,\\s*"));
        }
        if (config.containsKey("topic")) {
            return List.of(config.get("topic"));
        }
        return TOPICS_FROM_CONFIG_SOURCE.getOrDefault(application + "/" + channel, List.of(channel));
    }

    private static boolean isKafka(Map<String, String> config) {
        return config.getOrDefault("connector", "smallrye-kafka").equals("smallrye-kafka");
    }

    private static Set<String> channels(Map<String, String> properties, String prefix) {
        Set<String> channels = new HashSet<>();
        properties.keySet().stream().filter(name -> name.startsWith(prefix))
                .map(name -> name.substring(prefix.length()))
                .filter(rest -> rest.indexOf('.') > 0)
                .forEach(rest -> channels.add(rest.substring(0, rest.indexOf('.'))));
        return channels;
    }

    private static Map<String, String> channelConfig(Map<String, String> properties, String prefix, String channel) {
        Map<String, String> config = new TreeMap<>();
        String start = prefix + channel + ".";
        properties.forEach((name, value) -> {
            if (name.startsWith(start)) {
                config.put(name.substring(start.length()), value);
            }
        });
        return config;
    }

    private static List<String> platformTopicsAndDeadLetters() {
        List<String> topics = new ArrayList<>(Topics.ALL);
        Topics.ALL.forEach(topic -> topics.add(Topics.deadLetter(topic)));
        return topics;
    }

    private static AclBinding allow(ResourceType type, String name, String user, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry(user, "*", operation, AclPermissionType.ALLOW));
    }
}
