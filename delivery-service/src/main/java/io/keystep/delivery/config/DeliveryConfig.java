package io.keystep.delivery.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** How delivery-service reaches people: default region, dedupe window and the SMS provider. */
@ConfigMapping(prefix = "keystep.delivery")
public interface DeliveryConfig {

    /** The region assumed for numbers written without a country code (ISO 3166 alpha-2). */
    @WithDefault("US")
    String defaultRegion();

    /** How long a delivery job id is remembered, so that a job consumed twice is sent once. */
    @WithDefault("PT24H")
    Duration dedupeTtl();

    /** The primary SMS provider, speaking Twilio's Messages API. */
    Sms sms();

    /** Message options shared by every channel. */
    Messages messages();

    interface Sms {

        /** The provider's name as it appears in status events and metrics. */
        @WithDefault("twilio")
        String provider();

        /** The API root, for example {@code https://api.twilio.com}. */
        String baseUrl();

        String accountSid();

        String authToken();

        /** The sender number or alphanumeric sender id. */
        String from();

        /** How long one call to the provider may take. */
        @WithDefault("PT5S")
        Duration timeout();
    }

    interface Messages {

        /** The WebOTP origin: adds {@code @domain #code} as the last line so that browsers can fill the code. */
        Optional<String> webOtpDomain();

        /** The Android SMS Retriever hash (11 characters) of the app that reads the code. */
        Optional<String> appHash();
    }
}
