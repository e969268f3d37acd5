package io.keystep.console.screens;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keystep.console.session.CurrentSession;
import io.keystep.console.session.Session;
import io.keystep.console.web.Api;
import io.keystep.console.web.Api.Service;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The analysts' screen: challenge rate, verification conversion by channel, country, provider and number prefix,
 * time to verify, fallbacks, lockouts, send-limit hits, risk reasons, experiment arms and the month's delivery cost,
 * as charts and tables over a chosen period, with the tenant's low-conversion alerts on top. Every figure is
 * audit-service's and delivery-service's; the console computes none.
 */
@Path("/analytics")
@Produces(MediaType.TEXT_HTML)
public class AnalyticsScreen {

    /** The periods offered, as their length. */
    static final Map<String, Duration> PERIODS = new LinkedHashMap<>();

    static {
        PERIODS.put("24h", Duration.ofHours(24));
        PERIODS.put("7d", Duration.ofDays(7));
        PERIODS.put("30d", Duration.ofDays(30));
    }

    @TemplateData
    public record Figure(String label, String value) {
    }

    @TemplateData
    public record Breakdown(String key, long created, long approved, String conversion) {
    }

    @TemplateData
    public record Count(String key, long count) {
    }

    @TemplateData
    public record Alert(String dimension, String key, long created, long approved, String conversion,
                        String threshold) {
    }

    @TemplateData
    public record Cost(String provider, String country, String amount) {
    }

    /** The figures of a period as the page lays them out; {@code chartData} feeds the charts. */
    @TemplateData
    public record View(List<Figure> figures, List<Alert> alerts, List<Breakdown> byChannel,
                       List<Breakdown> byCountry, List<Breakdown> byProvider, List<Breakdown> byPrefix,
                       List<Count> sendLimits, List<Count> riskReasons, List<Count> experimentArms,
                       List<Cost> costs, String costTotal, String chartData) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance analytics(Session session, String period, List<String> periods, String from,
                                                 String to, View view, Outcome outcome);
    }

    private final Api api;
    private final CurrentSession current;
    private final ObjectMapper json;
    private final Clock clock = Clock.systemUTC();

    public AnalyticsScreen(Api api, CurrentSession current, ObjectMapper json) {
        this.api = api;
        this.current = current;
        this.json = json;
    }

    @GET
    public Uni<TemplateInstance> analytics(@QueryParam("period") String period, @QueryParam("from") String from,
                                           @QueryParam("to") String to) {
        Session session = current.get(Session.Screen.ANALYTICS);
        String chosen = PERIODS.containsKey(period) ? period : "7d";
        Map<String, String> query = new LinkedHashMap<>();
        String start = Forms.instant(from);
        String end = Forms.instant(to);
        if (start == null && end == null) {
            Instant now = clock.instant().truncatedTo(ChronoUnit.MINUTES);
            start = now.minus(PERIODS.get(chosen)).toString();
        } else {
            chosen = "custom";
        }
        query.put("from", start);
        query.put("to", end);
        YearMonth month = YearMonth.now(clock.withZone(ZoneOffset.UTC));
        Uni<Api.Reply> figures = api.get(session, Service.AUDIT, "/v1/audit/analytics", query);
        Uni<Api.Reply> costs = api.get(session, Service.DELIVERY, "/v1/costs", Map.of("month", month.toString()));
        String shownPeriod = chosen;
        String shownFrom = Forms.local(start);
        String shownTo = Forms.local(end);
        return Uni.combine().all().unis(figures, costs).asTuple().map(replies -> {
            Api.Reply analytics = replies.getItem1();
            Api.Reply cost = replies.getItem2();
            Outcome outcome = !analytics.ok() ? Outcome.of(analytics) : Outcome.of(cost);
            View view = analytics.ok() ? view(analytics.json(), cost.ok() ? cost.json() : null) : null;
            return Templates.analytics(session, shownPeriod, List.copyOf(PERIODS.keySet()), shownFrom, shownTo,
                    view, outcome);
        });
    }

    private View view(JsonNode a, JsonNode cost) {
        List<Figure> figures = new ArrayList<>();
        figures.add(new Figure("Logins", count(a, "logins")));
        figures.add(new Figure("Challenge rate", percent(a.get("challengeRate"))));
        figures.add(new Figure("Verifications created", count(a, "created")));
        figures.add(new Figure("Conversion", percent(a.get("conversion"))));
        JsonNode ttv = a.path("timeToVerify");
        figures.add(new Figure("Time to verify, median", seconds(ttv.get("p50Seconds"))));
        figures.add(new Figure("Time to verify, 90th percentile", seconds(ttv.get("p90Seconds"))));
        figures.add(new Figure("Fallbacks", count(a, "fallbacks")));
        figures.add(new Figure("Lockouts", count(a, "lockouts")));
        List<Alert> alerts = new ArrayList<>();
        a.path("alerts").forEach(al -> alerts.add(new Alert(al.path("dimension").asText(), al.path("key").asText(),
                al.path("created").asLong(), al.path("approved").asLong(), percent(al.get("conversion")),
                percent(al.get("threshold")))));
        List<Cost> costs = new ArrayList<>();
        String total = null;
        if (cost != null) {
            String currency = cost.path("currency").asText("");
            cost.path("costs").forEach(c -> costs.add(new Cost(c.path("provider").asText(), c.path("country").asText(),
                    c.path("amount").asText() + " " + currency)));
            total = cost.path("total").asText("0") + " " + currency + " (" + cost.path("month").asText() + ")";
            figures.add(new Figure("Delivery cost this month", total));
        }
        ObjectNode chart = json.createObjectNode();
        chart.set("series", a.path("series"));
        chart.set("byCountry", a.path("byCountry"));
        chart.set("byChannel", a.path("byChannel"));
        chart.set("byProvider", a.path("byProvider"));
        chart.set("byPrefix", a.path("byPrefix"));
        chart.set("riskReasons", a.path("riskReasons"));
        String chartData;
        try {
            // inside <script type="application/json">: no "<" may close the element early
            chartData = json.writeValueAsString(chart).replace("<", "\\u003c");
        } catch (JsonProcessingException e) {
            chartData = "{}";
        }
        return new View(figures, alerts, breakdown(a.path("byChannel")), breakdown(a.path("byCountry")),
                breakdown(a.path("byProvider")), breakdown(a.path("byPrefix")), counts(a.path("sendLimits")),
                counts(a.path("riskReasons")), arms(a.path("experimentArms")), costs, total, chartData);
    }

    private static List<Breakdown> breakdown(JsonNode rows) {
        List<Breakdown> list = new ArrayList<>();
        rows.forEach(r -> list.add(new Breakdown(r.path("key").asText(), r.path("created").asLong(),
                r.path("approved").asLong(), percent(r.get("conversion")))));
        return list;
    }

    private static List<Count> counts(JsonNode map) {
        List<Count> list = new ArrayList<>();
        map.fields().forEachRemaining(e -> list.add(new Count(e.getKey(), e.getValue().asLong())));
        list.sort((x, y) -> Long.compare(y.count(), x.count()));
        return list;
    }

    private static List<Count> arms(JsonNode arms) {
        List<Count> list = new ArrayList<>();
        arms.forEach(arm -> list.add(new Count(arm.path("experimentId").asText() + " / " + arm.path("arm").asText()
                + " (challenged " + arm.path("challenged").asLong() + ")", arm.path("logins").asLong())));
        return list;
    }

    private static String count(JsonNode a, String field) {
        return a.hasNonNull(field) ? String.format(Locale.ROOT, "%,d", a.get(field).asLong()) : "–";
    }

    static String percent(JsonNode rate) {
        return rate == null || rate.isNull() ? "–" : String.format(Locale.ROOT, "%.1f %%", rate.asDouble() * 100);
    }

    private static String seconds(JsonNode value) {
        return value == null || value.isNull() ? "–" : String.format(Locale.ROOT, "%.1f s", value.asDouble());
    }
}
