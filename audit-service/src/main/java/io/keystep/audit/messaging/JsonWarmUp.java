package io.keystep.audit.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.audit.domain.AuditEntry;
import io.keystep.audit.domain.EventTranslator;
import io.keystep.audit.domain.IncomingRecord;
import io.keystep.events.Envelope;
import io.keystep.events.EventSamples;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Map;

/**
 * As the service starts, translates one example of each event on a login's or a check's path ({@link EventSamples})
 * as it would a record of the trail, without storing it, with the mapper ingest uses: Jackson builds and caches each
 * type's mapping then, before readiness, instead of on the first real event (a few hundred milliseconds of a cold
 * JVM). An example that does not translate is logged; the start goes on.
 */
@ApplicationScoped
public class JsonWarmUp {

    private static final Logger LOG = Logger.getLogger(JsonWarmUp.class);

    void onStart(@Observes StartupEvent event, ObjectMapper mapper) {
        EventTranslator translator = new EventTranslator(mapper);
        for (Envelope<?> sample : EventSamples.all()) {
            try {
                AuditEntry entry = translator.translate(new IncomingRecord(EventSamples.TENANT, 0, 0, Instant.now(),
                        EventSamples.TENANT, mapper.writeValueAsString(sample), Map.of()));
                if (AuditEntry.MALFORMED.equals(entry.type())) {
                    LOG.warnf("The example of %s does not translate: %s", sample.type(), entry.payload());
                }
            } catch (Exception e) {
                LOG.warnf("The JSON mapping of %s could not be prepared at start: %s", sample.type(), e.toString());
            }
        }
    }
}
