package io.keystep.challenge.factors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Counters of factor operations ({@code keystep.factor.*}), by tenant and kind: what enrolls, activates, is
 * removed, how recovery codes and trusted devices are used, and how authenticator codes fare (a rising
 * {@code replayed} count is someone reusing a seen code).
 */
@ApplicationScoped
public class FactorMetrics {

    private final MeterRegistry registry;

    public FactorMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void enrolled(String tenantId, String kind) {
        count("keystep.factor.enrollments", "Factors enrolled (pending activation)", tenantId, "kind", kind);
    }

    public void activated(String tenantId, String kind) {
        count("keystep.factor.activations", "Factors activated (or phones enrolled)", tenantId, "kind", kind);
    }

    /** An enrollment nudge was shown (with an approval), dismissed, or followed by an enrollment within 7 days. */
    public void nudge(String tenantId, String event, String factor) {
        Counter.builder("keystep.factor.nudges").description(
                        "Enrollment nudges shown, dismissed, and followed by an enrollment within 7 days")
                .tag("tenant", tenantId).tag("event", event).tag("factor", factor).register(registry).increment();
    }

    public void removed(String tenantId, String kind) {
        count("keystep.factor.removals", "Factors removed", tenantId, "kind", kind);
    }

    /** A recovery code was used up, through {@code redeem} or a verification. */
    public void recoveryCodeUsed(String tenantId, String via) {
        count("keystep.factor.recovery.codes.used", "Recovery codes used", tenantId, "via", via);
    }

    /** An Argon2id hash was computed to check a presented recovery code (one per check that was let through). */
    public void recoveryCodeHashed(String tenantId) {
        count("keystep.factor.recovery.code.hashes", "Argon2id hashes computed to check recovery codes", tenantId,
                null, null);
    }

    /** A recovery code check was refused before any hash: {@code reason} {@code attempts} or {@code busy}. */
    public void recoveryCodeRefused(String tenantId, String reason) {
        count("keystep.factor.recovery.code.refusals", "Recovery code checks refused unevaluated", tenantId,
                "reason", reason);
    }

    public void recoveryCodesRegenerated(String tenantId) {
        count("keystep.factor.recovery.codes.regenerated", "Recovery code sets generated", tenantId, null, null);
    }

    public void trustedDeviceIssued(String tenantId) {
        count("keystep.factor.trusted.devices.issued", "Trusted device tokens issued", tenantId, null, null);
    }

    /** {@code reason}: {@code user} (one device revoked on request) or {@code factor_change} (all, after a change). */
    public void trustedDeviceRevoked(String tenantId, String reason) {
        count("keystep.factor.trusted.devices.revoked", "Trusted devices revoked", tenantId, "reason", reason);
    }

    /** An authenticator code was judged: {@code accepted}, {@code rejected} or {@code replayed}. */
    public void otpVerified(String tenantId, String kind, String outcome) {
        Counter.builder("keystep.factor.otp.verifications").description("TOTP/HOTP codes judged, by outcome")
                .tag("tenant", tenantId).tag("kind", kind).tag("outcome", outcome).register(registry).increment();
    }

    /**
     * A passkey response was refused: {@code ceremony} {@code registration} or {@code assertion}, {@code reason} what
     * failed (a webauthn4j check, {@code another_user}, {@code counter}, {@code synced}, ...).
     */
    public void passkeyRefused(String tenantId, String ceremony, String reason) {
        Counter.builder("keystep.factor.passkey.refusals").description("Passkey responses refused, by reason")
                .tag("tenant", tenantId).tag("ceremony", ceremony).tag("reason", reason).register(registry)
                .increment();
    }

    /** A paired device's push token was found dead; it gets no push until the app refreshes it. */
    public void pushUnregistered(String tenantId) {
        Counter.builder("keystep.factor.push.unregistered")
                .description("Paired devices whose push token the provider no longer knows")
                .tag("tenant", tenantId).register(registry).increment();
    }

    /** A push was denied on the device as not the person's. */
    public void pushReported(String tenantId) {
        Counter.builder("keystep.factor.push.reported").description("Push sign-ins denied as not the person's")
                .tag("tenant", tenantId).register(registry).increment();
    }

    /** A login skipped push because the user's fatigue limit was reached. */
    public void pushFatigueLimited(String tenantId) {
        Counter.builder("keystep.factor.push.fatigue.limited")
                .description("Logins moved off push because the user had too many pushes since the last approval")
                .tag("tenant", tenantId).register(registry).increment();
    }

    /** An out-of-band notice was requested: {@code outcome} {@code requested} or {@code no_channel}. */
    public void notice(String tenantId, String change, String outcome) {
        Counter.builder("keystep.factor.notices").description("Out-of-band notices of factor changes")
                .tag("tenant", tenantId).tag("change", change).tag("outcome", outcome).register(registry).increment();
    }

    /** A suspended (or locked-out) user was re-enabled: {@code via} {@code support} or {@code recovery_code}. */
    public void reenabled(String tenantId, String via) {
        count("keystep.factor.reenabled", "Users re-enabled after a suspension or lockout", tenantId, "via", via);
    }

    private void count(String name, String description, String tenantId, String tag, String value) {
        Counter.Builder builder = Counter.builder(name).description(description).tag("tenant", tenantId);
        if (tag != null) {
            builder.tag(tag, value);
        }
        builder.register(registry).increment();
    }
}
