package io.keystep.challenge.api;

import io.keystep.challenge.domain.PasskeyPolicy;
import io.keystep.challenge.factors.Passkeys;
import io.keystep.challenge.store.PasskeySettingsRepository;
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

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The tenant's passkey relying party: the site passkeys are scoped to, the origins allowed to run the ceremony, and
 * what the tenant accepts. Until one is saved, passkeys are off for the tenant.
 */
@RolesAllowed(Roles.ADMIN)
@Path("/v1/settings/passkeys")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class PasskeySettingsResource {

    /**
     * The settings as the API takes and shows them; on a save, absent fields take their defaults
     * ({@code userVerification} required, {@code attestation} none, {@code allowSynced} true,
     * {@code signCountPolicy} refuse).
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record PasskeySettings(String rpId, String rpName, List<String> origins, String userVerification,
                                  String attestation, List<String> trustAnchors, Boolean allowSynced,
                                  List<String> aaguidAllow, List<String> aaguidDeny, String signCountPolicy,
                                  String updatedBy, java.time.Instant updatedAt) {

        static PasskeySettings of(PasskeyPolicy p) {
            return new PasskeySettings(p.rpId(), p.rpName(), p.origins(), p.userVerification(), p.attestation(),
                    p.trustAnchors(), p.allowSynced(), p.aaguidAllow().stream().map(UUID::toString).toList(),
                    p.aaguidDeny().stream().map(UUID::toString).toList(), p.signCountPolicy(), p.updatedBy(),
                    p.updatedAt());
        }
    }

    /** A registrable domain name in lower case, or {@code localhost}. */
    private static final Pattern RP_ID = Pattern.compile(
            "(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final int MAX_ORIGINS = 20;
    private static final int MAX_MODELS = 200;
    private static final int MAX_ANCHORS = 50;

    private final PasskeySettingsRepository settings;
    private final PlatformEvents events;
    private final Caller caller;
    private final Clock clock;

    public PasskeySettingsResource(PasskeySettingsRepository settings, PlatformEvents events, Caller caller,
                                   Clock clock) {
        this.settings = settings;
        this.events = events;
        this.caller = caller;
        this.clock = clock;
    }

    /** The tenant's relying party; 404 while the tenant has none (passkeys off). */
    @GET
    public Uni<PasskeySettings> get() {
        return FactorChangeGate.failClosed(settings.policyOf(caller.tenant())).map(found -> found
                .map(PasskeySettings::of).orElseThrow(() -> ProblemException.notFound(
                        "the tenant has no passkey relying party; PUT one to turn passkeys on")));
    }

    /** Saves the relying party (every field at once); the change is published to the trail. */
    @PUT
    public Uni<PasskeySettings> put(PasskeySettings body) {
        String tenantId = caller.tenant();
        String by = caller.subject();
        PasskeyPolicy after = validated(body, by);
        return FactorChangeGate.failClosed(settings.policyOf(tenantId)).flatMap(before -> {
            List<TenantSettingsChanged.Change> changes = changes(before, after);
            return FactorChangeGate.failClosed(settings.save(tenantId, after))
                    .chain(() -> changes.isEmpty() ? Uni.createFrom().voidItem()
                            : events.settingsChanged(tenantId, new TenantSettingsChanged("passkeys", by, changes)))
                    .replaceWith(PasskeySettings.of(after));
        });
    }

    private PasskeyPolicy validated(PasskeySettings body, String by) {
        if (body == null) {
            throw ProblemException.invalid("rpId", "is required: a JSON object with the relying party");
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        String rpId = body.rpId() == null ? null : body.rpId().trim();
        if (rpId == null || !RP_ID.matcher(rpId).matches()) {
            errors.add(new Problem.FieldError("rpId", "must be the site's domain in lower case, such as example.com"
                    + " (or localhost)"));
        }
        String rpName = body.rpName() == null ? null : body.rpName().trim();
        if (rpName == null || rpName.isEmpty() || rpName.length() > 64
                || rpName.chars().anyMatch(Character::isISOControl)) {
            errors.add(new Problem.FieldError("rpName", "must be 1-64 printable characters"));
        }
        List<String> origins = body.origins() == null ? List.of()
                : body.origins().stream().filter(Objects::nonNull).map(String::trim).distinct().toList();
        if (origins.isEmpty() || origins.size() > MAX_ORIGINS || origins.size() != body.origins().size()) {
            errors.add(new Problem.FieldError("origins", "must list 1 to " + MAX_ORIGINS + " distinct origins"));
        } else if (rpId != null) {
            origins.stream().map(o -> originProblem(o, rpId)).flatMap(Optional::stream).findFirst()
                    .ifPresent(why -> errors.add(new Problem.FieldError("origins", why)));
        }
        String uv = oneOf(body.userVerification(), "required", List.of("required", "preferred", "discouraged"),
                "userVerification", errors);
        String attestation = oneOf(body.attestation(), "none", List.of("none", "direct"), "attestation", errors);
        String signCount = oneOf(body.signCountPolicy(), "refuse", List.of("refuse", "flag"), "signCountPolicy",
                errors);
        List<String> anchors = body.trustAnchors() == null ? List.of()
                : body.trustAnchors().stream().filter(Objects::nonNull).map(String::trim).toList();
        if (anchors.size() > MAX_ANCHORS) {
            errors.add(new Problem.FieldError("trustAnchors", "must list at most " + MAX_ANCHORS + " certificates"));
        } else {
            try {
                Passkeys.anchors(anchors);
            } catch (IllegalArgumentException e) {
                errors.add(new Problem.FieldError("trustAnchors", "must be PEM X.509 certificates"));
            }
        }
        if ("direct".equals(attestation) && anchors.isEmpty()) {
            errors.add(new Problem.FieldError("trustAnchors", "is required with attestation direct: the roots whose"
                    + " authenticators the tenant trusts"));
        }
        List<UUID> allow = aaguids(body.aaguidAllow(), "aaguidAllow", errors);
        List<UUID> deny = aaguids(body.aaguidDeny(), "aaguidDeny", errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new PasskeyPolicy(rpId, rpName, origins, uv, attestation, anchors,
                body.allowSynced() == null || body.allowSynced(), allow, deny, signCount, by, clock.instant());
    }

    /**
     * Why an origin cannot run the tenant's ceremony, if it cannot: WebAuthn takes https origins (http only on
     * localhost) whose host is the relying party id or a subdomain of it.
     */
    static Optional<String> originProblem(String origin, String rpId) {
        URI uri;
        try {
            uri = new URI(origin);
        } catch (URISyntaxException e) {
            return Optional.of("must be origins such as https://login.example.com: " + origin + " is not one");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        boolean bare = (uri.getPath() == null || uri.getPath().isEmpty()) && uri.getQuery() == null
                && uri.getFragment() == null && uri.getUserInfo() == null;
        if (host.isEmpty() || !bare || !(scheme.equals("https") || scheme.equals("http") && host.equals("localhost"))) {
            return Optional.of("must be origins such as https://login.example.com (scheme, host and port only; http"
                    + " only for localhost): " + origin + " is not one");
        }
        if (!host.equals(rpId) && !host.endsWith("." + rpId)) {
            return Optional.of("must be on the relying party's domain " + rpId + " or a subdomain: " + origin
                    + " is not");
        }
        return Optional.empty();
    }

    private static String oneOf(String value, String fallback, List<String> allowed, String field,
                                List<Problem.FieldError> errors) {
        if (value == null) {
            return fallback;
        }
        if (!allowed.contains(value)) {
            errors.add(new Problem.FieldError(field, "must be " + String.join(", ", allowed.subList(0,
                    allowed.size() - 1)) + " or " + allowed.get(allowed.size() - 1)));
            return fallback;
        }
        return value;
    }

    private static List<UUID> aaguids(List<String> raw, String field, List<Problem.FieldError> errors) {
        if (raw == null) {
            return List.of();
        }
        List<UUID> out = new ArrayList<>();
        for (String s : raw) {
            try {
                out.add(UUID.fromString(Objects.requireNonNull(s).trim()));
            } catch (IllegalArgumentException | NullPointerException e) {
                errors.add(new Problem.FieldError(field, "must list AAGUIDs such as"
                        + " ee882879-721c-4913-9775-3dfcce97072a"));
                return List.of();
            }
        }
        if (out.size() > MAX_MODELS) {
            errors.add(new Problem.FieldError(field, "must list at most " + MAX_MODELS + " AAGUIDs"));
        }
        return out.stream().distinct().toList();
    }

    private static List<TenantSettingsChanged.Change> changes(Optional<PasskeyPolicy> before, PasskeyPolicy after) {
        List<TenantSettingsChanged.Change> changes = new ArrayList<>();
        PasskeyPolicy b = before.orElse(null);
        change(changes, "rpId", b == null ? null : b.rpId(), after.rpId());
        change(changes, "rpName", b == null ? null : b.rpName(), after.rpName());
        change(changes, "origins", b == null ? null : String.join(" ", b.origins()), String.join(" ", after.origins()));
        change(changes, "userVerification", b == null ? null : b.userVerification(), after.userVerification());
        change(changes, "attestation", b == null ? null : b.attestation(), after.attestation());
        change(changes, "trustAnchors", b == null ? null : fingerprints(b.trustAnchors()),
                fingerprints(after.trustAnchors()));
        change(changes, "allowSynced", b == null ? null : Boolean.toString(b.allowSynced()),
                Boolean.toString(after.allowSynced()));
        change(changes, "aaguidAllow", b == null ? null : b.aaguidAllow().toString(), after.aaguidAllow().toString());
        change(changes, "aaguidDeny", b == null ? null : b.aaguidDeny().toString(), after.aaguidDeny().toString());
        change(changes, "signCountPolicy", b == null ? null : b.signCountPolicy(), after.signCountPolicy());
        return changes;
    }

    /** Certificates named in the trail by the start of their SHA-256. */
    private static String fingerprints(List<String> pems) {
        return pems.stream().map(pem -> java.util.HexFormat.of().formatHex(sha256(pem)).substring(0, 16)).toList()
                .toString();
    }

    private static byte[] sha256(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void change(List<TenantSettingsChanged.Change> changes, String field, String before,
                               String after) {
        if (!Objects.equals(before, after)) {
            changes.add(new TenantSettingsChanged.Change(field, before, after));
        }
    }
}
