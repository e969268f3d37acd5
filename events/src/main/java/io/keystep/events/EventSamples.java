package io.keystep.events;

import java.time.Instant;
import java.util.List;

/**
 * One example of each event on the path of a login or a check, in its envelope, for a service to read and write
 * once as it starts: the JSON mapping of each type is then built before the first real event needs it, instead of
 * on that event's time. The examples name the tenant {@value #TENANT}, carry no code or secret, and their only phone number is
 * one reserved for fiction.
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
                        List.of("NEW_DEVICE"), Purpose.LOGIN, ID,
                        List.of(new ShadowDecision(ID, Decision.CHALLENGE, 50, List.of("NEW_DEVICE"))))),
                envelope(ChallengeIssued.TYPE, now, new ChallengeIssued(ID, ID, ID, List.of(Channel.SMS),
                        "+15550100000", ID, "en", now, Purpose.LOGIN, 1, null, null)),
                envelope(LoginDecided.TYPE, now, new LoginDecided(ID, ID, Decision.CHALLENGE, ID,
                        List.of("NEW_DEVICE"))),
                envelope(DeliveryStatusChanged.TYPE, now, new DeliveryStatusChanged(ID, ID, Channel.SMS, ID,
                        DeliveryStatus.SENT, null, "+1555******00", ID)),
                envelope(VerificationCompleted.TYPE, now, new VerificationCompleted(ID, ID, ID, Factor.SMS,
                        Outcome.APPROVED, 1, ID)));
    }

    private static <T> Envelope<T> envelope(String type, Instant at, T payload) {
        return Envelope.of(type, at, TENANT, ID, payload);
    }
}
