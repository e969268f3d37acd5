package io.keystep.delivery;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.keystep.testsupport.ApnsStandIn;
import io.keystep.testsupport.FcmStandIn;
import io.keystep.testsupport.FreePorts;
import io.keystep.testsupport.SmsSink;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The providers beyond the primary SMS sink, each a real server: a webhook gateway for WhatsApp and voice, a Twilio
 * account that is down, a Telnyx account, a gateway that always fails (circuit breaker), a slow one (timeouts), a
 * Twilio voice account, Twilio and Telnyx WhatsApp accounts with approved templates (on the SMS sink), an SMTP
 * server (GreenMail), and FCM and APNs (push to paired phones) with credentials of their own making. Also the tenants
 * the tests use, with their own routes, timeouts and limits.
 */
public class ProviderStandInsTestResource implements QuarkusTestResourceLifecycleManager {

    static final String HOOK_SECRET = "hook-signing-secret";
    static final String TELNYX_KEY = "KEYtelnyx0123";
    static final String WHATSAPP_CONTENT_SID = "HX5f3c2a7e9b1d4c6a8e0f2b4d6a8c0e1f";
    static final String WHATSAPP_TEMPLATE = "keystep_code";

    static final ProviderStandIn HOOK = ProviderStandIn.start(ProviderStandIn.Shape.WEBHOOK);
    static final ProviderStandIn PRIMARY_DOWN =
            ProviderStandIn.start(ProviderStandIn.Shape.TWILIO).alwaysFailWith(500);
    static final ProviderStandIn TELNYX = ProviderStandIn.start(ProviderStandIn.Shape.TELNYX);
    static final ProviderStandIn BROKEN = ProviderStandIn.start(ProviderStandIn.Shape.WEBHOOK).alwaysFailWith(503);
    static final ProviderStandIn SLOW =
            ProviderStandIn.start(ProviderStandIn.Shape.WEBHOOK).answerAfter(Duration.ofMillis(1500));
    /** A provider that takes 100 ms per message, many at once: what the consumer's throughput is measured against. */
    static final ProviderStandIn LAGGING =
            ProviderStandIn.start(ProviderStandIn.Shape.WEBHOOK, 64).answerAfter(Duration.ofMillis(100));
    static final ProviderStandIn TWILIO_VOICE = ProviderStandIn.start(ProviderStandIn.Shape.TWILIO);
    static final KeyPair TELNYX_SIGNING = ed25519();
    static final GreenMail SMTP = startSmtp();
    static final String BUNDLE_ID = "dev.keystep.authenticator";
    static final FcmStandIn FCM = FcmStandIn.start(0);
    static final ApnsStandIn APNS = ApnsStandIn.start(0, 0, BUNDLE_ID);

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        String p = "keystep.delivery.providers.";
        config.put(p + "hook.type", "webhook");
        config.put(p + "hook.base-url", HOOK.baseUrl() + "/send");
        config.put(p + "hook.signing-secret", HOOK_SECRET);
        config.put(p + "hook.channels", "whatsapp,voice");
        config.put(p + "hook.priority", "1");
        config.put(p + "hook.cost.default", "0.005");

        config.put(p + "primary-down.type", "twilio");
        config.put(p + "primary-down.base-url", PRIMARY_DOWN.baseUrl());
        config.put(p + "primary-down.account-sid", "ACdown");
        config.put(p + "primary-down.auth-token", "down-token");
        config.put(p + "primary-down.from", "+15005550001");
        config.put(p + "primary-down.priority", "1");
        config.put(p + "primary-down.tenants", "failover-tenant");

        config.put(p + "telnyx.type", "telnyx");
        config.put(p + "telnyx.base-url", TELNYX.baseUrl());
        config.put(p + "telnyx.api-key", TELNYX_KEY);
        config.put(p + "telnyx.from", "+15005550002");
        config.put(p + "telnyx.messaging-profile-id", "profile-1");
        config.put(p + "telnyx.public-key",
                Base64.getEncoder().encodeToString(TELNYX_SIGNING.getPublic().getEncoded()));
        config.put(p + "telnyx.priority", "2");
        config.put(p + "telnyx.tenants", "failover-tenant,telnyx-tenant,route-tenant");
        config.put(p + "telnyx.cost.default", "0.004");

        config.put(p + "broken.type", "webhook");
        config.put(p + "broken.base-url", BROKEN.baseUrl() + "/send");
        config.put(p + "broken.signing-secret", "broken-secret");
        config.put(p + "broken.priority", "1");
        config.put(p + "broken.tenants", "circuit-tenant");

        config.put(p + "slow.type", "webhook");
        config.put(p + "slow.base-url", SLOW.baseUrl() + "/send");
        config.put(p + "slow.signing-secret", "slow-secret");
        config.put(p + "slow.priority", "1");
        config.put(p + "slow.timeout", "PT0.3S");
        config.put(p + "slow.tenants", "timeout-tenant");

        config.put(p + "lagging.type", "webhook");
        config.put(p + "lagging.base-url", LAGGING.baseUrl() + "/send");
        config.put(p + "lagging.signing-secret", "lagging-secret");
        config.put(p + "lagging.channels", "sms");
        config.put(p + "lagging.priority", "0");
        config.put(p + "lagging.tenants", "throughput-tenant");

        config.put(p + "twilio-voice.type", "twilio");
        config.put(p + "twilio-voice.base-url", TWILIO_VOICE.baseUrl());
        config.put(p + "twilio-voice.account-sid", "ACvoice");
        config.put(p + "twilio-voice.auth-token", "voice-token");
        config.put(p + "twilio-voice.from", "+15005550003");
        config.put(p + "twilio-voice.channels", "voice");
        config.put(p + "twilio-voice.priority", "0");
        config.put(p + "twilio-voice.tenants", "twilio-channels-tenant");

        // WhatsApp through Twilio and Telnyx goes to the SMS sink, which checks the template shape as they do.
        SmsSink sink = SmsSinkTestResource.sink();
        config.put(p + "twilio-whatsapp.type", "twilio");
        config.put(p + "twilio-whatsapp.base-url", sink.baseUrl());
        config.put(p + "twilio-whatsapp.account-sid", sink.accountSid());
        config.put(p + "twilio-whatsapp.auth-token", sink.authToken());
        config.put(p + "twilio-whatsapp.from", "+15005550003");
        config.put(p + "twilio-whatsapp.whatsapp-from", "+15005550004");
        config.put(p + "twilio-whatsapp.whatsapp-content-sid", WHATSAPP_CONTENT_SID);
        config.put(p + "twilio-whatsapp.channels", "whatsapp");
        config.put(p + "twilio-whatsapp.priority", "0");
        config.put(p + "twilio-whatsapp.tenants", "twilio-channels-tenant");

        config.put(p + "telnyx-whatsapp.type", "telnyx");
        config.put(p + "telnyx-whatsapp.base-url", sink.baseUrl());
        config.put(p + "telnyx-whatsapp.api-key", sink.telnyxApiKey());
        config.put(p + "telnyx-whatsapp.from", "+15005550002");
        config.put(p + "telnyx-whatsapp.whatsapp-from", "+15005550005");
        config.put(p + "telnyx-whatsapp.whatsapp-template-name", WHATSAPP_TEMPLATE);
        config.put(p + "telnyx-whatsapp.whatsapp-template-language", "en_US");
        config.put(p + "telnyx-whatsapp.channels", "whatsapp");
        config.put(p + "telnyx-whatsapp.priority", "0");
        config.put(p + "telnyx-whatsapp.tenants", "telnyx-whatsapp-tenant");

        config.put("keystep.delivery.sms.cost.US", "0.0079");
        config.put("keystep.delivery.sms.cost.default", "0.05");

        String t = "keystep.delivery.tenants.";
        config.put(t + "fallback-tenant.fallback-timeout", "PT3S");
        config.put(t + "receipt-tenant.fallback-timeout", "PT20S");
        config.put(t + "geo-tenant.allowed-countries", "US,CA");
        config.put(t + "pump-tenant.fraud.destination-per-hour", "2");
        config.put(t + "pump-tenant.fraud.prefix-per-hour", "3");
        config.put(t + "pump-tenant.fraud.usual-countries", "US");
        config.put(t + "pump-tenant.fraud.rare-country-per-hour", "1");
        config.put(t + "route-tenant.routes.telnyx.priority", "99");
        config.put(t + "learn-tenant.fraud.learning-minimum", "3");
        config.put(t + "learn-tenant.fraud.rare-country-share", "0.2");
        config.put(t + "learn-tenant.fraud.rare-country-per-hour", "1");
        config.put(t + "country-tenant.fraud.country-per-hour", "2");
        config.put(t + "throughput-tenant.fraud.destination-per-hour", "1000");
        config.put(t + "throughput-tenant.fraud.prefix-per-hour", "100000");
        config.put(t + "throughput-tenant.fraud.country-per-hour", "100000");
        config.put(t + "throughput-tenant.fraud.usual-countries", "US");
        config.put(t + "brand-tenant.templates.text-en", "Brand code {code}, valid {minutes} min.");
        config.put(t + "brand-tenant.web-otp-domain", "login.example.com");
        config.put(t + "brand-tenant.app-hash", "FA+9qCX9VSu");

        String push = "keystep.delivery.push.";
        config.put(push + "fcm.project-id", FCM.projectId());
        config.put(push + "fcm.client-email", FCM.clientEmail());
        config.put(push + "fcm.private-key", FCM.privateKeyPem());
        config.put(push + "fcm.token-uri", FCM.tokenUri());
        config.put(push + "fcm.base-url", FCM.baseUrl());
        config.put(push + "apns.team-id", APNS.teamId());
        config.put(push + "apns.key-id", APNS.keyId());
        config.put(push + "apns.signing-key", APNS.signingKeyPem());
        config.put(push + "apns.bundle-id", BUNDLE_ID);
        config.put(push + "apns.server-url", APNS.serverUrl());
        config.put(push + "apns.trusted-certificate", APNS.certificatePem());

        config.put("quarkus.mailer.host", "127.0.0.1");
        config.put("quarkus.mailer.port", String.valueOf(SMTP.getSmtp().getPort()));
        return config;
    }

    @Override
    public void stop() {
        // shared by every test class of this JVM; the servers go with the JVM
    }

    private static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static GreenMail startSmtp() {
        GreenMail mail = new GreenMail(new ServerSetup(FreePorts.next(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        Runtime.getRuntime().addShutdownHook(new Thread(mail::stop));
        return mail;
    }
}
