package io.keystep.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/** What the push stand-ins share: PEM text for keys and certificates, and a TLS server certificate of their own. */
final class PushStandIns {

    private static final SecureRandom RANDOM = new SecureRandom();

    private PushStandIns() {
    }

    /** {@code der} as PEM of {@code type} ({@code PRIVATE KEY}, {@code CERTIFICATE}, ...). */
    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** A PKCS#12 key store holding a self-signed EC certificate for {@code localhost} and {@code 127.0.0.1}. */
    record ServerIdentity(Path keyStore, String password, String certificatePem) {
    }

    /**
     * A fresh server identity made by the JDK's own {@code keytool}, as an operator would make a test certificate:
     * valid two days, for the loopback names only.
     */
    static ServerIdentity selfSigned(String name) {
        try {
            Path dir = Files.createTempDirectory("keystep-" + name);
            Path store = dir.resolve(name + ".p12");
            byte[] random = new byte[18];
            RANDOM.nextBytes(random);
            String password = HexFormat.of().formatHex(random);
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                    "-dname", "CN=localhost,O=Keystep " + name + " stand-in", "-ext", "san=dns:localhost,ip:127.0.0.1",
                    "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", password,
                    "-keypass", password, "-noprompt"));
            Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (keytool.waitFor() != 0) {
                throw new IllegalStateException("keytool could not make a certificate: " + out);
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, password.toCharArray());
            }
            return new ServerIdentity(store, password, pem("CERTIFICATE", keys.getCertificate("server").getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
