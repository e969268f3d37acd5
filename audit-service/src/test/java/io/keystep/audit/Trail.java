package io.keystep.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.Channel;
import io.keystep.events.Decision;
import io.keystep.events.DeliveryStatus;
import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Device;
import io.keystep.events.Envelope;
import io.keystep.events.Factor;
import io.keystep.events.LoginAttempted;
import io.keystep.events.LoginDecided;
import io.keystep.events.Outcome;
import io.keystep.events.Purpose;
import io.keystep.events.RiskAssessed;
import io.keystep.events.Topics;
import io.keystep.events.VerificationCompleted;
import io.keystep.kit.messaging.EventOrigin;
import io.keystep.kit.messaging.TenantProof;
import io.keystep.testsupport.SharedServers;
import io.keystep.testsupport.auth.EventOriginKey;
import io.keystep.testsupport.auth.Tokens;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/** What the tests need around the service: a producer onto the real broker and direct reads of the trail. */
public final class Trail {

    public static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    public static final String SEALED = "v1.t1.QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwMTIz";
    public static final String PHONE = "+4915123456678";

    private static KafkaProducer<String, String> producer;

    private Trail() {
    }

    static synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            Properties props = new Properties();
            props.putAll(SharedServers.kafka().adminConfig());
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            producer = new KafkaProducer<>(props);
        }
        return producer;
    }

    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends and waits for the broker's ack. */
    public static void send(String topic, String key, String value, Map<String, String> headers) {
        sent(topic, key, value, headers);
    }

    /** Sends, waits for the broker's ack and answers where the record was written. */
    public static RecordMetadata sent(String topic, String key, String value, Map<String, String> headers) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
        headers.forEach((k, v) -> record.headers().add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
        try {
            return producer().send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends an event as its producer would: a login with its gateway's token, a status with delivery-service's origin
     * proof.
     */
    public static void send(String topic, Envelope<?> envelope, String userId) {
        String key = Topics.key(envelope.tenantId(), userId);
        String value = json(envelope);
        send(topic, key, value, proof(topic, envelope.tenantId(), key, value));
    }

    /** The headers proving a record's tenant or origin as its legitimate producer would, for the topics that need them. */
    public static Map<String, String> proof(String topic, String tenant, String key, String value) {
        if (Topics.LOGIN.equals(topic)) {
            return Map.of(TenantProof.AUTHORIZATION, "Bearer " + Tokens.gateway(tenant));
        }
        if (Topics.DELIVERY_STATUS.equals(topic)) {
            return Map.of(EventOrigin.HEADER, EventOriginKey.proof(topic, key, value));
        }
        return Map.of();
    }

    /** One event of each type of the main thread for one user, with its topic. */
    public static List<Map.Entry<String, Envelope<?>>> thread(String tenant, String user, Instant at) {
        String login = "login-" + UUID.randomUUID();
        String challenge = "ch-" + UUID.randomUUID();
        List<Map.Entry<String, Envelope<?>>> events = new ArrayList<>();
        events.add(Map.entry(Topics.LOGIN, Envelope.of(LoginAttempted.TYPE, at, tenant, login,
                new LoginAttempted(login, user, true, new Device("fp-1", "Firefox"), "203.0.113.9", Purpose.LOGIN))));
        events.add(Map.entry(Topics.RISK_ASSESSED, Envelope.of(RiskAssessed.TYPE, at.plusSeconds(1), tenant, login,
                new RiskAssessed(login, user, Decision.CHALLENGE, 60, List.of("NEW_DEVICE"), Purpose.LOGIN, "fp-1"))));
        events.add(Map.entry(Topics.LOGIN_DECISION, Envelope.of(LoginDecided.TYPE, at.plusSeconds(2), tenant, login,
                new LoginDecided(login, user, Decision.CHALLENGE, challenge, List.of("NEW_DEVICE")))));
        events.add(Map.entry(Topics.CHALLENGE_ISSUED, Envelope.of(ChallengeIssued.TYPE, at.plusSeconds(3), tenant, login,
                new ChallengeIssued(challenge, login, user, List.of(Channel.SMS), PHONE, SEALED, "en",
                        at.plusSeconds(303), Purpose.LOGIN))));
        events.add(Map.entry(Topics.DELIVERY_STATUS, Envelope.of(DeliveryStatusChanged.TYPE, at.plusSeconds(4), tenant,
                login, new DeliveryStatusChanged(challenge, user, Channel.SMS, "twilio", DeliveryStatus.SENT,
                        null, "+4915*****678", "SM1"))));
        events.add(Map.entry(Topics.VERIFICATION_COMPLETED, Envelope.of(VerificationCompleted.TYPE, at.plusSeconds(5),
                tenant, login, new VerificationCompleted(challenge, login, user, Factor.SMS, Outcome.APPROVED,
                        1, "fp-1"))));
        return events;
    }

    /** Rows of the trail matching a WHERE clause, each as column name to value. */
    public static List<Map<String, Object>> rows(String where, Object... params) {
        try (Connection c = RestartablePostgres.get().connect();
             PreparedStatement s = c.prepareStatement("SELECT event_id, type, schema_version, occurred_at, tenant_id,"
                     + " correlation_id, user_id, topic, \"partition\", \"offset\", received_at, chain_seq,"
                     + " CAST(payload AS text) AS payload, prev_hash, hash FROM audit_event WHERE " + where
                     + " ORDER BY tenant_id, chain_seq")) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new HashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Event ids claimed for the tenant: one per stored row, or an event was claimed and not stored. */
    public static long claims(String tenant) {
        try (Connection c = RestartablePostgres.get().connect();
             PreparedStatement s = c.prepareStatement("SELECT count(*) FROM audit_event_id WHERE tenant_id = ?")) {
            s.setString(1, tenant);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static int execute(String sql, Object... params) {
        try (Connection c = RestartablePostgres.get().connect(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The partition of {@code receivedAt}'s month, made as the service makes it (owned by the owner role). */
    static void createPartition(Instant receivedAt) {
        try (Connection c = RestartablePostgres.get().connect();
             PreparedStatement s = c.prepareStatement("SELECT audit_create_partition(?)")) {
            s.setObject(1, receivedAt.atOffset(java.time.ZoneOffset.UTC).toLocalDate());
            s.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes {@code count} rows straight into the table (no chain, no Kafka), one second apart from {@code firstAt},
     * received at {@code receivedAt}; for tests of reading and retention that need many or old rows.
     */
    public static void insertRows(String tenant, String user, int count, Instant firstAt, Instant receivedAt) {
        createPartition(receivedAt);
        execute("WITH rows AS (SELECT gen_random_uuid() AS id, g FROM generate_series(1, ?) g),"
                + " ids AS (INSERT INTO audit_event_id (event_id, tenant_id, received_at) SELECT id, ?, CAST(? AS timestamptz) FROM rows)"
                + " INSERT INTO audit_event (event_id, tenant_id, chain_seq, type, schema_version, occurred_at,"
                + " correlation_id, user_id, topic, \"partition\", \"offset\", received_at, payload, prev_hash, hash)"
                + " SELECT id, ?, g, 'auth.login', 1, CAST(? AS timestamptz) + g * interval '1 second', 'c-' || g, ?, 'auth.login.v1', 0, g, CAST(? AS timestamptz),"
                + " jsonb_build_object('n', g, 'note', 'a, \"quoted\" value'), 'p', 'h' FROM rows",
                count, tenant, java.sql.Timestamp.from(receivedAt), tenant,
                java.sql.Timestamp.from(firstAt.minusSeconds(1)), user, java.sql.Timestamp.from(receivedAt));
    }

    /**
     * Appends {@code count} rows of one user to the tenant's hash chain straight in the database, received at
     * {@code receivedAt}, with hashes computed as ingest computes them: a valid chain in any month, for retention
     * tests. Returns the sequence number of the first row appended.
     */
    public static long appendChain(String tenant, String user, int count, Instant receivedAt) {
        createPartition(receivedAt);
        execute("INSERT INTO audit_chain_head (tenant_id, last_seq, last_hash, updated_at) VALUES (?, 0, ?, now())"
                + " ON CONFLICT (tenant_id) DO NOTHING", tenant, io.keystep.audit.domain.HashChain.GENESIS);
        try (Connection c = RestartablePostgres.get().connect()) {
            c.setAutoCommit(false);
            long seq;
            String prev;
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT last_seq, last_hash FROM audit_chain_head WHERE tenant_id = ? FOR UPDATE")) {
                s.setString(1, tenant);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    seq = rs.getLong(1);
                    prev = rs.getString(2);
                }
            }
            long firstSeq = seq + 1;
            try (PreparedStatement id = c.prepareStatement(
                    "INSERT INTO audit_event_id (event_id, tenant_id, received_at) VALUES (?, ?, ?)");
                 PreparedStatement row = c.prepareStatement("INSERT INTO audit_event (event_id, tenant_id, chain_seq,"
                         + " type, schema_version, occurred_at, correlation_id, user_id, topic, \"partition\", \"offset\","
                         + " received_at, payload, prev_hash, hash) VALUES (?, ?, ?, 'auth.login', 1, ?, ?, ?,"
                         + " 'auth.login.v1', 0, ?, ?, CAST(? AS jsonb), ?, ?)")) {
                for (int i = 0; i < count; i++) {
                    seq++;
                    UUID eventId = UUID.randomUUID();
                    Instant occurredAt = receivedAt.minusSeconds(60 - i);
                    String correlation = "c-" + seq;
                    var payload = JSON.createObjectNode().put("loginId", correlation).put("userId", user);
                    String hash = io.keystep.audit.domain.HashChain.hash(prev, seq, eventId, "auth.login", 1, occurredAt,
                            tenant, correlation, user, "auth.login.v1", 0, seq, receivedAt, payload);
                    id.setObject(1, eventId);
                    id.setString(2, tenant);
                    id.setObject(3, receivedAt.atOffset(java.time.ZoneOffset.UTC));
                    id.executeUpdate();
                    row.setObject(1, eventId);
                    row.setString(2, tenant);
                    row.setLong(3, seq);
                    row.setObject(4, occurredAt.atOffset(java.time.ZoneOffset.UTC));
                    row.setString(5, correlation);
                    row.setString(6, user);
                    row.setLong(7, seq);
                    row.setObject(8, receivedAt.atOffset(java.time.ZoneOffset.UTC));
                    row.setString(9, payload.toString());
                    row.setString(10, prev);
                    row.setString(11, hash);
                    row.executeUpdate();
                    prev = hash;
                }
            }
            try (PreparedStatement s = c.prepareStatement(
                    "UPDATE audit_chain_head SET last_seq = ?, last_hash = ? WHERE tenant_id = ?")) {
                s.setLong(1, seq);
                s.setString(2, prev);
                s.setString(3, tenant);
                s.executeUpdate();
            }
            c.commit();
            return firstSeq;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
