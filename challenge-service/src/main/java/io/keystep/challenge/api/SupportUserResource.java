package io.keystep.challenge.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.keystep.challenge.domain.PhoneNumbers;
import io.keystep.challenge.factors.AccountRecoveries;
import io.keystep.challenge.factors.SupportLookups;
import io.keystep.challenge.factors.SupportLookups.UserRecord;
import io.keystep.challenge.store.AuthFactor;
import io.keystep.challenge.store.UserDirectory;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.keystep.kit.web.constraints.PrintableText;
import io.keystep.kit.web.constraints.UserId;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The support screen's reads: find a user of the caller's tenant, and see what support needs to help them (factors,
 * phone, trusted devices, lockout, open account recoveries). Never a secret, a code, key material, a full phone number
 * or a push token. For support staff, and for administrators, who keep the support actions (re-enabling, account
 * recovery) and need the same view to take them.
 */
@RolesAllowed({Roles.SUPPORT, Roles.ADMIN})
@Path("/v1/support/users")
@Produces(MediaType.APPLICATION_JSON)
public class SupportUserResource {

    private static final String QUERY = "must be 2 to 128 printable characters: the start of a user id, or a phone"
            + " number in international form";

    /** The users found. */
    public record FoundUsers(List<FoundUser> users) {
    }

    /** A user found: how many factors they hold (as the user view lists them) and their phone, masked, or null. */
    public record FoundUser(String userId, int factors, String phoneMasked) {
    }

    /**
     * What support sees of one user.
     *
     * @param factors        the phone first, then authenticators, passkeys and paired devices (oldest first), then
     *                       the recovery code set
     * @param phone          the enrolled phone, or null
     * @param trustedDevices devices trusted and neither revoked nor expired
     * @param lockout        null when the user is neither locked out nor suspended and no check failed since the
     *                       last success
     * @param openRecoveries account recoveries awaiting approval or waiting
     */
    public record UserView(String userId, List<FactorSummary> factors, PhoneView phone,
                           List<TrustedDeviceView> trustedDevices, LockoutView lockout,
                           List<AccountRecoveryResource.RecoveryView> openRecoveries) {
    }

    /**
     * One factor: {@code kind} {@code sms}, {@code totp}, {@code hotp}, {@code passkey}, {@code push} or
     * {@code recovery_codes}; {@code status} {@code active} or {@code pending}, and for recovery codes
     * {@code used_up} once none remains. Only for recovery codes: {@code remaining} (their {@code factorId} is null:
     * a set is not one factor); only for a passkey suspected cloned: {@code cloneSuspectedAt}; only for a paired
     * device: {@code reachable}.
     */
    public record FactorSummary(String factorId, String kind, String status, String name, boolean preferred,
                             Instant createdAt, Instant lastUsedAt,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Integer remaining,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Instant cloneSuspectedAt,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Boolean reachable) {
    }

    /**
     * The enrolled phone: masked; {@code verified} as every enrolled number is (it becomes the user's only once it
     * confirmed a code sent to it); {@code since} when this number became the user's.
     */
    public record PhoneView(String masked, boolean verified, Instant since) {
    }

    /** A trusted device (never its token or fingerprint). */
    public record TrustedDeviceView(String deviceId, String label, Instant createdAt, Instant expiresAt) {
    }

    /** The user's lockout: suspended (until lifted), locked until, failed checks since the last success. */
    public record LockoutView(boolean suspended, Instant lockedUntil, int failedChecks) {
    }

    private final SupportLookups lookups;
    private final AccountRecoveries recoveries;
    private final Caller caller;

    public SupportUserResource(SupportLookups lookups, AccountRecoveries recoveries, Caller caller) {
        this.lookups = lookups;
        this.recoveries = recoveries;
        this.caller = caller;
    }

    /**
     * The tenant's users whose id starts with {@code query} (taken literally) and, when it is a phone number in
     * international form, the users enrolled with that number; at most 20, sorted by user id.
     */
    @GET
    public Uni<FoundUsers> find(@QueryParam("query") @NotNull(message = QUERY)
                                @PrintableText(min = 2, max = 128, message = QUERY) String query) {
        String tenantId = caller.tenant();
        return FactorChangeGate.failClosed(lookups.find(tenantId, query)).map(found -> new FoundUsers(found.stream()
                .map(SupportUserResource::found).toList()));
    }

    /** One user as support sees them; 404 {@code user-not-found} when the user holds no enrolment. */
    @GET
    @Path("/{userId}")
    public Uni<UserView> user(@PathParam("userId") @UserId String userId) {
        String tenantId = caller.tenant();
        return FactorChangeGate.failClosed(lookups.user(tenantId, userId)).map(found -> view(found.orElseThrow(
                () -> new ProblemException(Problem.of(404, "user-not-found", "User not found",
                        "user " + userId + " holds no factor")))));
    }

    private static FoundUser found(UserDirectory.Found f) {
        return new FoundUser(f.userId(), f.factors(), f.phoneNumber() == null ? null : PhoneNumbers.mask(f.phoneNumber()));
    }

    private UserView view(UserRecord u) {
        List<FactorSummary> factors = new ArrayList<>();
        boolean authenticatorPreferred = u.factors().stream().anyMatch(f -> f.preferred);
        u.phone().ifPresent(p -> factors.add(new FactorSummary(p.id.toString(), "sms", "active",
                PhoneNumbers.mask(p.phoneNumber), !authenticatorPreferred, p.enrolledAt, null, null, null, null)));
        for (AuthFactor f : u.factors()) {
            factors.add(new FactorSummary(f.id.toString(), f.kind.toLowerCase(Locale.ROOT),
                    f.status.toLowerCase(Locale.ROOT), f.label, f.preferred, f.createdAt, f.lastUsedAt, null,
                    u.cloneSuspected().get(f.id), "PUSH".equals(f.kind) ? !u.unreachable().contains(f.id) : null));
        }
        u.recoveryCodes().ifPresent(c -> factors.add(new FactorSummary(null, "recovery_codes",
                c.remaining() > 0 ? "active" : "used_up", "recovery codes", false, c.createdAt(), c.lastUsedAt(),
                c.remaining(), null, null)));
        PhoneView phone = u.phone().map(p -> new PhoneView(PhoneNumbers.mask(p.phoneNumber), true, p.updatedAt))
                .orElse(null);
        List<TrustedDeviceView> devices = u.trustedDevices().stream()
                .map(d -> new TrustedDeviceView(d.id.toString(), d.label, d.createdAt, d.expiresAt)).toList();
        var l = u.lockout();
        LockoutView lockout = !l.suspended() && l.lockedUntil() == null && l.failedChecks() == 0 ? null
                : new LockoutView(l.suspended(), l.lockedUntil(), l.failedChecks());
        return new UserView(u.userId(), factors, phone, devices, lockout, u.openRecoveries().stream()
                .map(r -> AccountRecoveryResource.view(r, recoveries.statusOf(r))).toList());
    }
}
