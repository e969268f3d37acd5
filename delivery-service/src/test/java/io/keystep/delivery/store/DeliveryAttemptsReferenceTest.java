package io.keystep.delivery.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class DeliveryAttemptsReferenceTest {

    @Test
    void timerMemberNamesTheChallengeItsSendAndItsStep() {
        String member = DeliveryAttempts.timerMember("acme", "c-1", 3, 1);
        assertEquals(new DeliveryAttempts.Reference("acme", "c-1", 3, 1), DeliveryAttempts.Reference.parse(member));
    }

    @Test
    void referenceWrittenBeforeSendAttemptsReadsAsTheFirstSend() {
        assertEquals(new DeliveryAttempts.Reference("acme", "c-1", 1, 0), DeliveryAttempts.Reference.parse("c-1|0|acme"));
        assertEquals(new DeliveryAttempts.Reference("a|b", "c-1", 1, 2), DeliveryAttempts.Reference.parse("c-1|2|a|b"));
        assertNull(DeliveryAttempts.Reference.parse("garbage"));
        assertNull(DeliveryAttempts.Reference.parse("c-1|x|acme"));
    }
}
