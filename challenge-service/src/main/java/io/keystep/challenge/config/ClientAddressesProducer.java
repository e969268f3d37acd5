package io.keystep.challenge.config;

import io.keystep.kit.web.ClientAddresses;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Which proxies' forwarded headers name the client; built at start-up, so that a bad range stops the service. */
public class ClientAddressesProducer {

    @Produces
    @Singleton
    @Startup
    ClientAddresses clientAddresses(VerifyConfig config) {
        return new ClientAddresses(config.trustedProxies(), config.forwardedHeader());
    }
}
