package io.keystep.testsupport;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;

import java.util.List;

/**
 * The management interface of the service under test: health, metrics and the OpenAPI document listen there, not
 * on the API port RestAssured points at. Tests take a free port for it; the running application publishes the port
 * it got as {@code quarkus.management.test-port}.
 */
public final class ManagementPort {

    /** What the management interface serves, and the API port does not: liveness, metrics, the API description. */
    public static final List<String> PATHS = List.of("/q/health/live", "/q/metrics", "/q/openapi", "/q/swagger-ui/");

    private ManagementPort() {
    }

    /** The port the management interface of the running test application listens on. */
    public static int port() {
        int port = ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
        if (port <= 0) {
            throw new IllegalStateException("the management interface is not listening (quarkus.management.test-port="
                    + port + ")");
        }
        return port;
    }

    /** A request to the management interface, for example {@code ManagementPort.given().get("/q/metrics")}. */
    public static RequestSpecification given() {
        return RestAssured.given().baseUri("http://localhost").port(port());
    }
}
