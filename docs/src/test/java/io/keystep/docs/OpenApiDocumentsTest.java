package io.keystep.docs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAPI documents in {@code docs/openapi/} are the ones the services serve: each build writes its service's
 * document to {@code <service>/target/openapi/}, and this test compares the copy kept here with it, so that a
 * gateway team generating a client from {@code docs/openapi/} gets the API as it is. Refresh the copies with
 * {@code ./keystep openapi}.
 */
class OpenApiDocumentsTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @ParameterizedTest
    @ValueSource(strings = {"risk-service", "challenge-service", "delivery-service", "audit-service"})
    void theKeptDocumentIsTheOneTheServiceServes(String service) throws IOException {
        Path generated = Path.of("..", service, "target", "openapi", "openapi.yaml");
        Path kept = Path.of("openapi", service + ".yaml");
        assertTrue(Files.exists(generated), service + "'s build writes " + generated);
        assertTrue(Files.exists(kept), "docs keep " + kept);
        JsonNode served = YAML.readTree(generated.toFile());
        assertEquals(served, YAML.readTree(kept.toFile()),
                kept + " is out of date: run ./keystep openapi after a build");
    }

    @ParameterizedTest
    @ValueSource(strings = {"risk-service", "challenge-service", "delivery-service", "audit-service"})
    void everyOperationNeedsABearerTokenUnlessItSaysWhyNot(String service) throws IOException {
        JsonNode document = YAML.readTree(Path.of("openapi", service + ".yaml").toFile());
        assertFalse(document.at("/components/securitySchemes").isMissingNode(), service + " declares its scheme");
        boolean globallySecured = document.path("security").size() > 0;
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (!op.getValue().isObject() || !op.getValue().has("responses")) {
                return;
            }
            boolean secured = globallySecured || op.getValue().path("security").size() > 0;
            boolean callback = path.getKey().contains("/providers/") || path.getKey().contains("/receipts");
            // The paired phone app holds no token: pairing is authorised by its single-use link, every other
            // request is signed by the device's key, which the operation declares.
            boolean deviceSigned = path.getKey().startsWith("/v1/push/") && (path.getKey().contains("/pairings/")
                    || op.getValue().path("parameters").toString().contains("Keystep-Signature"));
            assertTrue(secured || callback || deviceSigned, service + " " + op.getKey() + " " + path.getKey()
                    + " requires a bearer token, is a provider callback or is signed by a paired device");
        }));
    }
}
