package io.keystep.challenge.messaging;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Envelope;
import io.keystep.events.EventSamples;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * As the service starts, writes and reads back one example of each event on a login's or a check's path
 * ({@link EventSamples}) with the mapper every consumer and publisher uses: Jackson builds and caches each type's
 * mapping then, before readiness, instead of on the first real event (a few hundred milliseconds of a cold JVM). An
 * example that fails is logged and skipped; the start goes on.
 */
@ApplicationScoped
public class JsonWarmUp {

    private static final Logger LOG = Logger.getLogger(JsonWarmUp.class);

    void onStart(@Observes StartupEvent event, ObjectMapper mapper) {
        for (Envelope<?> sample : EventSamples.all()) {
            try {
                JavaType type = mapper.getTypeFactory().constructParametricType(Envelope.class,
                        sample.payload().getClass());
                mapper.readValue(mapper.writeValueAsString(sample), type);
            } catch (Exception e) {
                LOG.warnf("The JSON mapping of %s could not be prepared at start: %s", sample.type(), e.toString());
            }
        }
    }
}
