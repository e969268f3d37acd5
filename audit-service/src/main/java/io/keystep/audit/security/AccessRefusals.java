package io.keystep.audit.security;

import io.keystep.kit.messaging.PlatformEvents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.AccessRefused;
import io.keystep.events.Envelope;
import io.keystep.events.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.UUID;

/**
 * Every refused request is counted ({@code keystep.access.refused}, tagged {@code reason}); an authenticated caller
 * refused for naming another tenant or for its role is also published as {@link AccessRefused} on
 * {@link Topics#ACCESS_REFUSED}, so that it reaches the audit trail. 401s are only counted: an unauthenticated flood
 * must not flood the trail. Never carries the token.
 */
@ApplicationScoped
public class AccessRefusals {

    public static final String SERVICE = "audit-service";
    /** Counter reasons of 401s. */
    public static final String NO_TOKEN = "MISSING_TOKEN";
    public static final String INVALID_TOKEN = "INVALID_TOKEN";
    public static final String NO_TENANT = "MISSING_TENANT";

    private static final Logger LOG = Logger.getLogger(AccessRefusals.class);

    private final PlatformEvents events;
    private final MeterRegistry registry;

    public AccessRefusals(PlatformEvents events, MeterRegistry registry) {
        this.events = events;
        this.registry = registry;
    }

    /** A 401: counted only. */
    public void unauthenticated(String reason) {
        count(reason);
    }

    /** A 403 of an authenticated caller: counted and published (the answer does not wait for Kafka). */
    public void refused(String tenant, String subject, String method, String path, AccessRefused.Reason reason,
                        String requestedTenant) {
        count(reason.name());
        AccessRefused payload = new AccessRefused(subject, SERVICE, method, path, reason, requestedTenant);
        events.accessRefused(tenant, payload).subscribe().with(ignored -> {
        }, e -> LOG.warnf("access refusal of %s in %s not published: %s", subject, tenant, e.toString()));
    }

    private void count(String reason) {
        Counter.builder("keystep.access.refused").description("requests refused with 401 or 403, by reason")
                .tag("reason", reason).register(registry).increment();
    }
}
