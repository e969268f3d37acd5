package io.keystep.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.keystep.testsupport.ManagementPort;
import io.keystep.testsupport.auth.Callers;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conversion gauges of the last hour, by country and prefix, per tenant with the tenant's threshold and minimum
 * volume, computed by the scheduler and scraped from /q/metrics; a key without challenges any more loses its series;
 * and every metric the Prometheus rules name is one the service registers. Shares AuditIngestTest's boot.
 */
@QuarkusTest
class ConversionMetricsTest {

    private static final Path RULES = Path.of("..", "deploy", "prometheus", "keystep-alerts.yaml");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)}\\s+(\\S+)");
    /** Keywords, and aggregations (which may stand before their parenthesis, as in {@code max by (a) (x)}). */
    private static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan", "sum", "min", "max", "avg", "count", "group",
            "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values");

    @Test
    void theLastHoursConversionByCountryAndPrefixIsScrapedBesideTheTenantsThresholds() {
        String tenant = Trail.unique("gauge");
        Instant at = Instant.now().minusSeconds(600);
        List<String> france = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            france.add(challenge(tenant, "+3361****678", at, i == 0));
        }
        challenge(tenant, "+4915******678", at, true);
        challenge(tenant, "+4915******678", at, true);
        // and one an hour and more ago: not in the gauges' hour
        challenge(tenant, "+4477*****123", at.minusSeconds(3600), false);
        Callers.admin(tenant).contentType("application/json")
                .body("{\"conversionAlertThreshold\":0.4,\"conversionAlertMinVolume\":3}")
                .put("/v1/settings/audit").then().statusCode(200);

        Map<String, Double> gauges = await().atMost(AuditIngestTest.WAIT)
                .until(() -> samples(tenant), s -> s.containsKey("keystep_verification_conversion_threshold")
                        && Double.valueOf(0.4).equals(s.get("keystep_verification_conversion_threshold"))
                        && s.containsKey("keystep_verification_created|prefix|+3361"));
        assertEquals(1.0 / 3, gauges.get("keystep_verification_conversion_ratio|country|FR"), 1e-9);
        assertEquals(3.0, gauges.get("keystep_verification_created|country|FR"));
        assertEquals(1.0, gauges.get("keystep_verification_conversion_ratio|country|DE"));
        assertEquals(2.0, gauges.get("keystep_verification_created|country|DE"));
        assertEquals(1.0 / 3, gauges.get("keystep_verification_conversion_ratio|prefix|+3361"), 1e-9);
        assertEquals(2.0, gauges.get("keystep_verification_created|prefix|+4915"));
        assertEquals(3.0, gauges.get("keystep_verification_conversion_min_volume"));
        assertFalse(gauges.containsKey("keystep_verification_created|country|GB"), "an hour ago is not in the hour");
        assertEquals(10, gauges.size(), gauges.toString());

        // France's challenges leave the trail: its series go, Germany's stay
        Trail.execute("DELETE FROM audit_event WHERE tenant_id = ? AND payload ->> 'challengeId' IN (?, ?, ?)", tenant,
                france.get(0), france.get(1), france.get(2));
        Map<String, Double> after = await().atMost(AuditIngestTest.WAIT)
                .until(() -> samples(tenant), s -> !s.containsKey("keystep_verification_created|country|FR"));
        assertEquals(Set.of("keystep_verification_conversion_ratio|country|DE", "keystep_verification_created|country|DE",
                "keystep_verification_conversion_ratio|prefix|+4915", "keystep_verification_created|prefix|+4915",
                "keystep_verification_conversion_threshold", "keystep_verification_conversion_min_volume"),
                after.keySet());
    }

    @Test
    void everyMetricTheAlertRulesNameIsOneTheServiceRegisters() throws Exception {
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile());
        Map<String, JsonNode> alerts = new java.util.HashMap<>();
        rules.path("groups").forEach(g -> g.path("rules").forEach(r -> alerts.put(r.path("alert").asText(), r)));
        assertTrue(alerts.containsKey("KeystepConversionLow"), alerts.keySet().toString());
        JsonNode low = alerts.get("KeystepConversionLow");
        assertEquals("10m", low.path("for").asText());
        assertEquals(Set.of("keystep_verification_conversion_ratio", "keystep_verification_conversion_threshold",
                "keystep_verification_created", "keystep_verification_conversion_min_volume"),
                metricsOf(low.path("expr").asText()));

        // the conversion gauges exist once the scheduler has computed them for a tenant with challenges
        challenge(Trail.unique("rule"), "+3361****678", Instant.now().minusSeconds(60), false);
        Set<String> registered = await().atMost(AuditIngestTest.WAIT).until(ConversionMetricsTest::families,
                f -> f.contains("keystep_verification_conversion_min_volume"));
        for (JsonNode rule : alerts.values()) {
            for (String metric : metricsOf(rule.path("expr").asText())) {
                assertTrue(registered.contains(metric), rule.path("alert").asText() + " names " + metric
                        + ", which audit-service does not register");
            }
            assertFalse(rule.path("annotations").path("summary").asText().isBlank(), rule.toString());
        }
    }

    /** The metric names of a PromQL expression: identifiers that are no function, keyword, label or duration. */
    static Set<String> metricsOf(String expr) {
        String bare = expr.replaceAll("\"[^\"]*\"", "")
                .replaceAll("\\{[^}]*}", "")
                .replaceAll("\\[[^]]*]", "")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "$1");
        Set<String> metrics = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(bare);
        while (m.find()) {
            if (m.group(2) == null && !PROMQL_WORDS.contains(m.group(1).toLowerCase())) {
                metrics.add(m.group(1));
            }
        }
        return metrics;
    }

    /** The metric families of the scrape. */
    private static Set<String> families() {
        return scrape().lines().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")[2])
                .collect(Collectors.toSet());
    }

    /** The tenant's conversion samples: {@code name|dimension|key} (or the name alone) to value. */
    private static Map<String, Double> samples(String tenant) {
        Map<String, Double> found = new java.util.HashMap<>();
        for (String line : scrape().lines().toList()) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.find() || !m.group(1).startsWith("keystep_verification_")) {
                continue;
            }
            Map<String, String> labels = labels(m.group(2));
            if (!tenant.equals(labels.get("tenant"))) {
                continue;
            }
            String key = labels.containsKey("key") ? m.group(1) + "|" + labels.get("dimension") + "|" + labels.get("key")
                    : m.group(1);
            found.put(key, Double.parseDouble(m.group(3)));
        }
        return found;
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new java.util.HashMap<>();
        Matcher m = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(text);
        while (m.find()) {
            labels.put(m.group(1), m.group(2));
        }
        return labels;
    }

    private static String scrape() {
        return ManagementPort.given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** A challenge issued by SMS to the masked destination at {@code at}, approved ten seconds later when asked. */
    private static String challenge(String tenant, String masked, Instant at, boolean approved) {
        String id = Trail.unique("ch");
        insert(tenant, "challenge.issued", at, Trail.JSON.createObjectNode().put("challengeId", id)
                .put("destination", masked).set("channelPlan", Trail.JSON.createArrayNode().add("SMS")));
        if (approved) {
            insert(tenant, "verification.completed", at.plusSeconds(10), Trail.JSON.createObjectNode()
                    .put("challengeId", id).put("outcome", "APPROVED"));
        }
        return id;
    }

    /** A row of the trail written straight into the table, received now; no chain, as the gauges read none. */
    private static void insert(String tenant, String type, Instant at, JsonNode payload) {
        Trail.createPartition(Instant.now());
        Trail.execute("INSERT INTO audit_event (event_id, tenant_id, chain_seq, type, schema_version, occurred_at,"
                + " correlation_id, user_id, topic, \"partition\", \"offset\", received_at, payload, prev_hash, hash)"
                + " VALUES (gen_random_uuid(), ?, 0, ?, 1, ?, 'c', 'u', ?, 0, 0, now(), CAST(? AS jsonb), 'p', 'h')",
                tenant, type, java.sql.Timestamp.from(at), type + ".v1", payload.toString());
    }
}
