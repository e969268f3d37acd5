package io.keystep.kit.web.constraints;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

/**
 * Text a person typed that goes on into a screen, a log or an audit trail: not blank, {@code min} to {@code max}
 * characters (once trimmed, with {@code trim}), no control character (a line break could forge a log line) and none of
 * {@code without} (a separator of the format it goes into). Absent is valid.
 */
@Documented
@Constraint(validatedBy = PrintableText.Check.class)
@Target({FIELD, METHOD, PARAMETER, TYPE_USE})
@Retention(RUNTIME)
public @interface PrintableText {

    int min() default 1;

    int max();

    /** Characters refused besides control characters. */
    String without() default "";

    /** Whether the length is the trimmed text's (for text stored trimmed). */
    boolean trim() default false;

    /** Whether control characters are allowed (for opaque values a client computed, like a fingerprint). */
    boolean controls() default false;

    String message() default "must be {min}-{max} printable characters";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Judges the text as the services store it: trimmed. */
    class Check implements ConstraintValidator<PrintableText, String> {

        private PrintableText rule;

        @Override
        public void initialize(PrintableText annotation) {
            rule = annotation;
        }

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            if (value == null) {
                return true;
            }
            int length = rule.trim() ? value.trim().length() : value.length();
            return !value.isBlank() && length >= rule.min() && length <= rule.max()
                    && (rule.controls() || value.chars().noneMatch(Character::isISOControl))
                    && value.chars().noneMatch(c -> rule.without().indexOf(c) >= 0);
        }
    }
}
