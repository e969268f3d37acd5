package io.keystep.challenge.api;

import io.keystep.challenge.factors.EnrollmentNudges;
import io.keystep.challenge.store.EnrollmentNudgeRepository.Policy;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.kit.messaging.PlatformEvents;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.keystep.kit.web.constraints.UserId;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Progressive enrollment: the tenant's nudge policy (admin) and a user's dismissal of a nudge (gateway). An approved
 * login answered on the phone carries {@code enrollmentNudge} once the policy says it is time.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
public class EnrollmentNudgeResource {

    /**
     * The policy: whether nudges are on, after how many logins on the phone or days since the first one a user is
     * asked, after how many days a dismissed nudge is asked again, and which stronger factors it names.
     */
    public record NudgePolicy(Boolean enabled, Integer afterLogins, Integer afterDays, Integer askAgainDays,
                              List<String> factors) {

        static NudgePolicy of(Policy p) {
            return new NudgePolicy(p.enabled(), p.afterLogins(), p.afterDays(), p.askAgainDays(), p.factors());
        }
    }

    private final EnrollmentNudges nudges;
    private final PlatformEvents events;
    private final Caller caller;

    public EnrollmentNudgeResource(EnrollmentNudges nudges, PlatformEvents events, Caller caller) {
        this.nudges = nudges;
        this.events = events;
        this.caller = caller;
    }

    /** The user dismissed the nudge: it is asked again only after the tenant's interval. */
    @POST
    @Path("/users/{userId}/nudges/dismiss")
    @RolesAllowed(Roles.GATEWAY)
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> dismiss(@PathParam("userId") @UserId String userId) {
        return FactorChangeGate.failClosed(nudges.dismiss(caller.tenant(), userId)).map(done -> {
            if (!done) {
                throw ProblemException.notFound("no enrollment nudge was shown to user " + userId);
            }
            return Response.noContent().build();
        });
    }

    @GET
    @Path("/settings/enrollment-nudge")
    @RolesAllowed(Roles.ADMIN)
    public Uni<NudgePolicy> policy() {
        return FactorChangeGate.failClosed(nudges.policyOf(caller.tenant())).map(NudgePolicy::of);
    }

    /**
     * Changes the policy; fields left out keep their value. The change is published to the trail
     * ({@code tenant.settings-changed.v1}).
     */
    @PUT
    @Path("/settings/enrollment-nudge")
    @RolesAllowed(Roles.ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<NudgePolicy> setPolicy(NudgePolicy body) {
        String tenantId = caller.tenant();
        String by = caller.subject();
        if (body == null) {
            throw ProblemException.invalid("enabled", "a JSON object with the fields to change is required");
        }
        return FactorChangeGate.failClosed(nudges.policyOf(tenantId)).flatMap(before -> {
            Policy after = merged(before, body);
            List<TenantSettingsChanged.Change> changes = changes(before, after);
            return nudges.setPolicy(tenantId, after, by)
                    .chain(() -> changes.isEmpty() ? Uni.createFrom().voidItem()
                            : events.settingsChanged(tenantId, new TenantSettingsChanged("enrollment-nudge", by,
                            changes)))
                    .replaceWith(NudgePolicy.of(after));
        });
    }

    private static Policy merged(Policy before, NudgePolicy body) {
        List<Problem.FieldError> errors = new ArrayList<>();
        int afterLogins = within(body.afterLogins(), before.afterLogins(), 1, 1000, "afterLogins", errors);
        int afterDays = within(body.afterDays(), before.afterDays(), 1, 365, "afterDays", errors);
        int askAgain = within(body.askAgainDays(), before.askAgainDays(), 1, 365, "askAgainDays", errors);
        List<String> factors = before.factors();
        if (body.factors() != null) {
            factors = body.factors().stream().filter(Objects::nonNull).map(f -> f.toLowerCase(Locale.ROOT))
                    .distinct().toList();
            if (factors.isEmpty() || factors.size() != body.factors().size()
                    || EnrollmentNudges.unknownFactor(factors).isPresent()) {
                errors.add(new Problem.FieldError("factors", "must name 1 or more distinct of "
                        + String.join(", ", EnrollmentNudges.OFFERABLE)));
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new Policy(body.enabled() == null ? before.enabled() : body.enabled(), afterLogins, afterDays,
                askAgain, factors);
    }

    private static int within(Integer value, int current, int min, int max, String field,
                              List<Problem.FieldError> errors) {
        if (value == null) {
            return current;
        }
        if (value < min || value > max) {
            errors.add(new Problem.FieldError(field, "must be from " + min + " to " + max));
        }
        return value;
    }

    private static List<TenantSettingsChanged.Change> changes(Policy before, Policy after) {
        List<TenantSettingsChanged.Change> changes = new ArrayList<>();
        change(changes, "enabled", before.enabled(), after.enabled());
        change(changes, "afterLogins", before.afterLogins(), after.afterLogins());
        change(changes, "afterDays", before.afterDays(), after.afterDays());
        change(changes, "askAgainDays", before.askAgainDays(), after.askAgainDays());
        change(changes, "factors", String.join(",", before.factors()), String.join(",", after.factors()));
        return changes;
    }

    private static void change(List<TenantSettingsChanged.Change> changes, String field, Object before, Object after) {
        if (!before.equals(after)) {
            changes.add(new TenantSettingsChanged.Change(field, before.toString(), after.toString()));
        }
    }
}
