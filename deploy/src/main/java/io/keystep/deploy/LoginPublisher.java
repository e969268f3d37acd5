package io.keystep.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keystep.events.Envelope;
import io.keystep.events.LoginAttempted;
import io.keystep.events.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Publishes login events to {@code auth.login.v1} as a login gateway does after checking a password: each carries the
 * gateway's bearer token for its tenant (header {@code authorization}), minted by the local issuer and renewed before
 * it expires.
 */
public final class LoginPublisher implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** The header a login's gateway token travels in, as over HTTP. */
    static final String AUTHORIZATION = "authorization";
    private static final Duration TOKEN_LIFETIME = Duration.ofHours(1);

    private final KafkaProducer<String, String> producer;
    private final AccessTokens tokens;
    private final Map<String, Supplier<String>> gatewayTokens = new ConcurrentHashMap<>();

    /** Connects with a gateway's client settings (its broker and its SASL/SCRAM login); signs with {@code tokens}. */
    public LoginPublisher(Map<String, Object> gatewayClient, AccessTokens tokens) {
        this.tokens = tokens;
        Map<String, Object> config = new java.util.HashMap<>(gatewayClient);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    /** Publishes one login and waits for the broker's acknowledgement; answers the envelope sent. */
    public Envelope<LoginAttempted> publish(String tenantId, LoginAttempted login) {
        Envelope<LoginAttempted> envelope = Envelope.of(LoginAttempted.TYPE, Instant.now(), tenantId,
                login.loginId(), login);
        try {
            String token = gatewayTokens.computeIfAbsent(tenantId,
                    tenant -> tokens.renewing(tenant, "gateway", TOKEN_LIFETIME)).get();
            send(Topics.LOGIN, Topics.key(tenantId, login.userId()), JSON.writeValueAsString(envelope),
                    Map.of(AUTHORIZATION, "Bearer " + token));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write the login event", e);
        }
        return envelope;
    }

    /** Publishes any text as a record value, without a token, as a faulty gateway might. */
    public void send(String topic, String key, String value) {
        send(topic, key, value, Map.of());
    }

    /** Publishes any text as a record value with the given headers. */
    public void send(String topic, String key, String value, Map<String, String> headers) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
        headers.forEach((name, text) -> record.headers().add(name, text.getBytes(StandardCharsets.UTF_8)));
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not publish to " + topic, e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
