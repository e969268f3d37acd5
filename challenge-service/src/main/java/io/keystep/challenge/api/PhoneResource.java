package io.keystep.challenge.api;

import io.keystep.kit.web.constraints.UserId;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import io.keystep.challenge.domain.PhoneNumbers;
import io.keystep.challenge.store.PhoneEnrollmentRepository;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Clock;

/** Enrolls the phone number SMS challenges go to. */
@jakarta.annotation.security.RolesAllowed(Roles.GATEWAY)
@Path("/v1/users/{userId}/phone")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class PhoneResource {

    /** The number to enroll, international form ({@code +15555550123}). */
    public record EnrollPhoneRequest(@NotBlank(message = "is required") @PhoneNumber String phoneNumber) {
    }

    /** The enrolled number, masked. */
    public record EnrolledPhone(String userId, String phoneNumber) {
    }

    private final PhoneEnrollmentRepository phones;
    private final Clock clock;
    private final Caller caller;
    private final io.keystep.challenge.factors.FactorNotices notices;
    private final io.keystep.challenge.messaging.EventPublisher publisher;
    private final io.keystep.challenge.factors.FactorMetrics metrics;

    public PhoneResource(PhoneEnrollmentRepository phones, Clock clock, Caller caller,
                         io.keystep.challenge.factors.FactorNotices notices,
                         io.keystep.challenge.messaging.EventPublisher publisher,
                         io.keystep.challenge.factors.FactorMetrics metrics) {
        this.caller = caller;
        this.phones = phones;
        this.clock = clock;
        this.notices = notices;
        this.publisher = publisher;
        this.metrics = metrics;
    }

    /**
     * Enrolls or replaces the user's phone number (a factor of type {@code sms}). A new number is published
     * ({@code factor.changed.v1} ACTIVATED, factor SMS); a replaced one is REMOVED first, with a notice to the old
     * number, whose owner must learn that it no longer receives codes. The same number again publishes nothing.
     */
    @PUT
    public Uni<EnrolledPhone> enroll(@PathParam("userId") @UserId String userId, @Valid EnrollPhoneRequest request) {
        String tenantId = caller.tenant();
        if (request == null) {
            throw ProblemException.invalid("phoneNumber", "is required");
        }
        String e164 = PhoneNumbers.toE164(request.phoneNumber()).orElseThrow();
        java.time.Instant now = clock.instant();
        return phones.enrollmentOf(tenantId, userId).flatMap(before -> phones.enroll(tenantId, userId, e164, now)
                        .flatMap(after -> before.isPresent() && before.get().phoneNumber.equals(e164)
                                ? Uni.createFrom().voidItem()
                                : announce(tenantId, userId, before.map(b -> b.phoneNumber).orElse(null), after,
                                now)))
                .onFailure(e -> !(e instanceof ProblemException))
                .transform(io.keystep.challenge.domain.CheckUnavailableException::new)
                .map(ignored -> new EnrolledPhone(userId, PhoneNumbers.mask(e164)));
    }

    private Uni<Void> announce(String tenantId, String userId, String oldNumber,
                               io.keystep.challenge.store.PhoneEnrollment now, java.time.Instant at) {
        String factorId = now.id.toString();
        Uni<Void> removed = oldNumber == null ? Uni.createFrom().voidItem()
                : notices.publish(tenantId, at, new io.keystep.events.FactorChanged(userId, factorId,
                        io.keystep.events.Factor.SMS, io.keystep.events.FactorChange.REMOVED,
                        PhoneNumbers.mask(oldNumber)), java.util.List.of(oldNumber))
                .invoke(() -> metrics.removed(tenantId, "sms"));
        return removed.chain(() -> publisher.factorChanged(tenantId, at, new io.keystep.events.FactorChanged(userId,
                        factorId, io.keystep.events.Factor.SMS, io.keystep.events.FactorChange.ACTIVATED,
                        PhoneNumbers.mask(now.phoneNumber))))
                .invoke(() -> metrics.activated(tenantId, "sms"));
    }
}
