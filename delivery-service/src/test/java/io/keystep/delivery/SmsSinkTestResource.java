package io.keystep.delivery;

import io.keystep.testsupport.SmsSink;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Starts the SMS sink once per JVM (Twilio's Messages API, and Telnyx's messaging API with {@link #TELNYX_API_KEY}) and
 * points the service's SMS provider at it.
 */
public class SmsSinkTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef";
    public static final String AUTH_TOKEN = "sink-auth-token";
    public static final String FROM = "+15005550006";
    public static final String TELNYX_API_KEY = "KEYsink0123";

    private static SmsSink sink;

    /** The running sink, for tests to read what it received. */
    public static synchronized SmsSink sink() {
        if (sink == null) {
            sink = SmsSink.start(0, ACCOUNT_SID, AUTH_TOKEN, TELNYX_API_KEY);
            Runtime.getRuntime().addShutdownHook(new Thread(sink::close));
        }
        return sink;
    }

    @Override
    public Map<String, String> start() {
        SmsSink running = sink();
        return Map.of(
                "keystep.delivery.sms.base-url", running.baseUrl(),
                "keystep.delivery.sms.account-sid", ACCOUNT_SID,
                "keystep.delivery.sms.auth-token", AUTH_TOKEN,
                "keystep.delivery.sms.from", FROM);
    }

    @Override
    public void stop() {
        // shared by every test class of this JVM; stopped when the JVM exits
    }
}
