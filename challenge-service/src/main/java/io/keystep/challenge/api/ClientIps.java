package io.keystep.challenge.api;

import io.keystep.challenge.config.VerifyConfig;
import io.keystep.kit.web.ClientAddresses;
import io.quarkus.runtime.Startup;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.InetAddress;
import java.util.Optional;

/**
 * The key a person's IP is limited under, for every endpoint that sends a code. Built at start-up, so that a
 * trusted-proxy entry that is no address or range stops the service rather than the first request.
 */
@ApplicationScoped
@Startup
public class ClientIps {

    private final ClientAddresses addresses;

    public ClientIps(VerifyConfig config) {
        this.addresses = new ClientAddresses(config.trustedProxies(), config.forwardedHeader());
    }

    /**
     * The {@code clientIp} the gateway states (it authenticated with its own token and saw the person), else the
     * address its trusted proxies forwarded ({@link ClientAddresses}), else the connection's own; null when not even
     * the connection's address is known.
     */
    public String of(HttpServerRequest http, String stated) {
        Optional<InetAddress> address = stated != null ? ClientAddresses.literal(stated)
                : http == null || http.remoteAddress() == null ? Optional.empty()
                : addresses.clientOf(http.remoteAddress().host(),
                        http.headers().getAll(addresses.header().headerName()));
        return address.map(ClientAddresses::limitKey).orElse(null);
    }
}
