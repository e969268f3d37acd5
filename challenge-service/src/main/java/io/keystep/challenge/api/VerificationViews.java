package io.keystep.challenge.api;

import io.keystep.challenge.domain.CheckUnavailableException;
import io.keystep.challenge.domain.PhoneNumbers;
import io.keystep.challenge.domain.StoredChallenge;
import io.keystep.challenge.domain.Verification;
import io.keystep.challenge.domain.VerificationRefused;
import io.keystep.events.Channel;
import io.smallrye.mutiny.Uni;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** How the Verify API shows a verification and names its refusals, the same from every operation. */
final class VerificationViews {

    private VerificationViews() {
    }

    static Verification view(StoredChallenge c, Instant now) {
        String channel = c.factorId() != null ? c.factorId().split(":")[0].toLowerCase(Locale.ROOT)
                : channelName(c.channelPlan());
        return new Verification(c.challengeId(), c.effectiveStatus(now), channel,
                mask(c.destination()), c.purpose().toLowerCase(Locale.ROOT), c.amount(), c.payee(), c.expiresAt(),
                c.sendAttempts(), c.remainingAttempts(), null);
    }

    static String channelName(List<Channel> plan) {
        return plan.isEmpty() ? "sms" : plan.get(0).name().toLowerCase(Locale.ROOT);
    }

    static String mask(String destination) {
        if (destination == null) {
            return null;
        }
        int at = destination.indexOf('@');
        if (at > 0) {
            return destination.charAt(0) + "***" + destination.substring(at);
        }
        return PhoneNumbers.mask(destination);
    }

    /** Redis or Kafka failures become {@link CheckUnavailableException} (503); refusals pass through. */
    static Uni<Verification> failClosed(Uni<Verification> uni) {
        return uni.onFailure(e -> !(e instanceof VerificationRefused) && !(e instanceof CheckUnavailableException))
                .transform(CheckUnavailableException::new);
    }

    static VerificationRefused notFound(String id) {
        return new VerificationRefused(VerificationRefused.Kind.NOT_FOUND, "verification " + id + " not found");
    }

    static VerificationRefused notPending(String id, String status) {
        return new VerificationRefused(VerificationRefused.Kind.NOT_PENDING,
                "verification " + id + " is " + status + ", not pending");
    }
}
