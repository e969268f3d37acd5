package io.keystep.delivery.api;

import io.keystep.delivery.config.DeliveryConfig;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.keystep.delivery.store.CostLedger;
import io.smallrye.mutiny.Uni;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a tenant's messages cost in a month, by provider and country. Roles {@code admin} and {@code analyst}: costs are
 * the tenant operator's billing concern and a figure analysts weigh against conversion, not part of the audit trail
 * compliance reads.
 */
@Path("/v1/costs")
@RolesAllowed({Roles.ADMIN, Roles.ANALYST})
public class CostResource {

    private final CostLedger ledger;
    private final DeliveryConfig config;
    private final Clock clock;
    private final Caller caller;

    public CostResource(CostLedger ledger, DeliveryConfig config, Clock clock, Caller caller) {
        this.ledger = ledger;
        this.config = config;
        this.clock = clock;
        this.caller = caller;
    }

    /** One line of the month's costs. */
    public record CostLine(String provider, String country, BigDecimal amount) {
    }

    /**
     * The month's costs of the caller's tenant (from the token); {@code month} is {@code yyyy-MM}, this month if
     * absent. An {@code X-Tenant-Id} header naming another tenant is refused (403).
     */
    @GET
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    public Uni<Response> month(@HeaderParam("X-Tenant-Id") String claimedTenant, @QueryParam("month")
                               @Pattern(regexp = "\\s*|[0-9]{4}-(0[1-9]|1[0-2])", message = "must be yyyy-MM")
                               String month) {
        return costs(caller.tenant(Caller.TENANT_HEADER, claimedTenant), month);
    }

    private Uni<Response> costs(String tenantId, String month) {
        YearMonth chosen = month == null || month.isBlank() ? YearMonth.now(clock) : YearMonth.parse(month);
        return ledger.month(tenantId, chosen.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC)).map(costs -> {
            List<CostLine> lines = costs.entrySet().stream()
                    .map(e -> {
                        int colon = e.getKey().lastIndexOf(':');
                        return new CostLine(e.getKey().substring(0, colon), e.getKey().substring(colon + 1),
                                e.getValue());
                    })
                    .sorted(Comparator.comparing(CostLine::provider).thenComparing(CostLine::country))
                    .toList();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("tenantId", tenantId);
            body.put("month", chosen.toString());
            body.put("currency", config.currency());
            body.put("total", lines.stream().map(CostLine::amount).reduce(BigDecimal.ZERO, BigDecimal::add));
            body.put("costs", lines);
            return Response.ok(body).build();
        });
    }
}
