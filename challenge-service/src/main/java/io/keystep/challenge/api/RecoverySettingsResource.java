package io.keystep.challenge.api;

import io.keystep.challenge.factors.AccountRecoveries;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.kit.messaging.PlatformEvents;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;

/** The tenant's account-recovery delay: how long an approved recovery waits before it can be used. */
@jakarta.annotation.security.RolesAllowed(Roles.ADMIN)
@Path("/v1/settings/account-recovery")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class RecoverySettingsResource {

    /** The delay as an ISO-8601 duration ({@code PT24H}). */
    public record RecoverySettings(String delay) {
    }

    private static final String DELAY = "must be an ISO-8601 duration from PT1H to P30D, such as PT24H";

    private final AccountRecoveries recoveries;
    private final PlatformEvents events;
    private final Caller caller;

    public RecoverySettingsResource(AccountRecoveries recoveries, PlatformEvents events, Caller caller) {
        this.recoveries = recoveries;
        this.events = events;
        this.caller = caller;
    }

    @GET
    public Uni<RecoverySettings> get() {
        return FactorChangeGate.failClosed(recoveries.delayOf(caller.tenant()))
                .map(d -> new RecoverySettings(d.toString()));
    }

    /** Sets the delay; the change is published to the trail ({@code tenant.settings-changed.v1}). */
    @PUT
    public Uni<RecoverySettings> put(RecoverySettings body) {
        String tenantId = caller.tenant();
        Duration delay = parse(body == null ? null : body.delay());
        String by = caller.subject();
        return FactorChangeGate.failClosed(recoveries.delayOf(tenantId)).flatMap(before -> recoveries
                        .setDelay(tenantId, delay, by)
                        .chain(() -> before.equals(delay) ? Uni.createFrom().voidItem()
                                : events.settingsChanged(tenantId, new TenantSettingsChanged("account-recovery", by,
                                List.of(new TenantSettingsChanged.Change("delay", before.toString(),
                                        delay.toString()))))))
                .map(v -> new RecoverySettings(delay.toString()));
    }

    private static Duration parse(String raw) {
        if (raw == null) {
            throw ProblemException.invalid("delay", DELAY);
        }
        try {
            Duration d = Duration.parse(raw);
            if (d.compareTo(AccountRecoveries.MIN_DELAY) < 0 || d.compareTo(AccountRecoveries.MAX_DELAY) > 0) {
                throw ProblemException.invalid("delay", DELAY);
            }
            return d;
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid("delay", DELAY);
        }
    }
}
