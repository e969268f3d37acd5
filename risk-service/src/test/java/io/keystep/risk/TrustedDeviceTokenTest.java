package io.keystep.risk;

import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.Envelope;
import io.keystep.events.Factor;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.keystep.events.Outcome;
import io.keystep.events.VerificationCompleted;
import io.keystep.events.Topics;
import io.keystep.risk.store.RiskProfileStore;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.keystep.risk.RiskKafka.assessment;
import static io.keystep.risk.RiskKafka.factorChange;
import static io.keystep.risk.RiskKafka.login;
import static io.keystep.risk.RiskKafka.loginWithToken;
import static io.keystep.risk.RiskKafka.reasons;
import static io.keystep.risk.RiskKafka.unique;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Trusted-device tokens signed like challenge-service signs them, and revocations through factor.changed.v1. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(GeoDatabaseTestResource.class)
@QuarkusTestResource(TrustedDeviceKeyTestResource.class)
class TrustedDeviceTokenTest {

    private static final String IP = "192.0.2.70";

    @Inject
    RedisDataSource redis;

    @Inject
    AdjustableClock clock;

    @Inject
    MeterRegistry registry;

    private final DeviceTokenSigner signer = DeviceTokenSigner.ofService();

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    private String token(String tenant, String user, String fingerprint, String deviceId) {
        return signer.token(tenant, user, fingerprint, deviceId, Instant.now().plus(Duration.ofDays(30)));
    }

    @Test
    void aValidTokenMakesANeverApprovedFingerprintAKnownDevice() {
        String tenant = unique("trust");
        String user = unique("ann");
        JsonNode payload = assessment(loginWithToken(tenant, user, "fp-new-browser",
                token(tenant, user, "fp-new-browser", "dev-1"), IP));
        assertEquals("ALLOW", payload.path("decision").asText());
        assertEquals(List.of("TRUSTED_DEVICE"), reasons(payload));
        assertEquals(0, payload.path("score").asInt());
        // the token, not the fingerprint, is what counts: the fingerprint is not learnt as a device
        assertFalse(RiskProfiles.deviceKnown(redis, tenant, user, "fp-new-browser"));
        assertEquals(1.0, Search.in(registry).name("keystep.risk.device.tokens")
                .tags("tenant", tenant, "verdict", "VALID").counter().count());
    }

    @Test
    void anotherUsersForgedOrGarbageTokenIsIgnoredAsARiskNeverAnError() {
        String tenant = unique("trust");
        String user = unique("ben");
        String theirs = token(tenant, unique("someone-else"), "fp-ben", "dev-9");
        String forged = new DeviceTokenSigner(DeviceTokenSigner.generate().getPrivate())
                .token(tenant, user, "fp-ben", "dev-9", Instant.now().plus(Duration.ofDays(30)));
        for (String token : List.of(theirs, forged, "v1.!!!.???", "not a token at all")) {
            JsonNode payload = assessment(loginWithToken(tenant, user, "fp-ben", token, IP));
            assertEquals("CHALLENGE", payload.path("decision").asText(), token);
            // new device 50 + invalid token 20 + the unused hour 15
            assertEquals(List.of("NEW_DEVICE", "INVALID_DEVICE_TOKEN", "UNUSUAL_HOUR"), reasons(payload), token);
            assertEquals(85, payload.path("score").asInt());
        }
        // a genuine token of this user but presented from another fingerprint is no better
        JsonNode copied = assessment(loginWithToken(tenant, user, "fp-other", token(tenant, user, "fp-ben", "dev-9"), IP));
        assertTrue(reasons(copied).contains("INVALID_DEVICE_TOKEN"), () -> "reasons " + reasons(copied));
        assertTrue(RiskKafka.loginDeadLetters().stream().noneMatch(r -> r.value().contains(user)));
    }

    @Test
    void anExpiredTokenIsSimplyIgnored() {
        String tenant = unique("trust");
        String user = unique("cat");
        String token = signer.token(tenant, user, "fp-cat", "dev-3", Instant.now().plus(Duration.ofHours(1)));
        assertEquals("ALLOW", assessment(loginWithToken(tenant, user, "fp-cat", token, IP)).path("decision").asText());

        clock.advance(Duration.ofHours(2));
        JsonNode payload = assessment(loginWithToken(tenant, user, "fp-cat", token, IP));
        assertEquals("CHALLENGE", payload.path("decision").asText());
        assertEquals("NEW_DEVICE", reasons(payload).get(0));
        assertFalse(reasons(payload).contains("INVALID_DEVICE_TOKEN"), () -> "reasons " + reasons(payload));
    }

    @Test
    void aRevokedDevicesTokenNoLongerCountsAndItsFingerprintIsForgotten() {
        String tenant = unique("trust");
        String user = unique("dan");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-dan");
        String token = token(tenant, user, "fp-dan", "dev-4");
        assertEquals("ALLOW", assessment(loginWithToken(tenant, user, "fp-dan", token, IP)).path("decision").asText());

        factorChange(tenant, user, FactorChange.DEVICE_TRUSTED, "dev-5");   // other changes teach nothing
        factorChange(tenant, user, FactorChange.DEVICE_REVOKED, "dev-4");
        String revoked = RiskProfileStore.userPrefix(tenant, user) + "revoked-devices";
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.hash(String.class).hexists(revoked, "dev-4"));
        long ttl = redis.key().pttl(revoked);
        assertTrue(ttl > Duration.ofDays(29).toMillis() && ttl <= Duration.ofDays(30).toMillis(),
                "revocations are remembered for the token lifetime: " + ttl);
        // the token was last seen with this fingerprint, so the fingerprint stops being a known device too
        assertFalse(RiskProfiles.deviceKnown(redis, tenant, user, "fp-dan"));

        JsonNode withToken = assessment(loginWithToken(tenant, user, "fp-dan", token, IP));
        assertEquals("CHALLENGE", withToken.path("decision").asText());
        assertEquals(List.of("NEW_DEVICE", "INVALID_DEVICE_TOKEN"), reasons(withToken).subList(0, 2));
        JsonNode stripped = assessment(login(tenant, user, true, "fp-dan", IP));
        assertEquals("CHALLENGE", stripped.path("decision").asText());
        assertEquals("NEW_DEVICE", reasons(stripped).get(0));

        // another user's device of the same id is not revoked
        String other = unique("eli");
        assertEquals("ALLOW", assessment(loginWithToken(tenant, other, "fp-eli", token(tenant, other, "fp-eli", "dev-4"),
                IP)).path("decision").asText());
    }

    @Test
    void revocationsOlderThanTheTokenLifetimeArePrunedWhenTheUserRevokesAnother() {
        String tenant = unique("trust");
        String user = unique("gil");
        String revoked = RiskProfileStore.userPrefix(tenant, user) + "revoked-devices";
        factorChange(tenant, user, FactorChange.DEVICE_REVOKED, "dev-old");
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.hash(String.class).hexists(revoked, "dev-old"));

        clock.advance(Duration.ofDays(31));   // every token of dev-old has expired by now
        factorChange(tenant, user, FactorChange.DEVICE_REVOKED, "dev-new");
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.hash(String.class).hexists(revoked, "dev-new")
                && !redis.hash(String.class).hexists(revoked, "dev-old"));
    }

    @Test
    void aMalformedFactorChangeGoesToItsDeadLetterTopicAndTheNextRevocationStillApplies() {
        String tenant = unique("trust");
        String user = unique("fay");
        RiskKafka.send(Topics.FACTOR_CHANGED, tenant, user, "{not json");
        factorChange(tenant, user, FactorChange.DEVICE_REVOKED, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> RiskKafka.factorDeadLetters().stream()
                .filter(r -> Topics.key(tenant, user).equals(r.key())).count() == 2);

        factorChange(tenant, user, FactorChange.DEVICE_REVOKED, "dev-6");
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.hash(String.class)
                .hexists(RiskProfileStore.userPrefix(tenant, user) + "revoked-devices", "dev-6"));
    }

    @Test
    void forgettingEveryDeviceMakesTheNextLoginFromALearnedDeviceANewOne() {
        String tenant = unique("trust");
        String user = unique("hal");
        RiskProfiles.approveDevice(redis, tenant, user, "fp-hal");
        JsonNode known = assessment(login(tenant, user, true, "fp-hal", IP));
        assertFalse(reasons(known).contains("NEW_DEVICE"), () -> "reasons " + reasons(known));

        Instant forgottenAt = Instant.now();
        RiskKafka.send(Topics.FACTOR_CHANGED, tenant, user, RiskKafka.write(Envelope.of(FactorChanged.TYPE,
                forgottenAt, tenant, user, new FactorChanged(user, null, null, FactorChange.DEVICES_FORGOTTEN,
                        "compromise_suspected"))));
        await().atMost(Duration.ofSeconds(30)).until(() -> !RiskProfiles.deviceKnown(redis, tenant, user, "fp-hal"));
        JsonNode forgotten = assessment(login(tenant, user, true, "fp-hal", IP));
        assertEquals("CHALLENGE", forgotten.path("decision").asText());
        assertEquals("NEW_DEVICE", reasons(forgotten).get(0));

        // An approval from before the forgetting, delivered late, does not bring the device back ...
        approval(tenant, user, "fp-hal", forgottenAt.minusSeconds(1));
        String late = unique("late");
        approval(tenant, user, "fp-" + late, Instant.now());
        RiskProfiles.awaitDeviceKnown(redis, tenant, user, "fp-" + late);
        assertFalse(RiskProfiles.deviceKnown(redis, tenant, user, "fp-hal"));
        // ... one after it does.
        RiskProfiles.approveDevice(redis, tenant, user, "fp-hal");
        assertFalse(reasons(assessment(login(tenant, user, true, "fp-hal", IP))).contains("NEW_DEVICE"));
    }

    @Test
    void aTokenIssuedBeforeTheDevicesWereForgottenNoLongerCountsEvenIfItsOwnRevocationNeverCame() {
        String tenant = unique("trust");
        String user = unique("ida");
        Instant expires = Instant.now().plus(Duration.ofDays(30));
        String before = signer.token(tenant, user, "fp-ida", "dev-before", Instant.now().minusSeconds(60), expires);
        String undated = signer.token(tenant, user, "fp-ida", "dev-undated", expires);
        assertEquals(List.of("TRUSTED_DEVICE"), reasons(assessment(loginWithToken(tenant, user, "fp-ida", before, IP))));

        factorChange(tenant, user, FactorChange.DEVICES_FORGOTTEN, null);
        String forgotten = RiskProfileStore.userPrefix(tenant, user) + "devices-forgotten";
        await().atMost(Duration.ofSeconds(30)).until(() -> redis.key().exists(forgotten));
        long ttl = redis.key().pttl(forgotten);
        assertTrue(ttl > Duration.ofDays(29).toMillis() && ttl <= Duration.ofDays(30).toMillis(),
                "the moment is remembered for the token lifetime: " + ttl);

        for (String token : List.of(before, undated)) {
            JsonNode refused = assessment(loginWithToken(tenant, user, "fp-ida", token, IP));
            assertEquals("CHALLENGE", refused.path("decision").asText());
            assertEquals(List.of("NEW_DEVICE", "INVALID_DEVICE_TOKEN"), reasons(refused).subList(0, 2));
        }
        // A device trusted after the forgetting is trusted.
        String after = signer.token(tenant, user, "fp-ida", "dev-after", Instant.now().plusSeconds(2), expires);
        assertEquals(List.of("TRUSTED_DEVICE"), reasons(assessment(loginWithToken(tenant, user, "fp-ida", after, IP))));
        assertEquals(2.0, Search.in(registry).name("keystep.risk.device.tokens")
                .tags("tenant", tenant, "verdict", "REVOKED").counter().count());
    }

    /** An approved verification of this device, as challenge-service would publish it at {@code at}. */
    private static void approval(String tenant, String user, String fingerprint, Instant at) {
        String challengeId = unique("challenge");
        RiskKafka.send(Topics.VERIFICATION_COMPLETED, tenant, user, RiskKafka.write(Envelope.of(
                VerificationCompleted.TYPE, at, tenant, challengeId, new VerificationCompleted(challengeId, null, user,
                        Factor.SMS, Outcome.APPROVED, 1, fingerprint))));
    }
}
