package io.keystep.audit.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keystep.audit.domain.ChainVerifier;
import io.keystep.audit.domain.HashChain;
import io.keystep.audit.store.AuditEventStore;
import io.keystep.audit.store.ChainCheckpoint;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Roles;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;

/**
 * Recomputes a tenant's hash chain over a period (of receipt) and answers intact, or the first row that breaks it.
 * Reads the chain a page at a time.
 */
@Path("/v1/audit/verify")
@RolesAllowed(Roles.COMPLIANCE)
@Produces(MediaType.APPLICATION_JSON)
public class VerifyResource {

    private static final int PAGE = 500;

    private final AuditEventStore store;
    private final Caller caller;

    public VerifyResource(AuditEventStore store, Caller caller) {
        this.caller = caller;
        this.store = store;
    }

    /**
     * The outcome of a verification. {@code start} says what the first row checked was linked to: the genesis hash,
     * the row before it, or (when retention removed the oldest rows, {@code prunedThroughSeq} &gt; 0) the prev_hash
     * the first remaining row stores, which cannot be checked against removed rows.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Verification(String tenant, boolean intact, long fromSeq, long toSeq, long rowsChecked,
                               long headSeq, String headHash, long prunedThroughSeq, ChainStart start,
                               ChainVerifier.Break firstBroken) {
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
        return store.head(tenant).chain(head -> {
            if (head == null) {
                return Uni.createFrom().item(new Verification(tenant, true, 0, 0, 0, 0, HashChain.GENESIS, 0, null, null));
            }
            long pruned = head.prunedThroughSeq();
            return store.chainRange(tenant, from, to).chain(range -> {
                // rows kept below the retention cut (by a legal hold on an older partition) are outside the chain
                long first = from == null || range == null ? pruned + 1 : Math.max(range[0], pruned + 1);
                long last = to == null || range == null ? head.lastSeq() : range[1];
                if (range == null && (from != null || to != null)) {
                    // nothing received in the period
                    return Uni.createFrom().item(new Verification(tenant, true, 0, 0, 0, head.lastSeq(), head.lastHash(),
                            pruned, null, null));
                }
                if (first > last) {
                    // every row was removed by retention
                    return Uni.createFrom().item(new Verification(tenant, true, first, last, 0, head.lastSeq(),
                            head.lastHash(), pruned, null, null));
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
                                head.lastSeq(), head.lastHash(), pruned, start[0], v.broken())));
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
                        : store.chainPage(tenant, checkpoint.chainSeq, checkpoint.chainSeq, 1).map(rows -> {
                            if (rows.isEmpty() || !rows.get(0).hash().equals(checkpoint.headHash)) {
                                verifier.breakAt(checkpoint.chainSeq, "chain rewritten: the row's hash differs from the"
                                        + " signed checkpoint of " + checkpoint.signedAt);
                            }
                            return verifier;
                        }));
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
