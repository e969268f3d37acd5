package io.keystep.audit;

import io.keystep.testsupport.arch.ServiceRooms;
import org.junit.jupiter.api.Test;

/** audit-service keeps the rooms every service has, and its domain imports nothing above it. */
class ArchitectureTest {

    @Test
    void everyClassKeepsToTheRoomsOfAService() {
        ServiceRooms.of("io.keystep.audit").check();
    }
}
