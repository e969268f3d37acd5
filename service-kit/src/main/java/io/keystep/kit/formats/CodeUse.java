package io.keystep.kit.formats;

import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.Purpose;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything a delivery worker acts on besides the code itself: whom it is for (tenant, challenge, user), where and
 * how it goes (destination, channels), what the message says (purpose, language, any amount and payee), when it
 * stops working and which send of the challenge it is. {@link DeliverySeal} seals a code for exactly one use and
 * opens it only for the same use, so that a job republished with another destination, channel, purpose or send
 * attempt does not open.
 *
 * <p>The values are normalised as {@link ChallengeIssued} normalises them, so that the use sealed by challenge-service
 * and the use read back from the published job are equal.
 *
 * @param channels the channels the code may be sent on, in the order the job names them
 */
public record CodeUse(String tenantId, String challengeId, String userId, List<Channel> channels, String destination,
                      Purpose purpose, int sendAttempt, Instant expiresAt, String locale, String amount,
                      String payee) {

    public CodeUse {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(challengeId, "challengeId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(expiresAt, "expiresAt");
        channels = List.copyOf(channels);
        purpose = purpose == null ? Purpose.LOGIN : purpose;
        sendAttempt = Math.max(1, sendAttempt);
        locale = locale == null || locale.isBlank() ? "en" : locale;
    }

    /** The use a published job states in its plain fields. */
    public static CodeUse of(String tenantId, ChallengeIssued job) {
        return new CodeUse(tenantId, job.challengeId(), job.userId(), job.channelPlan(), job.destination(),
                job.purpose(), job.sendAttempt(), job.expiresAt(), job.locale(), job.amount(), job.payee());
    }

    /** The delivery job for this use, with {@code sealedCode} sealed for it by {@link DeliverySeal#sealCode}. */
    public ChallengeIssued job(String loginId, String sealedCode) {
        return new ChallengeIssued(challengeId, loginId, userId, channels, destination, sealedCode, locale, expiresAt,
                purpose, sendAttempt, amount, payee);
    }

    /**
     * The fields in which {@code stated} (a job's plain fields) departs from this sealed use, empty when it may carry
     * the code. A job may name fewer channels than were sealed (a tenant's plan drops the ones it does not offer),
     * never another one. The expiry is compared to the millisecond, as it crosses the bus.
     */
    List<String> departures(CodeUse stated) {
        List<String> fields = new ArrayList<>();
        differs(fields, "tenantId", tenantId, stated.tenantId);
        differs(fields, "challengeId", challengeId, stated.challengeId);
        differs(fields, "userId", userId, stated.userId);
        if (stated.channels.isEmpty() || !channels.containsAll(stated.channels)) {
            fields.add("channelPlan");
        }
        differs(fields, "destination", destination, stated.destination);
        differs(fields, "purpose", purpose, stated.purpose);
        differs(fields, "sendAttempt", sendAttempt, stated.sendAttempt);
        differs(fields, "expiresAt", expiresAt.toEpochMilli(), stated.expiresAt.toEpochMilli());
        differs(fields, "locale", locale, stated.locale);
        differs(fields, "amount", amount, stated.amount);
        differs(fields, "payee", payee, stated.payee);
        return fields;
    }

    static void differs(List<String> fields, String name, Object sealed, Object stated) {
        if (!Objects.equals(sealed, stated)) {
            fields.add(name);
        }
    }
}
