package io.keystep.risk;

import io.keystep.testsupport.arch.ServiceRooms;
import org.junit.jupiter.api.Test;

/** risk-service keeps the rooms every service has, and its domain imports nothing above it. */
class ArchitectureTest {

    @Test
    void everyClassKeepsToTheRoomsOfAService() {
        ServiceRooms.of("io.keystep.risk").check();
    }
}
