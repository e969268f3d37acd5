package io.keystep.challenge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.webauthn4j.converter.AttestationObjectConverter;
import com.webauthn4j.converter.AuthenticatorDataConverter;
import com.webauthn4j.converter.util.ObjectConverter;
import com.webauthn4j.data.attestation.AttestationObject;
import com.webauthn4j.data.attestation.authenticator.AAGUID;
import com.webauthn4j.data.attestation.authenticator.AttestedCredentialData;
import com.webauthn4j.data.attestation.authenticator.AuthenticatorData;
import com.webauthn4j.data.attestation.authenticator.EC2COSEKey;
import com.webauthn4j.data.attestation.statement.AttestationCertificatePath;
import com.webauthn4j.data.attestation.statement.AttestationStatement;
import com.webauthn4j.data.attestation.statement.COSEAlgorithmIdentifier;
import com.webauthn4j.data.attestation.statement.NoneAttestationStatement;
import com.webauthn4j.data.attestation.statement.PackedAttestationStatement;
import com.webauthn4j.data.extension.authenticator.RegistrationExtensionAuthenticatorOutput;
import com.webauthn4j.util.Base64UrlUtil;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import java.util.UUID;

/**
 * An authenticator in software, for tests: it holds a P-256 key pair and answers WebAuthn ceremonies as a browser
 * relays them ({@code PublicKeyCredential.toJSON()}). Every structure is built with webauthn4j's data classes and
 * converters (CBOR, COSE); only the signatures are made here, with the JDK. Its fields are the knobs a test turns to
 * forge what a hostile or broken authenticator would send.
 */
final class SoftAuthenticator {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectConverter CBOR = new ObjectConverter();
    private static final SecureRandom RANDOM = new SecureRandom();

    final KeyPair keys;
    final byte[] credentialId;
    UUID aaguid = UUID.fromString("0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6");
    /** The origin the browser reports (the page's). */
    String origin;
    /** The relying party id whose hash the authenticator data carries. */
    String rpId;
    /** Whether it reports the user verified (PIN or biometric). */
    boolean userVerified = true;
    /** Whether it reports the credential backup eligible (a synced passkey). */
    boolean backupEligible;
    /** The sign count of its next response. */
    long signCount;
    /** {@code none}, {@code packed} (self attestation), {@code packed-forged} (bad signature) or any other name. */
    String format = "none";
    /** For {@code packed} with a certificate: the attestation key and its chain, leaf first. */
    PrivateKey attestationKey;
    List<X509Certificate> attestationChain;

    SoftAuthenticator(String origin, String rpId) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        this.keys = generator.generateKeyPair();
        this.credentialId = new byte[32];
        RANDOM.nextBytes(credentialId);
        this.origin = origin;
        this.rpId = rpId;
    }

    String id() {
        return Base64UrlUtil.encodeToString(credentialId);
    }

    /** The registration response to creation options whose challenge is {@code challenge} (base64url). */
    String register(String challenge) throws Exception {
        byte[] clientData = clientData("webauthn.create", challenge);
        AuthenticatorData<RegistrationExtensionAuthenticatorOutput> data = new AuthenticatorData<>(rpIdHash(),
                flags(true), signCount, new AttestedCredentialData(new AAGUID(aaguid), credentialId,
                EC2COSEKey.create((ECPublicKey) keys.getPublic(), COSEAlgorithmIdentifier.ES256)));
        byte[] authData = new AuthenticatorDataConverter(CBOR).convert(data);
        byte[] signed = concat(authData, sha256(clientData));
        AttestationStatement statement = switch (format) {
            case "none" -> new NoneAttestationStatement();
            case "packed" -> attestationChain == null
                    ? new PackedAttestationStatement(COSEAlgorithmIdentifier.ES256, sign(keys.getPrivate(), signed),
                    null)
                    : new PackedAttestationStatement(COSEAlgorithmIdentifier.ES256, sign(attestationKey, signed),
                    new AttestationCertificatePath(attestationChain));
            case "packed-forged" -> new PackedAttestationStatement(COSEAlgorithmIdentifier.ES256,
                    sign(keys.getPrivate(), concat(signed, new byte[]{1})), null);
            default -> new NoneAttestationStatement();
        };
        byte[] attestation = new AttestationObjectConverter(CBOR).convertToBytes(new AttestationObject(data,
                statement));
        if (!List.of("none", "packed", "packed-forged").contains(format)) {
            attestation = renamedFormat(attestation, format);
        }
        ObjectNode response = JSON.createObjectNode();
        response.put("clientDataJSON", Base64UrlUtil.encodeToString(clientData));
        response.put("attestationObject", Base64UrlUtil.encodeToString(attestation));
        response.putArray("transports").add("internal");
        return credential(response);
    }

    /** The assertion for request options whose challenge is {@code challenge}, signed with this user handle. */
    String assertion(String challenge, byte[] userHandle) throws Exception {
        byte[] clientData = clientData("webauthn.get", challenge);
        byte[] authData = new AuthenticatorDataConverter(CBOR).convert(new AuthenticatorData<>(rpIdHash(),
                flags(false), signCount));
        ObjectNode response = JSON.createObjectNode();
        response.put("clientDataJSON", Base64UrlUtil.encodeToString(clientData));
        response.put("authenticatorData", Base64UrlUtil.encodeToString(authData));
        response.put("signature", Base64UrlUtil.encodeToString(sign(keys.getPrivate(),
                concat(authData, sha256(clientData)))));
        if (userHandle != null) {
            response.put("userHandle", Base64UrlUtil.encodeToString(userHandle));
        }
        return credential(response);
    }

    private String credential(ObjectNode response) throws Exception {
        ObjectNode credential = JSON.createObjectNode();
        credential.put("id", id());
        credential.put("rawId", id());
        credential.put("type", "public-key");
        credential.set("response", response);
        credential.putObject("clientExtensionResults");
        credential.put("authenticatorAttachment", "platform");
        return JSON.writeValueAsString(credential);
    }

    private byte flags(boolean attested) {
        int flags = AuthenticatorData.BIT_UP;
        if (userVerified) {
            flags |= AuthenticatorData.BIT_UV;
        }
        if (backupEligible) {
            flags |= AuthenticatorData.BIT_BE;
        }
        if (attested) {
            flags |= AuthenticatorData.BIT_AT;
        }
        return (byte) flags;
    }

    private byte[] clientData(String type, String challenge) throws Exception {
        ObjectNode c = JSON.createObjectNode();
        c.put("type", type);
        c.put("challenge", challenge);
        c.put("origin", origin);
        c.put("crossOrigin", false);
        return JSON.writeValueAsBytes(c);
    }

    private byte[] rpIdHash() throws Exception {
        return sha256(rpId.getBytes(StandardCharsets.UTF_8));
    }

    /** The attestation object with its {@code fmt} renamed, re-encoded by webauthn4j's CBOR mapper. */
    @SuppressWarnings("unchecked")
    private static byte[] renamedFormat(byte[] attestation, String format) {
        java.util.Map<String, Object> map = new java.util.LinkedHashMap<>(
                CBOR.getCborConverter().readValue(attestation, java.util.Map.class));
        map.put("fmt", format);
        return CBOR.getCborConverter().writeValueAsBytes(map);
    }

    static byte[] sign(PrivateKey key, byte[] data) throws Exception {
        Signature signature = Signature.getInstance("SHA256withECDSA");
        signature.initSign(key);
        signature.update(data);
        return signature.sign();
    }

    static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
