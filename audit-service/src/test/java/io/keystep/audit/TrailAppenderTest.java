package io.keystep.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.audit.domain.AuditEntry;
import io.keystep.audit.domain.StoredEvent;
import io.keystep.audit.store.AuditEventStore;
import io.keystep.audit.store.TrailAppender;
import io.keystep.events.Topics;
import io.keystep.testsupport.auth.Callers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The two ways a batch is written: on the chain tips an instance knows, and under the heads' locks when it knows
 * none or another writer moved them. Each "instance" here is an appender of its own (its own tips, its own meters)
 * over the same PostgreSQL, as two replicas of audit-service are.
 */
@QuarkusTest
class TrailAppenderTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    Pool pool;

    @Inject
    AuditEventStore store;

    @Inject
    ObjectMapper mapper;

    @Inject
    Clock clock;

    private record Instance(TrailAppender appender, MeterRegistry meters) {
        List<StoredEvent> append(List<AuditEntry> entries) {
            return appender.append(entries).await().atMost(WAIT);
        }

        double batches(String path) {
            return meters.get("keystep.audit.ingest.batches").tag("path", path).counter().count();
        }

        double tipsMoved() {
            return meters.get("keystep.audit.ingest.tips.moved").counter().count();
        }
    }

    private Instance instance() {
        MeterRegistry meters = new SimpleMeterRegistry();
        return new Instance(new TrailAppender(pool, store, mapper, clock, meters), meters);
    }

    @Test
    void aTenantWrittenHereIsChainedOnItsTipUntilAnotherWriterMovesIt() {
        String tenant = Trail.unique("tips");
        Instance here = instance();
        Instance other = instance();

        assertEquals(3, here.append(entries(tenant, 3)).size());
        assertEquals(1, here.batches("under-locks"), "a tenant not written here yet is read under the locks");
        assertEquals(3, here.append(entries(tenant, 3)).size());
        assertEquals(1, here.batches("known-tips"), "then chained on the tip this instance wrote");

        assertEquals(3, other.append(entries(tenant, 3)).size());
        List<StoredEvent> after = here.append(entries(tenant, 3));
        assertEquals(1, here.tipsMoved(), "the other instance moved the tip");
        assertEquals(2, here.batches("under-locks"));
        assertEquals(List.of(10L, 11L, 12L), after.stream().map(StoredEvent::chainSeq).toList());
        assertEquals(4, here.append(entries(tenant, 4)).size());
        assertEquals(2, here.batches("known-tips"), "and on the tip it read under the locks again");

        assertOneChain(tenant, 16);
    }

    @Test
    void aRedeliveredIdInABatchOnKnownTipsIsSkippedAndTheRestStored() {
        String tenant = Trail.unique("redelivered");
        Instance here = instance();
        List<AuditEntry> first = entries(tenant, 3);
        here.append(first);

        List<AuditEntry> mixed = new ArrayList<>(entries(tenant, 2));
        mixed.add(1, first.get(1));
        List<StoredEvent> written = here.append(mixed);

        assertEquals(1, here.tipsMoved(), "the claim found an id stored before and wrote nothing");
        assertEquals(List.of(mixed.get(0).eventId(), mixed.get(2).eventId()),
                written.stream().map(StoredEvent::eventId).toList());
        assertOneChain(tenant, 5);
        assertEquals(5, Trail.claims(tenant),
                "no id is claimed without its row: the failed statement left nothing behind");
    }

    @Test
    void twoInstancesWritingTheSameTenantsAtOnceStoreEveryEventOnceInOneChainEach() throws Exception {
        List<String> tenants = List.of(Trail.unique("race-a"), Trail.unique("race-b"), Trail.unique("race-c"));
        List<Instance> instances = List.of(instance(), instance());
        int batches = 15;
        int perTenant = 10;
        ExecutorService writers = Executors.newFixedThreadPool(instances.size());
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (Instance instance : instances) {
                Callable<Integer> writer = () -> {
                    int stored = 0;
                    for (int b = 0; b < batches; b++) {
                        List<AuditEntry> batch = new ArrayList<>();
                        for (String tenant : tenants) {
                            batch.addAll(entries(tenant, perTenant));
                        }
                        stored += instance.append(batch).size();
                    }
                    return stored;
                };
                done.add(writers.submit(writer));
            }
            int stored = 0;
            for (Future<Integer> f : done) {
                stored += f.get();
            }
            assertEquals(instances.size() * batches * tenants.size() * perTenant, stored);
        } finally {
            writers.shutdownNow();
        }
        for (String tenant : tenants) {
            assertOneChain(tenant, instances.size() * batches * perTenant);
        }
    }

    /** The tenant's rows: each event once, sequence numbers 1..n without a gap, and the chain verifies. */
    private static void assertOneChain(String tenant, int rows) {
        List<Map<String, Object>> stored = Trail.rows("tenant_id = ?", tenant);
        assertEquals(rows, stored.size());
        assertEquals(rows, stored.stream().map(r -> r.get("event_id")).distinct().count());
        for (int i = 0; i < rows; i++) {
            assertEquals((long) i + 1, ((Number) stored.get(i).get("chain_seq")).longValue());
        }
        Callers.compliance(tenant).when().get("/v1/audit/verify")
                .then().statusCode(200).body("intact", equalTo(true)).body("rowsChecked", equalTo(rows));
    }

    private List<AuditEntry> entries(String tenant, int count) {
        List<AuditEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            UUID id = UUID.randomUUID();
            entries.add(new AuditEntry(id, "login-attempted", 1, Instant.parse("2026-07-01T00:00:00Z").plusSeconds(i),
                    tenant, "login-" + id, "user-" + (i % 3), Topics.LOGIN, 0, i,
                    mapper.createObjectNode().put("userId", "user-" + (i % 3)).put("n", i)));
        }
        return entries;
    }
}
