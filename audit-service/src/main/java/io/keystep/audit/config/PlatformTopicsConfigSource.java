package io.keystep.audit.config;

import io.keystep.events.Topics;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gives the audit channel its topic list from {@link Topics#ALL} and their dead-letter topics, so that a topic
 * added to the platform is audited without a configuration change. application.properties or the environment
 * ({@code MP_MESSAGING_INCOMING_AUDIT_IN_TOPICS}) can still override it (this source ranks below them).
 */
public class PlatformTopicsConfigSource implements ConfigSource {

    static final String PROPERTY = "mp.messaging.incoming.audit-in.topics";

    @Override
    public Map<String, String> getProperties() {
        return Map.of(PROPERTY, topics());
    }

    @Override
    public Set<String> getPropertyNames() {
        return Set.of(PROPERTY);
    }

    @Override
    public String getValue(String propertyName) {
        return PROPERTY.equals(propertyName) ? topics() : null;
    }

    @Override
    public String getName() {
        return "keystep-platform-topics";
    }

    @Override
    public int getOrdinal() {
        return 200;
    }

    static String topics() {
        List<String> topics = new ArrayList<>(Topics.ALL);
        Topics.ALL.forEach(topic -> topics.add(Topics.deadLetter(topic)));
        return String.join(",", topics);
    }
}
