package io.keystep.testsupport;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) in this JVM, closed to anyone
 * without credentials: clients authenticate with SASL/SCRAM-SHA-512, the broker authorises each request with
 * KRaft's {@code StandardAuthorizer} against the ACLs of {@link io.keystep.events.BusAccess}, and denies whatever
 * no ACL allows. The controller listener takes only the broker itself (SASL/PLAIN: SCRAM credentials live in
 * the metadata the controller serves, so they cannot guard it).
 */
public final class LocalKafka implements AutoCloseable {

    private static final String CLIENTS = "CLIENTS";
    private static final String CONTROLLER = "CONTROLLER";

    private final KafkaRaftServer server;
    private final Path logDir;
    private final String bootstrapServers;
    private final BusCredentials credentials;

    private LocalKafka(KafkaRaftServer server, Path logDir, String bootstrapServers, BusCredentials credentials) {
        this.server = server;
        this.logDir = logDir;
        this.bootstrapServers = bootstrapServers;
        this.credentials = credentials;
    }

    /** A broker this JVM already runs (started from another class loader), which closing leaves running. */
    public static LocalKafka attach(String bootstrapServers, BusCredentials credentials) {
        return new LocalKafka(null, null, bootstrapServers, credentials);
    }

    /** Starts a broker on {@code port} (a free port when 0) with fresh random credentials. */
    public static LocalKafka start(int port) {
        return start(port, BusCredentials.generate());
    }

    /** Starts a broker on {@code port} (a free port when 0) whose principals have these passwords. */
    public static LocalKafka start(int port, BusCredentials credentials) {
        int[] free = FreePorts.distinct(2);
        int clientPort = port > 0 ? port : free[0];
        int controllerPort = free[1];
        try {
            Path logDir = Files.createTempDirectory("keystep-kafka");
            Properties props = brokerConfig(clientPort, controllerPort, logDir, credentials);
            KafkaConfig config = KafkaConfig.fromProps(props, false);
            format(config, logDir, credentials);
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            LocalKafka kafka = new LocalKafka(server, logDir, "localhost:" + clientPort, credentials);
            try (Admin admin = kafka.admin()) {
                BusAccessSetup.applyAcls(admin);
            }
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start Kafka", e);
        }
    }

    private static Properties brokerConfig(int clientPort, int controllerPort, Path logDir,
                                           BusCredentials credentials) {
        String brokerPassword = credentials.password(BusCredentials.BROKER);
        Properties p = new Properties();
        p.put("node.id", "0");
        p.put("process.roles", "broker,controller");
        p.put("controller.quorum.voters", "0@localhost:" + controllerPort);
        p.put("listeners", CLIENTS + "://localhost:" + clientPort + "," + CONTROLLER + "://localhost:" + controllerPort);
        p.put("advertised.listeners", CLIENTS + "://localhost:" + clientPort);
        p.put("listener.security.protocol.map", CLIENTS + ":SASL_PLAINTEXT," + CONTROLLER + ":SASL_PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER);
        p.put("inter.broker.listener.name", CLIENTS);
        p.put("log.dirs", logDir.toString());

        p.put("sasl.enabled.mechanisms", BusCredentials.MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", BusCredentials.MECHANISM);
        p.put("listener.name.clients.scram-sha-512.sasl.jaas.config",
                BusCredentials.jaas(BusCredentials.BROKER, brokerPassword));
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        p.put("listener.name.controller.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + BusCredentials.BROKER
                        + "\" password=\"" + brokerPassword + "\" user_" + BusCredentials.BROKER + "=\""
                        + brokerPassword + "\";");
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + BusCredentials.BROKER + ";User:" + BusCredentials.ADMIN);
        p.put("allow.everyone.if.no.acl.found", "false");

        // Topics are created by the operator, never by a client that happens to name one.
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "3");
        p.put("default.replication.factor", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("offsets.topic.num.partitions", "5");
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("controlled.shutdown.enable", "false");
        return p;
    }

    /** Formats the log directory with the SCRAM credential of every principal already in the first metadata. */
    private static void format(KafkaConfig config, Path logDir, BusCredentials credentials) {
        List<String> scram = BusCredentials.allPrincipals().stream()
                .map(principal -> BusCredentials.MECHANISM + "=[name=" + principal + ",password="
                        + credentials.password(principal) + "]")
                .toList();
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setClusterId(Uuid.randomUuid().toString())
                    .setNodeId(config.nodeId())
                    .setControllerListenerName(CONTROLLER)
                    .setMetadataLogDirectory(logDir.toString())
                    .setDirectories(List.of(logDir.toString()))
                    .setScramArguments(scram)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("could not format the Kafka log directory", e);
        }
    }

    /** The bootstrap servers clients connect to, as {@code host:port}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    public BusCredentials credentials() {
        return credentials;
    }

    /** What a Java client needs to connect as {@code principal}. */
    public Map<String, Object> clientConfig(String principal) {
        return credentials.clientConfig(bootstrapServers, principal);
    }

    /** What a Java client needs to connect as {@code principal}, with the client's own settings added. */
    public Map<String, Object> clientConfig(String principal, Map<String, ?> settings) {
        Map<String, Object> config = new java.util.HashMap<>(clientConfig(principal));
        config.putAll(settings);
        return config;
    }

    /** What a Java client needs to connect as the operator, who may do anything. */
    public Map<String, Object> adminConfig() {
        return clientConfig(BusCredentials.ADMIN);
    }

    /** A test companion that connects as the operator, to stand in for any producer or consumer of the bus. */
    public io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion operatorCompanion() {
        var companion = new io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion(bootstrapServers);
        Map<String, Object> login = new java.util.HashMap<>(adminConfig());
        login.remove("bootstrap.servers");
        companion.setCommonClientConfig(login);
        return companion;
    }

    /** What a Java client needs to connect as the operator, with the client's own settings added. */
    public Map<String, Object> adminConfig(Map<String, ?> settings) {
        return clientConfig(BusCredentials.ADMIN, settings);
    }

    /** An admin client of the operator. */
    public Admin admin() {
        return Admin.create(adminConfig());
    }

    /** Creates the topics that do not exist yet, so that no consumer waits for them. */
    public void createTopics(Collection<String> names, int partitions) {
        try (Admin admin = admin()) {
            BusAccessSetup.createTopics(admin, names, partitions);
        }
    }

    @Override
    public void close() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        try {
            Utils.delete(logDir.toFile());
        } catch (IOException ignored) {
            // a temporary directory; the system cleans it up eventually
        }
    }
}
