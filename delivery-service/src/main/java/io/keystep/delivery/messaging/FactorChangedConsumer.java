package io.keystep.delivery.messaging;

import io.keystep.kit.formats.NoticeHeaders;
import io.keystep.delivery.config.NoticeConfig;
import io.keystep.events.Envelope;
import io.keystep.events.FactorChanged;
import io.keystep.kit.messaging.EnvelopeReader;
import io.keystep.kit.messaging.MalformedEventException;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code factor.changed.v1} (consumer group {@code delivery-service-notices}) and sends the out-of-band notices
 * its records ask for. Records without a notice, or without destinations, are acknowledged at once. A record that is
 * not a factor change, or whose notice cannot be sent or reported, is rejected and goes to
 * {@code factor.changed.v1.dlq}; the consumer goes on with the next record.
 */
@ApplicationScoped
public class FactorChangedConsumer {

    private static final List<String> HEADERS = List.of(NoticeHeaders.NOTICE, NoticeHeaders.SUMMARY,
            NoticeHeaders.LOCALE, NoticeHeaders.TO);

    private final EnvelopeReader reader;
    private final FactorNotices notices;
    private final NoticeConfig config;

    public FactorChangedConsumer(EnvelopeReader reader, FactorNotices notices, NoticeConfig config) {
        this.reader = reader;
        this.notices = notices;
        this.config = config;
    }

    @Incoming("factor-changed")
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public Uni<Void> consume(Message<String> record) {
        Map<String, String> headers = headers(record);
        Uni<Void> work = notices.wanted(headers)
                ? Uni.createFrom().deferred(() -> process(record.getPayload(), headers))
                        .ifNoItem().after(config.timeout()).fail()
                : Uni.createFrom().voidItem();
        return work.onItemOrFailure().transformToUni((done, failure) -> Uni.createFrom().completionStage(
                failure == null ? record.ack() : record.nack(failure)));
    }

    private Uni<Void> process(String value, Map<String, String> headers) {
        Envelope<FactorChanged> change;
        try {
            change = reader.read(value, FactorChanged.TYPE, FactorChanged.class);
        } catch (MalformedEventException e) {
            return Uni.createFrom().failure(e);
        }
        return notices.deliver(change, headers);
    }

    /** The notice headers, the last value of each (Kafka allows repeats). */
    private static Map<String, String> headers(Message<String> record) {
        Map<String, String> found = new HashMap<>();
        record.getMetadata(IncomingKafkaRecordMetadata.class).ifPresent(metadata -> {
            for (Header header : metadata.getHeaders()) {
                if (HEADERS.contains(header.key()) && header.value() != null) {
                    found.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
                }
            }
        });
        return found;
    }
}
