package io.keystep.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Grafana dashboard in {@code deploy/grafana/} queries only metrics the services register: every Prometheus
 * name a panel uses is found, in its Micrometer spelling, in some service's sources or the service kit's, which
 * every service runs (or comes from a library binder every service has: JVM, HTTP server, Kafka client). A renamed meter breaks this test, not a chart.
 */
class GrafanaDashboardTest {

    private static final Path DEPLOY = Path.of(".").toAbsolutePath().normalize();
    private static final Path ROOT = DEPLOY.getParent();
    private static final List<String> SOURCE_MODULES = List.of("risk-service", "challenge-service",
            "delivery-service", "audit-service", "service-kit");
    private static final List<String> BINDER_PREFIXES = List.of("jvm_", "http_server_", "kafka_consumer_",
            "kafka_producer_", "process_", "system_");
    private static final Pattern METRIC = Pattern.compile("\\b([a-z][a-z0-9_]*)(?=\\{|\\[|\\)|\\s|$)");
    private static final Set<String> PROMQL_WORDS = Set.of("sum", "by", "rate", "max", "avg", "min", "clamp_min",
            "histogram_quantile", "le", "topic", "client_id", "job", "status", "channel", "provider", "from", "to",
            "outcome", "decision", "reason", "kind", "limit", "type", "tenant", "area", "without", "on", "count");

    private final JsonNode dashboard = read();

    @Test
    void everyPanelQueriesPrometheusAndTheTenantVariableExists() {
        JsonNode panels = dashboard.path("panels");
        assertTrue(panels.size() >= 12, "panels: " + panels.size());
        for (JsonNode panel : panels) {
            assertFalse(panel.path("targets").isEmpty(), panel.path("title").asText() + " has queries");
            assertEquals("prometheus", panel.at("/datasource/type").asText());
        }
        List<String> variables = new ArrayList<>();
        dashboard.at("/templating/list").forEach(v -> variables.add(v.path("name").asText()));
        assertTrue(variables.containsAll(List.of("datasource", "tenant")), "variables: " + variables);
    }

    @Test
    void everyMetricAPanelUsesIsRegisteredBySomeService() {
        String sources = serviceSources();
        Set<String> unknown = new TreeSet<>();
        Set<String> metrics = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText().replaceAll("\"[^\"]*\"", "\"\"");
                Matcher m = METRIC.matcher(expr);
                while (m.find()) {
                    String name = m.group(1);
                    if (PROMQL_WORDS.contains(name) || name.matches("\\d.*")) {
                        continue;
                    }
                    metrics.add(name);
                    if (BINDER_PREFIXES.stream().noneMatch(name::startsWith)
                            && !sources.contains("\"" + micrometerName(name))) {
                        unknown.add(name + " (looked for \"" + micrometerName(name) + "\")");
                    }
                }
            }
        }
        assertTrue(metrics.contains("keystep_verifications_created_total"), "found the metrics: " + metrics);
        assertEquals(Set.of(), unknown, "metrics no service registers");
    }

    /** {@code keystep_delivery_provider_latency_seconds_sum} → {@code keystep.delivery.provider.latency}. */
    static String micrometerName(String prometheus) {
        return prometheus.replaceAll("_(total|seconds_sum|seconds_count|seconds_max|seconds_bucket|seconds)$", "")
                .replace('_', '.');
    }

    private static String serviceSources() {
        StringBuilder all = new StringBuilder();
        for (String service : SOURCE_MODULES) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(service).resolve("src/main/java"))) {
                files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                    try {
                        all.append(Files.readString(f)).append('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all.toString();
    }

    private static JsonNode read() {
        try {
            return new ObjectMapper().readTree(DEPLOY.resolve("grafana/keystep-dashboard.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
