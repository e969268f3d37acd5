package io.keystep.challenge.api;

import io.keystep.kit.web.constraints.OneOf;
import io.keystep.kit.web.constraints.PrintableText;
import jakarta.validation.Constraint;
import jakarta.validation.Payload;
import jakarta.validation.ReportAsSingleViolation;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Null;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.groups.Default;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The bodies of the factor endpoints ({@link FactorResource}), with the rules each field follows. */
final class FactorRequests {

    static final String CODE = "must be 6 or 8 digits";

    private FactorRequests() {
    }

    /**
     * What to enroll; every field optional (SHA1, 6 digits, 30 s). The period is judged by the kind enrolled
     * ({@link Totp}, {@link Hotp}).
     */
    public record EnrollRequest(
            @Pattern(regexp = "(?i)SHA-?(1|256|512)", message = "must be SHA1, SHA256 or SHA512") String algorithm,
            @OneOf(value = {"6", "8"}, message = "must be 6 or 8") Integer digits,
            @Min(value = 15, groups = Totp.class, message = "must be 15 to 300 seconds")
            @Max(value = 300, groups = Totp.class, message = "must be 15 to 300 seconds")
            @Null(groups = Hotp.class, message = "is only for totp") Integer period,
            @Label String label) {

        /** The rules of a TOTP enrollment, besides the common ones. */
        public interface Totp extends Default {
        }

        /** The rules of an HOTP enrollment, besides the common ones. */
        public interface Hotp extends Default {
        }
    }

    /** A factor's name as the authenticator app shows it: printable, and without the ':' of its otpauth label. */
    @Documented
    @Constraint(validatedBy = {})
    @Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
    @Retention(RetentionPolicy.RUNTIME)
    @ReportAsSingleViolation
    @PrintableText(max = 64, without = ":")
    public @interface Label {
        String message() default "must be 1-64 printable characters without ':'";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};
    }

    /** A first code from the authenticator. */
    public record CodeRequest(@NotNull(message = CODE) @Pattern(regexp = "[0-9]{6,8}", message = CODE) String code) {
    }

    /** Two consecutive codes, to find where an HOTP counter stands. */
    public record ResyncRequest(@NotNull(message = CODE) @Pattern(regexp = "[0-9]{6,8}", message = CODE) String firstCode,
                                @NotNull(message = CODE) @Pattern(regexp = "[0-9]{6,8}", message = CODE)
                                String secondCode) {
    }

    /** A rename and/or making the factor the preferred one. */
    public record UpdateRequest(@Label String label,
                                @AssertTrue(message = "can only be set to true (prefer another factor instead)")
                                Boolean preferred) {
    }
}
