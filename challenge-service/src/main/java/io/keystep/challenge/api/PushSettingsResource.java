package io.keystep.challenge.api;

import io.keystep.challenge.domain.PushPolicy;
import io.keystep.challenge.store.PushSettingsRepository;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.kit.messaging.PlatformEvents;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The tenant's push approval settings: the name the app shows, the fatigue limit (pushes per user since the last
 * approval, within a window) and how long a push can be answered.
 */
@RolesAllowed(Roles.ADMIN)
@Path("/v1/settings/push")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class PushSettingsResource {

    /** The settings as the API shows and takes them; on a save, fields left out keep their value. */
    public record PushSettings(String displayName, Integer maxPushes, Integer windowSeconds, Integer ttlSeconds) {
        static PushSettings of(PushPolicy p) {
            return new PushSettings(p.displayName(), p.maxPushes(), (int) p.window().toSeconds(),
                    (int) p.ttl().toSeconds());
        }
    }

    private final PushSettingsRepository settings;
    private final PlatformEvents events;
    private final Caller caller;
    private final Clock clock;

    public PushSettingsResource(PushSettingsRepository settings, PlatformEvents events, Caller caller, Clock clock) {
        this.settings = settings;
        this.events = events;
        this.caller = caller;
        this.clock = clock;
    }

    @GET
    public Uni<PushSettings> get() {
        return FactorChangeGate.failClosed(settings.policyOf(caller.tenant())).map(PushSettings::of);
    }

    /** Changes the settings; the change is published to the trail ({@code tenant.settings-changed.v1}). */
    @PUT
    public Uni<PushSettings> put(PushSettings body) {
        String tenantId = caller.tenant();
        String by = caller.subject();
        if (body == null) {
            throw ProblemException.invalid("displayName", "a JSON object with the fields to change is required");
        }
        return FactorChangeGate.failClosed(settings.policyOf(tenantId)).flatMap(before -> {
            PushPolicy after = merged(before, body);
            List<TenantSettingsChanged.Change> changes = new ArrayList<>();
            PushSettings b = PushSettings.of(before);
            PushSettings a = PushSettings.of(after);
            change(changes, "displayName", b.displayName(), a.displayName());
            change(changes, "maxPushes", b.maxPushes(), a.maxPushes());
            change(changes, "windowSeconds", b.windowSeconds(), a.windowSeconds());
            change(changes, "ttlSeconds", b.ttlSeconds(), a.ttlSeconds());
            return FactorChangeGate.failClosed(settings.save(tenantId, after, by, clock.instant()))
                    .chain(() -> changes.isEmpty() ? Uni.createFrom().voidItem()
                            : events.settingsChanged(tenantId, new TenantSettingsChanged("push", by, changes)))
                    .replaceWith(a);
        });
    }

    private static PushPolicy merged(PushPolicy before, PushSettings body) {
        List<Problem.FieldError> errors = new ArrayList<>();
        String name = body.displayName() == null ? before.displayName() : body.displayName().trim();
        if (name.isEmpty() || name.length() > 64 || name.chars().anyMatch(Character::isISOControl)) {
            errors.add(new Problem.FieldError("displayName", "must be 1-64 printable characters"));
        }
        int max = within(body.maxPushes(), before.maxPushes(), 1, 20, "maxPushes", errors);
        int window = within(body.windowSeconds(), (int) before.window().toSeconds(), 60, 86_400, "windowSeconds",
                errors);
        int ttl = within(body.ttlSeconds(), (int) before.ttl().toSeconds(), 15, 300, "ttlSeconds", errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new PushPolicy(name, max, Duration.ofSeconds(window), Duration.ofSeconds(ttl));
    }

    private static int within(Integer value, int current, int min, int max, String field,
                              List<Problem.FieldError> errors) {
        if (value == null) {
            return current;
        }
        if (value < min || value > max) {
            errors.add(new Problem.FieldError(field, "must be " + min + " to " + max));
        }
        return value;
    }

    private static void change(List<TenantSettingsChanged.Change> changes, String field, Object before, Object after) {
        if (!Objects.equals(before, after)) {
            changes.add(new TenantSettingsChanged.Change(field, String.valueOf(before), String.valueOf(after)));
        }
    }
}
