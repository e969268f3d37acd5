package io.keystep.challenge.api;

import io.keystep.challenge.domain.PhoneNumbers;
import io.keystep.events.Purpose;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import java.util.Locale;
import java.util.regex.Pattern;

import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

/**
 * The rules between the fields of a request to send a code: what {@code to} must be depends on the channel (and
 * is not judged when the channel is bad); an authenticator channel sends nothing, so it takes no {@code to} or
 * {@code codeLength} and needs the user; a transaction binds an amount and a payee, and no other purpose takes
 * them (not judged when the purpose is bad).
 */
@Documented
@Constraint(validatedBy = VerificationRequestRules.Check.class)
@Target(TYPE)
@Retention(RUNTIME)
@interface VerificationRequestRules {

    String message() default "breaks a rule between fields";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Names each field a rule refuses. */
    class Check implements ConstraintValidator<VerificationRequestRules, VerificationRequests.CreateVerificationRequest> {

        private static final Pattern LOCALE = Pattern.compile("[a-z]{2,3}(-[A-Za-z0-9]{2,8})?");
        private static final java.util.Set<String> SENDING = java.util.Set.of("sms", "whatsapp", "voice", "email",
                "auto");

        @Override
        public boolean isValid(VerificationRequests.CreateVerificationRequest body, ConstraintValidatorContext context) {
            if (body == null) {
                return true;
            }
            context.disableDefaultConstraintViolation();
            Refusals refusals = new Refusals(context);
            String channel = body.channel() == null ? null : body.channel().trim().toLowerCase(Locale.ROOT);
            if (body.authenticator()) {
                if (body.to() != null) {
                    refusals.refuse("to", "is not used for channel " + channel + ": nothing is sent");
                }
                if (body.userId() == null) {
                    refusals.refuse("userId", "is required for channel " + channel);
                }
                if (body.codeLength() != null) {
                    refusals.refuse("codeLength", "is set by the factor for channel " + channel);
                }
            } else {
                if (channel != null && SENDING.contains(channel)) {
                    destination(body.to(), channel, refusals);
                }
                // an authenticator verification has no message, so no language
                if (body.locale() != null && !LOCALE.matcher(body.locale()).matches()) {
                    refusals.refuse("locale", "must be a language tag such as en or pt-BR");
                }
            }
            binding(body, refusals);
            return refusals.none();
        }

        private static void destination(String raw, String channel, Refusals refusals) {
            String to = raw == null || raw.isBlank() ? null : raw.trim();
            if (to == null) {
                refusals.refuse("to", "is required");
            } else if ("email".equals(channel) || ("auto".equals(channel) && to.contains("@"))) {
                if (!VerificationRequests.isEmail(to)) {
                    refusals.refuse("to", "must be an email address for the email channel");
                }
            } else if (PhoneNumbers.toE164(to).isEmpty()) {
                refusals.refuse("to", "must be a phone number in international form, for example +15555550123");
            }
        }

        /** Amount and payee: required for a transaction, refused for any other purpose; left open for a bad one. */
        private static void binding(VerificationRequests.CreateVerificationRequest body, Refusals refusals) {
            Purpose purpose;
            try {
                purpose = VerificationRequests.purpose(body.purpose());
            } catch (IllegalArgumentException badPurpose) {
                return;
            }
            if (purpose == Purpose.TRANSACTION) {
                if (body.amount() == null || body.amount().isBlank()) {
                    refusals.refuse("amount", "is required for purpose transaction");
                } else if (!VerificationRequests.isAmount(body.amount())) {
                    refusals.refuse("amount", VerificationRequests.AMOUNT_MESSAGE);
                }
                if (body.payee() == null || body.payee().isBlank()) {
                    refusals.refuse("payee", "is required for purpose transaction");
                } else if (!VerificationRequests.isPayee(body.payee())) {
                    refusals.refuse("payee", VerificationRequests.PAYEE_MESSAGE);
                }
                return;
            }
            if (body.amount() != null) {
                refusals.refuse("amount", "is only for purpose transaction");
            }
            if (body.payee() != null) {
                refusals.refuse("payee", "is only for purpose transaction");
            }
        }
    }

    /** The violations one check adds, each on the field it names. */
    final class Refusals {

        private final ConstraintValidatorContext context;
        private boolean any;

        Refusals(ConstraintValidatorContext context) {
            this.context = context;
        }

        void refuse(String field, String message) {
            any = true;
            context.buildConstraintViolationWithTemplate(message.replace("{", "\\{").replace("$", "\\$"))
                    .addPropertyNode(field).addConstraintViolation();
        }

        boolean none() {
            return !any;
        }
    }
}
