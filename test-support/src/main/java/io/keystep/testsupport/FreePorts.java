package io.keystep.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Picks ports that are free on the loopback interface at the moment of asking. */
public final class FreePorts {

    private FreePorts() {
    }

    /**
     * {@code count} ports free at the moment of asking and different from each other: every socket stays open
     * until all are chosen, because the system may hand out a port it just released again (two services of one
     * stack were once given the same port, and the second could not start).
     */
    public static int[] distinct(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets[i].setReuseAddress(true);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free ports", e);
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // the port was only being reserved
                    }
                }
            }
        }
    }

    public static int next() {
        return distinct(1)[0];
    }
}
