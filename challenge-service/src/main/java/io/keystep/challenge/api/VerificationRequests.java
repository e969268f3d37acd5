package io.keystep.challenge.api;

import io.keystep.challenge.domain.PhoneNumbers;
import io.keystep.challenge.domain.TenantSettings;
import io.keystep.challenge.domain.VerificationRequest;
import io.keystep.events.Channel;
import io.keystep.events.Purpose;
import io.keystep.kit.web.ProblemException;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Validates Verify API requests into domain requests; a refusal names every bad field at once. */
final class VerificationRequests {

    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,255}\\.[A-Za-z]{2,63}");
    private static final Pattern AMOUNT = Pattern.compile("([0-9]{1,12}(?:\\.[0-9]{1,4})?)(?: ([A-Z]{3}))?");
    private static final Pattern LOCALE = Pattern.compile("[a-z]{2,3}(-[A-Za-z0-9]{2,8})?");
    private static final Pattern USER_ID = Pattern.compile("[\\p{Alnum}._@+-]{1,128}");

    private VerificationRequests() {
    }

    /** The body of {@code POST /v1/verifications}. */
    record CreateVerificationRequest(String to, String channel, String userId, String locale, String purpose,
                                     String amount, String payee, Integer codeLength) {
    }

    /**
     * Checks every field, refusing the request once with all that are bad. Whether {@code to}, {@code amount} and
     * {@code payee} are needed depends on {@code channel} and {@code purpose}, so they are judged only once those
     * are known.
     */
    static VerificationRequest validate(CreateVerificationRequest body, TenantSettings tenant, FieldErrors errors) {
        CreateVerificationRequest b = body != null ? body
                : new CreateVerificationRequest(null, null, null, null, null, null, null, null);
        String channel = b.channel() == null || b.channel().isBlank() ? errors.refuse("channel",
                "is required: sms, whatsapp, voice, email, auto, totp, hotp or recovery_code")
                : b.channel().trim().toLowerCase(Locale.ROOT);
        if (channel != null && AUTHENTICATOR_CHANNELS.contains(channel)) {
            return authenticator(b, channel, tenant, errors);
        }
        String to = b.to() == null || b.to().isBlank() ? null : b.to().trim();
        List<Channel> plan = channel == null ? null : switch (channel) {
            case "sms" -> List.of(Channel.SMS);
            case "whatsapp" -> List.of(Channel.WHATSAPP);
            case "voice" -> List.of(Channel.VOICE);
            case "email" -> List.of(Channel.EMAIL);
            case "auto" -> to != null && to.contains("@") ? List.of(Channel.EMAIL) : tenant.autoChannels();
            default -> errors.refuse("channel", "must be sms, whatsapp, voice, email, auto, totp, hotp or recovery_code");
        };
        String destination = plan == null ? null : destination(to, plan, tenant, errors);
        String userId = b.userId();
        if (userId != null && !USER_ID.matcher(userId).matches()) {
            errors.refuse("userId", "must be 1-128 letters, digits or ._@+-");
        }
        String locale = b.locale() == null ? "en" : b.locale();
        if (!LOCALE.matcher(locale).matches()) {
            errors.refuse("locale", "must be a language tag such as en or pt-BR");
        }
        Binding binding = binding(b, errors);
        int codeLength = b.codeLength() == null ? tenant.codeLength() : b.codeLength();
        if (codeLength < 4 || codeLength > 10) {
            errors.refuse("codeLength", "must be 4 to 10");
        }
        errors.check();
        return new VerificationRequest(destination, channel, plan, userId, locale, binding.purpose(), binding.amount(),
                binding.payee(), codeLength);
    }

    private static final java.util.Set<String> AUTHENTICATOR_CHANNELS = java.util.Set.of("totp", "hotp", "recovery_code");

    /** Where the code goes: an email address, or a phone number in E.164 that the tenant allows. */
    private static String destination(String to, List<Channel> plan, TenantSettings tenant, FieldErrors errors) {
        if (to == null) {
            return errors.refuse("to", "is required");
        }
        if (plan.contains(Channel.EMAIL)) {
            return EMAIL.matcher(to).matches() ? to
                    : errors.refuse("to", "must be an email address for the email channel");
        }
        String e164 = PhoneNumbers.toE164(to).orElse(null);
        if (e164 == null) {
            return errors.refuse("to", "must be a phone number in international form, for example +15555550123");
        }
        if (!tenant.allowedCountries().isEmpty()) {
            String region = PhoneNumbers.region(e164).orElse("unknown");
            if (!tenant.allowsRegion(region)) {
                return errors.refuse("to", "is a number of region " + region
                        + ", which the tenant's allowedCountries do not include");
            }
        }
        return e164;
    }

    /**
     * A verification answered with the user's authenticator app: nothing is sent, so there is no {@code to};
     * the user is required (their active factor answers).
     */
    private static VerificationRequest authenticator(CreateVerificationRequest body, String channel,
                                                     TenantSettings tenant, FieldErrors errors) {
        if (body.to() != null) {
            errors.refuse("to", "is not used for channel " + channel + ": nothing is sent");
        }
        if (body.userId() == null) {
            errors.refuse("userId", "is required for channel " + channel);
        } else if (!USER_ID.matcher(body.userId()).matches()) {
            errors.refuse("userId", "must be 1-128 letters, digits or ._@+-");
        }
        if (body.codeLength() != null) {
            errors.refuse("codeLength", "is set by the factor for channel " + channel);
        }
        Binding binding = binding(body, errors);
        errors.check();
        return new VerificationRequest(null, channel, List.of(), body.userId(), "en", binding.purpose(),
                binding.amount(), binding.payee(), tenant.codeLength());
    }

    /** What a code is bound to: its purpose and, for a transaction, the amount and payee (PSD2 dynamic linking). */
    private record Binding(Purpose purpose, String amount, String payee) {
    }

    /**
     * The purpose, with amount and payee required for a transaction and refused for anything else; with a bad
     * purpose, whether they belong is left open.
     */
    private static Binding binding(CreateVerificationRequest body, FieldErrors errors) {
        Purpose purpose = purpose(body.purpose(), errors);
        if (purpose == Purpose.TRANSACTION) {
            return new Binding(purpose, amount(body.amount(), errors), payee(body.payee(), errors));
        }
        if (purpose != null && body.amount() != null) {
            errors.refuse("amount", "is only for purpose transaction");
        }
        if (purpose != null && body.payee() != null) {
            errors.refuse("payee", "is only for purpose transaction");
        }
        return new Binding(purpose, null, null);
    }

    static List<Channel> channelPlan(String channel, List<Channel> autoChannels) {
        return switch (channel.trim().toLowerCase(Locale.ROOT)) {
            case "sms" -> List.of(Channel.SMS);
            case "whatsapp" -> List.of(Channel.WHATSAPP);
            case "voice" -> List.of(Channel.VOICE);
            case "email" -> List.of(Channel.EMAIL);
            case "auto" -> autoChannels;
            default -> throw ProblemException.invalid("channel", "must be sms, whatsapp, voice, email or auto");
        };
    }

    private static Purpose purpose(String purpose, FieldErrors errors) {
        if (purpose == null) {
            return Purpose.LOGIN;
        }
        return switch (purpose) {
            case "login" -> Purpose.LOGIN;
            case "signup" -> Purpose.SIGNUP;
            case "transaction" -> Purpose.TRANSACTION;
            case "recovery" -> Purpose.RECOVERY;
            case "factor_change" -> Purpose.FACTOR_CHANGE;
            default -> errors.refuse("purpose", "must be login, signup, transaction, recovery or factor_change");
        };
    }

    /** The bound amount, required for a transaction. */
    private static String amount(String raw, FieldErrors errors) {
        return raw == null || raw.isBlank() ? errors.refuse("amount", "is required for purpose transaction")
                : presentedAmount(raw, errors);
    }

    /** The bound payee, required for a transaction. */
    private static String payee(String raw, FieldErrors errors) {
        return raw == null || raw.isBlank() ? errors.refuse("payee", "is required for purpose transaction")
                : presentedPayee(raw, errors);
    }

    /**
     * An amount in one spelling ({@code 12.50 EUR} → {@code 12.5 EUR}), so that a binding does not depend on how
     * it was written; absent stays absent.
     */
    static String presentedAmount(String raw, FieldErrors errors) {
        if (raw == null) {
            return null;
        }
        Matcher m = AMOUNT.matcher(raw.trim());
        if (!m.matches()) {
            return errors.refuse("amount", "must be a decimal amount, optionally followed by a currency: 12.50 EUR");
        }
        String number = new BigDecimal(m.group(1)).stripTrailingZeros().toPlainString();
        return m.group(2) == null ? number : number + " " + m.group(2);
    }

    /** A payee as bound and presented: trimmed, printable; absent stays absent. */
    static String presentedPayee(String raw, FieldErrors errors) {
        if (raw == null) {
            return null;
        }
        String payee = raw.trim();
        if (payee.isEmpty() || payee.length() > 140 || payee.chars().anyMatch(Character::isISOControl)
                || payee.contains("|")) {
            return errors.refuse("payee", "must be 1-140 printable characters without '|'");
        }
        return payee;
    }
}
