package io.keystep.audit.api;

import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.CheckpointSigner;
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
import java.util.List;

/** Signed chain heads and the key that checks them, for whoever keeps a copy outside this database. */
@Path("/v1/audit/checkpoints")
@RolesAllowed(Roles.COMPLIANCE)
@Produces(MediaType.APPLICATION_JSON)
public class CheckpointResource {

    private final AuditConfig config;
    private final Caller caller;

    public CheckpointResource(AuditConfig config, Caller caller) {
        this.caller = caller;
        this.config = config;
    }

    public record CheckpointView(String tenantId, long chainSeq, String headHash, Instant signedAt, String keyId,
                                 String algorithm, String signedText, String signature) {
    }

    public record KeyView(String keyId, String algorithm, String publicKey) {
    }

    @GET
    public Uni<List<CheckpointView>> list(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader,
                                          @QueryParam("tenant") String tenantParam, @QueryParam("limit") @QueryParameterRules.PageLimit(max = 1000) String limit) {
        // the caller's own checkpoints; the tenant parameter, when given, must name it
        caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        String tenant = caller.tenant("tenant", tenantParam);
        Integer asked = RequestParameters.limit(limit);
        int max = asked == null ? 20 : asked;
        return Panache.withSession(() -> ChainCheckpoint.<ChainCheckpoint>find("tenantId = ?1 order by id desc", tenant)
                        .page(0, max).list())
                .map(rows -> rows.stream().map(c -> new CheckpointView(c.tenantId, c.chainSeq, c.headHash, c.signedAt,
                        c.keyId, c.algorithm, CheckpointSigner.signedText(c.tenantId, c.chainSeq, c.headHash, c.signedAt),
                        c.signature)).toList());
    }

    @GET
    @Path("/key")
    public KeyView key(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader) {
        caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        return new KeyView(config.checkpoint().keyId(), CheckpointSigner.ALGORITHM,
                config.checkpoint().publicKey());
    }
}
