package io.keystep.risk.api;

import io.keystep.events.TenantSettingsChanged;
import io.keystep.kit.messaging.PlatformEvents;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.keystep.kit.web.constraints.OpaqueId;
import io.keystep.risk.domain.SignupExperiment;
import io.keystep.risk.store.TenantExperiments;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The tenant's signup experiment (settings area {@code risk}): while it runs, each signup's user falls in arm A
 * (every signup challenged) or arm B (the normal policy), arm A taking {@code armAShare} of the users. At most one
 * runs per tenant; stopping it returns every signup to the normal policy. Administrators only; the tenant is the
 * token's.
 */
@Path("/v1/settings/risk/signup-experiment")
@RolesAllowed(Roles.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
public class SignupExperimentResource {

    private static final Logger LOG = Logger.getLogger(SignupExperimentResource.class);
    static final String FIELD = "signupExperiment.";

    /**
     * Starts an experiment, or changes the share of the one running under the same id.
     *
     * @param experimentId the experiment's name: 1-128 letters, digits, {@code .}, {@code _} or {@code -}
     * @param armAShare    the share of users whose signups are all challenged (arm A), from 0 to 1
     * @param tenantId     optional; when present it must be the token's tenant
     */
    public record SignupExperimentRequest(@NotNull @OpaqueId String experimentId,
                                          @NotNull @DecimalMin("0") @DecimalMax("1") BigDecimal armAShare,
                                          String tenantId) {
    }

    /**
     * The tenant's signup experiment.
     *
     * @param running   whether signups are assigned to arms now
     * @param startedAt when it was started (last started, for one restarted under the same id)
     * @param stoppedAt when it was stopped; null while it runs
     */
    public record SignupExperimentView(String experimentId, double armAShare, boolean running, Instant startedAt,
                                       Instant stoppedAt) {

        static SignupExperimentView of(SignupExperiment e) {
            return new SignupExperimentView(e.experimentId(), e.armAShare(), e.running(), e.startedAt(),
                    e.stoppedAt());
        }
    }

    private final TenantExperiments experiments;
    private final PlatformEvents trail;
    private final Caller caller;
    private final Clock clock;

    public SignupExperimentResource(TenantExperiments experiments, PlatformEvents trail, Caller caller, Clock clock) {
        this.experiments = experiments;
        this.trail = trail;
        this.caller = caller;
        this.clock = clock;
    }

    /** The tenant's experiment, running or stopped; 404 when it never had one. */
    @GET
    public Uni<SignupExperimentView> get() {
        return experiments.stored(caller.tenant()).map(e -> SignupExperimentView.of(e.orElseThrow(
                () -> ProblemException.notFound("the tenant has no signup experiment"))));
    }

    /**
     * Starts the experiment, or changes the share of the one running under this id. Another experiment still
     * running is a 409: stop it first, so that each experiment's arms are counted under its own id. A change is
     * published on {@code tenant.settings-changed.v1}.
     */
    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<SignupExperimentView> start(@Valid @NotNull SignupExperimentRequest body) {
        String tenant = caller.tenant("tenantId", body.tenantId());
        String changedBy = caller.subject();
        Instant now = clock.instant();
        double share = body.armAShare().doubleValue();
        return experiments.stored(tenant).chain(current -> {
            SignupExperiment running = current.filter(SignupExperiment::running).orElse(null);
            if (running != null && !running.experimentId().equals(body.experimentId())) {
                throw new ProblemException(Problem.of(409, "experiment-running", "Experiment running",
                        "signup experiment " + running.experimentId() + " is running: stop it first"));
            }
            SignupExperiment next = running != null
                    ? new SignupExperiment(running.experimentId(), share, true, running.startedAt(), null)
                    : new SignupExperiment(body.experimentId(), share, true, now, null);
            return save(tenant, changedBy, current, next);
        });
    }

    /**
     * Stops the running experiment: every signup is under the normal policy again; the experiment stays readable
     * here and its figures in the audit trail. Stopping a stopped experiment changes nothing; 404 without one.
     */
    @DELETE
    public Uni<SignupExperimentView> stop() {
        String tenant = caller.tenant();
        String changedBy = caller.subject();
        return experiments.stored(tenant).chain(current -> {
            SignupExperiment e = current.orElseThrow(
                    () -> ProblemException.notFound("the tenant has no signup experiment"));
            if (!e.running()) {
                return Uni.createFrom().item(SignupExperimentView.of(e));
            }
            SignupExperiment stopped = new SignupExperiment(e.experimentId(), e.armAShare(), false, e.startedAt(),
                    clock.instant());
            return save(tenant, changedBy, current, stopped);
        });
    }

    private Uni<SignupExperimentView> save(String tenant, String changedBy, Optional<SignupExperiment> before,
                                           SignupExperiment after) {
        List<TenantSettingsChanged.Change> changes = changes(before.orElse(null), after);
        if (changes.isEmpty()) {
            return Uni.createFrom().item(SignupExperimentView.of(after));
        }
        return experiments.replace(tenant, after)
                .chain(() -> trail.settingsChanged(tenant,
                        new TenantSettingsChanged(SettingsResource.AREA, changedBy, changes)))
                .invoke(() -> LOG.infof("Signup experiment of tenant %s changed by %s: %s %s share %s", tenant,
                        changedBy, after.experimentId(), after.running() ? "running" : "stopped", after.armAShare()))
                .replaceWith(SignupExperimentView.of(after));
    }

    /** The fields that changed, as text ({@code null}: no experiment before). */
    static List<TenantSettingsChanged.Change> changes(SignupExperiment before, SignupExperiment after) {
        List<TenantSettingsChanged.Change> changes = new ArrayList<>();
        change(changes, "experimentId", before == null ? null : before.experimentId(), after.experimentId());
        change(changes, "armAShare", before == null ? null : Double.toString(before.armAShare()),
                Double.toString(after.armAShare()));
        change(changes, "running", before == null ? null : Boolean.toString(before.running()),
                Boolean.toString(after.running()));
        return changes;
    }

    private static void change(List<TenantSettingsChanged.Change> changes, String field, String before,
                               String after) {
        if (!Objects.equals(before, after)) {
            changes.add(new TenantSettingsChanged.Change(FIELD + field, before, after));
        }
    }
}
