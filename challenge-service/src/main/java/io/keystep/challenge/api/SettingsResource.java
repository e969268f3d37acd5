package io.keystep.challenge.api;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.kit.messaging.PlatformEvents;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.challenge.store.TenantSettingsRepository;
import io.keystep.events.Channel;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Locale;

/** A tenant's Verify defaults: code length, expiry, attempt budget and the {@code auto} channel chain. */
@jakarta.annotation.security.RolesAllowed(Roles.ADMIN)
@Path("/v1/settings/verify")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class SettingsResource {

    /** Overrides; an absent field returns to the platform default. */
    public record VerifySettingsRequest(Integer codeLength, Integer expirySeconds, Integer maxAttempts,
                                        List<String> autoChannels, Integer destinationCooldownSeconds,
                                        Integer destinationWindowSeconds, Integer destinationMaxSends,
                                        Integer ipWindowSeconds, Integer ipMaxSends, Integer tenantWindowSeconds,
                                        Integer tenantMaxSends, Integer failureWindowSeconds, Integer failuresToLock,
                                        Integer firstLockoutSeconds, Integer maxLockoutSeconds,
                                        Integer failuresToSuspend, List<String> allowedCountries,
                                        Integer minCodeLength) {

        /** The send-limit and lockout overrides present, by field name. */
        Map<String, Integer> limits() {
            Map<String, Integer> m = new LinkedHashMap<>();
            put(m, "destinationCooldownSeconds", destinationCooldownSeconds);
            put(m, "destinationWindowSeconds", destinationWindowSeconds);
            put(m, "destinationMaxSends", destinationMaxSends);
            put(m, "ipWindowSeconds", ipWindowSeconds);
            put(m, "ipMaxSends", ipMaxSends);
            put(m, "tenantWindowSeconds", tenantWindowSeconds);
            put(m, "tenantMaxSends", tenantMaxSends);
            put(m, "failureWindowSeconds", failureWindowSeconds);
            put(m, "failuresToLock", failuresToLock);
            put(m, "firstLockoutSeconds", firstLockoutSeconds);
            put(m, "maxLockoutSeconds", maxLockoutSeconds);
            put(m, "failuresToSuspend", failuresToSuspend);
            put(m, "minCodeLength", minCodeLength);
            return m;
        }

        private static void put(Map<String, Integer> m, String field, Integer value) {
            if (value != null) {
                m.put(field, value);
            }
        }
    }

    /**
     * The settings in force; the send limits and lockout thresholds appear as further top-level fields.
     * {@code allowedCountries} is null when codes may be sent to every region.
     */
    public record VerifySettings(int codeLength, long expirySeconds, int maxAttempts, List<String> autoChannels,
                                 List<String> allowedCountries, @JsonIgnore Map<String, Integer> limitValues) {

        static VerifySettings of(TenantSettings s) {
            return new VerifySettings(s.codeLength(), s.codeTtl().toSeconds(), s.maxAttempts(),
                    s.autoChannels().stream().map(c -> c.name().toLowerCase(Locale.ROOT)).toList(),
                    s.allowedCountries().isEmpty() ? null : s.allowedCountries(), s.limits());
        }

        @JsonAnyGetter
        public Map<String, Integer> limitFields() {
            Map<String, Integer> ordered = new LinkedHashMap<>();
            TenantSettings.LIMITS.forEach(b -> ordered.put(b.field(), limitValues.get(b.field())));
            return ordered;
        }
    }

    /** The name of this settings area in {@link TenantSettingsChanged}. */
    static final String AREA = "verify";

    private final TenantSettingsRepository settings;
    private final Clock clock;
    private final Caller caller;
    private final PlatformEvents events;

    public SettingsResource(TenantSettingsRepository settings, Clock clock, Caller caller,
                            PlatformEvents events) {
        this.settings = settings;
        this.clock = clock;
        this.caller = caller;
        this.events = events;
    }

    @GET
    public Uni<VerifySettings> get() {
        return settings.settingsOf(caller.tenant()).map(VerifySettings::of);
    }

    /**
     * Replaces the tenant's overrides; values outside the bounds answer one 400 naming every field at fault. A replacement that
     * changes an override publishes {@code tenant.settings-changed.v1} (who, and each field before and after)
     * before it is committed and answered.
     */
    @PUT
    public Uni<VerifySettings> put(VerifySettingsRequest body) {
        String tenantId = caller.tenant();
        VerifySettingsRequest b = body == null ? new VerifySettingsRequest(null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null) : body;
        Map<String, Integer> limits = b.limits();
        // Checked here, not by annotations: the bounds are the domain's, the pairs need the platform defaults,
        // and the refusal lists the fields in the order they are checked.
        List<Problem.FieldError> errors = new ArrayList<>();
        for (TenantSettings.Bound bound : TenantSettings.LIMITS) {
            within(bound.field(), limits.get(bound.field()), bound.min(), bound.max(), errors);
        }
        within("codeLength", b.codeLength(), TenantSettings.MIN_CODE_LENGTH, TenantSettings.MAX_CODE_LENGTH, errors);
        within("expirySeconds", b.expirySeconds(), (int) TenantSettings.MIN_TTL.toSeconds(),
                (int) TenantSettings.MAX_TTL.toSeconds(), errors);
        within("maxAttempts", b.maxAttempts(), TenantSettings.MIN_ATTEMPTS, TenantSettings.MAX_ATTEMPTS, errors);
        List<Channel> chain = autoChannels(b.autoChannels(), errors);
        // Pairs are checked against the values that will be in force (the override, else the platform default).
        Map<String, Integer> merged = new LinkedHashMap<>(settings.platformDefaults().limits());
        merged.putAll(limits);
        atMost("firstLockoutSeconds", merged, "maxLockoutSeconds", limits, errors);
        atMost("failuresToLock", merged, "failuresToSuspend", limits, errors);
        atMost("destinationCooldownSeconds", merged, "destinationWindowSeconds", limits, errors);
        // Codes shorter than 6 digits only where the tenant says so itself: minCodeLength first, then codeLength.
        if (b.codeLength() != null && !refused(errors, "codeLength") && !refused(errors, "minCodeLength")
                && b.codeLength() < merged.get("minCodeLength")) {
            refuse(errors, "codeLength", "must be at least minCodeLength (" + merged.get("minCodeLength")
                    + "); set minCodeLength to allow shorter codes");
        }
        List<String> countries = allowedCountries(b.allowedCountries(), errors);
        if (!errors.isEmpty()) {
            throw new ProblemException(Problem.validation(errors));
        }
        String changedBy = caller.subject();
        return settings.save(tenantId, b.codeLength(), b.expirySeconds(), b.maxAttempts(), chain, limits, countries,
                        clock.instant(), replaced -> {
                            List<TenantSettingsChanged.Change> changes = new ArrayList<>();
                            replaced.after().forEach((field, after) -> {
                                String before = replaced.before().get(field);
                                if (!java.util.Objects.equals(before, after)) {
                                    changes.add(new TenantSettingsChanged.Change(field, before, after));
                                }
                            });
                            return changes.isEmpty() ? Uni.createFrom().voidItem()
                                    : events.settingsChanged(tenantId,
                                    new TenantSettingsChanged(AREA, changedBy, changes));
                        })
                .onFailure(e -> !(e instanceof ProblemException)).transform(e -> new ProblemException(Problem.of(503,
                        "unavailable", "Service unavailable", "the settings could not be saved and announced; nothing"
                                + " changed")))
                .map(replaced -> VerifySettings.of(replaced.settings()));
    }

    /** The {@code auto} channel chain: 1 to 3 distinct phone channels; null = the platform default. */
    private static List<Channel> autoChannels(List<String> requested, List<Problem.FieldError> errors) {
        if (requested == null) {
            return null;
        }
        if (requested.isEmpty() || requested.size() > 3) {
            return refuse(errors, "autoChannels", "must name 1 to 3 of sms, whatsapp, voice");
        }
        List<Channel> chain = new ArrayList<>();
        for (String name : requested) {
            Channel c = switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
                case "sms" -> Channel.SMS;
                case "whatsapp" -> Channel.WHATSAPP;
                case "voice" -> Channel.VOICE;
                default -> null;
            };
            if (c == null) {
                return refuse(errors, "autoChannels", "must name 1 to 3 of sms, whatsapp, voice");
            }
            if (chain.contains(c)) {
                return refuse(errors, "autoChannels", "names a channel twice");
            }
            chain.add(c);
        }
        return chain;
    }

    /**
     * The regions codes may be sent to by phone: ISO 3166-1 alpha-2 codes that libphonenumber knows (so that a
     * number's region can be compared), upper case, each once; null = every region.
     */
    private static List<String> allowedCountries(List<String> requested, List<Problem.FieldError> errors) {
        if (requested == null) {
            return null;
        }
        if (requested.isEmpty() || requested.size() > 300) {
            return refuse(errors, "allowedCountries",
                    "must name 1 or more region codes such as DE or US (omit it to allow every region)");
        }
        java.util.Set<String> supported = PhoneNumberUtil.getInstance().getSupportedRegions();
        List<String> regions = new ArrayList<>();
        for (String code : requested) {
            String region = code == null ? "" : code.trim().toUpperCase(Locale.ROOT);
            if (!region.matches("[A-Z]{2}") || !supported.contains(region)) {
                return refuse(errors, "allowedCountries", "'" + (code == null ? "null"
                        : code.substring(0, Math.min(code.length(), 8)).replaceAll("[^\\p{Alnum}]", "?"))
                        + "' is not a region code phone numbers have"
                        + " (ISO 3166-1 alpha-2, such as DE or US)");
            }
            if (regions.contains(region)) {
                return refuse(errors, "allowedCountries", "names " + region + " twice");
            }
            regions.add(region);
        }
        return List.copyOf(regions);
    }

    /**
     * {@code lower} must not exceed {@code upper}; the field named is whichever of the two the request set. Judged
     * only when both values are within their own bounds.
     */
    private static void atMost(String lower, Map<String, Integer> values, String upper, Map<String, Integer> set,
                               List<Problem.FieldError> errors) {
        if (refused(errors, lower) || refused(errors, upper) || values.get(lower) <= values.get(upper)) {
            return;
        }
        if (set.containsKey(lower)) {
            refuse(errors, lower, "must not exceed " + upper + " (" + values.get(upper) + ")");
        } else {
            refuse(errors, upper, "must be at least " + lower + " (" + values.get(lower) + ")");
        }
    }

    private static void within(String field, Integer value, int min, int max, List<Problem.FieldError> errors) {
        if (value != null && (value < min || value > max)) {
            refuse(errors, field, "must be between " + min + " and " + max);
        }
    }

    /** Notes a bad field; always null, the value it is read as. */
    private static <T> T refuse(List<Problem.FieldError> errors, String field, String message) {
        errors.add(new Problem.FieldError(field, message));
        return null;
    }

    private static boolean refused(List<Problem.FieldError> errors, String field) {
        return errors.stream().anyMatch(e -> e.field().equals(field));
    }
}
