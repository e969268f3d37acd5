package io.keystep.audit.domain;

import java.time.Instant;
import java.util.Map;

/**
 * One Kafka record as audit received it, before any parsing.
 *
 * @param topic     the topic it came from
 * @param partition its partition
 * @param offset    its offset
 * @param timestamp the broker's timestamp of the record
 * @param key       the record key, {@code tenant:user} by convention, or null
 * @param value     the raw value, or null
 * @param headers   the record's headers as UTF-8 text (the dead-letter headers among them)
 */
public record IncomingRecord(String topic, int partition, long offset, Instant timestamp, String key, String value,
                             Map<String, String> headers) {

    public IncomingRecord {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
