package io.keystep.deploy;

import io.keystep.testsupport.FreePorts;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged services, as an operator gets them: no test key or test secret is inside, and a service started
 * without one of its secrets refuses to start and names what is missing, rather than running with a default.
 */
class PackagedServicesIT {

    private static final Path ROOT = Path.of(System.getProperty("keystep.root", "..")).toAbsolutePath().normalize();
    private static final List<String> SERVICES = List.of("risk-service", "challenge-service", "delivery-service",
            "audit-service");
    /** Where tests keep their keys: on the test classpath only. */
    private static final String TEST_CONFIG = "src/test/resources/META-INF/microprofile-config.properties";
    /** A setting that names a secret (once the product's own name, which holds "key", is left out). */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(key|pepper|password|secret|token|credential|account-sid).*");

    /** What each service cannot start without, by the environment variable an operator sets. */
    private static final Map<String, List<String>> REQUIRED = Map.of(
            "risk-service", List.of("KEYSTEP_KAFKA_PASSWORD", "KEYSTEP_REDIS_PASSWORD",
                    "MP_JWT_VERIFY_PUBLICKEY_LOCATION"),
            "challenge-service", List.of("KEYSTEP_KAFKA_PASSWORD", "KEYSTEP_REDIS_PASSWORD",
                    "MP_JWT_VERIFY_PUBLICKEY_LOCATION", "QUARKUS_DATASOURCE_PASSWORD", "QUARKUS_FLYWAY_PASSWORD",
                    "KEYSTEP_CHALLENGE_CODE_PEPPER", "KEYSTEP_SEALING_KEYS", "KEYSTEP_FACTORS_ENCRYPTION_KEYS",
                    "KEYSTEP_TRUSTED_DEVICES_SIGNING_KEY"),
            "delivery-service", List.of("KEYSTEP_KAFKA_PASSWORD", "KEYSTEP_REDIS_PASSWORD",
                    "MP_JWT_VERIFY_PUBLICKEY_LOCATION", "KEYSTEP_SEALING_KEYS", "KEYSTEP_DELIVERY_SMS_ACCOUNT_SID",
                    "KEYSTEP_DELIVERY_SMS_AUTH_TOKEN", "KEYSTEP_EVENT_ORIGIN_KEY"),
            "audit-service", List.of("KEYSTEP_KAFKA_PASSWORD", "MP_JWT_VERIFY_PUBLICKEY_LOCATION",
                    "QUARKUS_DATASOURCE_PASSWORD", "QUARKUS_FLYWAY_PASSWORD", "KEYSTEP_AUDIT_CHECKPOINT_PRIVATE_KEY",
                    "KEYSTEP_AUDIT_CHECKPOINT_PUBLIC_KEY", "KEYSTEP_EVENT_ORIGIN_KEY"));

    @ParameterizedTest
    @ValueSource(strings = {"risk-service", "challenge-service", "delivery-service", "audit-service"})
    void noTestKeyOrTestSecretShipsInThePackagedService(String service) throws IOException {
        Path app = ROOT.resolve(service).resolve("target/quarkus-app");
        assertTrue(Files.isRegularFile(app.resolve("quarkus-run.jar")), service + " is packaged (mvn package)");
        Set<String> testValues = testSecretValues();
        assertFalse(testValues.isEmpty(), "the tests' keys are kept under src/test");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(app)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = app.relativize(file).toString();
                assertFalse(name.contains("keystep-test-support"), "test utilities are not packaged: " + name);
                if (name.endsWith(".jar")) {
                    try (ZipInputStream jar = new ZipInputStream(Files.newInputStream(file))) {
                        for (ZipEntry entry; (entry = jar.getNextEntry()) != null; ) {
                            inspect(name + "!" + entry.getName(), jar.readAllBytes(), testValues, found);
                        }
                    }
                } else {
                    inspect(name, Files.readAllBytes(file), testValues, found);
                }
            }
        }
        assertEquals(List.of(), found, service + " ships test keys or %test secrets");
    }

    static Stream<Arguments> requiredSecrets() {
        return REQUIRED.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .flatMap(service -> service.getValue().stream().map(secret -> Arguments.of(service.getKey(), secret)));
    }

    @ParameterizedTest(name = "{0} without {1}")
    @MethodSource("requiredSecrets")
    void aServiceMissingASecretRefusesToStartAndNamesIt(String service, String secret) {
        assertFalse(System.getenv().containsKey(secret), secret + " is not inherited from this environment");
        Map<String, String> env = settings(service, ROOT.resolve("deploy/target/packaged-services"));
        assertTrue(env.containsKey(secret), "the full set names " + secret);
        env.remove(secret);
        int[] ports = FreePorts.distinct(2);
        Path log = ROOT.resolve("deploy/target/packaged-services").resolve(service + "-without-" + secret + ".log");
        try (ServiceProcess process = ServiceProcess.start(service, ROOT.resolve(service)
                .resolve("target/quarkus-app/quarkus-run.jar"), ports[0], ports[1], env, log)) {
            OptionalInt exit = process.awaitExit(Duration.ofSeconds(120));
            assertTrue(exit.isPresent(), service + " without " + secret + " is still running:\n" + process.logTail());
            assertNotEquals(0, exit.getAsInt(), service + " without " + secret + " exits with an error");
            assertTrue(process.log().contains(secret), service + " says that " + secret + " is missing:\n"
                    + process.logTail());
        }
    }

    /**
     * Everything {@code service} needs to start, its secrets well-formed: servers that are not there (a service
     * that got this far would fail on them, not on a secret).
     */
    private static Map<String, String> settings(String service, Path dir) {
        Secrets secrets = Secrets.generate();
        Map<String, String> all = new HashMap<>(secrets.asEnvironment());
        int[] nowhere = FreePorts.distinct(3);
        all.putAll(AccessTokens.verifierEnvironment(secrets, dir.resolve("token-issuer.pem")));
        all.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + nowhere[0]);
        all.put("KEYSTEP_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        all.put("KEYSTEP_KAFKA_PASSWORD", secrets.kafka().password(service));
        all.put("QUARKUS_REDIS_HOSTS", "redis://" + service + "@127.0.0.1:" + nowhere[1]);
        all.put("KEYSTEP_REDIS_PASSWORD", "not-checked-before-a-connection");
        String db = service.substring(0, service.indexOf('-'));
        all.put("QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://127.0.0.1:" + nowhere[2] + "/" + db);
        all.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:" + nowhere[2] + "/" + db);
        all.put("QUARKUS_DATASOURCE_USERNAME", db + "_service");
        all.put("QUARKUS_DATASOURCE_PASSWORD", "not-checked-before-a-connection");
        all.put("QUARKUS_FLYWAY_USERNAME", db + "_owner");
        all.put("QUARKUS_FLYWAY_PASSWORD", "not-checked-before-a-connection");
        all.put("KEYSTEP_DELIVERY_SMS_BASE_URL", "http://127.0.0.1:" + nowhere[1]);
        all.put("KEYSTEP_DELIVERY_SMS_FROM", "+15005550006");
        all.put("KEYSTEP_AUDIT_CHECKPOINT_KEY_ID", "it-1");
        all.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        all.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        return all;
    }

    /** Every value the services' tests configure in their test-only config (each key of a key list apart). */
    private static Set<String> testSecretValues() throws IOException {
        Set<String> values = new HashSet<>();
        for (String service : SERVICES) {
            Path file = ROOT.resolve(service).resolve(TEST_CONFIG);
            if (!Files.exists(file)) {
                continue;
            }
            Properties properties = new Properties();
            properties.load(new StringReader(Files.readString(file)));
            for (String name : properties.stringPropertyNames()) {
                if (!namesASecret(name) || name.startsWith("%test.mp.jwt.")) {
                    continue;
                }
                for (String part : properties.getProperty(name).split(",")) {
                    String value = part.substring(part.indexOf(':') + 1).strip();
                    if (value.length() >= 16) {
                        values.add(value);
                    }
                }
            }
        }
        return values;
    }

    /** Records in {@code found} a test value inside {@code bytes}, or a literal secret under a test profile. */
    private static void inspect(String where, byte[] bytes, Set<String> testValues, List<String> found)
            throws IOException {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        for (String value : testValues) {
            if (text.contains(value)) {
                found.add(where + " holds the test value " + value.substring(0, 8) + "...");
            }
        }
        if (where.endsWith(".properties")) {
            Properties properties = new Properties();
            try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
                properties.load(in);
            } catch (IllegalArgumentException notJavaProperties) {
                // A library's file in another syntax (a stray backslash-u, say): the text search above covered it.
                return;
            }
            for (String name : properties.stringPropertyNames()) {
                boolean testProfile = name.startsWith("%") && name.substring(1, name.indexOf('.') < 0 ? 1
                        : name.indexOf('.')).matches("(.*,)?test(,.*)?");
                String value = properties.getProperty(name).strip();
                boolean literal = !value.isEmpty() && !(value.startsWith("${") && value.endsWith("}"));
                if (testProfile && literal && namesASecret(name)) {
                    found.add(where + " sets " + name);
                }
            }
        }
    }

    private static boolean namesASecret(String name) {
        return SECRET_NAME.matcher(name.replace("keystep", "")).matches();
    }
}
