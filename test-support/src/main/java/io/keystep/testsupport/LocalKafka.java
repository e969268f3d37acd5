package io.keystep.testsupport;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** A real single-node Apache Kafka broker (KRaft, combined broker and controller) in this JVM. */
public final class LocalKafka implements AutoCloseable {

    private final EmbeddedKafkaBroker broker;

    private LocalKafka(EmbeddedKafkaBroker broker) {
        this.broker = broker;
    }

    /** Starts a broker on {@code port}, or on a free port when {@code port} is 0. */
    public static LocalKafka start(int port) {
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker()
                .withNodeId(0)
                .withDeleteLogDirsOnClose(true)
                .withAdditionalProperties(p -> {
                    p.put("num.partitions", "3");
                    p.put("auto.create.topics.enable", "true");
                    p.put("group.initial.rebalance.delay.ms", "0");
                    p.put("offsets.topic.num.partitions", "5");
                    p.put("offsets.topic.replication.factor", "1");
                    p.put("transaction.state.log.replication.factor", "1");
                    p.put("transaction.state.log.min.isr", "1");
                });
        if (port > 0) {
            broker.withKafkaPort(port);
        }
        broker.start();
        return new LocalKafka(broker);
    }

    /** The bootstrap servers clients connect to, as {@code host:port}. */
    public String bootstrapServers() {
        String listeners = broker.getAdvertisedListeners();
        return listeners.replaceAll("[A-Z_]+://", "");
    }

    /** Creates the topics that do not exist yet, so that no consumer waits for auto-creation. */
    public void createTopics(Collection<String> names, int partitions) {
        createTopics(bootstrapServers(), names, partitions);
    }

    /** Creates the topics that do not exist yet on any broker or cluster, with the cluster's replication. */
    public static void createTopics(String bootstrapServers, Collection<String> names, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            Set<NewTopic> missing = names.stream()
                    .filter(name -> !existing.contains(name))
                    .map(name -> new NewTopic(name, Optional.of(partitions), Optional.empty()))
                    .collect(Collectors.toSet());
            // Per topic: the admin client retries a creation the broker was slow to answer, and a retry of a
            // creation that did succeed reports the topic as existing. That, or another JVM's creation, is fine.
            for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> created
                    : admin.createTopics(missing).values().entrySet()) {
                try {
                    created.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not create topics " + names, e);
        }
    }

    @Override
    public void close() {
        broker.close();
    }
}
