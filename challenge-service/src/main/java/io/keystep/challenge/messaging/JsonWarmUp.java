package io.keystep.challenge.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.EventSamples;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Prepares, as challenge-service starts, the JSON mapping of every event on a login's or a check's path, with the
 * mapper its consumers and publishers use ({@link EventSamples#prepare}): the events it handles, and the others
 * too, since one list for all services cannot fall out of step with what each consumes. A type that fails is
 * logged; the start goes on.
 */
@ApplicationScoped
public class JsonWarmUp {

    private static final Logger LOG = Logger.getLogger(JsonWarmUp.class);

    void onStart(@Observes StartupEvent event, ObjectMapper mapper) {
        EventSamples.prepare(mapper).forEach((type, error) ->
                LOG.warnf("The JSON mapping of %s could not be prepared at start: %s", type, error));
    }
}
