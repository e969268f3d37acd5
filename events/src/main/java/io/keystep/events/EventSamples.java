package io.keystep.events;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One example of each event on the path of a login or a check, in its envelope, for a service to write and read
 * back once as it starts ({@link #prepare}): Jackson then builds and caches each type's mapping before the service
 * reports ready, instead of on the first real event (a few hundred milliseconds of a cold JVM). The examples name
 * the tenant {@value #TENANT}, carry no code or secret, and their only phone number is one reserved for fiction.
 */
public final class EventSamples {

    /** The tenant every example names. */
    public static final String TENANT = "keystep-warm-up";

    private static final String ID = "warm-up";

    private EventSamples() {
    }

    /** The examples, in the order a login's events happen; each {@link Envelope#type()} is its payload's type. */
    public static List<Envelope<?>> all() {
        Instant now = Instant.now();
        return List.of(
                envelope(LoginAttempted.TYPE, now, new LoginAttempted(ID, ID, true,
                        new Device(ID, "Mozilla/5.0 (warm-up)"), "192.0.2.1", Purpose.LOGIN)),
                envelope(RiskAssessed.TYPE, now, new RiskAssessed(ID, ID, Decision.CHALLENGE, 50,
                        List.of("NEW_DEVICE"), Purpose.SIGNUP, ID,
                        List.of(new ShadowDecision(ID, Decision.CHALLENGE, 50, List.of("NEW_DEVICE"))),
                        new ExperimentArm(ID, ExperimentArm.CHALLENGE_ALL, now), "Berlin, DE",
                        "Mozilla/5.0 (warm-up)")),
                envelope(ChallengeIssued.TYPE, now, new ChallengeIssued(ID, ID, ID, List.of(Channel.SMS),
                        "+15550100000", ID, "en", now, Purpose.LOGIN, 1, null, null)),
                envelope(LoginDecided.TYPE, now, new LoginDecided(ID, ID, Decision.CHALLENGE, ID,
                        List.of("NEW_DEVICE"), Factor.SMS, List.of(Factor.TOTP, Factor.RECOVERY_CODE),
                        "+1555******00")),
                envelope(DeliveryStatusChanged.TYPE, now, new DeliveryStatusChanged(ID, ID, Channel.SMS, ID,
                        DeliveryStatus.SENT, null, "+1555******00", ID)),
                envelope(VerificationCompleted.TYPE, now, new VerificationCompleted(ID, ID, ID, Factor.SMS,
                        Outcome.APPROVED, 1, ID)));
    }

    /**
     * Writes each example with {@code mapper} and reads it back as its own envelope type, so that the mapper's
     * caches hold every type's mapping.
     *
     * @return each example's type that could not be prepared, with the error; empty when all were
     */
    public static Map<String, String> prepare(ObjectMapper mapper) {
        Map<String, String> failed = new LinkedHashMap<>();
        for (Envelope<?> sample : all()) {
            try {
                JavaType type = mapper.getTypeFactory().constructParametricType(Envelope.class,
                        sample.payload().getClass());
                mapper.readValue(mapper.writeValueAsString(sample), type);
            } catch (Exception e) {
                failed.put(sample.type(), e.toString());
            }
        }
        return failed;
    }

    private static <T> Envelope<T> envelope(String type, Instant at, T payload) {
        return Envelope.of(type, at, TENANT, ID, payload);
    }
}
