package io.keystep.delivery.config;

import io.keystep.delivery.domain.PushReasons;
import io.keystep.delivery.provider.OutboundMessage;
import io.keystep.delivery.provider.ProviderAdapter;
import io.keystep.delivery.provider.ProviderDirectory;
import io.keystep.delivery.provider.ProviderFailover;
import io.keystep.delivery.provider.ProviderSendResult;
import io.keystep.delivery.provider.SendOutcome;
import io.keystep.events.Channel;
import io.keystep.testsupport.ApnsStandIn;
import io.keystep.testsupport.FcmStandIn;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Push platforms are optional, each on its own: one without settings refuses its pushes ({@code push_not_configured}),
 * one set up halfway or with a key that is not one stops start-up naming the setting and its environment variable,
 * never quoting the key.
 */
class PushSettingsTest {

    /** The APNs adapter makes an HTTP/2 client of its own on it; nothing is sent. */
    private static final Vertx VERTX = Vertx.vertx();

    @AfterAll
    static void stop() {
        VERTX.closeAndAwait();
    }

    @Test
    void withoutPushSettingsNoPlatformIsConfiguredAndAPushFailsPushNotConfigured() {
        assertTrue(push(Map.of()).isEmpty());
        ProviderFailover failover = new ProviderFailover(new ProviderDirectory(List.of(), Map.of(),
                new SecureRandom()), new SimpleMeterRegistry());
        ProviderSendResult result = failover.sendThrough("apns", new OutboundMessage(Channel.PUSH,
                "c3bd8a1f5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3", null, null, "nonce", "acme",
                "challenge-1", Instant.now().plusSeconds(60))).await().atMost(Duration.ofSeconds(5));
        assertFalse(result.sent());
        assertEquals(PushReasons.NOT_CONFIGURED, PushReasons.published(result.reason()));
    }

    @Test
    void aHalfConfiguredPlatformStopsStartUpNamingWhatIsMissing() {
        IllegalArgumentException fcm = assertThrows(IllegalArgumentException.class, () -> push(Map.of(
                "keystep.delivery.push.fcm.project-id", "keystep-prod",
                "keystep.delivery.push.fcm.client-email", "push@keystep-prod.iam.gserviceaccount.com")));
        assertTrue(fcm.getMessage().contains("keystep.delivery.push.fcm.private-key"
                + " (KEYSTEP_DELIVERY_PUSH_FCM_PRIVATE_KEY)"), fcm.getMessage());
        IllegalArgumentException apns = assertThrows(IllegalArgumentException.class, () -> push(Map.of(
                "keystep.delivery.push.apns.team-id", "ABCDE12345")));
        assertTrue(apns.getMessage().contains("KEYSTEP_DELIVERY_PUSH_APNS_SIGNING_KEY"), apns.getMessage());
        assertTrue(apns.getMessage().contains("keystep.delivery.push.apns.bundle-id"), apns.getMessage());
    }

    @Test
    void aKeyThatIsNotOneStopsStartUpWithoutQuotingIt() {
        String notAKey = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWJ1dC1ub3QtYS1rZXk=\n-----END PRIVATE KEY-----";
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> push(Map.of(
                "keystep.delivery.push.fcm.project-id", "keystep-prod",
                "keystep.delivery.push.fcm.client-email", "push@keystep-prod.iam.gserviceaccount.com",
                "keystep.delivery.push.fcm.private-key", notAKey)));
        assertTrue(refused.getMessage().startsWith("keystep.delivery.push.fcm.private-key"
                + " (KEYSTEP_DELIVERY_PUSH_FCM_PRIVATE_KEY) must be"), refused.getMessage());
        assertFalse(refused.getMessage().contains("c2VjcmV0"), "the value is never quoted");
    }

    @Test
    void completeSettingsMakeAProviderPerPlatformNamedAfterIt() {
        try (FcmStandIn fcm = FcmStandIn.start(0); ApnsStandIn apns = ApnsStandIn.start(0, 0, "dev.keystep.app")) {
            // A key copied out of a service-account JSON file keeps its line breaks escaped.
            List<DeliveryBeans.Configured> configured = push(Map.of(
                    "keystep.delivery.push.fcm.project-id", fcm.projectId(),
                    "keystep.delivery.push.fcm.client-email", fcm.clientEmail(),
                    "keystep.delivery.push.fcm.private-key", fcm.privateKeyPem().replace("\n", "\\n"),
                    "keystep.delivery.push.apns.team-id", apns.teamId(),
                    "keystep.delivery.push.apns.key-id", apns.keyId(),
                    "keystep.delivery.push.apns.signing-key", apns.signingKeyPem(),
                    "keystep.delivery.push.apns.bundle-id", apns.bundleId()));
            assertEquals(List.of("fcm", "apns"), configured.stream().map(p -> p.adapter().name()).toList());
            assertTrue(configured.stream().allMatch(p -> p.adapter().channels().equals(java.util.Set.of(
                    Channel.PUSH))));
        }
    }

    @Test
    void aSigningKeyApnsDoesNotKnowIsRefusedOnceWithoutRenewingTheProviderToken() {
        try (ApnsStandIn apns = ApnsStandIn.start(0, 0, "dev.keystep.app");
             ApnsStandIn another = ApnsStandIn.start(0, 0, "dev.keystep.app")) {
            ProviderAdapter adapter = push(Map.of(
                    "keystep.delivery.push.apns.team-id", apns.teamId(),
                    "keystep.delivery.push.apns.key-id", apns.keyId(),
                    "keystep.delivery.push.apns.signing-key", another.signingKeyPem(),
                    "keystep.delivery.push.apns.bundle-id", apns.bundleId(),
                    "keystep.delivery.push.apns.server-url", apns.serverUrl(),
                    "keystep.delivery.push.apns.trusted-certificate", apns.certificatePem())).get(0).adapter();
            SendOutcome outcome = adapter.send(new OutboundMessage(Channel.PUSH, "ab".repeat(32), null, null, "nonce",
                    "acme", "challenge-2", Instant.now().plusSeconds(60))).await().atMost(Duration.ofSeconds(10));
            assertEquals(new SendOutcome.Refused("APNS_InvalidProviderToken", false), outcome);
            assertEquals(1, apns.requests());
        }
    }

    private static List<DeliveryBeans.Configured> push(Map<String, String> settings) {
        DeliveryConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(settings, "test", 300))
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(DeliveryConfig.class)
                .withDefaultValue("keystep.delivery.sms.base-url", "http://127.0.0.1:9")
                .withDefaultValue("keystep.delivery.sms.account-sid", "AC0123")
                .withDefaultValue("keystep.delivery.sms.auth-token", "token")
                .withDefaultValue("keystep.delivery.sms.from", "+15005550006")
                .build().getConfigMapping(DeliveryConfig.class);
        return PushProviders.configured(config.push(), WebClient.create(VERTX), VERTX, Clock.systemUTC(), 128);
    }
}
