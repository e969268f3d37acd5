package io.keystep.challenge;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * An attestation root and an authenticator model's attestation certificate signed by it, made by the JDK's own
 * {@code keytool} as a vendor's CA would make them: the certificate carries what WebAuthn's packed format demands
 * (subject OU "Authenticator Attestation", not a CA).
 */
final class AttestationRoots {

    private static final String PASSWORD = "changeit";

    final X509Certificate root;
    final X509Certificate attestation;
    final PrivateKey attestationKey;

    private AttestationRoots(X509Certificate root, X509Certificate attestation, PrivateKey attestationKey) {
        this.root = root;
        this.attestation = attestation;
        this.attestationKey = attestationKey;
    }

    static AttestationRoots create(String vendor) throws Exception {
        Path dir = Files.createTempDirectory("keystep-attestation");
        Path store = dir.resolve("vendor.p12");
        keytool(dir, "-genkeypair", "-alias", "root", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=" + vendor + " Root,O=" + vendor + ",C=SE", "-ext", "bc:c=ca:true");
        keytool(dir, "-genkeypair", "-alias", "model", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=" + vendor + " Key,OU=Authenticator Attestation,O=" + vendor + ",C=SE");
        keytool(dir, "-certreq", "-alias", "model", "-file", dir.resolve("model.csr").toString());
        keytool(dir, "-gencert", "-alias", "root", "-validity", "2", "-ext", "bc:c=ca:false",
                "-infile", dir.resolve("model.csr").toString(), "-outfile", dir.resolve("model.pem").toString(),
                "-rfc");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD.toCharArray());
        }
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        X509Certificate model;
        try (InputStream in = Files.newInputStream(dir.resolve("model.pem"))) {
            model = (X509Certificate) factory.generateCertificate(in);
        }
        return new AttestationRoots((X509Certificate) keys.getCertificate("root"), model,
                (PrivateKey) keys.getKey("model", PASSWORD.toCharArray()));
    }

    /** The root as the settings API takes it. */
    String rootPem() throws Exception {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(root.getEncoded()) + "\n-----END CERTIFICATE-----";
    }

    List<X509Certificate> chain() {
        return new ArrayList<>(List.of(attestation));
    }

    private static void keytool(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-keystore", dir.resolve("vendor.p12").toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD, "-noprompt"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool " + args[0] + " failed: " + out);
        }
    }

    static X509Certificate parse(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }
}
