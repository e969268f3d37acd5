package io.keystep.challenge.factors;

import io.keystep.challenge.config.FactorConfig;
import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.challenge.store.AuthFactor;
import io.keystep.challenge.store.AuthFactorRepository;
import io.keystep.events.Factor;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * TOTP (RFC 6238) and HOTP (RFC 4226) factors: enrollment with a server-made secret, activation with a first
 * code, and verification that accepts a time step or counter at most once per factor (the acceptance is one
 * conditional UPDATE, so concurrent uses of one code give one success).
 */
@ApplicationScoped
public class AuthenticatorFactors {

    /** A factor enrolled and awaiting its first code. The secret is in the URI and the QR code only. */
    public record Enrollment(String factorId, String otpauthUri, byte[] qrPng) {
    }

    /** Outcome of a code against a factor. */
    public enum Result { ACCEPTED, REJECTED, NOT_FOUND }

    private final AuthFactorRepository factors;
    private final FactorSecretCipher cipher;
    private final EventPublisher publisher;
    private final FactorConfig config;
    private final Clock clock;
    private final TrustedDevices trustedDevices;
    private final io.keystep.challenge.store.PhoneEnrollmentRepository phones;
    private final io.keystep.challenge.store.RecoveryCodeRepository recoveryCodes;
    private final SecureRandom random = new SecureRandom();
    private final FactorNotices notices;
    private final FactorMetrics metrics;

    public AuthenticatorFactors(AuthFactorRepository factors, FactorSecretCipher cipher, EventPublisher publisher,
                                FactorConfig config, Clock clock, TrustedDevices trustedDevices,
                                io.keystep.challenge.store.PhoneEnrollmentRepository phones,
                                io.keystep.challenge.store.RecoveryCodeRepository recoveryCodes,
                                FactorNotices notices, FactorMetrics metrics) {
        this.notices = notices;
        this.metrics = metrics;
        this.phones = phones;
        this.recoveryCodes = recoveryCodes;
        this.trustedDevices = trustedDevices;
        this.factors = factors;
        this.cipher = cipher;
        this.publisher = publisher;
        this.config = config;
        this.clock = clock;
    }

    /** Enrolls a pending factor; it works only after {@link #activate}. */
    public Uni<Enrollment> enroll(String tenantId, String userId, String kind, String label, String algorithm,
                                  int digits, int period) {
        Instant now = clock.instant();
        byte[] secret = new byte[OneTimePasswords.secretBytes(algorithm)];
        random.nextBytes(secret);
        AuthFactor f = new AuthFactor();
        f.id = UUID.randomUUID();
        f.tenantId = tenantId;
        f.userId = userId;
        f.kind = kind;
        f.label = label == null ? kind.toLowerCase(java.util.Locale.ROOT) : label;
        f.algorithm = algorithm;
        f.digits = digits;
        f.periodSeconds = period;
        f.secretCiphertext = cipher.encrypt(tenantId, f.id.toString(), secret);
        f.status = "PENDING";
        f.createdAt = now;
        String uri = OneTimePasswords.keyUri(config.issuer(), f.kind, f.label, f.userId, f.algorithm, f.digits,
                f.periodSeconds, secret);
        java.util.Arrays.fill(secret, (byte) 0);
        byte[] png = QrCodes.png(uri);
        return factors.insert(f)
                .chain(() -> publisher.factorChanged(tenantId, now, new FactorChanged(userId, f.id.toString(),
                        Factor.valueOf(kind), FactorChange.ENROLLED, f.label)))
                .invoke(() -> metrics.enrolled(tenantId, kind.toLowerCase(java.util.Locale.ROOT)))
                .map(v -> new Enrollment(f.id.toString(), uri, png));
    }

    /** The QR code of a factor still awaiting activation; an active factor's secret is never shown again. */
    public Uni<Optional<byte[]>> pendingQr(String tenantId, String userId, UUID factorId) {
        return factors.find(tenantId, userId, factorId).map(found -> found.filter(f -> "PENDING".equals(f.status)
                        && f.secretCiphertext != null)
                .map(f -> {
                    byte[] secret = cipher.decrypt(tenantId, f.id.toString(), f.secretCiphertext);
                    return QrCodes.png(OneTimePasswords.keyUri(config.issuer(), f.kind, f.label, f.userId,
                            f.algorithm, f.digits, f.periodSeconds, secret));
                }));
    }

    /** Activates a pending factor with a code from the authenticator; the code's step is used up. */
    public Uni<Result> activate(String tenantId, String userId, UUID factorId, String code) {
        Instant now = clock.instant();
        return factors.find(tenantId, userId, factorId).flatMap(found -> {
            if (found.isEmpty() || !"PENDING".equals(found.get().status)) {
                return Uni.createFrom().item(Result.NOT_FOUND);
            }
            AuthFactor f = found.get();
            // A new factor changes how the account is protected: devices trusted before it are revoked.
            // The user hears of it on their other channels (the phone), never on the new factor alone.
            return accept(f, code, now, true).call(r -> r == Result.ACCEPTED
                    ? notices.publish(tenantId, now, new FactorChanged(userId, f.id.toString(),
                    Factor.valueOf(f.kind), FactorChange.ACTIVATED, f.label))
                    .invoke(() -> metrics.activated(tenantId, f.kind.toLowerCase(java.util.Locale.ROOT)))
                    .chain(() -> trustedDevices.revokeAll(tenantId, userId, "factor activated"))
                    : Uni.createFrom().voidItem());
        });
    }

    /** Verifies a code of an active factor: each time step (or counter) is accepted once. */
    public Uni<Result> verify(String tenantId, String userId, UUID factorId, String code) {
        Instant now = clock.instant();
        return factors.find(tenantId, userId, factorId).flatMap(found -> {
            if (found.isEmpty() || !"ACTIVE".equals(found.get().status)) {
                return Uni.createFrom().item(Result.NOT_FOUND);
            }
            return accept(found.get(), code, now, false);
        });
    }

    /**
     * Resynchronises an HOTP factor whose counter ran ahead of the look-ahead window: two consecutive codes
     * found within {@value CodeWindows#HOTP_RESYNC_WINDOW} counters set the counter past the second one.
     */
    public Uni<Result> resync(String tenantId, String userId, UUID factorId, String first, String second) {
        Instant now = clock.instant();
        return factors.find(tenantId, userId, factorId).flatMap(found -> {
            if (found.isEmpty() || !"HOTP".equals(found.get().kind) || !"ACTIVE".equals(found.get().status)) {
                return Uni.createFrom().item(Result.NOT_FOUND);
            }
            AuthFactor f = found.get();
            byte[] key = cipher.decrypt(tenantId, f.id.toString(), f.secretCiphertext);
            CodeWindows.Match next = CodeWindows.resync(f, key, first, second);
            if (next == null) {
                return Uni.createFrom().item(Result.REJECTED);
            }
            return factors.acceptStep(tenantId, f.id, next.step(), next.drift(), now, false)
                    .map(won -> won ? Result.ACCEPTED : Result.REJECTED);
        });
    }

    /** Outcome of a factor change. */
    public enum Change { DONE, NOT_FOUND, LAST_FACTOR }

    public Uni<Change> rename(String tenantId, String userId, UUID factorId, String label) {
        Instant now = clock.instant();
        return factors.find(tenantId, userId, factorId).flatMap(found -> found.isEmpty()
                ? Uni.createFrom().item(Change.NOT_FOUND)
                : factors.rename(tenantId, userId, factorId, label).chain(() -> publisher.factorChanged(tenantId, now,
                        new FactorChanged(userId, factorId.toString(), Factor.valueOf(found.get().kind),
                                FactorChange.RENAMED, label))).replaceWith(Change.DONE));
    }

    public Uni<Change> prefer(String tenantId, String userId, UUID factorId) {
        Instant now = clock.instant();
        return factors.find(tenantId, userId, factorId).flatMap(found -> found.isEmpty()
                ? Uni.createFrom().item(Change.NOT_FOUND)
                : factors.prefer(tenantId, userId, factorId).flatMap(done -> !done
                        ? Uni.createFrom().item(Change.NOT_FOUND)
                        : publisher.factorChanged(tenantId, now, new FactorChanged(userId, factorId.toString(),
                                Factor.valueOf(found.get().kind), FactorChange.PREFERRED, found.get().label))
                        .replaceWith(Change.DONE)));
    }

    /**
     * Removes a factor. The user's last way in (no other active authenticator, no phone) goes only while unused
     * recovery codes remain. Devices trusted before are revoked.
     */
    public Uni<Change> remove(String tenantId, String userId, UUID factorId) {
        Instant now = clock.instant();
        return factors.ofUser(tenantId, userId).flatMap(all -> {
            Optional<AuthFactor> target = all.stream().filter(f -> f.id.equals(factorId)).findFirst();
            if (target.isEmpty()) {
                return removePhone(tenantId, userId, factorId, all, now);
            }
            boolean othersActive = all.stream().anyMatch(f -> !f.id.equals(factorId) && "ACTIVE".equals(f.status));
            Uni<Boolean> allowed = !"ACTIVE".equals(target.get().status) || othersActive
                    ? Uni.createFrom().item(true)
                    : phones.phoneOf(tenantId, userId).flatMap(phone -> phone.isPresent()
                    ? Uni.createFrom().item(true)
                    : recoveryCodes.unused(tenantId, userId).map(codes -> !codes.isEmpty()));
            return allowed.flatMap(ok -> !ok ? Uni.createFrom().item(Change.LAST_FACTOR)
                    : factors.delete(tenantId, userId, factorId).flatMap(deleted -> !deleted
                    ? Uni.createFrom().item(Change.NOT_FOUND)
                    : notices.publish(tenantId, now, new FactorChanged(userId, factorId.toString(),
                                    Factor.valueOf(target.get().kind), FactorChange.REMOVED, target.get().label))
                            .invoke(() -> metrics.removed(tenantId, target.get().kind.toLowerCase(java.util.Locale.ROOT)))
                            .chain(() -> trustedDevices.revokeAll(tenantId, userId, "factor removed"))
                            .replaceWith(Change.DONE)));
        });
    }

    /**
     * Removes the user's enrolled phone when {@code factorId} names it, under the same rule as an authenticator:
     * not the last way in unless unused recovery codes remain. The notice goes to the removed number too: its
     * owner is the one who must learn that it no longer receives codes.
     */
    private Uni<Change> removePhone(String tenantId, String userId, UUID factorId, List<AuthFactor> all, Instant now) {
        boolean othersActive = all.stream().anyMatch(f -> "ACTIVE".equals(f.status));
        return phones.enrollmentOf(tenantId, userId).flatMap(phone -> {
            if (phone.isEmpty() || !phone.get().id.equals(factorId)) {
                return Uni.createFrom().item(Change.NOT_FOUND);
            }
            Uni<Boolean> allowed = othersActive ? Uni.createFrom().item(true)
                    : recoveryCodes.unused(tenantId, userId).map(codes -> !codes.isEmpty());
            String masked = io.keystep.challenge.domain.PhoneNumbers.mask(phone.get().phoneNumber);
            return allowed.flatMap(ok -> !ok ? Uni.createFrom().item(Change.LAST_FACTOR)
                    : phones.delete(tenantId, userId, factorId).flatMap(deleted -> !deleted
                    ? Uni.createFrom().item(Change.NOT_FOUND)
                    : notices.publish(tenantId, now, new FactorChanged(userId, factorId.toString(), Factor.SMS,
                                    FactorChange.REMOVED, masked), List.of(phone.get().phoneNumber))
                            .invoke(() -> metrics.removed(tenantId, "sms"))
                            .chain(() -> trustedDevices.revokeAll(tenantId, userId, "factor removed"))
                            .replaceWith(Change.DONE)));
        });
    }

    /**
     * Makes the enrolled phone the preferred factor: no authenticator is preferred any more (the phone is preferred
     * exactly when no authenticator is). NOT_FOUND when {@code factorId} is not the user's phone.
     */
    public Uni<Change> preferPhone(String tenantId, String userId, UUID factorId) {
        Instant now = clock.instant();
        return phones.enrollmentOf(tenantId, userId).flatMap(phone -> {
            if (phone.isEmpty() || !phone.get().id.equals(factorId)) {
                return Uni.createFrom().item(Change.NOT_FOUND);
            }
            return factors.clearPreferred(tenantId, userId).chain(() -> publisher.factorChanged(tenantId, now,
                            new FactorChanged(userId, factorId.toString(), Factor.SMS, FactorChange.PREFERRED,
                                    io.keystep.challenge.domain.PhoneNumbers.mask(phone.get().phoneNumber))))
                    .replaceWith(Change.DONE);
        });
    }

    /** The user's enrolled phone, as a factor of kind SMS. */
    public Uni<Optional<io.keystep.challenge.store.PhoneEnrollment>> phone(String tenantId, String userId) {
        return phones.enrollmentOf(tenantId, userId);
    }

    /** The user's active factor of this kind, the preferred one first. */
    public Uni<Optional<AuthFactor>> activeFactor(String tenantId, String userId, String kind) {
        return factors.ofUser(tenantId, userId).map(all -> all.stream()
                .filter(f -> "ACTIVE".equals(f.status) && (kind == null || kind.equals(f.kind)))
                .sorted((a, b) -> Boolean.compare(b.preferred, a.preferred))
                .findFirst());
    }

    public Uni<List<AuthFactor>> ofUser(String tenantId, String userId) {
        return factors.ofUser(tenantId, userId);
    }

    private Uni<Result> accept(AuthFactor f, String code, Instant now, boolean activate) {
        if (!"TOTP".equals(f.kind) && !"HOTP".equals(f.kind)) {
            // A passkey answers with an assertion, never a code.
            return Uni.createFrom().item(Result.REJECTED);
        }
        if (code == null || code.length() != f.digits) {
            metrics.otpVerified(f.tenantId, f.kind.toLowerCase(java.util.Locale.ROOT), "rejected");
            return Uni.createFrom().item(Result.REJECTED);
        }
        byte[] key = cipher.decrypt(f.tenantId, f.id.toString(), f.secretCiphertext);
        CodeWindows.Match matched = CodeWindows.match(f, key, code, now);
        java.util.Arrays.fill(key, (byte) 0);
        String kind = f.kind.toLowerCase(java.util.Locale.ROOT);
        if (matched == null) {
            metrics.otpVerified(f.tenantId, kind, "rejected");
            return Uni.createFrom().item(Result.REJECTED);
        }
        if (f.lastStep != null && matched.step() <= f.lastStep) {
            // A valid code whose step was used already: a replay (or a second tab), refused.
            metrics.otpVerified(f.tenantId, kind, "replayed");
            return Uni.createFrom().item(Result.REJECTED);
        }
        return factors.acceptStep(f.tenantId, f.id, matched.step(), matched.drift(), now, activate)
                .invoke(won -> metrics.otpVerified(f.tenantId, kind, won ? "accepted" : "replayed"))
                .map(won -> won ? Result.ACCEPTED : Result.REJECTED);
    }
}
