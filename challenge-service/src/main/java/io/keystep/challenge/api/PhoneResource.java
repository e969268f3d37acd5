package io.keystep.challenge.api;

import io.keystep.challenge.domain.PhoneNumbers;
import io.keystep.challenge.store.PhoneEnrollmentRepository;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Clock;

/** Enrolls the phone number SMS challenges go to. */
@jakarta.annotation.security.RolesAllowed("gateway")
@Path("/v1/users/{userId}/phone")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class PhoneResource {

    /** The number to enroll, international form ({@code +15555550123}). */
    public record EnrollPhoneRequest(String phoneNumber) {
    }

    /** The enrolled number, masked. */
    public record EnrolledPhone(String userId, String phoneNumber) {
    }

    private final PhoneEnrollmentRepository phones;
    private final Clock clock;
    private final Caller caller;

    public PhoneResource(PhoneEnrollmentRepository phones, Clock clock, Caller caller) {
        this.caller = caller;
        this.phones = phones;
        this.clock = clock;
    }

    /** Enrolls or replaces the user's phone number. */
    @PUT
    public Uni<EnrolledPhone> enroll(@PathParam("userId") String userIdParam, EnrollPhoneRequest request) {
        String tenantId = caller.tenant();
        String userId = RequestChecks.userId(userIdParam);
        if (request == null || request.phoneNumber() == null || request.phoneNumber().isBlank()) {
            throw ProblemException.invalid("phoneNumber", "is required");
        }
        String e164 = PhoneNumbers.toE164(request.phoneNumber()).orElseThrow(() -> ProblemException.invalid(
                "phoneNumber", "must be a phone number in international form, for example +15555550123"));
        return phones.enroll(tenantId, userId, e164, clock.instant())
                .map(ignored -> new EnrolledPhone(userId, PhoneNumbers.mask(e164)));
    }
}
