package io.keystep.delivery.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How delivery-service reaches people: default region, dedupe window, providers and their routing, fallback,
 * destination rules and the fraud guard, globally and per tenant ({@code keystep.delivery.tenants.<tenant>.*}).
 */
@ConfigMapping(prefix = "keystep.delivery")
public interface DeliveryConfig {

    /** The region assumed for numbers written without a country code (ISO 3166 alpha-2). */
    @WithDefault("US")
    String defaultRegion();

    /** How long a delivery job id is remembered, so that a job consumed twice is sent once. */
    @WithDefault("PT24H")
    Duration dedupeTtl();

    /** How long a channel has to report DELIVERED before the code goes out on the next channel of the plan. */
    @WithDefault("PT30S")
    Duration fallbackTimeout();

    /** How often due fallback timers are looked for. */
    @WithDefault("PT0.5S")
    Duration fallbackPollInterval();

    /** Countries (ISO alpha-2) codes may be sent to; empty means every country. */
    Optional<List<String>> allowedCountries();

    /** The order channels are tried in, for every tenant without its own; absent: each job's own plan. */
    Optional<List<String>> channelPlan();

    /** How long a tenant's settings read from Redis are reused before they are read again. */
    @WithDefault("PT5S")
    Duration settingsCacheTtl();

    /** The currency of every configured cost. */
    @WithDefault("USD")
    String currency();

    /** The primary SMS provider, speaking Twilio's Messages API ({@code KEYSTEP_DELIVERY_SMS_*}). */
    Sms sms();

    /** Further providers by name. */
    Map<String, Provider> providers();

    /** E-mail through the Quarkus Mailer (SMTP, {@code quarkus.mailer.*}). */
    Email email();

    /** Push notifications to paired phones, through FCM and APNs. */
    Push push();

    Retry retry();

    /** How delivery jobs are read from {@code challenge.issued.v1}. */
    Consumer consumer();

    CircuitBreaker circuitBreaker();

    Fraud fraud();

    Receipts receipts();

    /** Message options shared by every channel. */
    Messages messages();

    /** Per-tenant overrides. */
    Map<String, Tenant> tenants();

    interface Sms {

        /** The provider's name as it appears in status events, metrics and receipt URLs. */
        @WithDefault("twilio")
        String provider();

        /** The API root, for example {@code https://api.twilio.com}. */
        String baseUrl();

        String accountSid();

        String authToken();

        /** The sender number or alphanumeric sender id. */
        String from();

        /** The WhatsApp sender, when it differs from {@code from}. */
        Optional<String> whatsappFrom();

        /**
         * The Content SID ({@code HX} + 32 hex digits) of the account's approved WhatsApp authentication template, whose
         * variable {@code 1} is the code. Required when {@code channels} includes {@code whatsapp}.
         */
        Optional<String> whatsappContentSid();

        /** The caller id for voice calls, when it differs from {@code from}. */
        Optional<String> voiceFrom();

        /** Channels this account carries: {@code sms}, {@code whatsapp}, {@code voice}. */
        @WithDefault("sms")
        List<String> channels();

        @WithDefault("10")
        int priority();

        @WithDefault("100")
        int weight();

        /** How long one call to the provider may take. */
        @WithDefault("PT5S")
        Duration timeout();

        /** The URL Twilio posts delivery receipts to, when receipts are wanted. */
        Optional<String> statusCallbackUrl();

        /** Cost per message by country ({@code US}, ...) or {@code default}. */
        Map<String, String> cost();
    }

    interface Provider {

        /** {@code twilio}, {@code telnyx} or {@code webhook}. */
        String type();

        @WithDefault("sms")
        List<String> channels();

        /** Lower is tried first. */
        @WithDefault("10")
        int priority();

        /** Share of traffic among providers of the same priority. */
        @WithDefault("100")
        int weight();

        /** The tenants this provider serves; absent means every tenant. */
        Optional<List<String>> tenants();

        String baseUrl();

        /** Twilio: account sid. */
        Optional<String> accountSid();

        /** Twilio: auth token (also signs receipts). */
        Optional<String> authToken();

        /** Telnyx: API key (Bearer). */
        Optional<String> apiKey();

        /** Telnyx: the Ed25519 public key (base64, 32 bytes) receipts are signed with. */
        Optional<String> publicKey();

        /** Telnyx: messaging profile. */
        Optional<String> messagingProfileId();

        /** Webhook: the HMAC-SHA256 secret that signs requests and receipts. */
        Optional<String> signingSecret();

        Optional<String> from();

        Optional<String> whatsappFrom();

        /**
         * Twilio: the Content SID ({@code HX} + 32 hex digits) of the approved WhatsApp authentication template, whose
         * variable {@code 1} is the code. Required when {@code channels} includes {@code whatsapp}.
         */
        Optional<String> whatsappContentSid();

        /**
         * Telnyx: the name of the approved WhatsApp authentication template (Meta's copy-code shape). Required when
         * {@code channels} includes {@code whatsapp}.
         */
        Optional<String> whatsappTemplateName();

        /** Telnyx: the language the template was approved in, as Meta writes it ({@code en_US}, {@code de}, ...). */
        @WithDefault("en_US")
        String whatsappTemplateLanguage();

        Optional<String> voiceFrom();

        Optional<String> statusCallbackUrl();

        @WithDefault("PT5S")
        Duration timeout();

        Map<String, String> cost();
    }

    interface Email {

        @WithDefault("true")
        boolean enabled();

        @WithDefault("smtp")
        String provider();

        @WithDefault("10")
        int priority();

        Map<String, String> cost();
    }

    /**
     * A platform without its settings refuses its pushes ({@code push_not_configured}); one with some of them set but
     * not all stops start-up naming what is missing.
     */
    interface Push {

        Fcm fcm();

        Apns apns();
    }

    /** Firebase Cloud Messaging, HTTP v1 API, as a Google service account ({@code KEYSTEP_DELIVERY_PUSH_FCM_*}). */
    interface Fcm {

        /** The Firebase project the app is registered in. */
        Optional<String> projectId();

        /** The service account's e-mail ({@code client_email} of its key file). */
        Optional<String> clientEmail();

        /**
         * The service account's private key, PKCS#8 PEM ({@code private_key} of its key file; {@code \n} escapes are
         * read as line breaks), from {@code KEYSTEP_DELIVERY_PUSH_FCM_PRIVATE_KEY}.
         */
        Optional<String> privateKey();

        /** Where the service account's assertion is exchanged for an access token ({@code token_uri}). */
        @WithDefault("https://oauth2.googleapis.com/token")
        String tokenUri();

        /** The FCM API root. */
        @WithDefault("https://fcm.googleapis.com")
        String baseUrl();

        /** How long one call (token or send) may take. */
        @WithDefault("PT5S")
        Duration timeout();
    }

    /** The Apple Push Notification service, token-based ({@code KEYSTEP_DELIVERY_PUSH_APNS_*}). */
    interface Apns {

        /** The 10-character team id of the Apple developer account. */
        Optional<String> teamId();

        /** The 10-character id of the APNs signing key. */
        Optional<String> keyId();

        /** The signing key: the {@code .p8} file's content (PKCS#8 PEM), from {@code KEYSTEP_DELIVERY_PUSH_APNS_SIGNING_KEY}. */
        Optional<String> signingKey();

        /** The app's bundle id, the notifications' {@code apns-topic}. */
        Optional<String> bundleId();

        /** {@code https://api.push.apple.com}, or {@code https://api.sandbox.push.apple.com} for development builds. */
        @WithDefault("https://api.push.apple.com")
        String serverUrl();

        /**
         * The certificate (PEM) to trust as the server's instead of the JDK's trusted roots: only for a server that is
         * not Apple's, such as a test stand-in.
         */
        Optional<String> trustedCertificate();

        /** How long one call may take. */
        @WithDefault("PT5S")
        Duration timeout();
    }

    interface Consumer {

        /**
         * Jobs one instance works on at once. Jobs of one record key (one person) still run one at a time, in order.
         * 1 means one job at a time. A job spends most of its time waiting on the provider (100–300 ms for a real
         * one), so an instance needs many in flight: at 128 and 200 ms, about 640 jobs/s.
         */
        @WithDefault("128")
        int concurrency();
    }

    interface Retry {

        /** Tries per provider for retryable failures (timeouts, 429, 5xx), the first included. */
        @WithDefault("3")
        int maxAttempts();

        @WithDefault("PT0.2S")
        Duration initialBackoff();

        @WithDefault("PT2S")
        Duration maxBackoff();
    }

    interface CircuitBreaker {

        /** Consecutive failures that open a provider's circuit. */
        @WithDefault("5")
        int failureThreshold();

        /** How long an open circuit stays open before one trial call is let through. */
        @WithDefault("PT30S")
        Duration openFor();
    }

    interface Fraud {

        @WithDefault("10")
        int destinationPerHour();

        @WithDefault("50")
        int prefixPerHour();

        /** National digits after the country code that make a number range. */
        @WithDefault("5")
        int prefixDigits();

        @WithDefault("1000")
        int countryPerHour();

        /** Sends per hour allowed to a country the tenant rarely sends to. */
        @WithDefault("20")
        int rareCountryPerHour();

        /** Below this share of a tenant's sends over the last 30 days, a country is rare. */
        @WithDefault("0.01")
        double rareCountryShare();

        /** Sends a tenant needs before shares are trusted; until then only {@code usual-countries} count. */
        @WithDefault("200")
        int learningMinimum();

        /** Countries the tenant is known to send to; others are rare while too little history exists. */
        Optional<List<String>> usualCountries();
    }

    interface Receipts {

        /**
         * The public URL of this service as providers see it (for example behind a proxy), used to check Twilio
         * signatures, which sign the full URL. Absent: the request's own URL.
         */
        Optional<String> publicBaseUrl();

        /** How old a signed receipt's timestamp may be. */
        @WithDefault("PT5M")
        Duration maxSkew();
    }

    interface Messages {

        /** The WebOTP origin: adds {@code @domain #code} as the last line so that browsers can fill the code. */
        Optional<String> webOtpDomain();

        /** The Android SMS Retriever hash (11 characters) of the app that reads the code. */
        Optional<String> appHash();
    }

    interface Tenant {

        Optional<List<String>> channelPlan();

        Optional<Duration> fallbackTimeout();

        Optional<List<String>> allowedCountries();

        /** Priority and weight of providers for this tenant. */
        Map<String, Route> routes();

        /** The tenant's own templates, by {@code <kind>-<locale>} ({@code text-en}, {@code voice-de}, ...). */
        Map<String, String> templates();

        TenantFraud fraud();

        Optional<String> webOtpDomain();

        Optional<String> appHash();
    }

    interface Route {

        Optional<Integer> priority();

        Optional<Integer> weight();
    }

    interface TenantFraud {

        Optional<Integer> destinationPerHour();

        Optional<Integer> prefixPerHour();

        Optional<Integer> countryPerHour();

        Optional<Integer> rareCountryPerHour();

        Optional<Double> rareCountryShare();

        Optional<Integer> learningMinimum();

        Optional<List<String>> usualCountries();
    }
}
