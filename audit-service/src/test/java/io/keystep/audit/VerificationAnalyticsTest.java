package io.keystep.audit;

import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.Decision;
import io.keystep.events.DeliveryStatus;
import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Device;
import io.keystep.events.Envelope;
import io.keystep.events.ExperimentArm;
import io.keystep.events.Factor;
import io.keystep.events.Limit;
import io.keystep.events.LoginAttempted;
import io.keystep.events.LoginDecided;
import io.keystep.events.Outcome;
import io.keystep.events.Purpose;
import io.keystep.events.RiskAssessed;
import io.keystep.events.Topics;
import io.keystep.events.VerificationCompleted;
import io.keystep.events.VerificationLimited;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.empty;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The analytics count a tenant's period from its trail: logins and decisions, challenges created and approved by
 * channel, country, prefix and provider, time to verify, fallbacks, lockouts, limits, risk reasons, experiment arms,
 * an hourly series with its empty hours, and the alerts of the tenant's thresholds; only the analyst reads them, and
 * only its own tenant's. The events travel as their producers publish them, through Kafka and ingest's redaction.
 * Shares AuditIngestTest's boot.
 */
@QuarkusTest
class VerificationAnalyticsTest {

    private static final String PATH = "/v1/audit/analytics";
    /** The period: four whole hours, ending an hour before the hour the test runs in. */
    private static final Instant FROM = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(5));
    private static final Instant TO = FROM.plus(Duration.ofHours(4));
    private static final String DE = "+4915123456678";
    private static final String FR = "+33612345678";
    private static final String GB = "+447700900123";

    private static final String TENANT = Trail.unique("ana");
    private static final String OTHER = Trail.unique("ana");
    private static final Map<String, AtomicInteger> SENT = new ConcurrentHashMap<>();

    @BeforeAll
    static void seed() {
        Instant hour0 = FROM.plusSeconds(60);
        Instant hour2 = FROM.plus(Duration.ofHours(2)).plusSeconds(60);
        // Germany, SMS through twilio: 3 of 4 approved, after 10, 20 and 30 seconds; one resent, one fell back first
        String d1 = challenge(TENANT, Channel.SMS, DE, hour0, "twilio");
        resend(TENANT, d1, Channel.SMS, DE, hour0.plusSeconds(5));
        verified(TENANT, d1, hour0.plusSeconds(2 + 10), Outcome.APPROVED);
        String d2 = challenge(TENANT, Channel.SMS, DE, hour0, "telnyx");
        status(TENANT, d2, Channel.SMS, "telnyx", DeliveryStatus.FELL_BACK, hour0.plusSeconds(4));
        status(TENANT, d2, Channel.SMS, "twilio", DeliveryStatus.SENT, hour0.plusSeconds(6));
        verified(TENANT, d2, hour0.plusSeconds(2 + 20), Outcome.APPROVED);
        String d3 = challenge(TENANT, Channel.SMS, DE, hour0, "twilio");
        verified(TENANT, d3, hour0.plusSeconds(2 + 30), Outcome.APPROVED);
        String d4 = challenge(TENANT, Channel.SMS, DE, hour0, "twilio");
        verified(TENANT, d4, hour0.plusSeconds(40), Outcome.REJECTED);
        // Great Britain, voice through twilio: none approved; one locked out, published both ways (one lockout)
        String g1 = challenge(TENANT, Channel.VOICE, GB, hour0, "twilio");
        verified(TENANT, g1, hour0.plusSeconds(40), Outcome.REJECTED);
        String g2 = challenge(TENANT, Channel.VOICE, GB, hour0, "twilio");
        verified(TENANT, g2, hour0.plusSeconds(40), Outcome.LOCKED);
        limited(TENANT, g2, Limit.USER_LOCKOUT, hour0.plusSeconds(41));
        // France, SMS through telnyx, two hours later: 1 of 4 approved after 40 seconds; one locked (no limit event)
        String f1 = challenge(TENANT, Channel.SMS, FR, hour2, "telnyx");
        verified(TENANT, f1, hour2.plusSeconds(2 + 40), Outcome.APPROVED);
        String f2 = challenge(TENANT, Channel.SMS, FR, hour2, "telnyx");
        verified(TENANT, f2, hour2.plusSeconds(50), Outcome.LOCKED);
        challenge(TENANT, Channel.SMS, FR, hour2, "telnyx");
        challenge(TENANT, Channel.SMS, FR, hour2, "telnyx");
        // an e-mail challenge (no country, no provider reported), approved after 50 seconds
        String e1 = challenge(TENANT, Channel.EMAIL, "jane@example.com", hour2, null);
        verified(TENANT, e1, hour2.plusSeconds(2 + 50), Outcome.APPROVED);
        limited(TENANT, null, Limit.DESTINATION_COOLDOWN, hour2.plusSeconds(3));
        // logins that were not challenged, with their assessments
        login(TENANT, Decision.ALLOW, hour2, List.of("NEW_DEVICE"), new ExperimentArm("exp-1", "B", null));
        login(TENANT, Decision.ALLOW, hour2, null, null);
        login(TENANT, Decision.DENY, hour2, List.of(), null);
        assessed(TENANT, Decision.CHALLENGE, hour2, List.of("NEW_DEVICE", "NEW_COUNTRY"),
                new ExperimentArm("exp-1", "A", hour2.plusSeconds(600)));
        // outside the period: before it, and at its end
        String before = challenge(TENANT, Channel.SMS, DE, FROM.minus(Duration.ofMinutes(30)), "twilio");
        verified(TENANT, before, FROM.minus(Duration.ofMinutes(29)), Outcome.APPROVED);
        login(TENANT, Decision.ALLOW, TO, null, null);

        // another tenant at the same time: German challenges, all approved
        for (int i = 0; i < 2; i++) {
            String o = challenge(OTHER, Channel.SMS, DE, hour0, "twilio");
            verified(OTHER, o, hour0.plusSeconds(15), Outcome.APPROVED);
        }
        for (String tenant : List.of(TENANT, OTHER)) {
            await().atMost(AuditIngestTest.WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size()
                    == SENT.get(tenant).get());
        }
    }

    @Test
    void theFiguresOfThePeriodCountTheTenantsChallengesByChannelCountryPrefixAndProvider() {
        JsonPath a = analytics(TENANT, Map.of("from", FROM.toString(), "to", TO.toString()));
        assertEquals(TENANT, a.getString("tenantId"));
        assertEquals(FROM, Instant.parse(a.getString("from")));
        assertEquals(TO, Instant.parse(a.getString("to")));
        assertEquals("hour", a.getString("bucket"), "a period of up to 2 days is shown by the hour");
        assertEquals(5, a.getInt("prefixLength"));
        assertEquals(14, a.getLong("logins"));
        assertEquals(14, a.getLong("decisions"));
        assertEquals(11, a.getLong("challenged"));
        assertEquals(1, a.getLong("denied"));
        assertEquals(11.0 / 14, a.getDouble("challengeRate"), 1e-6);
        assertEquals(11, a.getLong("created"), "distinct challenges: a resend is the same challenge");
        assertEquals(5, a.getLong("approved"));
        assertEquals(5.0 / 11, a.getDouble("conversion"), 1e-6);

        assertKeys(a, "byChannel", List.of("SMS", "VOICE", "EMAIL"), List.of(8L, 2L, 1L), List.of(4L, 0L, 1L));
        assertKeys(a, "byCountry", List.of("DE", "FR", "GB"), List.of(4L, 4L, 2L), List.of(3L, 1L, 0L));
        // the trail keeps four digits of a number: a prefix of five is the four there are
        assertKeys(a, "byPrefix", List.of("+3361", "+4915", "+4477"), List.of(4L, 4L, 2L), List.of(1L, 3L, 0L));
        // a challenge counts under the provider of its latest status: d2 fell back from telnyx to twilio
        assertKeys(a, "byProvider", List.of("twilio", "telnyx", "UNKNOWN"), List.of(6L, 4L, 1L), List.of(3L, 1L, 1L));
        assertEquals(0.75, a.getDouble("byCountry[0].conversion"), 1e-6);
        assertEquals(0.0, a.getDouble("byCountry[2].conversion"), 1e-6);

        // approved after 10, 20, 30, 40 and 50 seconds
        assertEquals(5, a.getLong("timeToVerify.count"));
        assertEquals(30.0, a.getDouble("timeToVerify.p50Seconds"), 1e-6);
        assertEquals(46.0, a.getDouble("timeToVerify.p90Seconds"), 1e-6);

        assertEquals(1, a.getLong("fallbacks"));
        assertEquals(3, a.getLong("lockouts"), "two limit events, and a LOCKED check without one");
        assertEquals(Map.of("DESTINATION_COOLDOWN", 1, "USER_LOCKOUT", 1), a.getMap("sendLimits"));
        assertEquals(Map.of("NEW_DEVICE", 2, "NEW_COUNTRY", 1), a.getMap("riskReasons"));
        assertEquals(List.of("exp-1|A|1|1", "exp-1|B|1|0"), a.getList("experimentArms", Map.class).stream()
                .map(m -> m.get("experimentId") + "|" + m.get("arm") + "|" + m.get("logins") + "|" + m.get("challenged"))
                .toList());

        // every hour of the period, the empty ones too
        assertEquals(List.of(FROM, FROM.plus(Duration.ofHours(1)), FROM.plus(Duration.ofHours(2)),
                FROM.plus(Duration.ofHours(3))), a.getList("series.start", String.class).stream().map(Instant::parse)
                .toList());
        assertEquals(List.of(6, 0, 8, 0), a.getList("series.logins", Integer.class));
        assertEquals(List.of(6, 0, 5, 0), a.getList("series.challenged", Integer.class));
        assertEquals(List.of(6, 0, 5, 0), a.getList("series.created", Integer.class));
        assertEquals(List.of(3, 0, 2, 0), a.getList("series.approved", Integer.class));
        assertEquals(0.5, a.getDouble("series[0].conversion"), 1e-6);
        assertNull(a.get("series[1].conversion"), "nothing to divide by");
        assertEquals(0.4, a.getDouble("series[2].conversion"), 1e-6);

        // by day, the period is one day's bucket; with prefixes of three digits
        JsonPath daily = analytics(TENANT, Map.of("from", FROM.toString(), "to", TO.toString(), "bucket", "day",
                "prefixLength", "3"));
        assertEquals(FROM.truncatedTo(ChronoUnit.DAYS).equals(TO.minusNanos(1).truncatedTo(ChronoUnit.DAYS)) ? 1 : 2,
                daily.getList("series").size());
        assertEquals(11, daily.getList("series.created", Integer.class).stream().mapToInt(Integer::intValue).sum());
        assertEquals(List.of("+336", "+491", "+447"), daily.getList("byPrefix.key", String.class));
    }

    @Test
    void anotherTenantsEventsNeverCountAndItsAnalystSeesOnlyItsOwn() {
        JsonPath other = analytics(OTHER, Map.of("from", FROM.toString(), "to", TO.toString()));
        assertEquals(OTHER, other.getString("tenantId"));
        assertEquals(2, other.getLong("created"));
        assertEquals(2, other.getLong("approved"));
        assertEquals(2, other.getLong("logins"));
        assertEquals(List.of("DE"), other.getList("byCountry.key", String.class));
        assertEquals(1.0, other.getDouble("conversion"), 1e-6);
        // and naming the first tenant in the header is refused
        analyst(OTHER).header("X-Tenant-Id", TENANT).get(PATH).then().statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://keystep.dev/problems/cross-tenant"));
    }

    @Test
    void alertsAppearForCountriesAndPrefixesUnderTheThresholdWithEnoughVolume() {
        Map<String, String> period = Map.of("from", FROM.toString(), "to", TO.toString());
        // the defaults (0.5, at least 20 challenges): no key has the volume
        assertEquals(List.of(), analytics(TENANT, period).getList("alerts"));

        settings("{\"conversionAlertThreshold\":0.5,\"conversionAlertMinVolume\":4}");
        JsonPath a = analytics(TENANT, period);
        // France converts 1 in 4; Great Britain 0 in 2, under the volume; Germany 3 in 4
        assertEquals(List.of("country|FR|4|1|0.5", "prefix|+3361|4|1|0.5"), alerts(a));
        assertEquals(0.25, a.getDouble("alerts[0].conversion"), 1e-6);

        settings("{\"conversionAlertThreshold\":0.25}");
        assertEquals(List.of(), alerts(analytics(TENANT, period)), "at the threshold is not under it");
        settings("{\"conversionAlertThreshold\":0.26,\"conversionAlertMinVolume\":5}");
        assertEquals(List.of(), alerts(analytics(TENANT, period)), "under the minimum volume");
        settings("{\"conversionAlertMinVolume\":2}");
        assertEquals(List.of("country|GB|2|0|0.26", "country|FR|4|1|0.26", "prefix|+4477|2|0|0.26",
                "prefix|+3361|4|1|0.26"), alerts(analytics(TENANT, period)));
        // back to the defaults
        settings("{\"conversionAlertThreshold\":null,\"conversionAlertMinVolume\":null}");
        assertEquals(List.of(), alerts(analytics(TENANT, period)));
    }

    @Test
    void onlyTheAnalystRole() {
        for (String role : List.of(Tokens.COMPLIANCE, Tokens.ADMIN, Tokens.SUPPORT, Tokens.GATEWAY, Tokens.WORKER)) {
            Callers.as(TENANT, role).get(PATH).then().statusCode(403).contentType("application/problem+json")
                    .body("type", equalTo("https://keystep.dev/problems/role-not-allowed"));
        }
        analyst(TENANT).get(PATH).then().statusCode(200).body("tenantId", equalTo(TENANT))
                .body("bucket", equalTo("day")).body("series.size()", org.hamcrest.Matchers.greaterThanOrEqualTo(7));
    }

    @Test
    void badParametersAreRefusedNamingTheField() {
        record Bad(Map<String, String> params, String field) {
        }
        for (Bad bad : List.of(
                new Bad(Map.of("bucket", "week"), "bucket"),
                new Bad(Map.of("prefixLength", "2"), "prefixLength"),
                new Bad(Map.of("prefixLength", "9"), "prefixLength"),
                new Bad(Map.of("prefixLength", "five"), "prefixLength"),
                new Bad(Map.of("from", "yesterday"), "from"),
                new Bad(Map.of("from", TO.toString(), "to", FROM.toString()), "to"),
                // 17 days by the hour is 408 buckets
                new Bad(Map.of("from", TO.minus(Duration.ofDays(17)).toString(), "to", TO.toString(), "bucket", "hour"),
                        "bucket"),
                new Bad(Map.of("from", TO.minus(Duration.ofDays(401)).toString(), "to", TO.toString()), "from"))) {
            analyst(TENANT).queryParams(bad.params()).get(PATH).then().statusCode(400)
                    .contentType("application/problem+json").body("errors[0].field", equalTo(bad.field()));
        }
        // 400 days by the day is the most there may be
        analyst(TENANT).queryParams(Map.of("from", TO.minus(Duration.ofDays(400)).truncatedTo(ChronoUnit.DAYS)
                        .toString(), "to", TO.truncatedTo(ChronoUnit.DAYS).toString()))
                .get(PATH).then().statusCode(200).body("series.size()", equalTo(400)).body("alerts", empty());
    }

    private static List<String> alerts(JsonPath a) {
        return a.getList("alerts", Map.class).stream().map(m -> m.get("dimension") + "|" + m.get("key") + "|"
                + m.get("created") + "|" + m.get("approved") + "|" + m.get("threshold")).toList();
    }

    private static void assertKeys(JsonPath a, String list, List<String> keys, List<Long> created, List<Long> approved) {
        assertEquals(keys, a.getList(list + ".key", String.class), list);
        assertEquals(created, a.getList(list + ".created", Long.class), list + " created");
        assertEquals(approved, a.getList(list + ".approved", Long.class), list + " approved");
    }

    private static JsonPath analytics(String tenant, Map<String, String> params) {
        return analyst(tenant).queryParams(params).get(PATH).then().statusCode(200).extract().jsonPath();
    }

    private static RequestSpecification analyst(String tenant) {
        return Callers.as(tenant, Tokens.ANALYST);
    }

    private static void settings(String body) {
        Callers.admin(TENANT).contentType("application/json").body(body).put("/v1/settings/audit").then()
                .statusCode(200);
    }

    private static void send(String tenant, String topic, Envelope<?> envelope, String user) {
        Trail.send(topic, envelope, user);
        SENT.computeIfAbsent(tenant, t -> new AtomicInteger()).incrementAndGet();
    }

    /**
     * A challenged login as the platform publishes it: the login at {@code at}, its decision a second later, the
     * challenge issued at +2s to the destination, and (when a provider is given) its SENT status at +3s.
     */
    private static String challenge(String tenant, Channel channel, String destination, Instant at, String provider) {
        String user = Trail.unique("u");
        String login = Trail.unique("login");
        String challenge = Trail.unique("ch");
        send(tenant, Topics.LOGIN, Envelope.of(LoginAttempted.TYPE, at, tenant, login,
                new LoginAttempted(login, user, true, new Device("fp-1", "Firefox"), "203.0.113.9", Purpose.LOGIN)), user);
        send(tenant, Topics.LOGIN_DECISION, Envelope.of(LoginDecided.TYPE, at.plusSeconds(1), tenant, login,
                new LoginDecided(login, user, Decision.CHALLENGE, challenge, List.of("NEW_DEVICE"))), user);
        send(tenant, Topics.CHALLENGE_ISSUED, Envelope.of(ChallengeIssued.TYPE, at.plusSeconds(2), tenant, challenge,
                new ChallengeIssued(challenge, login, user, List.of(channel), destination, Trail.SEALED, "en",
                        at.plusSeconds(302), Purpose.LOGIN)), user);
        if (provider != null) {
            status(tenant, challenge, channel, provider, DeliveryStatus.SENT, at.plusSeconds(3));
        }
        return challenge;
    }

    private static void resend(String tenant, String challenge, Channel channel, String destination, Instant at) {
        String user = Trail.unique("u");
        send(tenant, Topics.CHALLENGE_ISSUED, Envelope.of(ChallengeIssued.TYPE, at, tenant, challenge,
                new ChallengeIssued(challenge, null, user, List.of(channel), destination, Trail.SEALED, "en",
                        at.plusSeconds(300), Purpose.LOGIN, 2, null, null)), user);
    }

    private static void status(String tenant, String challenge, Channel channel, String provider,
                               DeliveryStatus status, Instant at) {
        send(tenant, Topics.DELIVERY_STATUS, Envelope.of(DeliveryStatusChanged.TYPE, at, tenant, challenge,
                new DeliveryStatusChanged(challenge, "u", channel, provider, status,
                        status == DeliveryStatus.FELL_BACK ? "timeout" : null, "+49*****678", "SM1")), "u");
    }

    private static void verified(String tenant, String challenge, Instant at, Outcome outcome) {
        send(tenant, Topics.VERIFICATION_COMPLETED, Envelope.of(VerificationCompleted.TYPE, at, tenant, challenge,
                new VerificationCompleted(challenge, null, "u", Factor.SMS, outcome, 1, "fp-1")), "u");
    }

    private static void limited(String tenant, String challenge, Limit limit, Instant at) {
        String correlation = challenge != null ? challenge : Trail.unique("limit");
        send(tenant, Topics.VERIFICATION_LIMITED, Envelope.of(VerificationLimited.TYPE, at, tenant, correlation,
                new VerificationLimited(challenge, "u", limit, 60, null, null)), "u");
    }

    /** A login that was not challenged: the login, its assessment (when reasons are given) and its decision. */
    private static void login(String tenant, Decision decision, Instant at, List<String> reasons, ExperimentArm arm) {
        String user = Trail.unique("u");
        String login = Trail.unique("login");
        send(tenant, Topics.LOGIN, Envelope.of(LoginAttempted.TYPE, at, tenant, login,
                new LoginAttempted(login, user, true, new Device("fp-1", "Firefox"), "203.0.113.9", Purpose.LOGIN)), user);
        if (reasons != null) {
            send(tenant, Topics.RISK_ASSESSED, Envelope.of(RiskAssessed.TYPE, at.plusSeconds(1), tenant, login,
                    new RiskAssessed(login, user, decision, 10, reasons, Purpose.LOGIN, "fp-1", List.of(), arm)), user);
        }
        send(tenant, Topics.LOGIN_DECISION, Envelope.of(LoginDecided.TYPE, at.plusSeconds(1), tenant, login,
                new LoginDecided(login, user, decision, null, List.of())), user);
    }

    /** An assessment on its own (its login and decision are counted elsewhere). */
    private static void assessed(String tenant, Decision decision, Instant at, List<String> reasons, ExperimentArm arm) {
        String user = Trail.unique("u");
        String login = Trail.unique("login");
        send(tenant, Topics.RISK_ASSESSED, Envelope.of(RiskAssessed.TYPE, at, tenant, login,
                new RiskAssessed(login, user, decision, 60, reasons, Purpose.SIGNUP, "fp-1", List.of(), arm)), user);
    }
}
