package io.keystep.delivery;

import io.keystep.testsupport.arch.ServiceRooms;
import org.junit.jupiter.api.Test;

/**
 * The service keeps the rooms every service has, plus {@code provider} for the SMS, voice, WhatsApp and e-mail
 * providers: {@code domain} imports none of the others.
 */
class ArchitectureTest {

    @Test
    void everyClassLivesInItsRoomAndTheDomainImportsNothingAbove() {
        ServiceRooms.of("io.keystep.delivery", "provider").check();
    }
}
