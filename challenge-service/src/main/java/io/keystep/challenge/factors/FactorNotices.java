package io.keystep.challenge.factors;

import io.keystep.challenge.messaging.EventPublisher;
import io.keystep.challenge.store.PhoneEnrollmentRepository;
import io.keystep.events.Factor;
import io.keystep.events.FactorChanged;
import io.keystep.kit.formats.DeliverySeal;
import io.keystep.kit.formats.NoticeUse;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import io.keystep.kit.formats.NoticeHeaders;
import static io.keystep.kit.formats.NoticeHeaders.LOCALE;
import static io.keystep.kit.formats.NoticeHeaders.NOTICE;
import static io.keystep.kit.formats.NoticeHeaders.SUMMARY;
import static io.keystep.kit.formats.NoticeHeaders.TO;

/**
 * Out-of-band notices of factor changes (OWASP MFA cheat sheet: tell the user on another channel when a factor is
 * added or removed, recovery codes are made or used, a device is trusted or revoked, or sign-in is suspended or
 * re-enabled), so that a change the user did not make is noticed.
 *
 * <p>A notice travels as the change's own {@code factor.changed.v1} record with these Kafka headers, for the
 * delivery side to send (the event schema has no place for a destination):
 * <ul>
 *   <li>{@value NoticeHeaders#NOTICE} = {@code v1}: the record asks for a notice;</li>
 *   <li>{@value NoticeHeaders#SUMMARY}: what changed and when, in plain English, without label, code or secret;</li>
 *   <li>{@value NoticeHeaders#LOCALE}: the message language;</li>
 *   <li>{@value NoticeHeaders#TO}: the destinations, {@code SMS:+15555550123} separated by {@code ,}, sealed under the
 *   notice key ({@link DeliverySeal#sealNotice}, bound to the tenant, the event id, the user and the summary and
 *   language headers); absent when the user has no channel to tell.</li>
 * </ul>
 */
@ApplicationScoped
public class FactorNotices {

    private static final String LANGUAGE = "en";

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final EventPublisher publisher;
    private final PhoneEnrollmentRepository phones;
    private final DeliverySeal sealer;
    private final FactorMetrics metrics;

    public FactorNotices(EventPublisher publisher, PhoneEnrollmentRepository phones, DeliverySeal sealer,
                         FactorMetrics metrics) {
        this.publisher = publisher;
        this.phones = phones;
        this.sealer = sealer;
        this.metrics = metrics;
    }

    /** Publishes the change with a notice to the user's enrolled phone. */
    public Uni<Void> publish(String tenantId, Instant at, FactorChanged change) {
        return headers(tenantId, at, change).flatMap(headers -> publisher.factorChanged(tenantId, at, change, headers));
    }

    /**
     * Publishes the change with a notice to these phone numbers (E.164): the channels other than the one being
     * added, chosen by the caller when the change is about a phone itself.
     */
    public Uni<Void> publish(String tenantId, Instant at, FactorChanged change, List<String> destinations) {
        return publisher.factorChanged(tenantId, at, change, headers(tenantId, at, change, destinations));
    }

    /**
     * The notice headers of the change to the user's enrolled phone, as a function of the record's event id (for a
     * record written now and sent later, as the outbox does).
     */
    public Uni<Function<UUID, Map<String, String>>> headers(String tenantId, Instant at, FactorChanged change) {
        return phones.phoneOf(tenantId, change.userId())
                .map(phone -> headers(tenantId, at, change, phone.stream().toList()));
    }

    private Function<UUID, Map<String, String>> headers(String tenantId, Instant at, FactorChanged change,
                                                        List<String> destinations) {
        String summary = summary(change, at);
        return eventId -> {
            // Counted when the record is made, not when a change that may not happen is prepared.
            metrics.notice(tenantId, change.change().name().toLowerCase(Locale.ROOT),
                    destinations.isEmpty() ? "no_channel" : "requested");
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put(NOTICE, "v1");
            headers.put(SUMMARY, summary);
            headers.put(LOCALE, LANGUAGE);
            if (!destinations.isEmpty()) {
                headers.put(TO, sealer.sealNotice(
                        new NoticeUse(tenantId, eventId.toString(), change.userId(), summary, LANGUAGE),
                        String.join(",", destinations.stream().map(d -> "SMS:" + d).toList())));
            }
            return headers;
        };
    }

    /** What changed and when, for a person: no label (it is free text), no code, no secret. */
    static String summary(FactorChanged change, Instant at) {
        String when = WHEN.format(at);
        String what = what(change.factor());
        return switch (change.change()) {
            case ENROLLED -> "A new sign-in method (" + what + ") was set up for your account on " + when + ".";
            case ACTIVATED -> "A new sign-in method (" + what + ") was added to your account on " + when + ".";
            case REMOVED -> "A sign-in method (" + what + ") was removed from your account on " + when + ".";
            case RENAMED -> "A sign-in method (" + what + ") of your account was renamed on " + when + ".";
            case PREFERRED -> "Your preferred sign-in method became " + what + " on " + when + ".";
            case RECOVERY_CODES_GENERATED -> "New recovery codes were generated for your account on " + when
                    + "; the earlier ones no longer work.";
            case RECOVERY_CODE_USED -> "A recovery code of your account was used on " + when + ".";
            case DEVICE_TRUSTED -> "A device was set to skip two-step verification for your account on " + when + ".";
            case DEVICE_REVOKED -> "A trusted device was removed from your account on " + when + ".";
            case DEVICES_FORGOTTEN -> "Your account stopped trusting every device on " + when
                    + "; each must pass two-step verification again.";
            case SUSPENDED -> "Two-step verification for your account was suspended on " + when
                    + " after too many failed attempts.";
            case REENABLED -> "Two-step verification for your account was re-enabled on " + when + ".";
            case ACCOUNT_RECOVERY_OPENED -> "Support opened an account recovery for your account on " + when
                    + "; once approved and after a waiting period it lets a new sign-in method be added.";
            case ACCOUNT_RECOVERY_APPROVED -> "An account recovery for your account was approved on " + when
                    + "; after a waiting period it lets a new sign-in method be added. You can cancel it"
                    + " with any sign-in method you still have.";
            case ACCOUNT_RECOVERY_CANCELED -> "The account recovery for your account was canceled on " + when + ".";
            case ACCOUNT_RECOVERY_USED -> "An account recovery added a new sign-in method to your account on "
                    + when + ".";
            case CLONE_SUSPECTED -> "A sign-in method (" + what + ") of your account was used on " + when
                    + " in a way that suggests a copy of it exists.";
            case SIGN_IN_REPORTED -> "A sign-in to your account was denied as not yours on " + when
                    + " from " + what + "; it was stopped.";
        } + " If this was not you, contact support.";
    }

    private static String what(Factor factor) {
        if (factor == null) {
            return "a sign-in method";
        }
        return switch (factor) {
            case TOTP -> "an authenticator app";
            case HOTP -> "a hardware token";
            case SMS, WHATSAPP, VOICE -> "a phone number";
            case EMAIL -> "an email address";
            case RECOVERY_CODE -> "recovery codes";
            case PASSKEY -> "a passkey or security key";
            case PUSH -> "a phone paired for sign-in approval";
        };
    }
}
