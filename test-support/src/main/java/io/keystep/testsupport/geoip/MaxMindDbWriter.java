package io.keystep.testsupport.geoip;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a small database in the MaxMind DB format (spec: maxmind.github.io/MaxMind-DB) so that tests can give
 * MaxMind's own reader networks of their choosing. IPv6 tree (IPv4 networks live under ::/96, where the reader
 * looks for them), 32-bit records, no pointer compression. Values: {@link String}, {@link Double}, {@link Map},
 * {@link List}, {@link Boolean}, and {@link UInt16} / {@link UInt32} / {@link UInt64} for unsigned integers.
 */
public final class MaxMindDbWriter {

    /** An unsigned 16-bit value (the reader answers an Integer). */
    public record UInt16(int value) {
    }

    /** An unsigned 32-bit value (the reader answers a Long). */
    public record UInt32(long value) {
    }

    /** An unsigned 64-bit value (the reader answers a BigInteger). */
    public record UInt64(long value) {
    }

    private static final byte[] METADATA_MARKER = {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF,
            'M', 'a', 'x', 'M', 'i', 'n', 'd', '.', 'c', 'o', 'm'};

    private final String databaseType;
    private final String description;
    private final Node root = new Node();
    private final List<Map<String, Object>> records = new ArrayList<>();

    public MaxMindDbWriter(String databaseType, String description) {
        this.databaseType = databaseType;
        this.description = description;
    }

    /** A GeoIP2-City-shaped record: country, city and coordinates. */
    public static Map<String, Object> city(String isoCode, String countryName, String cityName, double latitude,
                                    double longitude) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("country", Map.of("iso_code", isoCode, "names", Map.of("en", countryName)));
        record.put("city", Map.of("names", Map.of("en", cityName)));
        record.put("location", Map.of("latitude", latitude, "longitude", longitude));
        return record;
    }

    /** Maps a network in CIDR notation (IPv4 or IPv6) to a record. Networks must not overlap. */
    public MaxMindDbWriter insert(String cidr, Map<String, Object> record) {
        int slash = cidr.indexOf('/');
        byte[] address;
        try {
            address = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
        } catch (IOException e) {
            throw new IllegalArgumentException(cidr, e);
        }
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        byte[] v6 = new byte[16];
        if (address.length == 4) {
            System.arraycopy(address, 0, v6, 12, 4);
            prefix += 96;
        } else {
            v6 = address;
        }
        records.add(record);
        int dataIndex = records.size() - 1;
        Node node = root;
        for (int i = 0; i < prefix; i++) {
            int bit = (v6[i / 8] >> (7 - i % 8)) & 1;
            if (i == prefix - 1) {
                node.children[bit] = dataIndex;
            } else {
                if (node.children[bit] == null) {
                    node.children[bit] = new Node();
                } else if (node.children[bit] instanceof Integer) {
                    throw new IllegalArgumentException(cidr + " overlaps an earlier network");
                }
                node = (Node) node.children[bit];
            }
        }
        return this;
    }

    /** Writes the database file. */
    public void write(Path file) throws IOException {
        // Number the nodes breadth first: the root is node 0.
        List<Node> nodes = new ArrayList<>();
        Map<Node, Integer> numbers = new IdentityHashMap<>();
        Deque<Node> queue = new ArrayDeque<>();
        queue.add(root);
        while (!queue.isEmpty()) {
            Node n = queue.poll();
            numbers.put(n, nodes.size());
            nodes.add(n);
            for (Object child : n.children) {
                if (child instanceof Node c) {
                    queue.add(c);
                }
            }
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int[] offsets = new int[records.size()];
        for (int i = 0; i < records.size(); i++) {
            offsets[i] = data.size();
            encode(records.get(i), data);
        }

        long nodeCount = nodes.size();
        ByteBuffer tree = ByteBuffer.allocate(nodes.size() * 8);
        for (Node n : nodes) {
            for (Object child : n.children) {
                long value;
                if (child == null) {
                    value = nodeCount;                         // no data
                } else if (child instanceof Node c) {
                    value = numbers.get(c);
                } else {
                    value = nodeCount + 16 + offsets[(Integer) child];
                }
                tree.putInt((int) value);
            }
        }

        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("binary_format_major_version", new UInt16(2));
        metadata.put("binary_format_minor_version", new UInt16(0));
        metadata.put("build_epoch", new UInt64(System.currentTimeMillis() / 1000));
        metadata.put("database_type", databaseType);
        metadata.put("description", Map.of("en", description));
        metadata.put("ip_version", new UInt16(6));
        metadata.put("languages", List.of("en"));
        metadata.put("node_count", new UInt32(nodeCount));
        metadata.put("record_size", new UInt16(32));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tree.array());
        out.write(new byte[16]);                                 // the data section separator
        data.writeTo(out);
        out.write(METADATA_MARKER);
        encode(metadata, out);
        Files.write(file, out.toByteArray());
    }

    private static void encode(Object value, ByteArrayOutputStream out) {
        if (value instanceof String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            control(2, bytes.length, out);
            out.writeBytes(bytes);
        } else if (value instanceof Double d) {
            control(3, 8, out);
            out.writeBytes(ByteBuffer.allocate(8).putDouble(d).array());
        } else if (value instanceof UInt16 u) {
            unsigned(5, BigInteger.valueOf(u.value()), out);
        } else if (value instanceof UInt32 u) {
            unsigned(6, BigInteger.valueOf(u.value()), out);
        } else if (value instanceof UInt64 u) {
            unsigned(9, BigInteger.valueOf(u.value()), out);
        } else if (value instanceof Map<?, ?> map) {
            control(7, map.size(), out);
            for (Map.Entry<?, ?> e : map.entrySet()) {
                encode((String) e.getKey(), out);
                encode(e.getValue(), out);
            }
        } else if (value instanceof List<?> list) {
            control(11, list.size(), out);
            for (Object item : list) {
                encode(item, out);
            }
        } else if (value instanceof Boolean b) {
            control(14, b ? 1 : 0, out);
        } else {
            throw new IllegalArgumentException("cannot encode " + (value == null ? "null" : value.getClass()));
        }
    }

    private static void unsigned(int type, BigInteger value, ByteArrayOutputStream out) {
        byte[] bytes = value.toByteArray();
        int start = 0;
        while (start < bytes.length && bytes[start] == 0) {
            start++;                                             // minimal big-endian, zero is no bytes at all
        }
        control(type, bytes.length - start, out);
        out.write(bytes, start, bytes.length - start);
    }

    /** Control byte (type in the top 3 bits, or 0 plus an extended-type byte) and the size, per the spec. */
    private static void control(int type, int size, ByteArrayOutputStream out) {
        int sizeBits;
        byte[] sizeBytes;
        if (size < 29) {
            sizeBits = size;
            sizeBytes = new byte[0];
        } else if (size < 285) {
            sizeBits = 29;
            sizeBytes = new byte[]{(byte) (size - 29)};
        } else if (size < 65_821) {
            sizeBits = 30;
            int rest = size - 285;
            sizeBytes = new byte[]{(byte) (rest >> 8), (byte) rest};
        } else {
            sizeBits = 31;
            int rest = size - 65_821;
            sizeBytes = new byte[]{(byte) (rest >> 16), (byte) (rest >> 8), (byte) rest};
        }
        if (type <= 7) {
            out.write((type << 5) | sizeBits);
        } else {
            out.write(sizeBits);
            out.write(type - 7);
        }
        out.writeBytes(sizeBytes);
    }

    private static final class Node {
        final Object[] children = new Object[2];
    }
}
