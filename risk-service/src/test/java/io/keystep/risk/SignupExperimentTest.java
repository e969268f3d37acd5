package io.keystep.risk;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.Outcome;
import io.keystep.events.Purpose;
import io.keystep.events.Topics;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.keystep.risk.RiskKafka.assessment;
import static io.keystep.risk.RiskKafka.login;
import static io.keystep.risk.RiskKafka.reasons;
import static io.keystep.risk.RiskKafka.unique;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tenant's signup experiment: users split between arm A (every signup challenged) and arm B (the normal policy)
 * by a stable hash, the decision event names the arm, each arm's signups are counted from decision to outcome, and
 * stopping the experiment returns every signup to the normal policy. Only the tenant's administrator reaches it.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class SignupExperimentTest {

    private static final String IP = "192.0.2.10";
    /** Inside the allow list the tests give a tenant: a new device there scores 50 - 30 and is allowed. */
    private static final String OFFICE_IP = "10.20.0.5";
    private static final String PATH = "/v1/settings/risk/signup-experiment";

    private static ConsumerTask<String, String> changes;

    @Inject
    MeterRegistry registry;

    @Inject
    AdjustableClock clock;

    @BeforeAll
    static void readChanges() {
        changes = RiskKafka.companion().consumeStrings().fromTopics(Topics.TENANT_SETTINGS_CHANGED);
    }

    @Test
    void armsSplitNearTheShareOverAThousandUsersAndEachUserKeepsItsArm() {
        String tenant = unique("split");
        double share = 0.3;
        start(tenant, "signup-2fa", share);
        List<String> users = IntStream.range(0, 1000).mapToObj(i -> "user-" + i).toList();
        RiskKafka.signups(tenant, users, "fp-new", IP);
        Map<String, String> arms = armsByUser(await().atMost(Duration.ofSeconds(120))
                .until(() -> RiskKafka.assessedOf(tenant), r -> r.size() >= users.size()));
        assertEquals(users.size(), arms.size(), "one decision per user");

        long inA = arms.values().stream().filter("A"::equals).count();
        // Binomial(n, share): the count in arm A lies within four standard deviations of n * share, except once in
        // about 16,000 runs of a correct split; a biased or constant assignment lands far outside.
        double expected = users.size() * share;
        double sd = Math.sqrt(users.size() * share * (1 - share));
        assertTrue(Math.abs(inA - expected) <= 4 * sd,
                () -> inA + " of " + users.size() + " in arm A, expected " + expected + " ± " + 4 * sd);

        // The same users sign up again (say, on another device): each lands in the arm it had.
        List<String> again = users.subList(0, 100);
        RiskKafka.signups(tenant, again, "fp-other", IP);
        List<ConsumerRecord<String, String>> all = await().atMost(Duration.ofSeconds(60))
                .until(() -> RiskKafka.assessedOf(tenant), r -> r.size() >= users.size() + again.size());
        for (ConsumerRecord<String, String> record : all) {
            JsonNode payload = RiskKafka.read(record.value()).path("payload");
            String user = payload.path("userId").asText();
            assertEquals(arms.get(user), payload.path("experiment").path("arm").asText(), user + " keeps its arm");
        }
    }

    @Test
    void armAChallengesASignupThePolicyAllowsAndArmBLeavesItAllowed() {
        String tenant = unique("arms");
        settings(tenant, "{\"allowNetworks\": [\"10.20.0.0/16\"]}");
        start(tenant, "office-signups", 0.5);
        List<String> users = IntStream.range(0, 40).mapToObj(i -> "user-" + i).toList();
        RiskKafka.signups(tenant, users, "fp-new", OFFICE_IP);
        List<ConsumerRecord<String, String>> records = await().atMost(Duration.ofSeconds(60))
                .until(() -> RiskKafka.assessedOf(tenant), r -> r.size() >= users.size());

        int a = 0;
        int b = 0;
        for (ConsumerRecord<String, String> record : records) {
            JsonNode payload = RiskKafka.read(record.value()).path("payload");
            JsonNode experiment = payload.path("experiment");
            assertEquals("office-signups", experiment.path("experimentId").asText());
            assertEquals("SIGNUP", payload.path("purpose").asText());
            // The normal policy allows every one of these signups: a new device (50) at an hour the user never used
            // (15) on the office network (-30) scores 35, under the challenge threshold (40).
            assertEquals(35, payload.path("score").asInt(), payload::toString);
            if ("A".equals(experiment.path("arm").asText())) {
                a++;
                assertEquals("CHALLENGE", payload.path("decision").asText(), payload::toString);
                assertTrue(reasons(payload).contains("SIGNUP_EXPERIMENT"), payload::toString);
                assertTrue(experiment.path("pendingUntil").isTextual(), "a challenged signup has a deadline");
            } else {
                b++;
                assertEquals("B", experiment.path("arm").asText());
                assertEquals("ALLOW", payload.path("decision").asText(), payload::toString);
                assertFalse(reasons(payload).contains("SIGNUP_EXPERIMENT"), payload::toString);
                assertTrue(experiment.path("pendingUntil").isNull() || experiment.path("pendingUntil").isMissingNode());
            }
        }
        assertTrue(a > 0 && b > 0, "both arms decided signups: A " + a + ", B " + b);
    }

    @Test
    void armAKeepsADenialAndTheExperimentDecidesSignupsOnly() {
        String tenant = unique("deny");
        start(tenant, "all-in", 1.0);
        JsonNode denied = assessment(login(tenant, unique("u"), false, "fp-1", IP, Purpose.SIGNUP));
        assertEquals("DENY", denied.path("decision").asText());
        assertEquals(List.of("PASSWORD_NOT_VERIFIED"), reasons(denied));
        assertEquals("A", denied.path("experiment").path("arm").asText());

        JsonNode plainLogin = assessment(login(tenant, unique("u"), true, "fp-1", IP, Purpose.LOGIN));
        assertTrue(plainLogin.path("experiment").isNull() || plainLogin.path("experiment").isMissingNode(),
                () -> "a login is no signup: " + plainLogin);
    }

    @Test
    void eachArmsCountsAddUpFromDecisionToOutcome() {
        String tenant = unique("counts");
        String experiment = "conversion";
        settings(tenant, "{\"allowNetworks\": [\"10.20.0.0/16\"]}");
        start(tenant, experiment, 0.5);
        // Half on the office network (allowed by the policy), half elsewhere (challenged by it), a few failed passwords.
        List<String> office = IntStream.range(0, 20).mapToObj(i -> "office-" + i).toList();
        List<String> away = IntStream.range(0, 20).mapToObj(i -> "away-" + i).toList();
        RiskKafka.signups(tenant, office, "fp-new", OFFICE_IP);
        RiskKafka.signups(tenant, away, "fp-new", IP);
        for (int i = 0; i < 4; i++) {
            login(tenant, "wrong-password-" + i, false, "fp-new", IP, Purpose.SIGNUP);
        }
        List<JsonNode> decided = await().atMost(Duration.ofSeconds(60))
                .until(() -> RiskKafka.assessedOf(tenant), r -> r.size() >= 44).stream()
                .map(r -> RiskKafka.read(r.value()).path("payload")).toList();

        // Challenged signups get, in turn: approved, expired, canceled, locked, a wrong code (still open), nothing.
        List<Outcome> turns = java.util.Arrays.asList(Outcome.APPROVED, Outcome.EXPIRED, Outcome.CANCELED,
                Outcome.LOCKED, Outcome.REJECTED, null);
        Map<String, long[]> expected = new HashMap<>(); // arm -> started, challenged, completed, abandoned, open
        int turn = 0;
        for (JsonNode signup : decided) {
            long[] e = expected.computeIfAbsent(signup.path("experiment").path("arm").asText(), a -> new long[5]);
            e[0]++;
            if (!"CHALLENGE".equals(signup.path("decision").asText())) {
                continue;
            }
            e[1]++;
            Outcome outcome = turns.get(turn++ % turns.size());
            if (outcome != null) {
                RiskKafka.verification(tenant, signup.path("userId").asText(), signup.path("loginId").asText(),
                        outcome, "fp-new");
            }
            if (outcome == Outcome.APPROVED) {
                e[2]++;
                // delivered twice: counted once
                RiskKafka.verification(tenant, signup.path("userId").asText(), signup.path("loginId").asText(),
                        outcome, "fp-new");
            } else if (outcome == null || outcome == Outcome.REJECTED) {
                e[4]++;
            } else {
                e[3]++;
            }
        }
        assertEquals(2, expected.size(), "both arms decided signups: " + expected.keySet());
        assertTrue(expected.get("B")[0] > expected.get("B")[1], "the normal policy allowed some of arm B");
        assertTrue(expected.get("A")[4] > 0 || expected.get("B")[4] > 0, "some challenged signups stay open");

        for (String arm : List.of("A", "B")) {
            long[] e = expected.get(arm);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertEquals(e[0], count(ExperimentNames.STARTED, tenant, experiment, arm), arm + " started");
                assertEquals(e[1], count(ExperimentNames.CHALLENGED, tenant, experiment, arm), arm + " challenged");
                assertEquals(e[2], count(ExperimentNames.COMPLETED, tenant, experiment, arm), arm + " completed");
                assertEquals(e[3], count(ExperimentNames.ABANDONED, tenant, experiment, arm), arm + " abandoned");
            });
            long notChallenged = decided.stream().filter(d -> arm.equals(d.path("experiment").path("arm").asText()))
                    .filter(d -> !"CHALLENGE".equals(d.path("decision").asText())).count();
            assertEquals(count(ExperimentNames.STARTED, tenant, experiment, arm),
                    count(ExperimentNames.CHALLENGED, tenant, experiment, arm) + notChallenged);
            assertEquals(count(ExperimentNames.CHALLENGED, tenant, experiment, arm),
                    count(ExperimentNames.COMPLETED, tenant, experiment, arm)
                            + count(ExperimentNames.ABANDONED, tenant, experiment, arm) + e[4]);
        }

        // Past the deadline, the signups still open (a wrong code, or never checked) count as abandoned.
        clock.advance(Duration.ofMinutes(16));
        try {
            for (String arm : List.of("A", "B")) {
                long[] e = expected.get(arm);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(e[3] + e[4],
                        count(ExperimentNames.ABANDONED, tenant, experiment, arm), arm + " abandoned after deadline"));
                assertEquals(e[2], count(ExperimentNames.COMPLETED, tenant, experiment, arm));
                assertEquals(count(ExperimentNames.CHALLENGED, tenant, experiment, arm),
                        count(ExperimentNames.COMPLETED, tenant, experiment, arm)
                                + count(ExperimentNames.ABANDONED, tenant, experiment, arm));
                double rate = e[1] == 0 ? 0 : (double) e[2] / e[1];
                assertEquals(rate, gauge(tenant, experiment, arm), 1e-9, arm + " completion rate");
            }
        } finally {
            clock.reset();
        }
    }

    @Test
    void stoppingTheExperimentReturnsSignupsToTheNormalPolicyAndKeepsItReadable() {
        String tenant = unique("stop");
        settings(tenant, "{\"allowNetworks\": [\"10.20.0.0/16\"]}");
        start(tenant, "everyone", 1.0);
        JsonNode during = assessment(login(tenant, unique("u"), true, "fp-1", OFFICE_IP, Purpose.SIGNUP));
        assertEquals("CHALLENGE", during.path("decision").asText());
        assertEquals("A", during.path("experiment").path("arm").asText());

        Callers.admin(tenant).delete(PATH).then().statusCode(200)
                .body("experimentId", equalTo("everyone")).body("running", equalTo(false))
                .body("stoppedAt", notNullValue());
        JsonNode after = assessment(login(tenant, unique("u"), true, "fp-1", OFFICE_IP, Purpose.SIGNUP));
        assertEquals("ALLOW", after.path("decision").asText(), after::toString);
        assertTrue(after.path("experiment").isNull() || after.path("experiment").isMissingNode(), after::toString);
        Callers.admin(tenant).get(PATH).then().statusCode(200)
                .body("experimentId", equalTo("everyone")).body("armAShare", equalTo(1.0f))
                .body("running", equalTo(false));
        // Stopping again changes nothing.
        Callers.admin(tenant).delete(PATH).then().statusCode(200).body("running", equalTo(false));

        // The trail has the start and the stop, as every settings change.
        List<JsonNode> published = await().atMost(Duration.ofSeconds(30)).until(() -> changes.getRecords().stream()
                        .map(r -> RiskKafka.read(r.value()))
                        .filter(e -> tenant.equals(e.path("tenantId").asText()))
                        .map(e -> e.path("payload"))
                        .filter(p -> p.path("changes").toString().contains("signupExperiment")).toList(),
                l -> l.size() >= 2);
        assertEquals(2, published.size(), "the second stop published nothing");
        JsonNode started = published.get(0);
        assertEquals("risk", started.path("area").asText());
        assertEquals(List.of("signupExperiment.experimentId", "signupExperiment.armAShare", "signupExperiment.running"),
                fields(started));
        assertEquals("everyone", started.path("changes").get(0).path("after").asText());
        JsonNode stopped = published.get(1);
        assertEquals(List.of("signupExperiment.running"), fields(stopped));
        assertEquals("true", stopped.path("changes").get(0).path("before").asText());
        assertEquals("false", stopped.path("changes").get(0).path("after").asText());
    }

    @Test
    void oneExperimentRunsAtATimeAndItsShareCanChange() {
        String tenant = unique("one");
        start(tenant, "first", 0.2);
        Callers.admin(tenant).contentType("application/json").body("{\"experimentId\": \"second\", \"armAShare\": 0.5}")
                .put(PATH).then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/experiment-running"));
        start(tenant, "first", 0.6);
        Callers.admin(tenant).get(PATH).then().statusCode(200)
                .body("experimentId", equalTo("first")).body("armAShare", equalTo(0.6f));
        Callers.admin(tenant).delete(PATH).then().statusCode(200);
        start(tenant, "second", 0.5);
        Callers.admin(tenant).get(PATH).then().statusCode(200)
                .body("experimentId", equalTo("second")).body("running", equalTo(true));
    }

    @Test
    void badExperimentsAreRefusedNamingTheField() {
        String tenant = unique("bad");
        refused(tenant, "{\"experimentId\": \"signup-2fa\", \"armAShare\": 1.5}", "armAShare");
        refused(tenant, "{\"experimentId\": \"signup-2fa\", \"armAShare\": -0.1}", "armAShare");
        refused(tenant, "{\"experimentId\": \"signup-2fa\", \"armAShare\": \"half\"}", "armAShare");
        refused(tenant, "{\"armAShare\": 0.5}", "experimentId");
        refused(tenant, "{\"experimentId\": \"no spaces|pipes\", \"armAShare\": 2}", "experimentId", "armAShare");
        refused(tenant, "{}", "experimentId", "armAShare");
        Callers.admin(tenant).get(PATH).then().statusCode(404).contentType("application/problem+json");
        Callers.admin(tenant).delete(PATH).then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void anotherTenantsTokenCannotReadOrChangeTheExperiment() {
        String owner = unique("owner");
        String intruder = unique("intruder");
        start(owner, "private", 0.4);

        // The intruder's administrator sees its own tenant only: no experiment there.
        Callers.admin(intruder).get(PATH).then().statusCode(404);
        Callers.admin(intruder).header("X-Tenant-Id", owner).get(PATH).then().statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/cross-tenant"));
        Callers.admin(intruder).header("X-Tenant-Id", owner).delete(PATH).then().statusCode(403);
        Callers.admin(intruder).contentType("application/json")
                .body("{\"tenantId\": \"" + owner + "\", \"experimentId\": \"private\", \"armAShare\": 0}")
                .put(PATH).then().statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/cross-tenant"));
        // The owner's other roles cannot touch it either.
        Callers.gateway(owner).delete(PATH).then().statusCode(403)
                .body("type", equalTo("https://keystep.dev/problems/role-not-allowed"));
        Callers.compliance(owner).get(PATH).then().statusCode(403);
        // An experiment the intruder starts is its own.
        Callers.admin(intruder).delete(PATH).then().statusCode(404);
        start(intruder, "private", 0.9);

        Callers.admin(owner).get(PATH).then().statusCode(200)
                .body("experimentId", equalTo("private")).body("armAShare", equalTo(0.4f))
                .body("running", equalTo(true));
    }

    private static void start(String tenant, String experimentId, double share) {
        Callers.admin(tenant).contentType("application/json")
                .body("{\"experimentId\": \"" + experimentId + "\", \"armAShare\": " + share + "}")
                .put(PATH).then().statusCode(200)
                .body("experimentId", equalTo(experimentId)).body("running", equalTo(true));
    }

    private static void settings(String tenant, String body) {
        Callers.admin(tenant).contentType("application/json").body(body).put("/v1/settings/risk").then()
                .statusCode(200);
    }

    private static void refused(String tenant, String body, String... fields) {
        Callers.admin(tenant).contentType("application/json").body(body).put(PATH).then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/validation"))
                .body("errors.field", contains(fields));
    }

    private static Map<String, String> armsByUser(List<ConsumerRecord<String, String>> records) {
        Map<String, String> arms = new HashMap<>();
        for (ConsumerRecord<String, String> record : records) {
            JsonNode payload = RiskKafka.read(record.value()).path("payload");
            arms.put(payload.path("userId").asText(), payload.path("experiment").path("arm").asText());
        }
        return arms;
    }

    private static List<String> fields(JsonNode change) {
        List<String> fields = new ArrayList<>();
        change.path("changes").forEach(c -> fields.add(c.path("field").asText()));
        return fields;
    }

    private double count(String name, String tenant, String experiment, String arm) {
        Counter counter = registry.find(name).tags("tenant", tenant, "experiment", experiment, "arm", arm).counter();
        return counter == null ? 0 : counter.count();
    }

    private double gauge(String tenant, String experiment, String arm) {
        Gauge gauge = registry.find(ExperimentNames.COMPLETION_RATE)
                .tags("tenant", tenant, "experiment", experiment, "arm", arm).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    /** The metric names, as the service registers them. */
    private static final class ExperimentNames {
        static final String STARTED = "keystep.risk.experiment.signups.started";
        static final String CHALLENGED = "keystep.risk.experiment.signups.challenged";
        static final String COMPLETED = "keystep.risk.experiment.signups.completed";
        static final String ABANDONED = "keystep.risk.experiment.signups.abandoned";
        static final String COMPLETION_RATE = "keystep.risk.experiment.completion.rate";
    }
}
