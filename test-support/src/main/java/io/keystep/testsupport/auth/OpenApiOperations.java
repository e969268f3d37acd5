package io.keystep.testsupport.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.testsupport.ManagementPort;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every operation a running service documents in its OpenAPI document ({@code /q/openapi} of its management port), so that a test can
 * call each of them and none is forgotten when an endpoint is added.
 */
public final class OpenApiOperations {

    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");

    /** One documented operation. */
    public record Operation(String method, String pathTemplate, boolean hasBody) {

        /** The path with every {@code {parameter}} replaced by a well-formed sample value. */
        public String path() {
            return pathTemplate.replaceAll("\\{[^}/]+}", "probe-1");
        }

        @Override
        public String toString() {
            return method + " " + pathTemplate;
        }
    }

    private OpenApiOperations() {
    }

    /** The operations of the service under test, read from the OpenAPI document of its management interface. */
    public static List<Operation> fetch() {
        String json = ManagementPort.given().accept("application/json").get("/q/openapi?format=json")
                .then().statusCode(200).extract().asString();
        return parse(json);
    }

    public static List<Operation> parse(String openApiJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(openApiJson);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Operation> operations = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> paths = root.path("paths").fields();
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> path = paths.next();
            Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields();
            while (ops.hasNext()) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (METHODS.contains(op.getKey())) {
                    operations.add(new Operation(op.getKey().toUpperCase(Locale.ROOT), path.getKey(),
                            op.getValue().has("requestBody")));
                }
            }
        }
        return operations;
    }
}
