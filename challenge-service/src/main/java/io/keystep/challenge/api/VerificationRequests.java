package io.keystep.challenge.api;

import io.keystep.challenge.domain.EmailAddresses;
import io.keystep.challenge.domain.PhoneNumbers;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.challenge.domain.VerificationRequest;
import io.keystep.events.Channel;
import io.keystep.events.Purpose;
import io.keystep.kit.web.ProblemException;
import io.keystep.kit.web.constraints.OneOf;
import io.keystep.kit.web.constraints.UserId;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * The Verify API's request to send a code, and how a valid one becomes a domain request. Bean Validation judges
 * it ({@link VerificationRequestRules} for the rules between fields); only what needs the tenant's settings (the
 * {@code auto} chain, the regions allowed) is judged here.
 */
final class VerificationRequests {

    static final Set<String> AUTHENTICATOR_CHANNELS = Set.of("totp", "hotp", "passkey", "push", "recovery_code");
    /** An amount as bound, surrounding blanks allowed: {@code 12.50} or {@code 12.50 EUR}. */
    static final String AMOUNT = "[\\x00-\\x20]*([0-9]{1,12}(?:\\.[0-9]{1,4})?)(?: ([A-Z]{3}))?[\\x00-\\x20]*";
    static final String AMOUNT_MESSAGE = "must be a decimal amount, optionally followed by a currency: 12.50 EUR";
    static final String PAYEE_MESSAGE = "must be 1-140 printable characters without '|'";
    private static final java.util.regex.Pattern AMOUNT_PATTERN = java.util.regex.Pattern.compile(AMOUNT);
    private static final java.util.regex.Pattern EMAIL =
            java.util.regex.Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,255}\\.[A-Za-z]{2,63}");

    private VerificationRequests() {
    }

    /**
     * The body of {@code POST /v1/verifications}. Whether {@code to}, {@code amount} and {@code payee} are needed
     * depends on {@code channel} and {@code purpose} ({@link VerificationRequestRules}).
     */
    @VerificationRequestRules
    record CreateVerificationRequest(
            String to,
            @NotBlank(message = "is required: sms, whatsapp, voice, email, auto, totp, hotp, passkey, push or"
                    + " recovery_code")
            @OneOf(value = {"sms", "whatsapp", "voice", "email", "auto", "totp", "hotp", "passkey", "push",
                    "recovery_code"},
                    ignoreCase = true,
                    message = "must be sms, whatsapp, voice, email, auto, totp, hotp, passkey, push or recovery_code")
            String channel,
            @UserId String userId,
            String locale,
            @OneOf(value = {"login", "signup", "transaction", "recovery", "factor_change"},
                    message = "must be login, signup, transaction, recovery or factor_change")
            String purpose,
            String amount,
            String payee,
            @Min(value = 4, message = "must be 4 to 10") @Max(value = 10, message = "must be 4 to 10")
            Integer codeLength,
            @io.keystep.kit.web.constraints.IpAddress String clientIp) {

        /** The channel as the API spells it, whatever the case and blanks it was sent with. */
        String normalChannel() {
            return channel.trim().toLowerCase(Locale.ROOT);
        }

        boolean authenticator() {
            return channel != null && AUTHENTICATOR_CHANNELS.contains(channel.trim().toLowerCase(Locale.ROOT));
        }
    }

    /** A valid request as the domain takes it; the destination is refused here if the tenant does not allow it. */
    static VerificationRequest toDomain(CreateVerificationRequest body, TenantSettings tenant) {
        String channel = body.normalChannel();
        Purpose purpose = purpose(body.purpose());
        String amount = purpose == Purpose.TRANSACTION ? presentedAmount(body.amount()) : null;
        String payee = purpose == Purpose.TRANSACTION ? body.payee().trim() : null;
        if (body.authenticator()) {
            return new VerificationRequest(null, channel, List.of(), body.userId(), "en", purpose, amount, payee,
                    tenant.codeLength());
        }
        String to = body.to().trim();
        List<Channel> plan = "auto".equals(channel) && to.contains("@") ? List.of(Channel.EMAIL)
                : channelPlan(channel, tenant.autoChannels());
        return new VerificationRequest(destination(to, plan, tenant), channel, plan, body.userId(),
                body.locale() == null ? "en" : body.locale(), purpose, amount, payee,
                codeLength(body.codeLength(), purpose, tenant));
    }

    /**
     * The digits of the code: as asked, if not below the tenant's minimum (6 unless the tenant set fewer itself;
     * always at least 6 for factor_change and recovery), else the tenant's length for the purpose.
     */
    private static int codeLength(Integer asked, Purpose purpose, TenantSettings tenant) {
        if (asked == null) {
            return tenant.codeLength(purpose);
        }
        int min = tenant.minCodeLength(purpose);
        if (asked < min) {
            throw ProblemException.invalid("codeLength", "must be at least " + min + (min > tenant.minCodeLength()
                    ? " for purpose " + purpose.name().toLowerCase(Locale.ROOT) : " (the tenant's minCodeLength)"));
        }
        return asked;
    }

    /** Where the code goes: the email address normalised, or the number in E.164 if the tenant allows its region. */
    private static String destination(String to, List<Channel> plan, TenantSettings tenant) {
        if (plan.contains(Channel.EMAIL)) {
            if (!isEmail(to)) {
                // only an operator's auto chain with email in it reaches here with a phone number
                throw ProblemException.invalid("to", "must be an email address for the email channel");
            }
            return EmailAddresses.normalised(to);
        }
        String e164 = PhoneNumbers.toE164(to).orElseThrow();
        if (!tenant.allowedCountries().isEmpty()) {
            String region = PhoneNumbers.region(e164).orElse("unknown");
            if (!tenant.allowsRegion(region)) {
                throw ProblemException.invalid("to", "is a number of region " + region
                        + ", which the tenant's allowedCountries do not include");
            }
        }
        return e164;
    }

    /** The channels to try for a valid channel name ({@code auto}: the tenant's chain). */
    static List<Channel> channelPlan(String channel, List<Channel> autoChannels) {
        return switch (channel.trim().toLowerCase(Locale.ROOT)) {
            case "sms" -> List.of(Channel.SMS);
            case "whatsapp" -> List.of(Channel.WHATSAPP);
            case "voice" -> List.of(Channel.VOICE);
            case "email" -> List.of(Channel.EMAIL);
            case "auto" -> autoChannels;
            default -> throw new IllegalArgumentException("not a sending channel: " + channel);
        };
    }

    /** The purpose a request names (absent means login); an unknown one is an IllegalArgumentException. */
    static Purpose purpose(String purpose) {
        if (purpose == null) {
            return Purpose.LOGIN;
        }
        if (!purpose.equals(purpose.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("not a purpose: " + purpose);
        }
        return Purpose.valueOf(purpose.toUpperCase(Locale.ROOT));
    }

    static boolean isEmail(String to) {
        return EMAIL.matcher(to).matches();
    }

    static boolean isAmount(String raw) {
        return AMOUNT_PATTERN.matcher(raw).matches();
    }

    /**
     * A payee as bound and presented: 1-140 printable characters without the '|' of the binding's format (the
     * rule {@code @PrintableText(max = 140, without = "|", trim = true)} states for a check).
     */
    static boolean isPayee(String raw) {
        String payee = raw.trim();
        return !payee.isEmpty() && payee.length() <= 140 && payee.chars().noneMatch(Character::isISOControl)
                && !payee.contains("|");
    }

    /**
     * A valid amount in one spelling ({@code 12.50 EUR} → {@code 12.5 EUR}), so that a binding does not depend on
     * how it was written; absent stays absent.
     */
    static String presentedAmount(String raw) {
        if (raw == null) {
            return null;
        }
        Matcher m = AMOUNT_PATTERN.matcher(raw);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a valid amount");
        }
        String number = new BigDecimal(m.group(1)).stripTrailingZeros().toPlainString();
        return m.group(2) == null ? number : number + " " + m.group(2);
    }

    /** The payee a valid request names, trimmed; absent stays absent. */
    static String presentedPayee(String raw) {
        return raw == null ? null : raw.trim();
    }
}
