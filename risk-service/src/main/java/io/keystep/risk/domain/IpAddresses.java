package io.keystep.risk.domain;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/** Parses IP literals without ever asking DNS (a login's {@code ip} is untrusted text). */
public final class IpAddresses {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    private IpAddresses() {
    }

    /**
     * One spelling per address ({@code 2001:DB8:0::1} and {@code 2001:db8::1} are the same IP), so that counts
     * kept per IP cannot be dodged by rewriting it; text that is not an IP literal is kept as it is.
     */
    public static String canonical(String text) {
        return parse(text).map(bytes -> {
            try {
                return InetAddress.getByAddress(bytes).getHostAddress();
            } catch (UnknownHostException e) {
                return text;
            }
        }).orElse(text);
    }

    /** The address's bytes (4 for IPv4, 16 for IPv6), or empty when the text is not an IP literal. */
    public static Optional<byte[]> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String s = text.trim();
        var v4 = IPV4.matcher(s);
        if (v4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int part = Integer.parseInt(v4.group(i + 1));
                if (part > 255) {
                    return Optional.empty();
                }
                bytes[i] = (byte) part;
            }
            return Optional.of(bytes);
        }
        // Only a text made of hex digits, colons and dots reaches InetAddress, so no DNS lookup can happen.
        if (s.indexOf(':') >= 0 && IPV6.matcher(s).matches()) {
            try {
                byte[] bytes = InetAddress.getByName(s).getAddress();
                return Optional.of(bytes);
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
