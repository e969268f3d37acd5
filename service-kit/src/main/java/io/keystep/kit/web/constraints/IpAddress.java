package io.keystep.kit.web.constraints;

import io.keystep.kit.web.ClientAddresses;
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
 * An IP address literal, IPv4 ({@code 203.0.113.7}) or IPv6 ({@code 2001:db8::7}), without port or brackets; a host
 * name is refused, never looked up. Absent is valid.
 */
@Documented
@Constraint(validatedBy = IpAddress.Check.class)
@Target({FIELD, METHOD, PARAMETER, TYPE_USE})
@Retention(RUNTIME)
public @interface IpAddress {

    String message() default "must be an IPv4 or IPv6 address such as 203.0.113.7 or 2001:db8::7";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Check implements ConstraintValidator<IpAddress, String> {

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null || (!value.startsWith("[") && ClientAddresses.literal(value).isPresent());
        }
    }
}
