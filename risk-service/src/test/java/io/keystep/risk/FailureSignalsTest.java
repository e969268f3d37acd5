package io.keystep.risk;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static io.keystep.risk.RiskKafka.assessment;
import static io.keystep.risk.RiskKafka.login;
import static io.keystep.risk.RiskKafka.reasons;
import static io.keystep.risk.RiskKafka.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failed-password thresholds per user and per IP, and how they expire. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class FailureSignalsTest {

    @Inject
    RedisDataSource redis;

    @Inject
    AdjustableClock clock;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void moreThanThreeFailuresInThirtyMinutesStepUpAKnownDeviceUntilTheyAge() {
        String tenant = unique("fail");
        String user = unique("carl");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-carl");
        for (int i = 0; i < 3; i++) {
            assertEquals("DENY", assessment(login(tenant, user, false, "fp-carl", "192.0.2.50"))
                    .path("decision").asText());
        }
        assertEquals("ALLOW", assessment(login(tenant, user, true, "fp-carl", "192.0.2.50"))
                .path("decision").asText());

        assertEquals("DENY", assessment(login(tenant, user, false, "fp-carl", "192.0.2.50"))
                .path("decision").asText());
        JsonNode stepped = assessment(login(tenant, user, true, "fp-carl", "192.0.2.50"));
        assertEquals("CHALLENGE", stepped.path("decision").asText());
        assertTrue(reasons(stepped).contains("TOO_MANY_FAILURES"), () -> reasons(stepped).toString());

        clock.advance(Duration.ofMinutes(31));
        JsonNode later = assessment(login(tenant, user, true, "fp-carl", "192.0.2.50"));
        assertEquals("ALLOW", later.path("decision").asText(), () -> reasons(later).toString());
    }

    @Test
    void stuffingFromOneIpAcrossUsersStepsUpEvenKnownDevices() {
        String tenant = unique("stuff");
        String ip = stuffingIp();
        stuff(tenant, ip, 21);

        String user = unique("victim");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-victim");
        JsonNode fromStuffer = assessment(login(tenant, user, true, "fp-victim", ip));
        assertEquals("CHALLENGE", fromStuffer.path("decision").asText());
        assertEquals(List.of("CREDENTIAL_STUFFING", "UNUSUAL_HOUR"), reasons(fromStuffer));

        JsonNode elsewhere = assessment(login(tenant, user, true, "fp-victim", "192.0.2.51"));
        assertEquals("ALLOW", elsewhere.path("decision").asText());
    }

    @Test
    void twentyFailuresFromOneIpAreNotYetStuffing() {
        String tenant = unique("stuff");
        String ip = stuffingIp();
        stuff(tenant, ip, 20);
        String user = unique("victim");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-victim");
        assertEquals("ALLOW", assessment(login(tenant, user, true, "fp-victim", ip)).path("decision").asText());
    }

    @Test
    void aTenantWhosePolicySaysSoDeniesStuffing() {
        String ip = stuffingIp();
        stuff("strict", ip, 21);
        String user = unique("victim");
        RiskProfiles.approveDevice(redis, "strict", user, "fp-victim");
        JsonNode payload = assessment(login("strict", user, true, "fp-victim", ip));
        assertEquals("DENY", payload.path("decision").asText());
        assertTrue(reasons(payload).contains("CREDENTIAL_STUFFING"));
    }

    @Test
    void failuresFromTextThatIsNoIpAreNeverLumpedTogetherAsStuffing() {
        String tenant = unique("stuff");
        stuff(tenant, "unknown", 21);
        String user = unique("victim");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-victim");
        assertEquals("ALLOW", assessment(login(tenant, user, true, "fp-victim", "unknown")).path("decision").asText());
    }

    @Test
    void oneIpSpelledTwoWaysIsCountedOnce() {
        String tenant = unique("stuff");
        String ip = stuffingIp();
        stuff(tenant, ip.toUpperCase().replace("2001:DB8:FFFF::", "2001:0DB8:FFFF:0:0::"), 21);
        String user = unique("victim");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-victim");
        assertEquals("CHALLENGE", assessment(login(tenant, user, true, "fp-victim", ip)).path("decision").asText());
    }

    /** Failed passwords from one IP for {@code count} different users, each decided before going on. */
    private static void stuff(String tenant, String ip, int count) {
        List<String> logins = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            logins.add(login(tenant, unique("u" + i), false, "fp-bot", ip));
        }
        logins.forEach(id -> assertEquals("DENY", assessment(id).path("decision").asText()));
    }

    private static String stuffingIp() {
        return "2001:db8:ffff::" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1, 0xffff));
    }
}
