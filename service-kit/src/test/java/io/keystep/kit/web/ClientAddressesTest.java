package io.keystep.kit.web;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientAddressesTest {

    private static final ClientAddresses BEHIND_LB = new ClientAddresses(List.of("10.0.0.0/8", "::1/128"),
            ClientAddresses.Header.X_FORWARDED_FOR);

    private static String client(ClientAddresses addresses, String peer, String... headers) {
        return addresses.clientOf(peer, List.of(headers)).map(InetAddress::getHostAddress).orElse(null);
    }

    @Test
    void entriesAClientWroteLeftOfTheTrustedProxiesAreIgnored() {
        // The client sent "203.0.113.9"; the load balancer appended the address it saw.
        assertEquals("198.51.100.7", client(BEHIND_LB, "10.0.0.5", "203.0.113.9, 198.51.100.7"));
        // Two trusted hops: the first untrusted address from the right.
        assertEquals("198.51.100.7", client(BEHIND_LB, "10.0.0.5", "203.0.113.9, 198.51.100.7, 10.1.2.3"));
        // Several header lines are one list, in order.
        assertEquals("198.51.100.7", client(BEHIND_LB, "10.0.0.5", "203.0.113.9", "198.51.100.7, 10.1.2.3"));
    }

    @Test
    void anUntrustedPeersHeaderIsNotBelieved() {
        assertEquals("192.0.2.44", client(BEHIND_LB, "192.0.2.44", "198.51.100.7"));
        assertEquals("192.0.2.44", client(new ClientAddresses(List.of(), ClientAddresses.Header.X_FORWARDED_FOR),
                "192.0.2.44", "198.51.100.7"));
    }

    @Test
    void somethingThatIsNoAddressStopsTheWalkAtTheLastTrustedHop() {
        assertEquals("10.1.2.3", client(BEHIND_LB, "10.0.0.5", "198.51.100.7, evil.example, 10.1.2.3"));
        assertEquals("10.0.0.5", client(BEHIND_LB, "10.0.0.5", "unknown"));
        // Without a header the trusted peer itself is the client; with only trusted entries the leftmost.
        assertEquals("10.0.0.5", client(BEHIND_LB, "10.0.0.5"));
        assertEquals("10.9.9.9", client(BEHIND_LB, "10.0.0.5", "10.9.9.9, 10.1.2.3"));
    }

    @Test
    void portsBracketsAndTheForwardedHeaderAreUnderstood() {
        assertEquals("198.51.100.7", client(BEHIND_LB, "10.0.0.5", "198.51.100.7:4711"));
        assertEquals("2001:db8:0:0:0:0:0:7", client(BEHIND_LB, "::1", "[2001:db8::7]:4711"));
        ClientAddresses forwarded = new ClientAddresses(List.of("10.0.0.0/8"), ClientAddresses.Header.FORWARDED);
        assertEquals("2001:db8:0:0:0:0:0:17", client(forwarded, "10.0.0.5",
                "for=203.0.113.9;proto=https, for=\"[2001:db8::17]:4711\";by=10.0.0.5"));
        // The header the proxies do not write is not read at all.
        assertEquals("10.0.0.5", client(forwarded, "10.0.0.5", "198.51.100.7"));
    }

    @Test
    void onlyAddressLiteralsAreAddresses() {
        assertTrue(ClientAddresses.literal("203.0.113.7").isPresent());
        assertTrue(ClientAddresses.literal("2001:db8::7").isPresent());
        assertEquals("192.0.2.1", ClientAddresses.literal("::ffff:192.0.2.1").orElseThrow().getHostAddress());
        for (String bad : new String[]{"localhost", "example.com", "999.1.1.1", "1.2.3", "1.2.3.4.5", "", "1.2.3.4 ",
                "2001:db8::7::1", "12345"}) {
            assertEquals(Optional.empty(), ClientAddresses.literal(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> new ClientAddresses(List.of("proxy.example"),
                ClientAddresses.Header.X_FORWARDED_FOR));
        assertThrows(IllegalArgumentException.class, () -> new ClientAddresses(List.of("10.0.0.0/33"),
                ClientAddresses.Header.X_FORWARDED_FOR));
        assertFalse(new ClientAddresses(List.of("10.0.0.0/8"), ClientAddresses.Header.X_FORWARDED_FOR)
                .trusts(ClientAddresses.literal("11.0.0.1").orElseThrow()));
    }

    @Test
    void anIpv6ClientIsLimitedByItsSlash64() {
        assertEquals(ClientAddresses.limitKey(ClientAddresses.literal("2001:db8:1:2::1").orElseThrow()),
                ClientAddresses.limitKey(ClientAddresses.literal("2001:db8:1:2:ffff::9").orElseThrow()));
        assertEquals("2001:db8:1:2::/64", ClientAddresses.limitKey(ClientAddresses.literal("2001:db8:1:2::1")
                .orElseThrow()));
        assertEquals("203.0.113.7", ClientAddresses.limitKey(ClientAddresses.literal("203.0.113.7").orElseThrow()));
    }
}
