package io.keystep.delivery.provider;

import io.keystep.delivery.ProviderStandInsTestResource;
import io.keystep.delivery.SmsSinkTestResource;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A provider's retries and circuit breaker as SmallRye Fault Tolerance runs them (inside the application, which
 * provides it); the provider is a counting stand-in.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(SmsSinkTestResource.class)
@QuarkusTestResource(ProviderStandInsTestResource.class)
@QuarkusTestResource(io.keystep.testsupport.auth.JwtTestResource.class)
class ProviderGuardTest {

    private static final SendOutcome DOWN = new SendOutcome.Refused("PROVIDER_HTTP_503", true);
    private static final SendOutcome BAD_NUMBER = new SendOutcome.Refused("PROVIDER_HTTP_400", false);
    private static final SendOutcome TAKEN = new SendOutcome.Accepted("m-1");

    /** A provider that answers what the test tells it, and counts its calls. */
    private static final class StandIn {
        final AtomicInteger calls = new AtomicInteger();
        volatile SendOutcome answer = DOWN;

        Uni<SendOutcome> send() {
            calls.incrementAndGet();
            return Uni.createFrom().item(answer);
        }
    }

    private final StandIn provider = new StandIn();

    private static ProviderGuard guard(int maxAttempts, int threshold, Duration openFor) {
        return new ProviderGuard("stand-in", new ProviderGuard.Policy(maxAttempts, Duration.ofMillis(1),
                Duration.ofMillis(5), threshold, openFor));
    }

    private SendOutcome send(ProviderGuard guard) {
        return guard.send(provider::send).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void aRetryableRefusalIsTriedUpToTheMaximumAndThenAnswered() {
        ProviderGuard guard = guard(3, 10, Duration.ofSeconds(30));
        assertEquals(DOWN, send(guard));
        assertEquals(3, provider.calls.get());
    }

    @Test
    void aRefusalOfTheMessageIsNotRetriedAndLeavesTheCircuitClosed() {
        ProviderGuard guard = guard(3, 2, Duration.ofSeconds(30));
        provider.answer = BAD_NUMBER;
        for (int i = 0; i < 4; i++) {
            assertEquals(BAD_NUMBER, send(guard));
        }
        assertEquals(4, provider.calls.get(), "the provider answered: it is up");
    }

    @Test
    void opensAfterTheThresholdOfConsecutiveFailures() {
        ProviderGuard guard = guard(1, 3, Duration.ofSeconds(30));
        for (int i = 0; i < 3; i++) {
            assertEquals(DOWN, send(guard));
        }
        assertEquals(new SendOutcome.Refused("CIRCUIT_OPEN", true), send(guard));
        assertEquals(3, provider.calls.get(), "an open circuit is not called");
    }

    @Test
    void aCircuitThatOpensDuringRetriesAnswersTheRefusalTheProviderGave() {
        ProviderGuard guard = guard(3, 2, Duration.ofSeconds(30));
        assertEquals(DOWN, send(guard));
        assertEquals(2, provider.calls.get(), "the second failure opened the circuit");
    }

    @Test
    void successResetsTheCountOfFailures() {
        ProviderGuard guard = guard(1, 3, Duration.ofSeconds(30));
        send(guard);
        send(guard);
        provider.answer = TAKEN;
        send(guard);
        provider.answer = DOWN;
        send(guard);
        send(guard);
        assertEquals(DOWN, send(guard), "two failures since the success: still closed");
        assertEquals(6, provider.calls.get());
    }

    @Test
    void afterTheOpenPeriodATrialCallDecides() {
        ProviderGuard guard = guard(1, 3, Duration.ofMillis(300));
        for (int i = 0; i < 3; i++) {
            send(guard);
        }
        assertEquals("CIRCUIT_OPEN", ((SendOutcome.Refused) send(guard)).reason());
        // A failed trial opens it again.
        await().atMost(Duration.ofSeconds(5)).until(() -> send(guard) == DOWN);
        assertEquals(4, provider.calls.get(), "one trial call");
        assertEquals("CIRCUIT_OPEN", ((SendOutcome.Refused) send(guard)).reason(), "a failed trial opens it again");
        // A successful trial closes it.
        provider.answer = TAKEN;
        await().atMost(Duration.ofSeconds(5)).until(() -> send(guard) == TAKEN);
        int calls = provider.calls.get();
        assertEquals(TAKEN, send(guard));
        assertEquals(TAKEN, send(guard));
        assertEquals(calls + 2, provider.calls.get(), "closed again");
    }
}
