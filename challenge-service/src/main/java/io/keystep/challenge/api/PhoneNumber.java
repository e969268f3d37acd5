package io.keystep.challenge.api;

import io.keystep.challenge.domain.PhoneNumbers;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

/** A phone number in international form that {@link PhoneNumbers} can bring to E.164; absent is valid. */
@Documented
@Constraint(validatedBy = PhoneNumber.Check.class)
@Target({FIELD, PARAMETER})
@Retention(RUNTIME)
@interface PhoneNumber {

    String message() default "must be a phone number in international form, for example +15555550123";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Whether the number has an E.164 form. */
    class Check implements ConstraintValidator<PhoneNumber, String> {
        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null || value.isBlank() || PhoneNumbers.toE164(value).isPresent();
        }
    }
}
