package io.keystep.deploy;

import io.keystep.testsupport.FreePorts;

/**
 * Where each part of the local stack listens: the servers, the provider stand-ins (SMS sink, FCM, APNs and its
 * devices' inbox), each service's API and management (health, metrics, API description) ports, the console, and the
 * demo gateway's page.
 */
public record StackPorts(int kafka, int redis, int postgres, int smsSink, int challenge, int delivery, int risk,
                         int audit, int challengeManagement, int deliveryManagement, int riskManagement,
                         int auditManagement, int demoGateway, int fcm, int apns, int apnsInbox, int console,
                         int consoleManagement) {

    /**
     * The documented ports of the local run: the services' APIs on 8081–8084, their management interfaces on
     * 9081–9084, the console on 8085 (management 9085), the servers on uncommon ports, the demo gateway's page on
     * 8088, the SMS sink on 8090, FCM on 8091,
     * APNs on 8092 (HTTP/2 over TLS) and its devices' inbox on 8093.
     */
    public static StackPorts defaults() {
        return new StackPorts(19092, 16379, 15432, 8090, 8081, 8082, 8083, 8084, 9081, 9082, 9083, 9084, 8088, 8091,
                8092, 8093, 8085, 9085);
    }

    /** Free ports everywhere, so that a test stack never collides with a running one. */
    public static StackPorts free() {
        int[] p = FreePorts.distinct(18);
        return new StackPorts(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13],
                p[14], p[15], p[16], p[17]);
    }
}
