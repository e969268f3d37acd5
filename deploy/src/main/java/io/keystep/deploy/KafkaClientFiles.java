package io.keystep.deploy;

import io.keystep.events.BusAccess;
import io.keystep.testsupport.BusCredentials;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The client settings of the outside principals of a local run (a gateway, an SMS worker, a compliance reader)
 * and of its operator ({@code admin}, who may read the dead-letter topics and everything else),
 * written beside the secrets so that a Java client ({@code <principal>.properties}) or kcat
 * ({@code kcat -F <principal>.kcat.conf}) can join the bus with that principal's rights and no more.
 */
final class KafkaClientFiles {

    static final List<String> OUTSIDE_PRINCIPALS = List.of(BusAccess.GATEWAY, BusAccess.SMS_WORKER,
            BusAccess.COMPLIANCE, BusCredentials.ADMIN);

    private KafkaClientFiles() {
    }

    /** Writes both files of every outside principal into {@code dir}, readable by the owner only. */
    static void write(Path dir, String bootstrapServers, BusCredentials credentials) {
        try {
            Files.createDirectories(dir);
            for (String principal : OUTSIDE_PRINCIPALS) {
                String password = credentials.password(principal);
                writePrivate(dir.resolve(principal + ".properties"), String.join("\n",
                        "# Java Kafka client settings of the local run's " + principal + " principal.",
                        "bootstrap.servers=" + bootstrapServers,
                        "security.protocol=SASL_PLAINTEXT",
                        "sasl.mechanism=" + BusCredentials.MECHANISM,
                        "sasl.jaas.config=" + BusCredentials.jaas(principal, password).replace("\"", "\\\""),
                        ""));
                writePrivate(dir.resolve(principal + ".kcat.conf"), String.join("\n",
                        "# librdkafka (kcat -F) settings of the local run's " + principal + " principal.",
                        "bootstrap.servers=" + bootstrapServers,
                        "security.protocol=SASL_PLAINTEXT",
                        "sasl.mechanisms=" + BusCredentials.MECHANISM,
                        "sasl.username=" + principal,
                        "sasl.password=" + password,
                        ""));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the Kafka client settings into " + dir, e);
        }
    }

    private static void writePrivate(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
