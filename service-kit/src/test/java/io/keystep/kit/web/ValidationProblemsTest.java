package io.keystep.kit.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.keystep.kit.web.constraints.OneOf;
import io.keystep.kit.web.constraints.OpaqueId;
import io.keystep.kit.web.constraints.PrintableText;
import io.keystep.kit.web.constraints.UserId;
import jakarta.validation.Valid;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import org.hibernate.validator.HibernateValidator;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Refused fields are named as the client sent them, once each, in the order of the request. */
class ValidationProblemsTest {

    private final Validator validator = Validation.byProvider(HibernateValidator.class).configure()
            .messageInterpolator(new ParameterMessageInterpolator()).buildValidatorFactory().getValidator();

    /** A resource as the services write them: wire names that differ from the Java names. */
    public static class Resource {
        public void search(@QueryParam("from") @Pattern(regexp = "[0-9]+", message = "must be digits") String since,
                           @HeaderParam("Idempotency-Key") @Pattern(regexp = "k+", message = "must be k") String key,
                           @PathParam("userId") @UserId String user,
                           @PathParam("id") @OpaqueId String id,
                           @Valid Body body) {
        }
    }

    /** Query parameters grouped as a {@code @BeanParam}. */
    public record Window(@QueryParam("since") @Pattern(regexp = "[0-9]+", message = "must be digits") String start) {
    }

    public static class Search {
        public void search(@BeanParam @Valid Window window, @QueryParam("limit") @Min(1) Integer limit) {
        }
    }

    public record Body(@JsonProperty("display_name") @NotBlank(message = "is required")
                       @PrintableText(min = 3, max = 10) String displayName,
                       @OneOf(value = {"sms", "voice"}, ignoreCase = true) String channel,
                       @Valid Inner inner) {
    }

    public record Inner(@NotNull(message = "is required") @Min(value = 1, message = "must be at least 1") Integer count) {
    }

    @Test
    void parametersAreNamedByTheirWireNamesInTheirOrder() throws Exception {
        List<Problem.FieldError> errors = errors(new Resource(), "bad user", "a/b", "x", "yesterday",
                new Body("Jo Smith", "SMS ", new Inner(1)));
        assertEquals(List.of("from", "Idempotency-Key", "userId", "id"), fields(errors));
        assertEquals("must be 1-128 letters, digits or ._@+-", errors.get(2).message());
    }

    @Test
    void bodyFieldsAreNamedByTheirJsonNamesInDeclarationOrder() throws Exception {
        List<Problem.FieldError> errors = errors(new Resource(), "jo", "abc", "k", "1",
                new Body("x\u0007y", "pigeon", new Inner(0)));
        assertEquals(List.of("display_name", "channel", "inner.count"), fields(errors));
        assertEquals("must be 3-10 printable characters", errors.get(0).message());
    }

    @Test
    void aMissingFieldIsNamedOnceForItsAbsence() throws Exception {
        List<Problem.FieldError> errors = errors(new Resource(), "jo", "abc", "k", "1",
                new Body(" ", null, new Inner(null)));
        assertEquals(List.of(new Problem.FieldError("display_name", "is required"),
                new Problem.FieldError("inner.count", "is required")), errors);
    }

    @Test
    void aBodyValidatedOnItsOwnIsNamedByItsFields() {
        List<Problem.FieldError> errors = ValidationProblems.fieldErrors(
                validator.validate(new Body("Jo", "voice", new Inner(-1))));
        assertEquals(List.of("display_name", "inner.count"), fields(errors));
    }

    @Test
    void fieldsOfAParameterContainerAreNamedByTheirParameterNames() throws Exception {
        Method search = Search.class.getMethod("search", Window.class, Integer.class);
        List<Problem.FieldError> errors = ValidationProblems.fieldErrors(validator.forExecutables()
                .validateParameters(new Search(), search, new Object[]{new Window("monday"), 0}));
        assertEquals(List.of("since", "limit"), fields(errors));
    }

    private List<Problem.FieldError> errors(Resource resource, String user, String id, String key, String since,
                                            Body body) throws Exception {
        Method search = Resource.class.getMethod("search", String.class, String.class, String.class, String.class,
                Body.class);
        return ValidationProblems.fieldErrors(validator.forExecutables()
                .validateParameters(resource, search, new Object[]{since, key, user, id, body}));
    }

    private static List<String> fields(List<Problem.FieldError> errors) {
        return errors.stream().map(Problem.FieldError::field).toList();
    }
}
