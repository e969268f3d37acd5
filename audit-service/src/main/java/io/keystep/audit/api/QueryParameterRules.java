package io.keystep.audit.api;

import org.eclipse.microprofile.config.ConfigProvider;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;
import java.time.Instant;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

/** The rules of the query parameters the audit endpoints share, as Bean Validation constraints; absent is valid. */
final class QueryParameterRules {

    private QueryParameterRules() {
    }

    /** A point in time as {@link RequestParameters#instant} reads it. */
    @Documented
    @Constraint(validatedBy = DateTime.Check.class)
    @Target({FIELD, PARAMETER})
    @Retention(RUNTIME)
    @interface DateTime {
        String message() default "must be an ISO-8601 date-time such as 2026-03-01T00:00:00Z";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};

        class Check implements ConstraintValidator<DateTime, String> {
            @Override
            public boolean isValid(String value, ConstraintValidatorContext context) {
                try {
                    RequestParameters.instant(value);
                    return true;
                } catch (RuntimeException notADateTime) {
                    return false;
                }
            }
        }
    }

    /** A cursor this API gave out (the {@code X-Next-Cursor} of a page). */
    @Documented
    @Constraint(validatedBy = Cursor.Check.class)
    @Target({FIELD, PARAMETER})
    @Retention(RUNTIME)
    @interface Cursor {
        String message() default "is not a cursor this API gave out";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};

        class Check implements ConstraintValidator<Cursor, String> {
            @Override
            public boolean isValid(String value, ConstraintValidatorContext context) {
                try {
                    RequestParameters.position(value);
                    return true;
                } catch (RuntimeException notACursor) {
                    return false;
                }
            }
        }
    }

    /** A page size from 1 to {@code max}, or when {@code max} is 0 to the configured {@code query.max-limit}. */
    @Documented
    @Constraint(validatedBy = PageLimit.Check.class)
    @Target({FIELD, PARAMETER})
    @Retention(RUNTIME)
    @interface PageLimit {
        int max() default 0;

        String message() default "must be between 1 and {max}";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};

        /**
         * One per constraint (it keeps that constraint's maximum). The configured maximum is read from the
         * configuration when the constraint is first used: the validator factory is built before configuration
         * mappings such as {@code AuditConfig} can be injected.
         */
        class Check implements ConstraintValidator<PageLimit, String> {

            private int max;

            @Override
            public void initialize(PageLimit annotation) {
                max = annotation.max() > 0 ? annotation.max() : ConfigProvider.getConfig()
                        .getValue("keystep.audit.query.max-limit", Integer.class);
            }

            @Override
            public boolean isValid(String value, ConstraintValidatorContext context) {
                Integer limit;
                try {
                    limit = RequestParameters.limit(value);
                } catch (NumberFormatException e) {
                    return refuse(context, "must be a whole number");
                }
                return limit == null || (limit >= 1 && limit <= max)
                        || refuse(context, "must be between 1 and " + max);
            }

            private static boolean refuse(ConstraintValidatorContext context, String message) {
                context.disableDefaultConstraintViolation();
                context.buildConstraintViolationWithTemplate(message).addConstraintViolation();
                return false;
            }
        }
    }

    /** A period's end after its start, judged when both are valid; the end is named. */
    @Documented
    @Constraint(validatedBy = FromBeforeTo.Check.class)
    @Target(TYPE)
    @Retention(RUNTIME)
    @interface FromBeforeTo {
        String message() default "must be after from";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};

        class Check implements ConstraintValidator<FromBeforeTo, EventFilters> {
            @Override
            public boolean isValid(EventFilters filters, ConstraintValidatorContext context) {
                Instant from;
                Instant to;
                try {
                    from = RequestParameters.instant(filters.from());
                    to = RequestParameters.instant(filters.to());
                } catch (RuntimeException judgedByDateTime) {
                    return true;
                }
                if (from == null || to == null || from.isBefore(to)) {
                    return true;
                }
                context.disableDefaultConstraintViolation();
                context.buildConstraintViolationWithTemplate(context.getDefaultConstraintMessageTemplate())
                        .addPropertyNode("to").addConstraintViolation();
                return false;
            }
        }
    }
}
