package io.keystep.challenge.api;

import io.keystep.challenge.domain.PhoneNumbers;
import io.keystep.challenge.domain.VerificationRequest;
import io.keystep.events.Channel;
import io.keystep.events.Purpose;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Validates Verify API requests into domain requests; every failure names its field. */
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

    static VerificationRequest validate(CreateVerificationRequest body, io.keystep.challenge.domain.TenantSettings tenant) {
        if (body == null) {
            throw ProblemException.invalid("to", "is required");
        }
        if (body.channel() == null || body.channel().isBlank()) {
            throw ProblemException.invalid("channel",
                    "is required: sms, whatsapp, voice, email, auto, totp, hotp or recovery_code");
        }
        String channel = body.channel().trim().toLowerCase(Locale.ROOT);
        if (channel.equals("totp") || channel.equals("hotp") || channel.equals("recovery_code")) {
            return authenticator(body, channel, tenant);
        }
        if (body.to() == null || body.to().isBlank()) {
            throw ProblemException.invalid("to", "is required");
        }
        String to = body.to().trim();
        boolean email = to.contains("@");
        List<Channel> plan = switch (channel) {
            case "sms" -> List.of(Channel.SMS);
            case "whatsapp" -> List.of(Channel.WHATSAPP);
            case "voice" -> List.of(Channel.VOICE);
            case "email" -> List.of(Channel.EMAIL);
            case "auto" -> email ? List.of(Channel.EMAIL) : tenant.autoChannels();
            default -> throw ProblemException.invalid("channel", "must be sms, whatsapp, voice, email or auto");
        };
        String destination;
        if (plan.contains(Channel.EMAIL)) {
            if (!EMAIL.matcher(to).matches()) {
                throw ProblemException.invalid("to", "must be an email address for the email channel");
            }
            destination = to;
        } else {
            destination = PhoneNumbers.toE164(to).orElseThrow(() -> ProblemException.invalid("to",
                    "must be a phone number in international form, for example +15555550123"));
            if (!tenant.allowedCountries().isEmpty()) {
                String region = PhoneNumbers.region(destination).orElse("unknown");
                if (!tenant.allowsRegion(region)) {
                    throw ProblemException.invalid("to", "is a number of region " + region
                            + ", which the tenant's allowedCountries do not include");
                }
            }
        }
        String userId = body.userId();
        if (userId != null && !USER_ID.matcher(userId).matches()) {
            throw ProblemException.invalid("userId", "must be 1-128 letters, digits or ._@+-");
        }
        String locale = body.locale() == null ? "en" : body.locale();
        if (!LOCALE.matcher(locale).matches()) {
            throw ProblemException.invalid("locale", "must be a language tag such as en or pt-BR");
        }
        Binding binding = binding(body);
        int codeLength = body.codeLength() == null ? tenant.codeLength() : body.codeLength();
        if (codeLength < 4 || codeLength > 10) {
            throw ProblemException.invalid("codeLength", "must be 4 to 10");
        }
        return new VerificationRequest(destination, channel, plan, userId, locale, binding.purpose(), binding.amount(),
                binding.payee(), codeLength);
    }

    /**
     * A verification answered with the user's authenticator app: nothing is sent, so there is no {@code to};
     * the user is required (their active factor answers).
     */
    private static VerificationRequest authenticator(CreateVerificationRequest body, String channel,
                                                     io.keystep.challenge.domain.TenantSettings tenant) {
        if (body.to() != null) {
            throw ProblemException.invalid("to", "is not used for channel " + channel + ": nothing is sent");
        }
        if (body.userId() == null) {
            throw ProblemException.invalid("userId", "is required for channel " + channel);
        }
        if (!USER_ID.matcher(body.userId()).matches()) {
            throw ProblemException.invalid("userId", "must be 1-128 letters, digits or ._@+-");
        }
        if (body.codeLength() != null) {
            throw ProblemException.invalid("codeLength", "is set by the factor for channel " + channel);
        }
        Binding binding = binding(body);
        return new VerificationRequest(null, channel, List.of(), body.userId(), "en", binding.purpose(),
                binding.amount(), binding.payee(), tenant.codeLength());
    }

    /** What a code is bound to: its purpose and, for a transaction, the amount and payee (PSD2 dynamic linking). */
    private record Binding(Purpose purpose, String amount, String payee) {
    }

    /** The purpose, with amount and payee required for a transaction and refused for anything else. */
    private static Binding binding(CreateVerificationRequest body) {
        Purpose purpose = purpose(body.purpose());
        if (purpose == Purpose.TRANSACTION) {
            return new Binding(purpose, amount(body.amount(), "amount"), payee(body.payee(), "payee"));
        }
        if (body.amount() != null || body.payee() != null) {
            throw ProblemException.invalid(body.amount() != null ? "amount" : "payee",
                    "is only for purpose transaction");
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

    static Purpose purpose(String purpose) {
        if (purpose == null) {
            return Purpose.LOGIN;
        }
        return switch (purpose) {
            case "login" -> Purpose.LOGIN;
            case "signup" -> Purpose.SIGNUP;
            case "transaction" -> Purpose.TRANSACTION;
            case "recovery" -> Purpose.RECOVERY;
            case "factor_change" -> Purpose.FACTOR_CHANGE;
            default -> throw ProblemException.invalid("purpose",
                    "must be login, signup, transaction, recovery or factor_change");
        };
    }

    /** {@code 12.50 EUR} → {@code 12.5 EUR}: one spelling per amount, so that the binding does not depend on it. */
    static String amount(String raw, String field) {
        if (raw == null || raw.isBlank()) {
            throw ProblemException.invalid(field, "is required for purpose transaction");
        }
        Matcher m = AMOUNT.matcher(raw.trim());
        if (!m.matches()) {
            throw ProblemException.invalid(field, "must be a decimal amount, optionally followed by a currency: 12.50 EUR");
        }
        String number = new BigDecimal(m.group(1)).stripTrailingZeros().toPlainString();
        return m.group(2) == null ? number : number + " " + m.group(2);
    }

    static String payee(String raw, String field) {
        if (raw == null || raw.isBlank()) {
            throw ProblemException.invalid(field, "is required for purpose transaction");
        }
        String payee = raw.trim();
        if (payee.length() > 140 || payee.chars().anyMatch(Character::isISOControl) || payee.contains("|")) {
            throw ProblemException.invalid(field, "must be at most 140 printable characters without '|'");
        }
        return payee;
    }

    /** The amount a check presents, normalised like the bound one; absent stays absent. */
    static String presentedAmount(String raw) {
        if (raw == null) {
            return null;
        }
        Matcher m = AMOUNT.matcher(raw.trim());
        if (!m.matches()) {
            throw ProblemException.invalid("amount", "must be a decimal amount, optionally followed by a currency");
        }
        String number = new BigDecimal(m.group(1)).stripTrailingZeros().toPlainString();
        return m.group(2) == null ? number : number + " " + m.group(2);
    }

    static String presentedPayee(String raw) {
        return raw == null ? null : payee(raw, "payee");
    }
}
