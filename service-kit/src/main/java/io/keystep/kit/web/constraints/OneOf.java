package io.keystep.kit.web.constraints;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

/**
 * One of a closed set of words (a channel, a purpose, a reason), or of numbers ({@code @OneOf({"6", "8"})} on an
 * {@code Integer}). Absent is valid. With {@code ignoreCase}, the value is also read trimmed, as the services read it.
 */
@Documented
@Constraint(validatedBy = OneOf.Check.class)
@Target({FIELD, METHOD, PARAMETER, TYPE_USE})
@Retention(RUNTIME)
public @interface OneOf {

    /** The accepted values (lower case when {@code ignoreCase}). */
    String[] value();

    /** Whether {@code SMS } is read as {@code sms}. */
    boolean ignoreCase() default false;

    String message() default "must be one of {value}";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Compares the value's text with the accepted ones. */
    class Check implements ConstraintValidator<OneOf, Object> {

        private Set<String> accepted;
        private boolean ignoreCase;

        @Override
        public void initialize(OneOf annotation) {
            ignoreCase = annotation.ignoreCase();
            accepted = Arrays.stream(annotation.value()).map(v -> ignoreCase ? v.toLowerCase(Locale.ROOT) : v)
                    .collect(Collectors.toUnmodifiableSet());
        }

        @Override
        public boolean isValid(Object value, ConstraintValidatorContext context) {
            if (value == null) {
                return true;
            }
            String text = value.toString();
            return accepted.contains(ignoreCase ? text.trim().toLowerCase(Locale.ROOT) : text);
        }
    }
}
