package io.keystep.audit;

import io.keystep.testsupport.ManagementPort;
import io.keystep.audit.domain.CheckpointSigner;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keystep.audit.domain.HashChain;
import io.keystep.audit.domain.StoredEvent;
import io.keystep.audit.store.AuditEventStore;
import io.keystep.audit.store.DatabaseContext;
import io.keystep.audit.store.ChainCheckpoint;
import io.keystep.audit.store.CheckpointPublisher;
import io.keystep.audit.store.RetentionJob;
import com.fasterxml.jackson.databind.JsonNode;
import io.keystep.events.AuditCheckpoint;
import io.keystep.events.Channel;
import io.keystep.events.DeliveryStatus;
import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Envelope;
import io.keystep.events.Factor;
import io.keystep.events.Limit;
import io.keystep.events.Outcome;
import io.keystep.events.VerificationCompleted;
import io.keystep.events.VerificationLimited;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Topics;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.scheduler.Trigger;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tamper evidence, retention, export, live stream, timeline, summary and metrics; shares AuditIngestTest's boot. */
@QuarkusTest
class AuditTrailFeaturesTest {

    static final Duration WAIT = AuditIngestTest.WAIT;

    @Inject
    RetentionJob retention;

    @Inject
    CheckpointPublisher checkpoints;

    @Inject
    AuditEventStore store;

    @Inject
    DatabaseContext database;

    @Inject
    Scheduler scheduler;

    @TestHTTPResource("/v1/audit/stream")
    URL streamUrl;

    private static String storedThread(String tenant, String user) {
        var thread = Trail.thread(tenant, user, Instant.parse("2026-06-01T10:00:00Z"));
        thread.forEach(e -> Trail.send(e.getKey(), e.getValue(), user));
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == thread.size());
        return tenant;
    }

    @Test
    void theChainVerifiesAndARowChangedBySqlIsFound() {
        String tenant = storedThread(Trail.unique("t"), Trail.unique("u"));
        Callers.compliance(tenant).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(true)).body("rowsChecked", equalTo(6))
                .body("headSeq", equalTo(6));

        Trail.execute("UPDATE audit_event SET payload = jsonb_set(payload, '{ip}', '\"192.0.2.1\"') WHERE tenant_id = ?"
                + " AND chain_seq = 1", tenant);
        Callers.compliance(tenant).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(false))
                .body("firstBroken.chainSeq", equalTo(1)).body("firstBroken.reason", containsString("changed"));
    }

    @Test
    void aRowDeletedBySqlIsFoundAndSoIsADeletedLastRow() {
        String tenant = storedThread(Trail.unique("t"), Trail.unique("u"));
        Trail.execute("DELETE FROM audit_event WHERE tenant_id = ? AND chain_seq = 3", tenant);
        Callers.compliance(tenant).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(false))
                .body("firstBroken.chainSeq", equalTo(3)).body("firstBroken.reason", containsString("missing"));

        String other = storedThread(Trail.unique("t"), Trail.unique("u"));
        Trail.execute("DELETE FROM audit_event WHERE tenant_id = ? AND chain_seq = 6", other);
        Callers.compliance(other).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(false)).body("firstBroken.chainSeq", equalTo(6));

        // the chain verified is the caller's own: another tenant's is refused
        Callers.compliance(other).queryParam("tenant", tenant).when().get("/v1/audit/verify")
                .then().statusCode(403).contentType("application/problem+json").body("errors[0].field", equalTo("tenant"));
    }

    @Test
    void theSchedulerSignsACheckpointOfEveryMovedChainHeadAndNoneOfAnUnmovedOne() {
        // the real scheduler, every keystep.audit.checkpoint.every (2 s under %test), not a direct call
        Trigger job = scheduler.getScheduledJobs().stream()
                .filter(t -> t.getMethodDescription().contains("CheckpointPublisher#scheduled")).findFirst().orElseThrow();
        String tenant = storedThread(Trail.unique("t"), Trail.unique("u"));
        // The thread's six events come on six topics and may be stored in more than one batch, so a run may also
        // have signed the head part-way (at 3, say); the head's final place, 6, is signed once and listed first.
        List<Map<String, Object>> signed = await().atMost(WAIT).until(() -> Callers.compliance(tenant)
                .when().get("/v1/audit/checkpoints").then().statusCode(200).extract().jsonPath().getList("$"),
                l -> !l.isEmpty() && ((Number) l.get(0).get("chainSeq")).intValue() == 6);
        List<Integer> seqs = signed.stream().map(c -> ((Number) c.get("chainSeq")).intValue()).toList();
        assertEquals(seqs.stream().distinct().sorted(java.util.Comparator.reverseOrder()).toList(), seqs,
                "each place of the head signed once, newest first: " + seqs);
        String headHash = (String) Trail.rows("tenant_id = ? AND chain_seq = 6", tenant).get(0).get("hash");
        assertEquals(headHash, signed.get(0).get("headHash"));
        String publicKey = Callers.compliance(tenant).when().get("/v1/audit/checkpoints/key").then().statusCode(200)
                .extract().path("publicKey");
        Instant signedAt = Instant.parse((String) signed.get(0).get("signedAt"));
        String signature = (String) signed.get(0).get("signature");
        assertTrue(CheckpointSigner.verify(publicKey, tenant, 6, headHash, signedAt, signature));
        assertFalse(CheckpointSigner.verify(publicKey, tenant, 7, headHash, signedAt, signature));

        // the same checkpoint is published on Kafka, keyed by tenant, for copies kept outside this database
        JsonNode published = await().atMost(WAIT).until(() -> publishedCheckpoints(tenant),
                        l -> l.stream().anyMatch(c -> c.path("payload").path("chainSeq").asInt() == 6)).stream()
                .filter(c -> c.path("payload").path("chainSeq").asInt() == 6).findFirst().orElseThrow();
        assertEquals(AuditCheckpoint.TYPE, published.path("type").asText());
        assertEquals(tenant, published.path("tenantId").asText());
        JsonNode payload = published.path("payload");
        assertEquals(6, payload.path("chainSeq").asInt());
        assertEquals(headHash, payload.path("headHash").asText());
        assertTrue(CheckpointSigner.verify(publicKey, tenant, payload.path("chainSeq").asLong(),
                payload.path("headHash").asText(), Instant.parse(payload.path("signedAt").asText()),
                payload.path("signature").asText()), "the published checkpoint verifies with the public key");

        // two more runs start (so at least one ran to its end): the head did not move, nothing new is signed
        Instant seen = job.getPreviousFireTime();
        await().atMost(WAIT).until(() -> job.getPreviousFireTime().isAfter(seen.plusMillis(1500)));
        Callers.compliance(tenant).when().get("/v1/audit/checkpoints")
                .then().statusCode(200).body("$", hasSize(signed.size()));

        // the head moves: the next run signs it
        String user = Trail.unique("u");
        Trail.send(Topics.LOGIN, AuditIngestTest.login(tenant, user, Instant.parse("2026-06-01T11:00:00Z")), user);
        await().atMost(WAIT).until(() -> Callers.compliance(tenant).when().get("/v1/audit/checkpoints")
                .then().statusCode(200).extract().jsonPath().getList("chainSeq", Integer.class), l -> l.contains(7));
    }

    /** Every checkpoint of a tenant on {@code audit.checkpoint.v1}, read from the beginning. */
    private static List<JsonNode> publishedCheckpoints(String tenant) throws Exception {
        List<JsonNode> found = new java.util.ArrayList<>();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(
                io.keystep.testsupport.SharedServers.kafka().clientConfig(io.keystep.events.BusAccess.COMPLIANCE, Map.of(
                        "group.id", "compliance-checkpoint-reader-" + java.util.UUID.randomUUID(),
                        "auto.offset.reset", "earliest")),
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.StringDeserializer())) {
            consumer.subscribe(List.of(Topics.AUDIT_CHECKPOINT));
            long deadline = System.currentTimeMillis() + 5_000;
            while (System.currentTimeMillis() < deadline && found.isEmpty()) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    if (tenant.equals(record.key())) {
                        found.add(Trail.JSON.readTree(record.value()));
                    }
                }
            }
        }
        return found;
    }

    @Test
    void aChainRewrittenFromARowOnIsCaughtByTheSignedCheckpoint() {
        String tenant = storedThread(Trail.unique("t"), Trail.unique("u"));
        checkpoints.publish().await().atMost(WAIT);

        // an insider edits the last row and recomputes its hash and the head: the chain is consistent in itself
        StoredEvent row = database.await(() -> store.chainPage(tenant, 6, 6, 1), WAIT).get(0);
        ObjectNode payload = ((ObjectNode) row.payload()).deepCopy().put("outcome", "REJECTED");
        StoredEvent forged = new StoredEvent(row.eventId(), row.type(), row.schemaVersion(), row.occurredAt(),
                row.tenantId(), row.correlationId(), row.userId(), row.topic(), row.partition(), row.offset(),
                row.receivedAt(), row.chainSeq(), payload, row.prevHash(), null);
        String forgedHash = HashChain.hash(forged);
        Trail.execute("UPDATE audit_event SET payload = CAST(? AS jsonb), hash = ? WHERE tenant_id = ? AND chain_seq = 6",
                payload.toString(), forgedHash, tenant);
        Trail.execute("UPDATE audit_chain_head SET last_hash = ? WHERE tenant_id = ?", forgedHash, tenant);

        Callers.compliance(tenant).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(false))
                .body("firstBroken.chainSeq", equalTo(6)).body("firstBroken.reason", containsString("checkpoint"));
    }

    @Test
    void retentionDropsExpiredPartitionsAndSparesHeldOnes() throws Exception {
        String expired = Trail.unique("old");
        String heldTenant = Trail.unique("held");
        Instant jan2019 = Instant.parse("2019-01-15T00:00:00Z");
        Instant feb2019 = Instant.parse("2019-02-15T00:00:00Z");
        Trail.insertRows(expired, "u1", 3, jan2019, jan2019);
        Trail.insertRows(heldTenant, "u2", 3, feb2019, feb2019);
        long holdId = ((Number) Callers.compliance(heldTenant).contentType("application/json")
                .body("{\"userId\":\"u2\",\"reason\":\"litigation 2026-17\"}")
                .when().post("/v1/audit/holds").then().statusCode(201).extract().path("id")).longValue();

        // per-tenant retention: short-tenant keeps 1 month, everyone else the 4-year default
        YearMonth now = YearMonth.from(Instant.now().atOffset(ZoneOffset.UTC));
        Instant threeMonthsAgo = now.minusMonths(3).atDay(10).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant twoMonthsAgo = now.minusMonths(2).atDay(10).atStartOfDay().toInstant(ZoneOffset.UTC);
        Trail.insertRows("short-tenant", "u3", 2, threeMonthsAgo, threeMonthsAgo);
        Trail.insertRows(Trail.unique("default"), "u4", 2, twoMonthsAgo, twoMonthsAgo);

        List<String> dropped = retention.runAt(Instant.now());
        assertTrue(dropped.contains(AuditEventStore.partitionName(YearMonth.of(2019, 1))), dropped.toString());
        assertTrue(dropped.contains(AuditEventStore.partitionName(now.minusMonths(3))), dropped.toString());
        assertFalse(dropped.contains(AuditEventStore.partitionName(YearMonth.of(2019, 2))), dropped.toString());
        assertFalse(dropped.contains(AuditEventStore.partitionName(now.minusMonths(2))), dropped.toString());
        assertEquals(0, Trail.rows("tenant_id = ?", expired).size());
        assertEquals(3, Trail.rows("tenant_id = ?", heldTenant).size());
        try (var c = RestartablePostgres.get().connect(); var s = c.prepareStatement(
                "SELECT count(*) FROM audit_event_id WHERE tenant_id = ?")) {
            s.setString(1, expired);
            var rs = s.executeQuery();
            rs.next();
            assertEquals(0, rs.getInt(1), "the ids of dropped rows are forgotten with them");
        }

        Callers.compliance(heldTenant).when().delete("/v1/audit/holds/" + holdId)
                .then().statusCode(200).body("releasedAt", org.hamcrest.Matchers.notNullValue());
        assertTrue(retention.runAt(Instant.now()).contains(AuditEventStore.partitionName(YearMonth.of(2019, 2))));
        assertEquals(0, Trail.rows("tenant_id = ?", heldTenant).size());
    }

    @Test
    void aShorterTenantRetentionCutsTheOldestEndOfItsChainInsidePartitionsOthersStillNeed() throws Exception {
        String tenant = "prune-tenant"; // 2 months, configured under %test; everyone else keeps 4 years
        String neighbour = Trail.unique("long");
        YearMonth now = YearMonth.from(Instant.now().atOffset(ZoneOffset.UTC));
        Instant fiveMonthsAgo = now.minusMonths(5).atDay(3).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant fourMonthsAgo = now.minusMonths(4).atDay(3).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant lastMonth = now.minusMonths(1).atDay(3).atStartOfDay().toInstant(ZoneOffset.UTC);
        Trail.insertRows(neighbour, "n", 2, fiveMonthsAgo, fiveMonthsAgo);
        Trail.insertRows(neighbour, "n", 2, fourMonthsAgo, fourMonthsAgo);
        Trail.appendChain(tenant, "alice", 3, fiveMonthsAgo); // 1..3
        Trail.appendChain(tenant, "bob", 2, fourMonthsAgo);   // 4..5
        Trail.appendChain(tenant, "alice", 1, fourMonthsAgo); // 6
        Trail.appendChain(tenant, "alice", 2, lastMonth);     // 7..8, not expired yet
        Callers.compliance(tenant).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(true)).body("rowsChecked", equalTo(8))
                .body("start.anchor", equalTo("genesis"));
        String hashOfRow3 = (String) Trail.rows("tenant_id = ? AND chain_seq = 3", tenant).get(0).get("hash");
        long holdId = ((Number) Callers.compliance(tenant).contentType("application/json")
                .body("{\"userId\":\"bob\",\"reason\":\"dispute 2026-3\"}")
                .when().post("/v1/audit/holds").then().statusCode(201).extract().path("id")).longValue();

        // bob's held row 4 stops the cut: only rows 1..3 go, although 5 and 6 are expired too
        List<String> dropped = retention.runAt(Instant.now());
        assertFalse(dropped.contains(AuditEventStore.partitionName(now.minusMonths(5))), dropped.toString());
        assertFalse(dropped.contains(AuditEventStore.partitionName(now.minusMonths(4))), dropped.toString());
        assertEquals(List.of(4L, 5L, 6L, 7L, 8L), Trail.rows("tenant_id = ?", tenant).stream()
                .map(r -> ((Number) r.get("chain_seq")).longValue()).toList());
        assertEquals(4, Trail.rows("tenant_id = ?", neighbour).size(), "the neighbour's rows in the same months stay");
        assertEquals(5, idsOf(tenant), "the ids of removed rows are forgotten with them");
        Callers.compliance(tenant).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(true)).body("fromSeq", equalTo(4))
                .body("rowsChecked", equalTo(5)).body("prunedThroughSeq", equalTo(3))
                .body("start.prevHash", equalTo(hashOfRow3)).body("start.anchor", containsString("retention"));

        Callers.compliance(tenant).when().delete("/v1/audit/holds/" + holdId).then().statusCode(200);
        retention.runAt(Instant.now());
        assertEquals(List.of(7L, 8L), Trail.rows("tenant_id = ?", tenant).stream()
                .map(r -> ((Number) r.get("chain_seq")).longValue()).toList());
        assertEquals(2, idsOf(tenant));
        assertEquals(4, Trail.rows("tenant_id = ?", neighbour).size());
        Callers.compliance(tenant).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(true)).body("fromSeq", equalTo(7))
                .body("rowsChecked", equalTo(2)).body("prunedThroughSeq", equalTo(6));

        // the cut chain still catches an edit, and a removed oldest row is not mistaken for retention
        Trail.execute("UPDATE audit_event SET user_id = 'mallory' WHERE tenant_id = ? AND chain_seq = 8", tenant);
        Callers.compliance(tenant).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(false)).body("firstBroken.chainSeq", equalTo(8));
        Trail.execute("DELETE FROM audit_event WHERE tenant_id = ? AND chain_seq = 7", tenant);
        Callers.compliance(tenant).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(false)).body("firstBroken.chainSeq", equalTo(7));
    }

    private static int idsOf(String tenant) throws Exception {
        try (var c = RestartablePostgres.get().connect(); var s = c.prepareStatement(
                "SELECT count(*) FROM audit_event_id WHERE tenant_id = ?")) {
            s.setString(1, tenant);
            var rs = s.executeQuery();
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void anExportStreamsEveryRowPageByPageAsNdjsonAndCsv() {
        String tenant = Trail.unique("exp");
        int count = 1234; // three pages of the export page size
        Instant first = Instant.parse("2026-02-01T00:00:00Z");
        Trail.insertRows(tenant, "u", count, first, Instant.now());

        String ndjson = Callers.compliance(tenant).queryParam("format", "ndjson")
                .when().get("/v1/audit/export")
                .then().statusCode(200).contentType(containsString("application/x-ndjson")).extract().asString();
        List<String> lines = ndjson.lines().toList();
        assertEquals(count, lines.size());
        assertTrue(lines.get(0).contains("\"occurredAt\":\"" + first.plusSeconds(count - 1) + "\""), lines.get(0));
        assertEquals(count, lines.stream().distinct().count());

        String csv = Callers.compliance(tenant).queryParam("format", "csv")
                .when().get("/v1/audit/export")
                .then().statusCode(200).contentType(containsString("text/csv")).extract().asString();
        List<String> rows = csv.lines().toList();
        assertEquals(count + 1, rows.size());
        assertTrue(rows.get(0).startsWith("eventId,type,"));
        assertTrue(rows.get(1).contains("\"{\"\"n\"\":"), rows.get(1));

        Callers.compliance(tenant).queryParam("format", "xml").when().get("/v1/audit/export")
                .then().statusCode(400).body("errors[0].field", equalTo("format"));
    }

    @Test
    void theLiveStreamReceivesNewEventsMatchingItsFilters() throws Exception {
        String tenant = Trail.unique("t");
        String user = Trail.unique("u");
        String other = Trail.unique("u");
        List<String> received = new CopyOnWriteArrayList<>();
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(streamUrl + "?userId=" + user))
                .header("Authorization", "Bearer " + Tokens.compliance(tenant)).header("Accept", "text/event-stream").build();
        HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        Thread reader = new Thread(() -> response.body().forEach(received::add));
        reader.setDaemon(true);
        reader.start();
        try {
            Envelope<LoginAttempted> notMine = AuditIngestTest.login(tenant, other, Instant.parse("2026-06-02T10:00:00Z"));
            Envelope<LoginAttempted> mine = AuditIngestTest.login(tenant, user, Instant.parse("2026-06-02T10:00:01Z"));
            Trail.send(Topics.LOGIN, notMine, other);
            Trail.send(Topics.LOGIN, mine, user);
            await().atMost(WAIT).until(() -> received.stream().anyMatch(l -> l.contains(mine.eventId().toString())));
            assertTrue(received.stream().noneMatch(l -> l.contains(notMine.eventId().toString())));
        } finally {
            response.body().close();
        }
    }

    @Test
    void aUsersTimelineAndThePeriodSummaryTellTheStoryOfTheirLogins() {
        String tenant = Trail.unique("t");
        String user = Trail.unique("u");
        storedThread(tenant, user);
        Callers.compliance(tenant).when().get("/v1/audit/users/" + user + "/timeline")
                .then().statusCode(200)
                .body("type", equalTo(List.of("auth.login", "risk.assessed", "auth.decision", "challenge.issued",
                        "delivery.status", "verification.completed")));

        Callers.compliance(tenant)
                .queryParam("from", "2026-06-01T00:00:00Z").queryParam("to", "2026-06-02T00:00:00Z")
                .when().get("/v1/audit/summary")
                .then().statusCode(200)
                .body("logins", equalTo(1)).body("decisions", equalTo(1)).body("challengeRate", equalTo(1.0f))
                .body("challengesIssued", equalTo(1)).body("successRate", equalTo(1.0f))
                .body("lockouts", equalTo(0)).body("byChannel.SMS.sent", equalTo(1))
                .body("byChannel.SMS.challengesIssued", equalTo(1));
    }

    @Test
    void searchAndExportFilterByOutcomeChannelAndCorrelationId() {
        String tenant = Trail.unique("t");
        String alice = Trail.unique("u");
        String bob = Trail.unique("u");
        var aliceThread = Trail.thread(tenant, alice, Instant.parse("2026-07-01T10:00:00Z"));
        var bobThread = Trail.thread(tenant, bob, Instant.parse("2026-07-01T11:00:00Z"));
        String bobLogin = bobThread.get(0).getValue().correlationId();
        String challenge = "ch-" + Trail.unique("v");
        Envelope<DeliveryStatusChanged> voice = Envelope.of(DeliveryStatusChanged.TYPE, Instant.parse("2026-07-01T11:01:00Z"),
                tenant, bobLogin, new DeliveryStatusChanged(challenge, bob, Channel.VOICE, "twilio", DeliveryStatus.SENT,
                        null, "+4915*****678", "CA1"));
        Envelope<VerificationCompleted> rejected = Envelope.of(VerificationCompleted.TYPE,
                Instant.parse("2026-07-01T11:02:00Z"), tenant, bobLogin,
                new VerificationCompleted(challenge, bobLogin, bob, Factor.VOICE, Outcome.REJECTED, 1, "fp-1"));
        aliceThread.forEach(e -> Trail.send(e.getKey(), e.getValue(), alice));
        bobThread.forEach(e -> Trail.send(e.getKey(), e.getValue(), bob));
        Trail.send(Topics.DELIVERY_STATUS, voice, bob);
        Trail.send(Topics.VERIFICATION_COMPLETED, rejected, bob);
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == 14);

        String aliceLogin = aliceThread.get(0).getValue().correlationId();
        Callers.compliance(tenant).queryParam("correlationId", aliceLogin).when().get("/v1/audit/events")
                .then().statusCode(200).body("$", hasSize(6)).body("correlationId", everyItem(equalTo(aliceLogin)))
                .body("userId", everyItem(equalTo(alice)));
        Callers.compliance(tenant).queryParam("correlationId", bobLogin).when().get("/v1/audit/events")
                .then().statusCode(200).body("$", hasSize(8));
        Callers.compliance(tenant).queryParam("outcome", "APPROVED").when().get("/v1/audit/events")
                .then().statusCode(200).body("$", hasSize(2)).body("payload.outcome", everyItem(equalTo("APPROVED")));
        Callers.compliance(tenant).queryParam("outcome", "REJECTED").when().get("/v1/audit/events")
                .then().statusCode(200).body("eventId", equalTo(List.of(rejected.eventId().toString())));
        // a channel matches a delivery's channel and an issued challenge's first planned channel
        Callers.compliance(tenant).queryParam("channel", "SMS").when().get("/v1/audit/events")
                .then().statusCode(200).body("$", hasSize(4))
                .body("type", containsInAnyOrder("challenge.issued", "challenge.issued", "delivery.status", "delivery.status"));
        Callers.compliance(tenant).queryParam("channel", "VOICE").when().get("/v1/audit/events")
                .then().statusCode(200).body("eventId", equalTo(List.of(voice.eventId().toString())));
        Callers.compliance(tenant).queryParam("channel", "VOICE").queryParam("outcome", "REJECTED")
                .when().get("/v1/audit/events").then().statusCode(200).body("$", hasSize(0));
        // the export takes the same filters
        String exported = Callers.compliance(tenant).queryParam("format", "ndjson")
                .queryParam("correlationId", bobLogin).queryParam("outcome", "REJECTED")
                .when().get("/v1/audit/export").then().statusCode(200).extract().asString();
        assertEquals(1, exported.lines().count());
        assertTrue(exported.contains(rejected.eventId().toString()));
    }

    @Test
    void theSummaryCountsLimitEventsAsLockoutsAndALockoutPublishedBothWaysOnce() {
        String tenant = Trail.unique("t");
        String user = Trail.unique("u");
        Instant at = Instant.parse("2026-08-01T10:00:00Z");
        String lockedChallenge = "ch-" + Trail.unique("l");
        String exhaustedChallenge = "ch-" + Trail.unique("x");
        // the check that locked the user out: a LOCKED outcome and a USER_LOCKOUT limit event for one verification
        Trail.send(Topics.VERIFICATION_COMPLETED, Envelope.of(VerificationCompleted.TYPE, at, tenant, lockedChallenge,
                new VerificationCompleted(lockedChallenge, null, user, Factor.SMS, Outcome.LOCKED, 5, null)), user);
        Trail.send(Topics.VERIFICATION_LIMITED, Envelope.of(VerificationLimited.TYPE, at, tenant, lockedChallenge,
                new VerificationLimited(lockedChallenge, user, Limit.USER_LOCKOUT, 300, at.plusSeconds(300), null)), user);
        // a send refused by a limit, and a LOCKED check with no limit event (its attempts ran out)
        Trail.send(Topics.VERIFICATION_LIMITED, Envelope.of(VerificationLimited.TYPE, at.plusSeconds(1), tenant, user,
                new VerificationLimited(null, user, Limit.DESTINATION_COOLDOWN, 30, null, "+4915*****678")), user);
        Trail.send(Topics.VERIFICATION_COMPLETED, Envelope.of(VerificationCompleted.TYPE, at.plusSeconds(2), tenant,
                exhaustedChallenge, new VerificationCompleted(exhaustedChallenge, null, user, Factor.SMS, Outcome.LOCKED,
                        3, null)), user);
        await().atMost(WAIT).until(() -> Trail.rows("tenant_id = ?", tenant).size() == 4);

        Callers.compliance(tenant)
                .queryParam("from", "2026-08-01T00:00:00Z").queryParam("to", "2026-08-02T00:00:00Z")
                .when().get("/v1/audit/summary")
                .then().statusCode(200)
                .body("lockouts", equalTo(3))
                .body("limits.USER_LOCKOUT", equalTo(1)).body("limits.DESTINATION_COOLDOWN", equalTo(1))
                .body("verificationOutcomes.LOCKED", equalTo(2));
    }

    @Test
    void theKafkaConsumerLagIsExposedAsAMetric() {
        storedThread(Trail.unique("t"), Trail.unique("u"));
        // bound by Micrometer's KafkaClientMetrics when the consumer is created; per-partition gauges follow assignment
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            String metrics = ManagementPort.given().when().get("/q/metrics").then().statusCode(200).extract().asString();
            return metrics.lines().anyMatch(l -> l.startsWith("kafka_consumer_fetch_manager_records_lag_max{")
                    && l.contains("audit-in"));
        });
    }

    @Test
    void ingestFiguresAreExposedAsMetrics() {
        storedThread(Trail.unique("t"), Trail.unique("u"));
        String metrics = ManagementPort.given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("audit_events_stored_total"), "stored counter");
        assertTrue(metrics.contains("audit_ingest_rows_per_second"), "rows per second");
        assertTrue(metrics.contains("audit_ingest_lag_seconds_count"), "lag");
        assertTrue(metrics.contains("audit_ingest_newest_lag_seconds"), "newest lag");
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("keystep_audit_events_stored_total{")
                && l.contains("type=\"challenge.issued\"")), "stored by type");
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("keystep_audit_ingest_records_total{")
                && l.contains("outcome=\"stored\"")), "ingest rate");
        assertTrue(metrics.contains("keystep_audit_ingest_lag_seconds_count"), "ingest lag");
    }

    @Test
    void exportsAndLiveStreamSubscribersAreExposedAsMetrics() throws Exception {
        String tenant = Trail.unique("m");
        Trail.insertRows(tenant, "u", 7, Instant.parse("2026-02-01T00:00:00Z"), Instant.now());
        double before = metric("keystep_audit_export_rows_total{format=\"csv\"");
        Callers.compliance(tenant).queryParam("format", "csv").when().get("/v1/audit/export").then().statusCode(200);
        await().atMost(WAIT).until(() -> metric("keystep_audit_export_rows_total{format=\"csv\"") == before + 7);
        assertTrue(metric("keystep_audit_exports_total{format=\"csv\",outcome=\"completed\"") >= 1);

        HttpResponse<java.io.InputStream> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(streamUrl.toString())).header("Authorization", "Bearer " + Tokens.compliance(tenant))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        try {
            assertEquals(200, stream.statusCode());
            await().atMost(WAIT).until(() -> metric("keystep_audit_stream_subscribers") >= 1);
        } finally {
            stream.body().close();
        }
    }

    /** The value of the first Prometheus sample whose line starts with {@code prefix}, or 0. */
    private static double metric(String prefix) {
        return ManagementPort.given().when().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(l -> l.startsWith(prefix)).findFirst()
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).orElse(0.0);
    }
}
