package io.keystep.challenge.factors;

import io.keystep.challenge.domain.PhoneNumbers;
import io.keystep.challenge.store.AccountRecoveryRepository;
import io.keystep.challenge.store.AccountRecoveryRepository.Recovery;
import io.keystep.challenge.store.AuthFactor;
import io.keystep.challenge.store.AuthFactorRepository;
import io.keystep.challenge.store.PasskeyCredentials;
import io.keystep.challenge.store.PhoneEnrollment;
import io.keystep.challenge.store.PhoneEnrollmentRepository;
import io.keystep.challenge.store.PushDevices;
import io.keystep.challenge.store.RecoveryCodeRepository;
import io.keystep.challenge.store.RecoveryCodeRepository.CodeSet;
import io.keystep.challenge.store.TrustedDevice;
import io.keystep.challenge.store.TrustedDeviceRepository;
import io.keystep.challenge.store.UserDirectory;
import io.keystep.challenge.store.UserLockouts;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What support may see of a tenant's users: finding one by the start of their id or by their phone number, and one
 * user's factors, phone, trusted devices, lockout and open account recoveries, read from the stores that own them.
 */
@ApplicationScoped
public class SupportLookups {

    /**
     * One user as the stores hold them; the caller chooses what to show (a phone number, for one, only masked).
     *
     * @param factors         authenticators, passkeys and paired devices, pending ones included, the oldest first
     * @param phone           the enrolled phone
     * @param recoveryCodes   the recovery code set (counts and times only)
     * @param cloneSuspected  passkeys whose sign count went backwards or stood still, and when that was seen
     * @param unreachable     paired devices whose push token the provider declared dead
     * @param trustedDevices  devices trusted and neither revoked nor expired
     * @param lockout         the lockout, suspension and failed checks since the last success
     * @param openRecoveries  account recoveries awaiting approval or waiting
     */
    public record UserRecord(String userId, List<AuthFactor> factors, Optional<PhoneEnrollment> phone,
                             Optional<CodeSet> recoveryCodes, Map<UUID, Instant> cloneSuspected,
                             List<UUID> unreachable, List<TrustedDevice> trustedDevices, UserLockouts.Standing lockout,
                             List<Recovery> openRecoveries) {
    }

    private final UserDirectory directory;
    private final AuthFactorRepository factors;
    private final PhoneEnrollmentRepository phones;
    private final RecoveryCodeRepository recoveryCodes;
    private final PasskeyCredentials passkeys;
    private final PushDevices pushDevices;
    private final TrustedDeviceRepository trustedDevices;
    private final UserLockouts lockouts;
    private final AccountRecoveryRepository recoveries;
    private final Clock clock;

    public SupportLookups(UserDirectory directory, AuthFactorRepository factors, PhoneEnrollmentRepository phones,
                          RecoveryCodeRepository recoveryCodes, PasskeyCredentials passkeys, PushDevices pushDevices,
                          TrustedDeviceRepository trustedDevices, UserLockouts lockouts,
                          AccountRecoveryRepository recoveries, Clock clock) {
        this.directory = directory;
        this.factors = factors;
        this.phones = phones;
        this.recoveryCodes = recoveryCodes;
        this.passkeys = passkeys;
        this.pushDevices = pushDevices;
        this.trustedDevices = trustedDevices;
        this.lockouts = lockouts;
        this.recoveries = recoveries;
        this.clock = clock;
    }

    /**
     * The tenant's users whose id starts with {@code query} and, when it is an international phone number, the
     * users enrolled with that number; at most {@link UserDirectory#LIMIT}, sorted by user id.
     */
    public Uni<List<UserDirectory.Found>> find(String tenantId, String query) {
        return directory.search(tenantId, query, PhoneNumbers.toE164(query).orElse(null));
    }

    /** The user's record; empty when they hold no enrolment at all (the platform then knows no such user). */
    public Uni<Optional<UserRecord>> user(String tenantId, String userId) {
        Instant now = clock.instant();
        // The pool's and Redis's reads run together; the entity reads share one session, so they run in turn.
        Uni<Parts> parts = Uni.combine().all().unis(phones.enrollmentOf(tenantId, userId),
                        passkeys.ofUser(tenantId, userId), pushDevices.ofUser(tenantId, userId),
                        lockouts.standingOf(tenantId, userId, now), recoveries.openOf(tenantId, userId))
                .with(Parts::new);
        return parts.flatMap(p -> factors.ofUser(tenantId, userId).flatMap(all -> recoveryCodes.setOf(tenantId, userId)
                .flatMap(codes -> {
                    if (all.isEmpty() && p.phone().isEmpty() && codes.isEmpty()) {
                        return Uni.createFrom().item(Optional.<UserRecord>empty());
                    }
                    Map<UUID, Instant> clones = new HashMap<>();
                    p.passkeys().stream().filter(k -> k.cloneSuspectedAt() != null)
                            .forEach(k -> clones.put(k.factorId(), k.cloneSuspectedAt()));
                    List<UUID> unreachable = p.pushDevices().stream().filter(d -> !d.reachable())
                            .map(PushDevices.Device::deviceId).toList();
                    return trustedDevices.active(tenantId, userId, now).map(devices -> Optional.of(new UserRecord(
                            userId, all, p.phone(), codes, Map.copyOf(clones), unreachable, devices, p.lockout(),
                            p.openRecoveries())));
                })));
    }

    private record Parts(Optional<PhoneEnrollment> phone, List<PasskeyCredentials.Stored> passkeys,
                         List<PushDevices.Device> pushDevices, UserLockouts.Standing lockout,
                         List<Recovery> openRecoveries) {
    }
}
