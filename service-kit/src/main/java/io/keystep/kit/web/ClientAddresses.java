package io.keystep.kit.web;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whose address a request comes from, believing forwarded headers only as far as configured proxies wrote them.
 * Each proxy appends the address it saw to {@code X-Forwarded-For} (or {@code Forwarded}), so everything left of
 * the last untrusted entry is whatever the client chose to send. The walk therefore starts at the connection's
 * peer and goes right to left, past trusted proxies only, and stops at the first address no trusted proxy has:
 * the client. Quarkus's own forwarded support ({@code quarkus.http.proxy.*}) takes the leftmost entry, which the
 * client controls, so it is not used for this.
 */
public final class ClientAddresses {

    /** The header the trusted proxies write; only that one is read (a client could send the other unopposed). */
    public enum Header {
        X_FORWARDED_FOR("X-Forwarded-For"),
        FORWARDED("Forwarded");

        private final String name;

        Header(String name) {
            this.name = name;
        }

        public String headerName() {
            return name;
        }
    }

    private final List<IpSubnetFilterRule> trusted;
    private final Header header;

    /**
     * @param trustedProxies addresses or CIDR ranges ({@code 10.0.0.0/8}, {@code ::1/128}) of the proxies in front
     *                       of the service; none = forwarded headers are never believed
     * @param header         the header those proxies append to
     */
    public ClientAddresses(List<String> trustedProxies, Header header) {
        this.header = header;
        List<IpSubnetFilterRule> rules = new ArrayList<>();
        for (String entry : trustedProxies) {
            String range = entry.trim();
            if (range.isEmpty() || "none".equalsIgnoreCase(range)) {
                continue;
            }
            String[] parts = range.split("/", 2);
            InetAddress address = literal(parts[0])
                    .orElseThrow(() -> new IllegalArgumentException("trusted proxy " + range
                            + " is not an IP address or CIDR range"));
            int bits = address instanceof Inet6Address ? 128 : 32;
            int prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : bits;
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("trusted proxy " + range + " has a prefix outside 0-" + bits);
            }
            rules.add(new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT));
        }
        this.trusted = List.copyOf(rules);
    }

    /** The header this instance reads. */
    public Header header() {
        return header;
    }

    /**
     * The client of a request that arrived from {@code peer} carrying {@code headerValues} (every instance of the
     * configured header, in order). Empty when the peer is not an IP address.
     */
    public Optional<InetAddress> clientOf(String peer, List<String> headerValues) {
        Optional<InetAddress> peerAddress = peer == null ? Optional.empty() : literal(peer);
        if (peerAddress.isEmpty() || !trusts(peerAddress.get())) {
            return peerAddress;
        }
        List<String> hops = hops(headerValues);
        InetAddress client = peerAddress.get();
        for (int i = hops.size() - 1; i >= 0; i--) {
            Optional<InetAddress> hop = literal(hops.get(i));
            if (hop.isEmpty()) {
                // A trusted proxy wrote something that is no address: the proxy itself is the client we know.
                return Optional.of(client);
            }
            client = hop.get();
            if (!trusts(client)) {
                return Optional.of(client);
            }
        }
        return Optional.of(client);
    }

    boolean trusts(InetAddress address) {
        InetSocketAddress socket = new InetSocketAddress(address, 0);
        return trusted.stream().anyMatch(rule -> rule.matches(socket));
    }

    /** The entries of the header, left to right, as address text (port, brackets and quotes removed). */
    private List<String> hops(List<String> values) {
        List<String> hops = new ArrayList<>();
        if (values == null) {
            return hops;
        }
        for (String value : values) {
            for (String element : value.split(",")) {
                hops.add(header == Header.FORWARDED ? forwardedFor(element) : hostOf(element.trim()));
            }
        }
        return hops;
    }

    /** The {@code for=} node of one {@code Forwarded} element (RFC 7239), or "" when it has none. */
    private static String forwardedFor(String element) {
        return Arrays.stream(element.split(";")).map(String::trim)
                .filter(pair -> pair.toLowerCase(Locale.ROOT).startsWith("for="))
                .map(pair -> hostOf(pair.substring(4).trim().replace("\"", "")))
                .findFirst().orElse("");
    }

    /** {@code 192.0.2.1:4711} → {@code 192.0.2.1}, {@code [2001:db8::1]:4711} → {@code 2001:db8::1}. */
    private static String hostOf(String node) {
        if (node.startsWith("[")) {
            int end = node.indexOf(']');
            return end < 0 ? "" : node.substring(1, end);
        }
        int colon = node.indexOf(':');
        return colon >= 0 && colon == node.lastIndexOf(':') ? node.substring(0, colon) : node;
    }

    /**
     * An IP address literal (IPv4 dotted quad or IPv6), never a host name: nothing is looked up. An IPv4-mapped
     * IPv6 address is its IPv4 address.
     */
    public static Optional<InetAddress> literal(String text) {
        if (text == null || text.isEmpty() || text.length() > 45) {
            return Optional.empty();
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
        if (bytes == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByAddress(bytes));
        } catch (UnknownHostException impossible) {
            return Optional.empty();
        }
    }

    /**
     * The key an address is limited under: an IPv4 address as such, an IPv6 address by its /64 network, the
     * smallest block one subscriber is usually given (per address, one subscriber would have 2^64 buckets).
     */
    public static String limitKey(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] network = Arrays.copyOf(address.getAddress(), 16);
            Arrays.fill(network, 8, 16, (byte) 0);
            try {
                return NetUtil.toAddressString(InetAddress.getByAddress(network)) + "/64";
            } catch (UnknownHostException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        return address.getHostAddress();
    }
}
