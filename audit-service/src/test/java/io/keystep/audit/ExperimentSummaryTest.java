package io.keystep.audit;

import io.keystep.events.Decision;
import io.keystep.events.Envelope;
import io.keystep.events.ExperimentArm;
import io.keystep.events.Factor;
import io.keystep.events.Outcome;
import io.keystep.events.Purpose;
import io.keystep.events.RiskAssessed;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.events.Topics;
import io.keystep.events.VerificationCompleted;
import io.keystep.testsupport.auth.Callers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The signup experiment summary counts each arm's signups from the trail: started, challenged, completed, abandoned
 * (a final failure, or no outcome by the signup's deadline) and pending, and only the tenant's compliance role reads
 * it. Shares AuditIngestTest's boot.
 */
@QuarkusTest
class ExperimentSummaryTest {

    private static final String PATH = "/v1/audit/experiments/";
    /** Whole seconds, as the trail stores times. */
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private static final Instant PAST_DEADLINE = NOW.minus(Duration.ofMinutes(5));
    private static final Instant OPEN_DEADLINE = NOW.plus(Duration.ofMinutes(10));

    private final AtomicInteger sent = new AtomicInteger();

    @Test
    void eachArmsSignupsAddUpFromDecisionToOutcome() {
        String tenant = Trail.unique("exp");
        String experiment = "signup-2fa";
        Instant at = NOW.minus(Duration.ofMinutes(20));
        started(tenant, experiment, at);

        // Arm A: every signup challenged (a denial stays a denial).
        outcomes(tenant, signup(tenant, experiment, "A", Decision.CHALLENGE, at, OPEN_DEADLINE), at, Outcome.APPROVED);
        outcomes(tenant, signup(tenant, experiment, "A", Decision.CHALLENGE, at, OPEN_DEADLINE), at,
                Outcome.REJECTED, Outcome.APPROVED);
        outcomes(tenant, signup(tenant, experiment, "A", Decision.CHALLENGE, at, OPEN_DEADLINE), at,
                Outcome.APPROVED, Outcome.APPROVED);
        outcomes(tenant, signup(tenant, experiment, "A", Decision.CHALLENGE, at, OPEN_DEADLINE), at, Outcome.EXPIRED);
        outcomes(tenant, signup(tenant, experiment, "A", Decision.CHALLENGE, at, OPEN_DEADLINE), at, Outcome.CANCELED);
        signup(tenant, experiment, "A", Decision.CHALLENGE, at, PAST_DEADLINE); // never checked, past its deadline
        outcomes(tenant, signup(tenant, experiment, "A", Decision.CHALLENGE, at, OPEN_DEADLINE), at, Outcome.REJECTED);
        signup(tenant, experiment, "A", Decision.CHALLENGE, at, OPEN_DEADLINE); // not checked yet
        signup(tenant, experiment, "A", Decision.DENY, at, null);
        // Arm B: the normal policy.
        signup(tenant, experiment, "B", Decision.ALLOW, at, null);
        signup(tenant, experiment, "B", Decision.ALLOW, at.plusSeconds(60), null);
        outcomes(tenant, signup(tenant, experiment, "B", Decision.CHALLENGE, at, OPEN_DEADLINE), at, Outcome.APPROVED);
        outcomes(tenant, signup(tenant, experiment, "B", Decision.CHALLENGE, at, OPEN_DEADLINE), at, Outcome.LOCKED);
        // approved only after its deadline: risk-service had counted it abandoned by then, and so does the summary
        outcomes(tenant, signup(tenant, experiment, "B", Decision.CHALLENGE, at, at.plusSeconds(30)),
                at.plusSeconds(60), Outcome.APPROVED);
        // Not this experiment's: another experiment of the tenant, and the same name in another tenant.
        signup(tenant, "other", "A", Decision.CHALLENGE, at, OPEN_DEADLINE);
        String elsewhere = Trail.unique("exp");
        signup(elsewhere, experiment, "A", Decision.CHALLENGE, at, OPEN_DEADLINE);
        int stored = sent.get() - 1;
        await().atMost(AuditIngestTest.WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == stored);

        JsonPath summary = Callers.compliance(tenant).get(PATH + experiment).then().statusCode(200)
                .body("tenantId", equalTo(tenant)).body("experimentId", equalTo(experiment))
                .body("arms.arm", contains("A", "B"))
                .extract().jsonPath();
        assertEquals(at.toEpochMilli(), Instant.parse(summary.getString("startedAt")).toEpochMilli());
        assertEquals(at.toEpochMilli(), Instant.parse(summary.getString("firstSignupAt")).toEpochMilli());
        assertEquals(at.plusSeconds(60).toEpochMilli(), Instant.parse(summary.getString("lastSignupAt")).toEpochMilli());

        arm(summary, 0, 9, 8, 1, 1, 3, 3, 2);
        assertEquals(0.5, summary.getDouble("arms[0].completionRate"), 1e-6);
        assertEquals(3.0 / 7, summary.getDouble("arms[0].conversionRate"), 1e-6, "allowed or completed of settled");
        arm(summary, 1, 5, 3, 2, 0, 1, 2, 0);
        assertEquals(1.0 / 3, summary.getDouble("arms[1].completionRate"), 1e-6);
        assertEquals(3.0 / 5, summary.getDouble("arms[1].conversionRate"), 1e-6);
    }

    @Test
    void anExperimentStartedWithoutSignupsYetIsReadableWithNothingCounted() {
        String tenant = Trail.unique("exp");
        started(tenant, "fresh", NOW.minusSeconds(5));
        await().atMost(AuditIngestTest.WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == 1);
        JsonPath summary = Callers.compliance(tenant).get(PATH + "fresh").then().statusCode(200)
                .body("firstSignupAt", nullValue()).body("arms.started", contains(0, 0))
                .body("arms.completionRate", contains(nullValue(), nullValue()))
                .extract().jsonPath();
        assertEquals(NOW.minusSeconds(5).toEpochMilli(), Instant.parse(summary.getString("startedAt")).toEpochMilli());
        Callers.compliance(tenant).get(PATH + "never-started").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void anotherTenantCannotReadTheExperiment() {
        String owner = Trail.unique("exp");
        String intruder = Trail.unique("exp");
        signup(owner, "secret", "A", Decision.CHALLENGE, NOW, OPEN_DEADLINE);
        await().atMost(AuditIngestTest.WAIT).until(() -> Trail.rows("tenant_id = ?", owner).size() == 1);
        Callers.compliance(owner).get(PATH + "secret").then().statusCode(200).body("arms[0].started", equalTo(1));

        // The intruder's token reads its own trail, which has no such experiment, and cannot name the owner.
        Callers.compliance(intruder).get(PATH + "secret").then().statusCode(404)
                .contentType("application/problem+json");
        Callers.compliance(intruder).header("X-Tenant-Id", owner).get(PATH + "secret").then().statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/cross-tenant"));
        // The owner's other roles are refused too.
        Callers.admin(owner).get(PATH + "secret").then().statusCode(403)
                .body("type", equalTo("https://keystep.dev/problems/role-not-allowed"));
        Callers.gateway(owner).get(PATH + "secret").then().statusCode(403);
        // A malformed experiment id is refused, not looked up.
        Callers.compliance(owner).get(PATH + "not%20an%20id").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("experimentId"));
    }

    /** The arm's figures, and that they add up: started = challenged + not, challenged = completed + abandoned + pending. */
    private static void arm(JsonPath summary, int i, long started, long challenged, long notChallenged, long denied,
                            long completed, long abandoned, long pending) {
        String arm = "arms[" + i + "].";
        assertEquals(started, summary.getLong(arm + "started"), arm + "started");
        assertEquals(challenged, summary.getLong(arm + "challenged"), arm + "challenged");
        assertEquals(notChallenged, summary.getLong(arm + "notChallenged"), arm + "notChallenged");
        assertEquals(denied, summary.getLong(arm + "denied"), arm + "denied");
        assertEquals(completed, summary.getLong(arm + "completed"), arm + "completed");
        assertEquals(abandoned, summary.getLong(arm + "abandoned"), arm + "abandoned");
        assertEquals(pending, summary.getLong(arm + "pending"), arm + "pending");
        assertEquals(summary.getLong(arm + "started"),
                summary.getLong(arm + "challenged") + summary.getLong(arm + "notChallenged"));
        assertEquals(summary.getLong(arm + "challenged"), summary.getLong(arm + "completed")
                + summary.getLong(arm + "abandoned") + summary.getLong(arm + "pending"));
    }

    private void started(String tenant, String experiment, Instant at) {
        TenantSettingsChanged change = new TenantSettingsChanged("risk", "admin-1", List.of(
                new TenantSettingsChanged.Change("signupExperiment.experimentId", null, experiment),
                new TenantSettingsChanged.Change("signupExperiment.armAShare", null, "0.5"),
                new TenantSettingsChanged.Change("signupExperiment.running", null, "true")));
        Trail.send(Topics.TENANT_SETTINGS_CHANGED, Envelope.of(TenantSettingsChanged.TYPE, at, tenant,
                Trail.unique("change"), change), "admin-1");
        sent.incrementAndGet();
    }

    /** Publishes a signup's decision as risk-service does and answers its login id and user. */
    private String[] signup(String tenant, String experiment, String arm, Decision decision, Instant at,
                            Instant pendingUntil) {
        String user = Trail.unique("u");
        String loginId = Trail.unique("signup");
        RiskAssessed assessed = new RiskAssessed(loginId, user, decision, 20, List.of(), Purpose.SIGNUP, "fp-1",
                List.of(), new ExperimentArm(experiment, arm, pendingUntil));
        Trail.send(Topics.RISK_ASSESSED, Envelope.of(RiskAssessed.TYPE, at, tenant, loginId, assessed), user);
        sent.incrementAndGet();
        return new String[] {loginId, user};
    }

    /** Publishes the checks of a signup's challenge, one second apart from {@code at}, as challenge-service does. */
    private void outcomes(String tenant, String[] signup, Instant at, Outcome... outcomes) {
        String challengeId = Trail.unique("ch");
        for (int i = 0; i < outcomes.length; i++) {
            Trail.send(Topics.VERIFICATION_COMPLETED, Envelope.of(VerificationCompleted.TYPE, at.plusSeconds(i + 1),
                    tenant, signup[0], new VerificationCompleted(challengeId, signup[0], signup[1], Factor.SMS,
                            outcomes[i], i + 1, "fp-1")), signup[1]);
            sent.incrementAndGet();
        }
    }
}
