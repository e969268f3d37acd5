package io.keystep.kit.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.EventSamples;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Prepares, as a service starts, the JSON mapping of every event on a login's or a check's path, with the mapper its
 * consumers and publishers use ({@link EventSamples#prepare}): Jackson builds and caches each type's mapping before
 * the service reports ready instead of on the first real event. All events, not only those the service handles, so
 * that one list for all services cannot fall out of step. A type that fails is logged; the start goes on.
 */
@ApplicationScoped
public class JsonWarmUp {

    private static final Logger LOG = Logger.getLogger(JsonWarmUp.class);

    void onStart(@Observes StartupEvent event, ObjectMapper mapper) {
        EventSamples.prepare(mapper).forEach((type, error) ->
                LOG.warnf("The JSON mapping of %s could not be prepared at start: %s", type, error));
    }
}
