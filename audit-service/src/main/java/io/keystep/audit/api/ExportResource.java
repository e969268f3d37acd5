package io.keystep.audit.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.audit.config.AuditConfig;
import io.keystep.audit.domain.EventQuery;
import io.keystep.audit.domain.StoredEvent;
import io.keystep.audit.store.AuditEventStore;
import io.keystep.audit.store.DatabaseContext;
import io.keystep.kit.web.Caller;
import io.keystep.kit.web.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Streams every row of a search as NDJSON or CSV, newest first. Rows are read a page at a time by keyset and
 * written out before the next page is read, so memory does not grow with the number of rows. Runs on a worker
 * thread (the response body is a blocking stream); the database reads themselves run on a Vert.x context.
 */
@Path("/v1/audit/export")
@RolesAllowed(Roles.COMPLIANCE)
public class ExportResource {

    static final String NDJSON = "application/x-ndjson";
    static final String CSV = "text/csv";
    private static final String CSV_HEADER = "eventId,type,schemaVersion,occurredAt,tenantId,correlationId,userId,topic,payload\n";

    private final AuditEventStore store;
    private final AuditConfig config;
    private final DatabaseContext database;
    private final ObjectMapper mapper;
    private final Caller caller;
    private final MeterRegistry registry;

    public ExportResource(AuditEventStore store, AuditConfig config, DatabaseContext database, ObjectMapper mapper,
                          Caller caller, MeterRegistry registry) {
        this.registry = registry;
        this.caller = caller;
        this.store = store;
        this.config = config;
        this.database = database;
        this.mapper = mapper;
    }

    @GET
    public Response export(@HeaderParam(Caller.TENANT_HEADER) String tenantHeader,
                           @QueryParam("format") @Pattern(regexp = "\\s*(ndjson|csv)?\\s*",
                                   message = "must be ndjson or csv") String formatParam,
                           @BeanParam @Valid EventFilters filters) {
        String tenant = caller.tenant(Caller.TENANT_HEADER, tenantHeader);
        String format = formatParam == null || formatParam.isBlank() ? "ndjson" : formatParam.trim();
        EventQuery query = filters.query(tenant);
        boolean csv = format.equals("csv");
        StreamingOutput body = output -> {
            long[] written = {0};
            try {
                write(output, query, csv, written);
                exported(format, "completed", written[0]);
            } catch (java.io.IOException | RuntimeException e) {
                // the client went away or the database failed: counted, and the connection closes
                exported(format, "failed", written[0]);
                throw e;
            }
        };
        return Response.ok(body, csv ? CSV : NDJSON)
                .header("Content-Disposition", "attachment; filename=\"audit-" + query.tenantId() + "." + format + "\"")
                .build();
    }

    private void exported(String format, String outcome, long rows) {
        Counter.builder("keystep.audit.exports").description("exports streamed, by format and outcome")
                .tag("format", format).tag("outcome", outcome).register(registry).increment();
        Counter.builder("keystep.audit.export.rows").description("rows written by exports, by format")
                .tag("format", format).register(registry).increment(rows);
    }

    private void write(java.io.OutputStream output, EventQuery query, boolean csv, long[] written)
            throws java.io.IOException {
        Writer writer = new BufferedWriter(new OutputStreamWriter(output, StandardCharsets.UTF_8), 16 * 1024);
        if (csv) {
            writer.write(CSV_HEADER);
        }
        EventQuery page = query;
        int size = config.export().pageSize();
        while (true) {
            EventQuery current = page;
            List<StoredEvent> rows = database.await(() -> store.search(current, size), Duration.ofMinutes(1));
            for (StoredEvent row : rows) {
                writer.write(csv ? csvLine(row) : mapper.writeValueAsString(AuditEventView.of(row)) + "\n");
            }
            written[0] += rows.size();
            writer.flush();
            if (rows.size() < size) {
                break;
            }
            StoredEvent last = rows.get(rows.size() - 1);
            page = query.withBefore(new EventQuery.Position(last.occurredAt(), last.eventId()));
        }
        writer.flush();
    }

    private String csvLine(StoredEvent row) throws java.io.IOException {
        return String.join(",", row.eventId().toString(), csv(row.type()), Integer.toString(row.schemaVersion()),
                row.occurredAt().toString(), csv(row.tenantId()), csv(row.correlationId()), csv(row.userId()),
                csv(row.topic()), csv(mapper.writeValueAsString(row.payload()))) + "\n";
    }

    /** RFC 4180 quoting; a leading formula character is defused so that a spreadsheet does not run it. */
    static String csv(String value) {
        String text = value == null ? "" : value;
        if (!text.isEmpty() && "=+-@".indexOf(text.charAt(0)) >= 0) {
            text = "'" + text;
        }
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
            return "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }
}
