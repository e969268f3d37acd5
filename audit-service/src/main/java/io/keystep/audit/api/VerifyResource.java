package io.keystep.audit.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keystep.audit.domain.ChainVerifier;
import io.keystep.audit.domain.CheckpointKeys;
import io.keystep.audit.domain.HashChain;
import io.keystep.audit.store.AuditEventStore;
import io.keystep.audit.messaging.PublishedCheckpoints;
import io.keystep.audit.store.ChainCheckpoint;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.keystep.events.Topics;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.Optional;

/**
 * Recomputes a tenant's hash chain over a period (of receipt) and answers intact, or the first row that breaks it.
 * Reads the chain a page at a time. What the database alone cannot prove it checks against what it cannot rewrite:
 * checkpoints count only when their signature verifies with a public key from the configuration, and the newest
 * checkpoint published on {@code audit.checkpoint.v1}, read from Kafka, shows a tail deleted from the database.
 */
@Path("/v1/audit/verify")
@RolesAllowed(Roles.COMPLIANCE)
@Produces(MediaType.APPLICATION_JSON)
public class VerifyResource {

    private static final int PAGE = 500;

    private final AuditEventStore store;
    private final Caller caller;
    private final CheckpointKeys keys;
    private final PublishedCheckpoints published;

    public VerifyResource(AuditEventStore store, Caller caller, CheckpointKeys keys, PublishedCheckpoints published) {
        this.caller = caller;
        this.store = store;
        this.keys = keys;
        this.published = published;
    }

    /**
     * The outcome of a verification. {@code start} says what the first row checked was linked to: the genesis hash,
     * the row before it, or (when retention removed the oldest rows, {@code prunedThroughSeq} &gt; 0) the prev_hash
     * the first remaining row stores, which cannot be checked against removed rows.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Verification(String tenant, boolean intact, long fromSeq, long toSeq, long rowsChecked,
                               long headSeq, String headHash, long prunedThroughSeq, ChainStart start,
                               ChainVerifier.Break firstBroken, PublishedCheckpoint publishedCheckpoint) {

        Verification withPublished(PublishedCheckpoint checkpoint, ChainVerifier.Break truncation) {
            ChainVerifier.Break broken = firstBroken != null ? firstBroken : truncation;
            return new Verification(tenant, broken == null, fromSeq, toSeq, rowsChecked, headSeq, headHash,
                    prunedThroughSeq, start, broken, checkpoint);
        }
    }

    /** The newest checkpoint published on {@code audit.checkpoint.v1} for the tenant, whose signature verified. */
    public record PublishedCheckpoint(long chainSeq, String headHash, Instant signedAt, String keyId) {
    }

    /** What the first row checked links to, and why that is trusted. */
    public record ChainStart(long seq, String prevHash, String anchor) {
        static final String GENESIS = "genesis";
        static final String PREVIOUS_ROW = "previous row";
        static final String RETENTION = "retention removed the rows before it: verified from the prev_hash"
                + " the first remaining row stores";
    }

    @GET
    public Uni<Verification> verify(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader,
                                    @QueryParam("tenant") String tenantParam,
                                    @QueryParam("from") @QueryParameterRules.DateTime String fromParam,
                                    @QueryParam("to") @QueryParameterRules.DateTime String toParam) {
        // the caller's own chain; the tenant parameter, when given, must name it
        caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        String tenant = caller.tenant("tenant", tenantParam);
        Instant from = RequestParameters.instant(fromParam);
        Instant to = RequestParameters.instant(toParam);
        // Kafka is read on a worker thread; the database is read on this request's Vert.x context
        Context context = Vertx.currentContext();
        return Uni.createFrom().item(() -> published.newest(tenant))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .emitOn(task -> context.runOnContext(ignored -> task.run()))
                .onFailure(PublishedCheckpoints.Unavailable.class).transform(e -> ProblemException.unavailable(
                        "the checkpoints published on audit.checkpoint.v1 could not be read; try again"))
                .chain(newest -> chain(tenant, from, to).chain(v -> againstPublished(tenant, v, newest)));
    }

    private Uni<Verification> chain(String tenant, Instant from, Instant to) {
        return store.head(tenant).chain(head -> {
            if (head == null) {
                return Uni.createFrom().item(new Verification(tenant, true, 0, 0, 0, 0, HashChain.GENESIS, 0, null, null, null));
            }
            long pruned = head.prunedThroughSeq();
            return store.chainRange(tenant, from, to).chain(range -> {
                // rows kept below the retention cut (by a legal hold on an older partition) are outside the chain
                long first = from == null || range == null ? pruned + 1 : Math.max(range[0], pruned + 1);
                long last = to == null || range == null ? head.lastSeq() : range[1];
                if (range == null && (from != null || to != null)) {
                    // nothing received in the period
                    return Uni.createFrom().item(new Verification(tenant, true, 0, 0, 0, head.lastSeq(), head.lastHash(),
                            pruned, null, null, null));
                }
                if (first > last) {
                    // every row was removed by retention
                    return Uni.createFrom().item(new Verification(tenant, true, first, last, 0, head.lastSeq(),
                            head.lastHash(), pruned, null, null, null));
                }
                ChainStart[] start = new ChainStart[1];
                return linkOfFirst(tenant, first, pruned, start).chain(verifier ->
                        walk(tenant, verifier, last).chain(v -> {
                            v.finish(last);
                            if (v.broken() == null && to == null && !head.lastHash().equals(v.lastHash()) && v.checked() > 0) {
                                v.breakAt(last, "the last row's hash is not the recorded chain head");
                            }
                            return againstCheckpoint(tenant, v, first, last);
                        }).map(v -> new Verification(tenant, v.broken() == null, first, last, v.checked(),
                                head.lastSeq(), head.lastHash(), pruned, start[0], v.broken(), null)));
            });
        });
    }

    /**
     * A chain rewritten from some row on (every later hash recomputed) is consistent in itself; the newest signed
     * checkpoint inside the range still names the hash the row had when it was signed.
     */
    private Uni<ChainVerifier> againstCheckpoint(String tenant, ChainVerifier verifier, long first, long last) {
        if (verifier.broken() != null) {
            return Uni.createFrom().item(verifier);
        }
        return Panache.withSession(() -> ChainCheckpoint.<ChainCheckpoint>find(
                        "tenantId = ?1 and chainSeq >= ?2 and chainSeq <= ?3 order by chainSeq desc, id desc", tenant, first, last)
                .firstResult())
                .chain(checkpoint -> checkpoint == null ? Uni.createFrom().item(verifier)
                        : !keys.verifies(checkpoint.keyId, checkpoint.tenantId, checkpoint.chainSeq,
                                checkpoint.headHash, checkpoint.signedAt, checkpoint.signature)
                        ? Uni.createFrom().item(() -> {
                            verifier.breakAt(checkpoint.chainSeq, "checkpoint forged: its signature does not verify"
                                    + " with the configured public key of " + checkpoint.keyId);
                            return verifier;
                        })
                        : store.chainPage(tenant, checkpoint.chainSeq, checkpoint.chainSeq, 1).map(rows -> {
                            if (rows.isEmpty() || !rows.get(0).hash().equals(checkpoint.headHash)) {
                                verifier.breakAt(checkpoint.chainSeq, "chain rewritten: the row's hash differs from the"
                                        + " signed checkpoint of " + checkpoint.signedAt);
                            }
                            return verifier;
                        }));
    }

    /**
     * The tail against the newest checkpoint published on Kafka: the trail must reach its sequence number, and the row
     * there must still have the hash that was signed. A trail whose rows (and database checkpoints) after some row
     * were deleted, and its head moved back, is consistent in itself; the published checkpoint is not in the database.
     */
    private Uni<Verification> againstPublished(String tenant, Verification v,
                                               Optional<PublishedCheckpoints.Published> newest) {
        if (newest.isEmpty()) {
            return Uni.createFrom().item(v);
        }
        PublishedCheckpoints.Published p = newest.get();
        PublishedCheckpoint shown = new PublishedCheckpoint(p.chainSeq(), p.headHash(), p.signedAt(), p.keyId());
        if (p.chainSeq() > v.headSeq()) {
            return Uni.createFrom().item(v.withPublished(shown, new ChainVerifier.Break(v.headSeq() + 1, null,
                    "trail truncated: the checkpoint published on " + Topics.AUDIT_CHECKPOINT + " at " + p.signedAt()
                            + " signs row " + p.chainSeq() + ", the trail ends at row " + v.headSeq())));
        }
        if (p.chainSeq() <= v.prunedThroughSeq()) {
            return Uni.createFrom().item(v.withPublished(shown, null));
        }
        return store.chainPage(tenant, p.chainSeq(), p.chainSeq(), 1).map(rows -> v.withPublished(shown,
                !rows.isEmpty() && rows.get(0).hash().equals(p.headHash()) ? null
                        : new ChainVerifier.Break(p.chainSeq(), rows.isEmpty() ? null : rows.get(0).eventId(),
                        rows.isEmpty() ? "row missing: the checkpoint published on " + Topics.AUDIT_CHECKPOINT
                                + " signs row " + p.chainSeq()
                                : "chain rewritten: the row's hash differs from the checkpoint published on "
                                + Topics.AUDIT_CHECKPOINT + " at " + p.signedAt())));
    }

    /**
     * A verifier that knows what the first row must link to: genesis, the row before it, or (after retention cut the
     * chain's oldest end) the prev_hash the first remaining row stores.
     */
    private Uni<ChainVerifier> linkOfFirst(String tenant, long first, long prunedThrough, ChainStart[] start) {
        if (first <= 1) {
            start[0] = new ChainStart(first, HashChain.GENESIS, ChainStart.GENESIS);
            return Uni.createFrom().item(new ChainVerifier(first, HashChain.GENESIS));
        }
        boolean afterRetention = first == prunedThrough + 1;
        long linked = afterRetention ? first : first - 1;
        return store.chainPage(tenant, linked, linked, 1).map(rows -> {
            if (rows.isEmpty()) {
                ChainVerifier verifier = new ChainVerifier(first, null);
                verifier.breakAt(linked, "row missing: sequence number " + linked + " is absent");
                return verifier;
            }
            String prevHash = afterRetention ? rows.get(0).prevHash() : rows.get(0).hash();
            start[0] = new ChainStart(first, prevHash, afterRetention ? ChainStart.RETENTION : ChainStart.PREVIOUS_ROW);
            return new ChainVerifier(first, prevHash);
        });
    }

    private Uni<ChainVerifier> walk(String tenant, ChainVerifier verifier, long last) {
        if (verifier.broken() != null || verifier.nextSeq() > last) {
            return Uni.createFrom().item(verifier);
        }
        return store.chainPage(tenant, verifier.nextSeq(), last, PAGE).chain(rows -> {
            for (var row : rows) {
                if (!verifier.accept(row)) {
                    return Uni.createFrom().item(verifier);
                }
            }
            if (rows.size() < PAGE) {
                return Uni.createFrom().item(verifier);
            }
            return walk(tenant, verifier, last);
        });
    }
}
