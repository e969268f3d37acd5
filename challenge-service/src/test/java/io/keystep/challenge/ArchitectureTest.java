package io.keystep.challenge;

import io.keystep.testsupport.arch.ServiceRooms;
import org.junit.jupiter.api.Test;

/** challenge-service keeps the rooms every service has, and its domain imports nothing above it. */
class ArchitectureTest {

    @Test
    void everyClassKeepsToTheRoomsOfAService() {
        ServiceRooms.of("io.keystep.challenge", "factors").check();
    }
}
