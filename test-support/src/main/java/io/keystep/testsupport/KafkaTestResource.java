package io.keystep.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Points a Quarkus test at the shared real Kafka broker, which takes only authenticated clients. The service
 * logs in as its own principal (the kit names it after the application) with the password given here under
 * {@code keystep.test.kafka-passwords.<principal>}, so the broker's ACLs hold in every test as in production.
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        LocalKafka kafka = SharedServers.kafka();
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        config.put("kafka.security.protocol", "SASL_PLAINTEXT");
        kafka.credentials().passwords().forEach(
                (principal, password) -> config.put("keystep.test.kafka-passwords." + principal, password));
        return config;
    }

    @Override
    public void stop() {
        // shared by every test class of this JVM; stopped when the JVM exits
    }
}
