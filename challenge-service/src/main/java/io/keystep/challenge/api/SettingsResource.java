package io.keystep.challenge.api;

import io.keystep.challenge.domain.TenantSettings;
import io.keystep.challenge.store.TenantSettingsRepository;
import io.keystep.events.Channel;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A tenant's Verify defaults: code length, expiry, attempt budget and the {@code auto} channel chain. */
@Path("/v1/settings/verify")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class SettingsResource {

    /** Overrides; an absent field returns to the platform default. */
    public record VerifySettingsRequest(Integer codeLength, Integer expirySeconds, Integer maxAttempts,
                                        List<String> autoChannels) {
    }

    /** The settings in force. */
    public record VerifySettings(int codeLength, long expirySeconds, int maxAttempts, List<String> autoChannels) {

        static VerifySettings of(TenantSettings s) {
            return new VerifySettings(s.codeLength(), s.codeTtl().toSeconds(), s.maxAttempts(),
                    s.autoChannels().stream().map(c -> c.name().toLowerCase(Locale.ROOT)).toList());
        }
    }

    private final TenantSettingsRepository settings;
    private final Clock clock;

    public SettingsResource(TenantSettingsRepository settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    @GET
    public Uni<VerifySettings> get(@HeaderParam(RequestChecks.TENANT_HEADER) String tenantHeader) {
        return settings.settingsOf(RequestChecks.tenant(tenantHeader)).map(VerifySettings::of);
    }

    /** Replaces the tenant's overrides; values outside the bounds answer 400 naming the field. */
    @PUT
    public Uni<VerifySettings> put(@HeaderParam(RequestChecks.TENANT_HEADER) String tenantHeader,
                                   VerifySettingsRequest body) {
        String tenantId = RequestChecks.tenant(tenantHeader);
        VerifySettingsRequest b = body == null ? new VerifySettingsRequest(null, null, null, null) : body;
        within("codeLength", b.codeLength(), TenantSettings.MIN_CODE_LENGTH, TenantSettings.MAX_CODE_LENGTH);
        within("expirySeconds", b.expirySeconds(), (int) TenantSettings.MIN_TTL.toSeconds(),
                (int) TenantSettings.MAX_TTL.toSeconds());
        within("maxAttempts", b.maxAttempts(), TenantSettings.MIN_ATTEMPTS, TenantSettings.MAX_ATTEMPTS);
        List<Channel> chain = null;
        if (b.autoChannels() != null) {
            if (b.autoChannels().isEmpty() || b.autoChannels().size() > 3) {
                throw ProblemException.invalid("autoChannels", "must name 1 to 3 of sms, whatsapp, voice");
            }
            chain = new ArrayList<>();
            for (String name : b.autoChannels()) {
                Channel c = switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
                    case "sms" -> Channel.SMS;
                    case "whatsapp" -> Channel.WHATSAPP;
                    case "voice" -> Channel.VOICE;
                    default -> throw ProblemException.invalid("autoChannels", "must name 1 to 3 of sms, whatsapp, voice");
                };
                if (chain.contains(c)) {
                    throw ProblemException.invalid("autoChannels", "names a channel twice");
                }
                chain.add(c);
            }
        }
        return settings.save(tenantId, b.codeLength(), b.expirySeconds(), b.maxAttempts(), chain, clock.instant())
                .map(VerifySettings::of);
    }

    private static void within(String field, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            throw ProblemException.invalid(field, "must be between " + min + " and " + max);
        }
    }
}
