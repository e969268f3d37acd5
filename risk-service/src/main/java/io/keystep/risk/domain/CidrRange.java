package io.keystep.risk.domain;

import java.util.Arrays;

/** An IPv4 or IPv6 network in CIDR notation, for tenants' allow and deny lists. */
public record CidrRange(String text, byte[] network, int prefixLength) {

    /** Parses {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare address is a one-address range. */
    public static CidrRange parse(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        byte[] bytes = IpAddresses.parse(address)
                .orElseThrow(() -> new IllegalArgumentException("not an IP network: " + text));
        int prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(trimmed.substring(slash + 1));
        if (prefix < 0 || prefix > bytes.length * 8) {
            throw new IllegalArgumentException("prefix out of range: " + text);
        }
        return new CidrRange(trimmed, bytes, prefix);
    }

    /** Whether the address (raw bytes, 4 or 16) lies in this range; IPv4 never matches an IPv6 range. */
    public boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (address[full] & mask) == (network[full] & mask);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidrRange other && prefixLength == other.prefixLength
                && Arrays.equals(network, other.network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    @Override
    public String toString() {
        return text;
    }
}
