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
 * A tenant's id for one of its users, as every service accepts it: 1-128 letters, digits or {@code ._@+-}
 * (an email address fits). Absent is valid; add {@code @NotNull} where it is required.
 */
@Documented
@Constraint(validatedBy = {})
@Target({FIELD, METHOD, PARAMETER, TYPE_USE})
@Retention(RUNTIME)
@ReportAsSingleViolation
@Pattern(regexp = UserId.PATTERN)
public @interface UserId {

    String PATTERN = "[\\p{Alnum}._@+-]{1,128}";

    @OverridesAttribute(constraint = Pattern.class, name = "message")
    String message() default "must be 1-128 letters, digits or ._@+-";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};
}
