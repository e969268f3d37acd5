package io.keystep.kit.web.constraints;

import jakarta.validation.Constraint;
import jakarta.validation.OverridesAttribute;
import jakarta.validation.Payload;
import jakarta.validation.ReportAsSingleViolation;
import jakarta.validation.constraints.Pattern;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

/**
 * An id the platform gave out (a verification, a hold): 1-128 letters, digits, {@code .}, {@code _} or {@code -}.
 * A malformed id is refused as such rather than looked up. Absent is valid.
 */
@Documented
@Constraint(validatedBy = {})
@Target({FIELD, METHOD, PARAMETER, TYPE_USE})
@Retention(RUNTIME)
@ReportAsSingleViolation
@Pattern(regexp = OpaqueId.PATTERN)
public @interface OpaqueId {

    String PATTERN = "[A-Za-z0-9._-]{1,128}";

    @OverridesAttribute(constraint = Pattern.class, name = "message")
    String message() default "must be 1-128 letters, digits, '.', '_' or '-'";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};
}
