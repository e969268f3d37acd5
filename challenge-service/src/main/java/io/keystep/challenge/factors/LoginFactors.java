package io.keystep.challenge.factors;

import io.keystep.challenge.domain.LoginDecisionRecord;
import io.keystep.challenge.domain.PhoneNumbers;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.challenge.store.AuthFactor;
import io.keystep.challenge.store.LoginFactorRows;
import io.keystep.events.Channel;
import io.keystep.events.Decision;
import io.keystep.events.Factor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The factors a login can be challenged on, in the user's order of preference: the preferred authenticator (a
 * passkey, a paired device, TOTP or HOTP) when the user chose one; else a passkey, the strongest factor, when the
 * user has one and the tenant a relying party; else a paired device whose push token works; else the enrolled phone
 * over the tenant's phone channels; then the user's other authenticators; then an unused recovery code. Each factor
 * appears once (any of the user's passkeys answers the passkey's challenge; a push goes to the preferred or most
 * recently paired device), a phone once per channel it can be reached on.
 */
@ApplicationScoped
public class LoginFactors {

    /** The channels that reach a phone, in the order a tenant may chain them. */
    public static final List<Channel> PHONE_CHANNELS = List.of(Channel.WHATSAPP, Channel.SMS, Channel.VOICE);

    /**
     * One way to answer a login challenge.
     *
     * @param factor      what answers it
     * @param heldBy      for a factor nothing is sent to: what the challenge names as its answerer
     *                    ({@code TOTP:<factorId>}, {@code PASSKEY:<userId>}, {@code RECOVERY_CODE:<userId>}); null
     *                    for the phone
     * @param destination for the phone: the enrolled number; else null
     * @param plan        for the phone: the channels tried in order, the first being {@code factor}; else empty
     * @param digits      the code's length for an authenticator, 0 when the tenant's length applies
     * @param pushTarget  for push: where the notification goes ({@code fcm:<token>}, {@code apns:<token>}); else null
     * @param label       for push: the device's name, which the login screen names; else null
     */
    public record Option(Factor factor, String heldBy, String destination, List<Channel> plan, int digits,
                         String pushTarget, String label) {

        public Option(Factor factor, String heldBy, String destination, List<Channel> plan, int digits) {
            this(factor, heldBy, destination, plan, digits, null, null);
        }

        public boolean sendsCode() {
            return destination != null;
        }

        /** Where the code goes, masked; for push the device's name; null for a factor nothing is sent to. */
        public String hint() {
            if (factor == Factor.PUSH) {
                return label;
            }
            return destination == null ? null : PhoneNumbers.mask(destination);
        }
    }

    private final LoginFactorRows rows;
    private final io.keystep.challenge.store.PasskeySettingsRepository passkeySettings;

    public LoginFactors(LoginFactorRows rows, io.keystep.challenge.store.PasskeySettingsRepository passkeySettings) {
        this.rows = rows;
        this.passkeySettings = passkeySettings;
    }

    /** The user's phone channels as the tenant chains them; SMS alone when the tenant names no phone channel. */
    public static List<Channel> phoneChain(List<Channel> tenantChannels) {
        List<Channel> chain = tenantChannels == null ? List.of()
                : tenantChannels.stream().filter(PHONE_CHANNELS::contains).distinct().toList();
        return chain.isEmpty() ? List.of(Channel.SMS) : chain;
    }

    /** The user's usable factors, the preferred first, the phone over the tenant's chain; empty when none. */
    public Uni<List<Option>> of(String tenantId, String userId, TenantSettings tenant) {
        List<Channel> phoneChain = phoneChain(tenant.autoChannels());
        return rows.of(tenantId, userId).flatMap(found -> {
            boolean passkeys = found.authenticators().stream().anyMatch(f -> PASSKEY.equals(f.kind));
            // A passkey answers only where the tenant has a relying party: without one it is left out.
            Uni<Boolean> usable = passkeys ? passkeySettings.policyOf(tenantId).map(java.util.Optional::isPresent)
                    : Uni.createFrom().item(false);
            return usable.map(withPasskeys -> order(userId, withPasskeys ? found.authenticators()
                            : found.authenticators().stream().filter(f -> !PASSKEY.equals(f.kind)).toList(),
                    found.phone(), found.recoveryCodesLeft(), phoneChain, found.pushDestinations()));
        });
    }

    private static final String PASSKEY = "PASSKEY";
    private static final String PUSH = "PUSH";
    /** Among authenticators equally preferred: a passkey, then push, then TOTP, then HOTP. */
    private static final List<String> KIND_ORDER = List.of(PASSKEY, PUSH, "TOTP", "HOTP");

    static List<Option> order(String userId, List<AuthFactor> all, Optional<String> phone, int recoveryCodesLeft,
                              List<Channel> phoneChain, java.util.Map<java.util.UUID, String> pushes) {
        List<AuthFactor> active = all.stream().filter(f -> "ACTIVE".equals(f.status))
                .filter(f -> !PUSH.equals(f.kind) || pushes.containsKey(f.id))
                .sorted(Comparator.comparing((AuthFactor f) -> !f.preferred)
                        .thenComparing(f -> KIND_ORDER.indexOf(f.kind))
                        .thenComparing(f -> PUSH.equals(f.kind) ? -activated(f).toEpochMilli()
                                : activated(f).toEpochMilli()))
                .toList();
        List<Option> options = new ArrayList<>();
        List<Factor> seen = new ArrayList<>();
        boolean authenticatorPreferred = !active.isEmpty() && active.get(0).preferred;
        if (authenticatorPreferred) {
            add(options, seen, authenticator(active.get(0), pushes));
        }
        active.stream().filter(f -> PASSKEY.equals(f.kind)).findFirst()
                .ifPresent(f -> add(options, seen, authenticator(f, pushes)));
        active.stream().filter(f -> PUSH.equals(f.kind)).findFirst()
                .ifPresent(f -> add(options, seen, authenticator(f, pushes)));
        phone.ifPresent(number -> {
            for (int i = 0; i < phoneChain.size(); i++) {
                add(options, seen, new Option(Factor.valueOf(phoneChain.get(i).name()), null, number,
                        List.copyOf(phoneChain.subList(i, phoneChain.size())), 0));
            }
        });
        active.forEach(f -> add(options, seen, authenticator(f, pushes)));
        if (recoveryCodesLeft > 0) {
            add(options, seen, new Option(Factor.RECOVERY_CODE, Factor.RECOVERY_CODE.name() + ":" + userId, null,
                    List.of(), 0));
        }
        return List.copyOf(options);
    }

    private static java.time.Instant activated(AuthFactor f) {
        return f.activatedAt == null ? f.createdAt : f.activatedAt;
    }

    private static Option authenticator(AuthFactor f, java.util.Map<java.util.UUID, String> pushes) {
        if (PASSKEY.equals(f.kind)) {
            return new Option(Factor.PASSKEY, PASSKEY + ":" + f.userId, null, List.of(), 0);
        }
        if (PUSH.equals(f.kind)) {
            return new Option(Factor.PUSH, PUSH + ":" + f.id, null, List.of(Channel.PUSH), 0, pushes.get(f.id),
                    f.label);
        }
        return new Option(Factor.valueOf(f.kind.toUpperCase(Locale.ROOT)), f.kind + ":" + f.id, null, List.of(),
                f.digits == null ? 0 : f.digits);
    }

    private static void add(List<Option> options, List<Factor> seen, Option option) {
        if (!seen.contains(option.factor())) {
            seen.add(option.factor());
            options.add(option);
        }
    }

    /** The factors of {@code options} other than {@code current}'s. */
    public static List<Factor> alternatives(List<Option> options, Factor current) {
        return options.stream().map(Option::factor).filter(f -> f != current).toList();
    }

    /** The decision of a login challenged on {@code chosen}, naming the user's other {@code options}. */
    public static LoginDecisionRecord challenged(String loginId, String userId, String challengeId,
                                                 List<String> reasons, Option chosen, List<Option> options) {
        return new LoginDecisionRecord(loginId, userId, Decision.CHALLENGE.name(), challengeId, reasons, chosen.factor().name(),
                alternatives(options, chosen.factor()).stream().map(Enum::name).toList(), chosen.hint());
    }
}
