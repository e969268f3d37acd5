package io.keystep.docs;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keystep.events.AccessRefused;
import io.keystep.events.AuditCheckpoint;
import io.keystep.events.ChallengeIssued;
import io.keystep.events.DeliveryStatusChanged;
import io.keystep.events.Envelope;
import io.keystep.events.LoginAttempted;
import io.keystep.events.LoginDecided;
import io.keystep.events.RiskAssessed;
import io.keystep.events.TenantSettingsChanged;
import io.keystep.events.Topics;
import io.keystep.events.VerificationCompleted;
import io.keystep.events.VerificationLimited;
import io.keystep.events.FactorChanged;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every example in docs/events.md parses into the event records it documents, so the page cannot drift. */
class EventCatalogueTest {

    private static final Map<String, Class<?>> PAYLOADS = Map.ofEntries(
            Map.entry(Topics.LOGIN, LoginAttempted.class),
            Map.entry(Topics.RISK_ASSESSED, RiskAssessed.class),
            Map.entry(Topics.LOGIN_DECISION, LoginDecided.class),
            Map.entry(Topics.CHALLENGE_ISSUED, ChallengeIssued.class),
            Map.entry(Topics.DELIVERY_STATUS, DeliveryStatusChanged.class),
            Map.entry(Topics.VERIFICATION_COMPLETED, VerificationCompleted.class),
            Map.entry(Topics.VERIFICATION_LIMITED, VerificationLimited.class),
            Map.entry(Topics.FACTOR_CHANGED, FactorChanged.class),
            Map.entry(Topics.ACCESS_REFUSED, AccessRefused.class),
            Map.entry(Topics.TENANT_SETTINGS_CHANGED, TenantSettingsChanged.class),
            Map.entry(Topics.AUDIT_CHECKPOINT, AuditCheckpoint.class));

    private static final Map<Class<?>, String> TYPES = Map.ofEntries(
            Map.entry(LoginAttempted.class, LoginAttempted.TYPE),
            Map.entry(RiskAssessed.class, RiskAssessed.TYPE),
            Map.entry(LoginDecided.class, LoginDecided.TYPE),
            Map.entry(ChallengeIssued.class, ChallengeIssued.TYPE),
            Map.entry(DeliveryStatusChanged.class, DeliveryStatusChanged.TYPE),
            Map.entry(VerificationCompleted.class, VerificationCompleted.TYPE),
            Map.entry(VerificationLimited.class, VerificationLimited.TYPE),
            Map.entry(FactorChanged.class, FactorChanged.TYPE),
            Map.entry(AccessRefused.class, AccessRefused.TYPE),
            Map.entry(TenantSettingsChanged.class, TenantSettingsChanged.TYPE),
            Map.entry(AuditCheckpoint.class, AuditCheckpoint.TYPE));

    // Unknown fields fail too: an example that names a field the record does not have is wrong.
    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final String page = read("events.md");

    @Test
    void everyTopicHasASectionWithAnExampleThatParsesIntoItsRecord() throws Exception {
        Map<String, String> examples = examplesByTopic();
        Set<String> topics = new HashSet<>(Topics.ALL);
        topics.add(Topics.AUDIT_CHECKPOINT);
        assertEquals(topics, examples.keySet(), "one example per topic");
        for (Map.Entry<String, String> example : examples.entrySet()) {
            Class<?> payload = PAYLOADS.get(example.getKey());
            JavaType type = json.getTypeFactory().constructParametricType(Envelope.class, payload);
            Envelope<?> envelope = json.readValue(example.getValue(), type);
            assertEquals(TYPES.get(payload), envelope.type(), example.getKey());
            assertEquals(example.getKey(), envelope.type() + ".v1", "the type names the topic");
            assertTrue(payload.isInstance(envelope.payload()));
        }
    }

    @Test
    void theKcatExamplePublishesAValidLogin() throws Exception {
        Matcher heredoc = Pattern.compile("GW=\\$\\(\\./keystep token gateway (\\S+)\\)\\n.*?-t auth\\.login\\.v1 -k '([^']+)'"
                + " -H \"authorization=Bearer \\$GW\" <<'JSON'\\n(.*?)\\nJSON", Pattern.DOTALL).matcher(page);
        assertTrue(heredoc.find(), "the kcat example is on the page, with its gateway's token");
        JavaType type = json.getTypeFactory().constructParametricType(Envelope.class, LoginAttempted.class);
        Envelope<LoginAttempted> login = json.readValue(heredoc.group(3), type);
        assertEquals(Topics.key(login.tenantId(), login.payload().userId()), heredoc.group(2),
                "the record key is tenant:user");
        assertEquals(login.tenantId(), heredoc.group(1), "the token is the login's tenant's gateway's");
    }

    @Test
    void everyEnvelopeFieldIsDocumented() {
        Set<String> documented = new HashSet<>();
        Matcher row = Pattern.compile("^\\| `(\\w+)` \\|", Pattern.MULTILINE).matcher(page);
        while (row.find()) {
            documented.add(row.group(1));
        }
        for (var component : Envelope.class.getRecordComponents()) {
            assertTrue(documented.contains(component.getName()), component.getName() + " is documented");
        }
    }

    private Map<String, String> examplesByTopic() {
        Map<String, String> examples = new LinkedHashMap<>();
        Matcher section = Pattern.compile("^## `([a-z.0-9-]+)`\\n(.*?)(?=^## |\\z)", Pattern.MULTILINE | Pattern.DOTALL)
                .matcher(page);
        while (section.find()) {
            Matcher block = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(section.group(2));
            if (block.find()) {
                examples.put(section.group(1), block.group(1));
            }
        }
        return examples;
    }

    private static String read(String name) {
        try {
            return Files.readString(Path.of(name));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read docs/" + name, e);
        }
    }
}
