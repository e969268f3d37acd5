package io.keystep.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.kit.messaging.EventOrigin;
import io.keystep.testsupport.auth.EventOriginKey;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;


/**
 * Reads {@code delivery.status.v1} as the tests see it: the payloads of one challenge, in order. Each must carry the
 * platform's origin proof over its own topic, key and value, or audit-service would refuse it.
 */
final class StatusEvents {

    static final Duration WAIT = Duration.ofSeconds(30);

    private final ObjectMapper json;

    StatusEvents(ObjectMapper json) {
        this.json = json;
    }

    /** Waits for a status of the challenge and answers its payload. */
    JsonNode await(String challengeId, String status) {
        return org.awaitility.Awaitility.await().atMost(WAIT).until(() -> of(challengeId).stream()
                .filter(s -> status.equals(s.get("status").asText())).findFirst(), Optional::isPresent).orElseThrow();
    }

    /** The payloads of every status of the challenge so far. */
    List<JsonNode> of(String challengeId) {
        List<JsonNode> found = new ArrayList<>();
        for (ConsumerRecord<String, String> record : Jobs.statusRecords()) {
            try {
                JsonNode payload = json.readTree(record.value()).get("payload");
                if (challengeId.equals(payload.get("challengeId").asText())) {
                    Header proof = record.headers().lastHeader(EventOrigin.HEADER);
                    if (proof == null || !EventOriginKey.proof(record.topic(), record.key(), record.value())
                            .equals(new String(proof.value(), StandardCharsets.UTF_8))) {
                        throw new AssertionError("status without a valid origin proof: " + record.value());
                    }
                    found.add(payload);
                }
            } catch (AssertionError e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return found;
    }

    /** The statuses of the challenge, in order, as {@code STATUS/CHANNEL}. */
    List<String> sequence(String challengeId) {
        return of(challengeId).stream().map(s -> s.get("status").asText() + "/" + s.get("channel").asText()).toList();
    }


}
