package io.keystep.delivery.config;

import io.keystep.events.Channel;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An account that carries WhatsApp names its approved template, or the service does not start: WhatsApp refuses
 * free-form text outside a 24-hour customer window, so such an account would only send codes nobody receives.
 */
class WhatsappTemplateSettingsTest {

    private static Vertx vertx;
    private static WebClient client;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        client = WebClient.create(vertx);
    }

    @AfterAll
    static void stop() {
        client.close();
        vertx.closeAndAwait();
    }

    @Test
    void primaryAccountCarryingWhatsappWithoutAContentSidStopsStartUpNamingTheSetting() {
        IllegalArgumentException refused = refusal(Map.of("keystep.delivery.sms.channels", "sms,whatsapp"));
        assertTrue(refused.getMessage().startsWith("keystep.delivery.sms.whatsapp-content-sid is required"),
                refused.getMessage());
    }

    @Test
    void twilioAccountCarryingWhatsappWithoutAContentSidStopsStartUpNamingTheSetting() {
        IllegalArgumentException refused = refusal(twilio("wa", Map.of("channels", "whatsapp")));
        assertTrue(refused.getMessage().startsWith("keystep.delivery.providers.wa.whatsapp-content-sid is required"),
                refused.getMessage());
    }

    @Test
    void telnyxAccountCarryingWhatsappWithoutATemplateNameStopsStartUpNamingTheSetting() {
        IllegalArgumentException refused = refusal(telnyx("tx", Map.of("channels", "sms,whatsapp")));
        assertTrue(refused.getMessage().startsWith("keystep.delivery.providers.tx.whatsapp-template-name is required"),
                refused.getMessage());
    }

    @Test
    void malformedTemplateSettingsStopStartUpNamingTheSetting() {
        assertTrue(refusal(twilio("wa", Map.of("channels", "whatsapp", "whatsapp-content-sid", "MG0123")))
                .getMessage().startsWith("keystep.delivery.providers.wa.whatsapp-content-sid must be"));
        assertTrue(refusal(telnyx("tx", Map.of("channels", "whatsapp", "whatsapp-template-name", "Keystep Code")))
                .getMessage().startsWith("keystep.delivery.providers.tx.whatsapp-template-name must be"));
        assertTrue(refusal(telnyx("tx", Map.of("channels", "whatsapp", "whatsapp-template-name", "keystep_code",
                "whatsapp-template-language", "English"))).getMessage()
                .startsWith("keystep.delivery.providers.tx.whatsapp-template-language must be"));
    }

    @Test
    void accountsWithTheirTemplatesCarryWhatsappAndAccountsWithoutWhatsappNeedNone() {
        Map<String, String> settings = new HashMap<>(twilio("wa", Map.of("channels", "whatsapp",
                "whatsapp-content-sid", "HX5f3c2a7e9b1d4c6a8e0f2b4d6a8c0e1f", "priority", "1")));
        settings.putAll(telnyx("tx", Map.of("channels", "whatsapp", "whatsapp-template-name", "keystep_code",
                "priority", "2")));
        settings.putAll(telnyx("sms-only", Map.of("channels", "sms")));
        Map<String, Set<Channel>> carried = providers(settings).stream()
                .collect(Collectors.toMap(p -> p.adapter().name(), p -> p.adapter().channels()));
        assertEquals(Map.of("twilio", Set.of(Channel.SMS), "wa", Set.of(Channel.WHATSAPP), "tx", Set.of(Channel.WHATSAPP),
                "sms-only", Set.of(Channel.SMS)), carried);
    }

    private static IllegalArgumentException refusal(Map<String, String> settings) {
        return assertThrows(IllegalArgumentException.class, () -> providers(settings));
    }

    private static List<DeliveryBeans.Configured> providers(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(Map.of(
                "keystep.delivery.sms.base-url", "http://127.0.0.1:9",
                "keystep.delivery.sms.account-sid", "AC0123",
                "keystep.delivery.sms.auth-token", "token",
                "keystep.delivery.sms.from", "+15005550006",
                "keystep.delivery.email.enabled", "false"));
        all.putAll(settings);
        DeliveryConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(all, "test", 300))
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(DeliveryConfig.class)
                .build().getConfigMapping(DeliveryConfig.class);
        return DeliveryBeans.configured(client, config, Clock.systemUTC(), null);
    }

    private static Map<String, String> twilio(String name, Map<String, String> extra) {
        Map<String, String> settings = provider(name, "twilio", extra);
        settings.put("keystep.delivery.providers." + name + ".account-sid", "AC4567");
        settings.put("keystep.delivery.providers." + name + ".auth-token", "token");
        return settings;
    }

    private static Map<String, String> telnyx(String name, Map<String, String> extra) {
        Map<String, String> settings = provider(name, "telnyx", extra);
        settings.put("keystep.delivery.providers." + name + ".api-key", "KEY0123");
        return settings;
    }

    private static Map<String, String> provider(String name, String type, Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>();
        String prefix = "keystep.delivery.providers." + name + ".";
        settings.put(prefix + "type", type);
        settings.put(prefix + "base-url", "http://127.0.0.1:9");
        settings.put(prefix + "from", "+15005550002");
        extra.forEach((key, value) -> settings.put(prefix + key, value));
        return settings;
    }
}
