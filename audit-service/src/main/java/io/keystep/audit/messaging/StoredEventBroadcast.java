package io.keystep.audit.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.audit.domain.StoredEvent;
import io.keystep.audit.store.AuditEventStore;
import io.keystep.audit.store.DatabaseContext;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * New rows of the trail for live subscribers, whichever instance wrote them. Ingest sends a PostgreSQL
 * {@code NOTIFY audit_events} with the tenant and the range of chain sequence numbers in the same transaction as
 * the rows (so it is delivered only once they are committed); every instance listens and, while it has live
 * subscribers, reads the range and hands the rows on.
 */
@ApplicationScoped
public class StoredEventBroadcast {

    public static final String CHANNEL = "audit_events";
    private static final Logger LOG = Logger.getLogger(StoredEventBroadcast.class);

    private final BroadcastProcessor<StoredEvent> processor = BroadcastProcessor.create();
    private final AtomicInteger subscribers = new AtomicInteger();
    private final AuditEventStore store;
    private final DatabaseContext database;
    private final ObjectMapper mapper;
    private final Vertx vertx;
    private final PgConnectOptions options;
    private volatile PgSubscriber subscriber;
    private volatile boolean stopped;

    /** The reactive datasource's own Quarkus properties, read as they are: this is a second connection to it. */
    public StoredEventBroadcast(AuditEventStore store, DatabaseContext database, ObjectMapper mapper, Vertx vertx,
                                io.micrometer.core.instrument.MeterRegistry registry,
                                @ConfigProperty(name = "quarkus.datasource.reactive.url") Optional<String> url,
                                @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
                                @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.store = store;
        this.database = database;
        io.micrometer.core.instrument.Gauge.builder("keystep.audit.stream.subscribers", subscribers, AtomicInteger::get)
                .description("live stream (SSE) subscribers of this instance").register(registry);
        this.mapper = mapper;
        this.vertx = vertx;
        this.options = url.map(u -> {
            PgConnectOptions o = PgConnectOptions.fromUri(u.startsWith("vertx-reactive:") ? u.substring(15) : u);
            user.ifPresent(o::setUser);
            password.ifPresent(o::setPassword);
            return o;
        }).orElse(null);
    }

    void start(@Observes StartupEvent event) {
        if (options == null) {
            LOG.warn("no reactive datasource URL: the live stream carries nothing");
            return;
        }
        subscriber = PgSubscriber.subscriber(vertx, options);
        // after a lost connection (a database restart) listen again, every second until it works
        subscriber.reconnectPolicy(retries -> 1000L);
        subscriber.channel(CHANNEL).handler(this::notified);
        connect();
    }

    private void connect() {
        if (stopped) {
            return;
        }
        // a one-off retry of this one connection until it first works, not periodic work: a timer, not @Scheduled
        subscriber.connect().onFailure(e -> {
            LOG.warnf("cannot listen for new audit rows yet (%s); trying again", e.toString());
            vertx.setTimer(1000, id -> connect());
        });
    }

    void stop(@Observes ShutdownEvent event) {
        stopped = true;
        if (subscriber != null) {
            subscriber.close();
        }
    }

    private void notified(String payload) {
        if (subscribers.get() == 0) {
            return;
        }
        try {
            JsonNode range = mapper.readTree(payload);
            String tenant = range.get("t").asText();
            long from = range.get("f").asLong();
            long to = range.get("l").asLong();
            DatabaseContext.on(database.current(), () -> store.chainPage(tenant, from, to, (int) (to - from + 1)))
                    .subscribe().with(rows -> rows.forEach(processor::onNext),
                            e -> LOG.warnf("new audit rows of %s could not be read for the live stream: %s", tenant, e));
        } catch (Exception e) {
            LOG.warnf("unreadable notification %s", payload);
        }
    }

    /** The notification ingest sends for a tenant's rows {@code from}..{@code to}. */
    public static String notification(ObjectMapper mapper, String tenant, long from, long to) {
        return mapper.createObjectNode().put("t", tenant).put("f", from).put("l", to).toString();
    }

    /** New rows from now on; a slow subscriber drops rows rather than holding memory. */
    public Multi<StoredEvent> rows() {
        return processor.onOverflow().drop()
                .onSubscription().invoke(() -> subscribers.incrementAndGet())
                .onTermination().invoke(() -> subscribers.decrementAndGet());
    }
}
