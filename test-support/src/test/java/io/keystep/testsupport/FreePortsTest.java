package io.keystep.testsupport;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FreePortsTest {

    @Test
    void distinctPortsAreDifferentAndFreeOnceChosen() throws IOException {
        int[] ports = FreePorts.distinct(50);
        assertEquals(50, ports.length);
        assertEquals(50, Arrays.stream(ports).distinct().count());
        for (int port : ports) {
            try (ServerSocket bound = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(port, bound.getLocalPort());
            }
        }
    }
}
