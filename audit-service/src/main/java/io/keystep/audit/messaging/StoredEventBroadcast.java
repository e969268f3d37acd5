package io.keystep.audit.messaging;

import io.keystep.audit.domain.StoredEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Rows this instance has just written, for live subscribers. Rows written by another instance reach only that
 * instance's subscribers.
 */
@ApplicationScoped
public class StoredEventBroadcast {

    private final BroadcastProcessor<StoredEvent> processor = BroadcastProcessor.create();

    void publish(List<StoredEvent> rows) {
        rows.forEach(processor::onNext);
    }

    /** New rows from now on; a slow subscriber drops rows rather than holding memory. */
    public Multi<StoredEvent> rows() {
        return processor.onOverflow().drop();
    }
}
