package io.keystep.deploy;

import io.keystep.testsupport.ApnsStandIn;
import io.keystep.testsupport.BusAccessSetup;
import io.keystep.testsupport.BusCredentials;
import io.keystep.testsupport.DatabaseRoles;
import io.keystep.testsupport.FcmStandIn;
import io.keystep.testsupport.LocalKafka;
import io.keystep.testsupport.LocalPostgres;
import io.keystep.testsupport.LocalRedis;
import io.keystep.testsupport.RedisAcl;
import io.keystep.testsupport.SharedServers;
import io.keystep.testsupport.SmsSink;
import io.vertx.redis.client.RedisOptions;

import org.apache.kafka.clients.admin.Admin;

import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The whole platform on one machine: a real Kafka broker (KRaft), Redis and PostgreSQL (started here unless
 * the environment names running ones), an SMS sink standing in for the provider, FCM and APNs stand-ins for push
 * approval (each with its devices' inbox), the four services as processes of their own, and a demo gateway's passkey
 * page. Closing it stops everything it started, services first.
 */
public final class LocalStack implements AutoCloseable {

    /** Environment variables that name servers already running, instead of starting local ones. */
    public static final String KAFKA_ENV = "KEYSTEP_KAFKA_BOOTSTRAP_SERVERS";
    /** The password of the operator (user {@code admin}, a super user) of a broker named by {@link #KAFKA_ENV}. */
    public static final String KAFKA_ADMIN_PASSWORD_ENV = "KEYSTEP_KAFKA_ADMIN_PASSWORD";
    public static final String REDIS_ENV = "KEYSTEP_REDIS_URL";
    public static final String POSTGRES_ENV = "KEYSTEP_POSTGRES_URL";

    private final List<AutoCloseable> started = new ArrayList<>();
    private final Map<String, ServiceProcess> services = new LinkedHashMap<>();
    private AccessTokens tokens;
    private Secrets secrets;
    private String kafkaBootstrap;
    private BusCredentials kafkaCredentials;
    private String redisUrl;
    private Map<String, String> redisPasswords;
    private SmsSink smsSink;
    private FcmStandIn fcm;
    private ApnsStandIn apns;
    private DemoGateway demoGateway;
    private URI postgresUrl;
    private final Map<String, DatabaseRoles.Roles> databases = new HashMap<>();

    private LocalStack() {
    }

    /**
     * Starts the stack.
     *
     * @param root    the repository root, where each service's packaged application is found
     * @param ports   where each part listens
     * @param secrets the secrets the services are given
     * @param env     the environment to read external server locations from
     * @param logDir  where each service's log file goes
     * @param out     where progress is reported
     */
    public static LocalStack start(Path root, StackPorts ports, Secrets secrets, Map<String, String> env, Path logDir,
                                   PrintStream out) {
        LocalStack stack = new LocalStack();
        stack.tokens = new AccessTokens(secrets);
        stack.secrets = secrets;
        try {
            stack.startServers(ports, secrets, env, out);
            stack.startServices(root, ports, secrets, logDir, out);
            stack.demoGateway = stack.keep(DemoGateway.startFor(stack, ports.demoGateway()));
            out.println("  demo gateway      " + stack.demoGateway.url() + "/  (a passkey sign-up and login, tenant "
                    + Demo.TENANT + ")");
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startServers(StackPorts ports, Secrets secrets, Map<String, String> env, PrintStream out) {
        kafkaBootstrap = env.get(KAFKA_ENV);
        kafkaCredentials = secrets.kafka();
        if (kafkaBootstrap == null || kafkaBootstrap.isBlank()) {
            out.println("  starting Kafka...");
            LocalKafka kafka = keep(LocalKafka.start(ports.kafka(), kafkaCredentials));
            kafkaBootstrap = kafka.bootstrapServers();
            out.println("  kafka      " + kafkaBootstrap + "  (KRaft, in this process; SASL/SCRAM and ACLs)");
        } else {
            // A broker of the operator's: its admin creates this stack's users and ACLs, as the local broker has them.
            String adminPassword = env.get(KAFKA_ADMIN_PASSWORD_ENV);
            if (adminPassword == null || adminPassword.isBlank()) {
                throw new IllegalStateException(KAFKA_ENV + " needs " + KAFKA_ADMIN_PASSWORD_ENV
                        + ", the password of its SCRAM-SHA-512 user admin, to create this stack's users and ACLs");
            }
            Map<String, String> passwords = new HashMap<>(kafkaCredentials.passwords());
            passwords.put(BusCredentials.ADMIN, adminPassword);
            kafkaCredentials = BusCredentials.of(passwords);
            try (Admin admin = Admin.create(kafkaCredentials.clientConfig(kafkaBootstrap, BusCredentials.ADMIN))) {
                BusAccessSetup.applyUsers(admin, kafkaCredentials);
                BusAccessSetup.applyAcls(admin);
            }
            out.println("  kafka      " + kafkaBootstrap + "  (from " + KAFKA_ENV + ")");
        }
        try (Admin admin = Admin.create(kafkaClientConfig(BusCredentials.ADMIN))) {
            BusAccessSetup.createTopics(admin, SharedServers.platformTopics(), 3);
        }

        redisUrl = env.get(REDIS_ENV);
        redisPasswords = secrets.redisPasswords();
        if (redisUrl == null || redisUrl.isBlank()) {
            out.println("  starting Redis...");
            redisUrl = keep(LocalRedis.start(ports.redis(), redisPasswords)).url();
            out.println("  redis      " + redisUrl);
        } else {
            // That Redis must know the users of RedisAcl, with the passwords of the secrets file.
            out.println("  redis      " + redisUrl + "  (from " + REDIS_ENV + ")");
        }

        String postgresUrl = env.get(POSTGRES_ENV);
        if (postgresUrl == null || postgresUrl.isBlank()) {
            out.println("  starting PostgreSQL...");
            LocalPostgres postgres = keep(LocalPostgres.start(ports.postgres()));
            postgresUrl = "postgresql://" + LocalPostgres.USER + ":" + LocalPostgres.superuserPassword()
                    + "@localhost:" + postgres.port();
            out.println("  postgresql localhost:" + postgres.port());
        } else {
            out.println("  postgresql " + URI.create(postgresUrl).getHost() + ":" + URI.create(postgresUrl).getPort()
                    + "  (from " + POSTGRES_ENV + ")");
        }
        this.postgresUrl = URI.create(postgresUrl);

        smsSink = keep(SmsSink.start(ports.smsSink(), secrets.smsAccountSid(), secrets.smsAuthToken()));
        out.println("  sms sink   " + smsSink.baseUrl() + "/  (every SMS the platform sent)");
        fcm = keep(FcmStandIn.start(ports.fcm(), LOCAL_FCM_PROJECT, secrets.fcmServiceAccount()));
        out.println("  fcm        " + fcm.baseUrl() + "  (a phone's pushes: " + fcm.inboxUrl("<token>") + ")");
        apns = keep(ApnsStandIn.start(ports.apns(), ports.apnsInbox(), LOCAL_APP_BUNDLE_ID, LOCAL_APNS_TEAM,
                LOCAL_APNS_KEY_ID, secrets.apnsSigningKey()));
        out.println("  apns       " + apns.serverUrl() + "  (HTTP/2; a phone's pushes: " + apns.inboxUrl("<token>")
                + ")");
    }

    /**
     * The database and its roles (owner for migrations, the service's own, the compliance reader), bootstrapped by
     * the user the URL names (a superuser); the roles' passwords are generated for this run.
     */
    private DatabaseRoles.Roles database(String name) {
        String[] credentials = postgresUrl.getUserInfo().split(":", 2);
        DatabaseRoles.Roles roles = DatabaseRoles.bootstrap(postgresUrl.getHost(), postgresUrl.getPort(),
                credentials[0], credentials.length > 1 ? credentials[1] : "", name, DatabaseRoles.hasReader(name),
                LocalPostgres::passwordOf);
        databases.put(name, roles);
        return roles;
    }

    /** The roles of a database of the stack ({@code challenge} or {@code audit}), once started. */
    public DatabaseRoles.Roles databaseRoles(String name) {
        DatabaseRoles.Roles roles = databases.get(name);
        if (roles == null) {
            throw new IllegalArgumentException("no database " + name);
        }
        return roles;
    }

    /** The Firebase project, Apple team, APNs key id and app (bundle id) of the local push stand-ins. */
    public static final String LOCAL_FCM_PROJECT = "keystep-local";
    public static final String LOCAL_APNS_TEAM = "KEYSTEPDEV";
    public static final String LOCAL_APNS_KEY_ID = "LOCALKEY01";
    public static final String LOCAL_APP_BUNDLE_ID = "dev.keystep.authenticator";

    /** The Content SID of the local account's WhatsApp authentication template (the sink checks its shape only). */
    public static final String LOCAL_WHATSAPP_TEMPLATE = "HX00000000000000000000000000000001";

    private void startServices(Path root, StackPorts ports, Secrets secrets, Path logDir, PrintStream out) {
        Map<String, String> common = new HashMap<>();
        common.put("KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrap);
        // On loopback (or the operator's own network) without TLS; each service logs in as itself below.
        common.put("KEYSTEP_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        common.putAll(AccessTokens.verifierEnvironment(secrets, logDir.resolve("token-issuer.pem")));
        // Health, metrics and the API description answer on this machine only.
        common.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");

        Map<String, String> risk = new HashMap<>(common);
        risk.putAll(redisClient("risk-service"));
        risk.put("KEYSTEP_TRUSTED_DEVICES_PUBLIC_KEY", secrets.trustedDevicePublicKey());

        Map<String, String> challenge = new HashMap<>(common);
        challenge.putAll(redisClient("challenge-service"));
        challenge.putAll(datasource(database("challenge")));
        challenge.put("KEYSTEP_CHALLENGE_CODE_PEPPER", secrets.codePepper());
        challenge.put("KEYSTEP_SEALING_KEYS", secrets.sealingKeys());
        challenge.put("KEYSTEP_FACTORS_ENCRYPTION_KEYS", secrets.factorEncryptionKeys());
        challenge.put("KEYSTEP_TRUSTED_DEVICES_SIGNING_KEY", secrets.trustedDeviceSigningKey());

        Map<String, String> delivery = new HashMap<>(common);
        delivery.putAll(redisClient("delivery-service"));
        delivery.put("KEYSTEP_SEALING_KEYS", secrets.sealingKeys());
        delivery.put("KEYSTEP_DELIVERY_SMS_BASE_URL", smsSink.baseUrl());
        delivery.put("KEYSTEP_DELIVERY_SMS_ACCOUNT_SID", secrets.smsAccountSid());
        delivery.put("KEYSTEP_DELIVERY_SMS_AUTH_TOKEN", secrets.smsAuthToken());
        delivery.put("KEYSTEP_DELIVERY_SMS_FROM", "+15005550006");
        // The sink stands in for an account that carries WhatsApp too, with an approved authentication template.
        delivery.put("KEYSTEP_DELIVERY_SMS_CHANNELS", "sms,whatsapp");
        delivery.put("KEYSTEP_DELIVERY_SMS_WHATSAPP_CONTENT_SID", LOCAL_WHATSAPP_TEMPLATE);
        delivery.put("KEYSTEP_EVENT_ORIGIN_KEY", secrets.eventOriginKey());
        challenge.put("KEYSTEP_EVENT_ORIGIN_KEY", secrets.eventOriginKey());
        // The pairing links the phone app opens point at challenge-service's API.
        challenge.put("KEYSTEP_PUSH_PAIRING_BASE_URL", "http://127.0.0.1:" + ports.challenge());
        delivery.putAll(pushSettings());

        Map<String, String> audit = new HashMap<>(common);
        audit.putAll(datasource(database("audit")));
        audit.put("KEYSTEP_AUDIT_CHECKPOINT_PRIVATE_KEY", secrets.auditCheckpointPrivateKey());
        audit.put("KEYSTEP_AUDIT_CHECKPOINT_PUBLIC_KEY", secrets.auditCheckpointPublicKey());
        audit.put("KEYSTEP_AUDIT_CHECKPOINT_KEY_ID", "local-1");
        audit.put("KEYSTEP_EVENT_ORIGIN_KEY", secrets.eventOriginKey());

        // Started together: on two cores four JVMs booting side by side still beat one after another.
        launch(root, "risk-service", ports.risk(), ports.riskManagement(), risk, logDir);
        launch(root, "challenge-service", ports.challenge(), ports.challengeManagement(), challenge, logDir);
        launch(root, "delivery-service", ports.delivery(), ports.deliveryManagement(), delivery, logDir);
        launch(root, "audit-service", ports.audit(), ports.auditManagement(), audit, logDir);
        services.put(CONSOLE, ServiceProcess.start(CONSOLE, root.resolve("console/target/quarkus-app/quarkus-run.jar"),
                ports.console(), ports.consoleManagement(), consoleEnvironment(secrets, ports), logDir.resolve(CONSOLE
                        + ".log")));
        out.println("  starting risk-, challenge-, delivery- and audit-service and the console; waiting until each is"
                + " ready...");
        for (ServiceProcess service : services.values()) {
            service.awaitReady(Duration.ofSeconds(180));
            out.println("  " + String.format("%-18s", service.name()) + service.url() + "  (health, metrics: "
                    + service.managementUrl() + "/q; log: " + service.logFile() + ")");
        }
    }

    /** The console's name among the stack's processes. */
    public static final String CONSOLE = "console";

    /**
     * The console of the local run: it calls this stack's services and signs people in with a form that mints tokens
     * with the local issuer's key, answering on loopback only (it refuses to start otherwise).
     */
    private static Map<String, String> consoleEnvironment(Secrets secrets, StackPorts ports) {
        Map<String, String> console = new HashMap<>();
        console.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        console.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        console.put("KEYSTEP_CONSOLE_SIGN_IN", "local");
        console.put("QUARKUS_OIDC_TENANT_ENABLED", "false");
        console.put("KEYSTEP_CONSOLE_LOCAL_ISSUER_PRIVATE_KEY", secrets.tokenIssuerPrivateKey());
        console.put("KEYSTEP_CONSOLE_LOCAL_ISSUER_ISSUER", AccessTokens.ISSUER);
        console.put("KEYSTEP_CONSOLE_LOCAL_ISSUER_AUDIENCE", AccessTokens.AUDIENCE);
        console.put("KEYSTEP_CONSOLE_SERVICES_RISK", "http://127.0.0.1:" + ports.risk());
        console.put("KEYSTEP_CONSOLE_SERVICES_CHALLENGE", "http://127.0.0.1:" + ports.challenge());
        console.put("KEYSTEP_CONSOLE_SERVICES_DELIVERY", "http://127.0.0.1:" + ports.delivery());
        console.put("KEYSTEP_CONSOLE_SERVICES_AUDIT", "http://127.0.0.1:" + ports.audit());
        return console;
    }

    /** delivery-service's FCM and APNs settings, pointing at this stack's stand-ins with their credentials. */
    private Map<String, String> pushSettings() {
        Map<String, String> push = new HashMap<>();
        push.put("KEYSTEP_DELIVERY_PUSH_FCM_PROJECT_ID", fcm.projectId());
        push.put("KEYSTEP_DELIVERY_PUSH_FCM_CLIENT_EMAIL", fcm.clientEmail());
        push.put("KEYSTEP_DELIVERY_PUSH_FCM_PRIVATE_KEY", fcm.privateKeyPem());
        push.put("KEYSTEP_DELIVERY_PUSH_FCM_TOKEN_URI", fcm.tokenUri());
        push.put("KEYSTEP_DELIVERY_PUSH_FCM_BASE_URL", fcm.baseUrl());
        push.put("KEYSTEP_DELIVERY_PUSH_APNS_TEAM_ID", apns.teamId());
        push.put("KEYSTEP_DELIVERY_PUSH_APNS_KEY_ID", apns.keyId());
        push.put("KEYSTEP_DELIVERY_PUSH_APNS_SIGNING_KEY", apns.signingKeyPem());
        push.put("KEYSTEP_DELIVERY_PUSH_APNS_BUNDLE_ID", apns.bundleId());
        push.put("KEYSTEP_DELIVERY_PUSH_APNS_SERVER_URL", apns.serverUrl());
        // The stand-in's certificate is self-signed: delivery-service trusts it instead of the JDK's roots.
        push.put("KEYSTEP_DELIVERY_PUSH_APNS_TRUSTED_CERTIFICATE", apns.certificatePem());
        return push;
    }

    private void launch(Path root, String name, int port, int managementPort, Map<String, String> env, Path logDir) {
        env.put("KEYSTEP_KAFKA_PASSWORD", kafkaCredentials.password(name));
        Path jar = root.resolve(name).resolve("target/quarkus-app/quarkus-run.jar");
        services.put(name, ServiceProcess.start(name, jar, port, managementPort, env, logDir.resolve(name + ".log")));
    }

    /** A service's Redis connection: its own user, named in the URL, and that user's password beside it. */
    private Map<String, String> redisClient(String service) {
        return Map.of("QUARKUS_REDIS_HOSTS", redisUrl(service),
                "KEYSTEP_REDIS_PASSWORD", redisPassword(service));
    }

    /** The service runs as its own role; Flyway migrates as the owner role. */
    private static Map<String, String> datasource(DatabaseRoles.Roles roles) {
        LocalPostgres.Database db = roles.service();
        return Map.of(
                "QUARKUS_DATASOURCE_REACTIVE_URL", db.reactiveUrl(),
                "QUARKUS_DATASOURCE_JDBC_URL", db.jdbcUrl(),
                "QUARKUS_DATASOURCE_USERNAME", db.user(),
                "QUARKUS_DATASOURCE_PASSWORD", db.password(),
                "QUARKUS_FLYWAY_USERNAME", roles.owner().user(),
                "QUARKUS_FLYWAY_PASSWORD", roles.owner().password());
    }

    private <T extends AutoCloseable> T keep(T server) {
        started.add(server);
        return server;
    }

    /** The secrets the services were given (the sealing keys among them, for a test that acts as challenge-service). */
    public Secrets secrets() {
        return secrets;
    }

    /** The issuer of bearer tokens the running services accept. */
    public AccessTokens tokens() {
        return tokens;
    }

    public String kafkaBootstrap() {
        return kafkaBootstrap;
    }

    /** What a Java Kafka client needs to reach this stack's broker as {@code principal}. */
    public Map<String, Object> kafkaClientConfig(String principal) {
        return kafkaCredentials.clientConfig(kafkaBootstrap, principal);
    }

    public BusCredentials kafkaCredentials() {
        return kafkaCredentials;
    }

    /** Redis's address, naming no user. */
    public String redisUrl() {
        return redisUrl;
    }

    /** Redis's address (each node's, on a cluster) naming {@code user}, a service's, as the user to connect as. */
    private String redisUrl(String user) {
        return Arrays.stream(redisUrl.split(",")).map(String::strip).map(URI::create)
                .map(node -> node.getScheme() + "://" + RedisAcl.user(user).name() + "@" + node.getHost() + ":"
                        + node.getPort())
                .collect(Collectors.joining(","));
    }

    /** The password of Redis user {@code user}. */
    private String redisPassword(String user) {
        return redisPasswords.get(RedisAcl.user(user).name());
    }

    /**
     * Options of a Vert.x Redis client that connects to the first node as {@code user}: the user and its password
     * in the URL, in memory only.
     */
    public RedisOptions redisOptions(String user) {
        URI address = URI.create(redisUrl.split(",")[0].strip());
        return new RedisOptions().setConnectionString(address.getScheme() + "://" + RedisAcl.user(user).name() + ":"
                + URLEncoder.encode(redisPassword(user), StandardCharsets.UTF_8) + "@" + address.getHost() + ":"
                + address.getPort());
    }

    public SmsSink smsSink() {
        return smsSink;
    }

    /** The FCM stand-in: what it accepted, and each Android phone's inbox. */
    public FcmStandIn fcm() {
        return fcm;
    }

    /** The APNs stand-in: what it accepted, and each iPhone's inbox. */
    public ApnsStandIn apns() {
        return apns;
    }

    /** The demo gateway's passkey page and backend, for the demo tenant. */
    public DemoGateway demoGateway() {
        return demoGateway;
    }

    /** A running service by module name, for example {@code challenge-service}. */
    public ServiceProcess service(String name) {
        ServiceProcess service = services.get(name);
        if (service == null) {
            throw new IllegalArgumentException("no service " + name);
        }
        return service;
    }

    public List<ServiceProcess> services() {
        return List.copyOf(services.values());
    }

    /** Stops the services (gracefully, so that they commit their offsets), then the servers. */
    @Override
    public void close() {
        services.values().parallelStream().forEach(ServiceProcess::close);
        services.clear();
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                System.err.println("could not stop " + started.get(i) + ": " + e.getMessage());
            }
        }
        started.clear();
    }
}
