package io.keystep.audit;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 1,000,000-row export in bounded memory. The rows are written straight into PostgreSQL (generate_series; an
 * export does not need a valid chain), then exported as NDJSON and CSV through HTTP; the client counts lines and
 * bytes and keeps nothing. While the body streams, the test forces a full GC at every fifth of the rows and records
 * the used heap (MemoryMXBean): the server runs in this JVM, so a server that buffered rows or the body would show
 * here. The largest growth over the heap before the export is compared with that of a 100,000-row export (a time
 * filter over the same tenant): buffering would make it about ten times as large (hundreds of MB), streaming keeps
 * it level.
 */
@QuarkusTest
class LargeExportTest {

    static final int ROWS = 1_000_000;
    static final int SMALL = 100_000;
    /** A tenth of what buffering the 900,000 extra rows would cost (their NDJSON alone is over 200 MB). */
    static final long ALLOWED_EXTRA_GROWTH = 48L * 1024 * 1024;

    @TestHTTPResource("/v1/audit/export")
    URL exportUrl;

    private final HttpClient client = HttpClient.newHttpClient();

    record Run(long lines, long bytes, long growth) {
    }

    @Test
    void aMillionRowExportStreamsWithoutGrowingTheHeapWithTheRowCount() throws Exception {
        String tenant = Trail.unique("big");
        Instant first = Instant.parse("2025-01-01T00:00:00Z");
        long started = System.nanoTime();
        Trail.insertRows(tenant, "u", ROWS, first, Instant.now());
        System.out.printf("export test: %d rows written in %d s%n", ROWS, (System.nanoTime() - started) / 1_000_000_000);
        // the newest SMALL rows: occurred-at of row g is first + (g - 1) s
        String newest = first.plusSeconds(ROWS - SMALL).toString();

        // the reference: the newest tenth of the rows, as NDJSON (the bigger of the two formats per row)
        Run small = export(tenant, "ndjson", newest, SMALL);
        assertEquals(SMALL, small.lines);
        for (String format : new String[]{"ndjson", "csv"}) {
            long t = System.nanoTime();
            Run all = export(tenant, format, null, ROWS);
            System.out.printf("export test: %d rows as %s, %d lines, %d bytes in %d ms; heap growth %d KB"
                            + " (%d rows as ndjson: %d KB)%n", ROWS, format, all.lines, all.bytes,
                    (System.nanoTime() - t) / 1_000_000, all.growth / 1024, SMALL, small.growth / 1024);
            assertEquals(ROWS + (format.equals("csv") ? 1 : 0), all.lines);
            assertTrue(all.bytes > 5 * small.bytes, "the full export carries all the rows");
            assertTrue(all.growth < Math.max(small.growth, 0) + ALLOWED_EXTRA_GROWTH,
                    format + ": heap grew by " + all.growth / 1024 + " KB for " + ROWS + " rows against "
                            + small.growth / 1024 + " KB for " + SMALL);
        }
    }

    private Run export(String tenant, String format, String from, long rows) throws Exception {
        String query = "?format=" + format + (from == null ? "" : "&from=" + URLEncoder.encode(from, StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(exportUrl + query)).header("Authorization", "Bearer " + io.keystep.testsupport.auth.Tokens.compliance(tenant))
                .timeout(Duration.ofMinutes(5)).build();
        long before = usedHeapAfterGc();
        long peak = before;
        long lines = 0;
        long bytes = 0;
        long sampleEvery = rows / 5;
        long nextSample = sampleEvery;
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        byte[] buffer = new byte[64 * 1024];
        try (InputStream body = response.body()) {
            int n;
            while ((n = body.read(buffer)) > 0) {
                bytes += n;
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
                if (lines >= nextSample) {
                    peak = Math.max(peak, usedHeapAfterGc());
                    nextSample += sampleEvery;
                }
            }
        }
        return new Run(lines, bytes, peak - before);
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
