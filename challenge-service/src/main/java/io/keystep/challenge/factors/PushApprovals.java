package io.keystep.challenge.factors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keystep.challenge.domain.CodeDigest;
import io.keystep.challenge.domain.PushPolicy;
import io.keystep.challenge.store.PushChallenges;
import io.keystep.challenge.store.PushDevices;
import io.keystep.challenge.store.PushSettingsRepository;
import io.keystep.events.Factor;
import io.keystep.events.FactorChange;
import io.keystep.events.FactorChanged;
import io.keystep.kit.web.Problem;
import io.keystep.kit.web.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * Push approval that resists fatigue (NIST SP 800-63B-4: the person transfers a code from the login screen to the
 * device). A device pairs from a single-use link by proving its key; a login on push shows a 2-digit number, the
 * notification carries only the challenge id and a nonce, and the app approves by typing the number in a request
 * signed by the device key. Every request of a device is signed: its key is the device's only credential.
 */
@ApplicationScoped
public class PushApprovals {

    /** How long a pairing link works. */
    public static final Duration PAIRING_TTL = Duration.ofMinutes(10);
    /** How far a device's clock may be from ours on a signed request. */
    public static final Duration SIGNATURE_SKEW = Duration.ofSeconds(90);
    /** What a device signs to pair: this, then the pairing token. */
    public static final String PAIRING_CONTEXT = "keystep-pairing:";

    /**
     * A new push: the number the login screen shows, the nonce the notification carries, and their digests (the
     * challenge holds the number's, the hash beside it the nonce's).
     */
    public record Push(int number, String nonce, String digest, String nonceDigest) {
    }

    /** A pairing link under way. */
    public record PairingLink(String token, String url, byte[] qrPng, Instant expiresAt) {
    }

    /** A device, authenticated by its signature, and its tenant. */
    public record SignedBy(String tenantId, PushDevices.Device device) {
    }

    private final PushDevices devices;
    private final PushChallenges state;
    private final PushSettingsRepository settings;
    private final CodeDigest digests;
    private final FactorNotices notices;
    private final FactorMetrics metrics;
    private final TrustedDevices trustedDevices;
    private final Clock clock;
    private final ObjectMapper mapper;
    private final String pairingBaseUrl;
    private final SecureRandom random = new SecureRandom();

    public PushApprovals(PushDevices devices, PushChallenges state, PushSettingsRepository settings,
                         CodeDigest digests, FactorNotices notices, FactorMetrics metrics,
                         TrustedDevices trustedDevices, Clock clock, ObjectMapper mapper,
                         @ConfigProperty(name = "keystep.push.pairing-base-url", defaultValue = "http://localhost:8081")
                         String pairingBaseUrl) {
        this.devices = devices;
        this.state = state;
        this.settings = settings;
        this.digests = digests;
        this.notices = notices;
        this.metrics = metrics;
        this.trustedDevices = trustedDevices;
        this.clock = clock;
        this.mapper = mapper;
        this.pairingBaseUrl = pairingBaseUrl.endsWith("/") ? pairingBaseUrl.substring(0, pairingBaseUrl.length() - 1)
                : pairingBaseUrl;
    }

    public Uni<PushPolicy> policyOf(String tenantId) {
        return settings.policyOf(tenantId);
    }

    /** A fresh number (10 to 99) and nonce for push challenge {@code challengeId}. */
    public Push newPush(String tenantId, String challengeId, String binding) {
        int number = 10 + random.nextInt(90);
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
        return new Push(number, encoded, digest(tenantId, challengeId, number, binding),
                nonceDigest(tenantId, challengeId, encoded));
    }

    /**
     * The digest a push challenge holds: of the number under a prefix no code has, so that no code presented to
     * the check API can ever match it; only an answer signed by the paired device presents it. A transaction's
     * amount and payee are bound into it as into a code's.
     */
    public String digest(String tenantId, String challengeId, int number, String binding) {
        return digests.digest(tenantId, challengeId, "push-number|" + number, binding);
    }

    private String nonceDigest(String tenantId, String challengeId, String nonce) {
        return digests.digest(tenantId, challengeId, "push-nonce|" + nonce);
    }

    /** What the app shows of the login: the tenant's name, where and what it comes from, when. */
    public String context(PushPolicy policy, String location, String userAgent, Instant at) {
        ObjectNode context = mapper.createObjectNode();
        context.put("tenant", policy.displayName());
        if (location != null) {
            context.put("location", location);
        }
        if (userAgent != null) {
            context.put("device", userAgent.length() > 200 ? userAgent.substring(0, 200) : userAgent);
        }
        context.put("requestedAt", at.toString());
        return context.toString();
    }

    /** Opens a pairing link for the user: single use, {@link #PAIRING_TTL}; the caller authorised the change. */
    public Uni<PairingLink> openPairing(String tenantId, String userId) {
        byte[] token = new byte[32];
        random.nextBytes(token);
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(token);
        String url = pairingBaseUrl + "/v1/push/pairings/" + encoded;
        Instant expiresAt = clock.instant().plus(PAIRING_TTL);
        return state.openPairing(encoded, tenantId, userId, PAIRING_TTL)
                .replaceWith(new PairingLink(encoded, url, QrCodes.png(url), expiresAt));
    }

    /**
     * Pairs a device from a pairing link: the link is used up whatever follows; the device proves its key by a
     * signature over {@link #PAIRING_CONTEXT} and the link's token. The user is told on their other channels, and
     * devices trusted before are revoked, as for any new factor.
     */
    public Uni<SignedBy> pair(String token, byte[] publicKey, String algorithm, String platform, String pushToken,
                              String name, byte[] signature) {
        PublicKey key = publicKey(algorithm, publicKey);
        if (!verifies(algorithm, key, (PAIRING_CONTEXT + token).getBytes(StandardCharsets.UTF_8), signature)) {
            // The link stays usable: a wrong signature proves nothing about who holds it.
            return Uni.createFrom().failure(new ProblemException(Problem.of(401, "bad-device-signature",
                    "Bad device signature", "the signature does not verify with the public key over the pairing"
                            + " token")));
        }
        return state.takePairing(token).flatMap(owner -> {
            if (owner.isEmpty()) {
                return Uni.createFrom().failure(ProblemException.notFound("pairing link not found: it expired, was"
                        + " used, or never existed"));
            }
            String tenantId = owner.get()[0];
            String userId = owner.get()[1];
            Instant now = clock.instant();
            PushDevices.Device device = new PushDevices.Device(UUID.randomUUID(), userId, name, publicKey, algorithm,
                    platform, pushToken, "active", false, now, null);
            return devices.insert(tenantId, device)
                    .chain(() -> notices.publish(tenantId, now, new FactorChanged(userId, device.deviceId().toString(),
                            Factor.PUSH, FactorChange.ACTIVATED, name)))
                    .invoke(() -> metrics.activated(tenantId, "push"))
                    .chain(() -> trustedDevices.revokeAll(tenantId, userId, "factor activated"))
                    .replaceWith(new SignedBy(tenantId, device));
        });
    }

    /**
     * Authenticates a request of a device: {@code signature} over {@code METHOD\nPATH\nTIMESTAMP\nSHA-256(body)}
     * (base64url), by the device's key, within {@link #SIGNATURE_SKEW} of our clock. Anything else is 401, the same
     * for an unknown device as for a bad signature.
     */
    public Uni<SignedBy> authenticate(String deviceId, String timestamp, String signature, String method, String path,
                                      byte[] body) {
        UUID id;
        long at;
        byte[] sig;
        try {
            id = UUID.fromString(deviceId);
            at = Long.parseLong(timestamp);
            sig = Base64.getUrlDecoder().decode(signature);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(unsigned());
        }
        Instant now = clock.instant();
        if (Math.abs(now.getEpochSecond() - at) > SIGNATURE_SKEW.toSeconds()) {
            return Uni.createFrom().failure(new ProblemException(Problem.of(401, "bad-device-signature",
                    "Bad device signature", "the request's timestamp is more than " + SIGNATURE_SKEW.toSeconds()
                            + " seconds from the server's clock")));
        }
        byte[] signed = (method + "\n" + path + "\n" + at + "\n"
                + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(body)))
                .getBytes(StandardCharsets.UTF_8);
        return devices.tenantOf(id).flatMap(tenant -> tenant.isEmpty()
                        ? Uni.createFrom().item(Optional.<SignedBy>empty())
                        : devices.find(tenant.get(), id).map(d -> d.map(device -> new SignedBy(tenant.get(), device))))
                .map(found -> found.filter(s -> verifies(s.device().algorithm(), publicKey(s.device().algorithm(),
                        s.device().publicKey()), signed, sig)).orElseThrow(PushApprovals::unsigned));
    }

    /** The new push token of a device; it is reachable again. */
    public Uni<Void> refreshToken(SignedBy device, String pushToken) {
        return devices.refreshToken(device.tenantId(), device.device().deviceId(), pushToken, clock.instant())
                .replaceWithVoid();
    }

    /**
     * What the app shows for push challenge {@code challengeId} sent to {@code device}: its context and expiry,
     * never the number (the person brings it from the login screen). Another device's challenge reads as unknown.
     */
    public Uni<Optional<PushContext>> context(SignedBy device, String challengeId) {
        return fields(device, challengeId).map(found -> found.map(f -> {
            try {
                return new PushContext(challengeId, mapper.readTree(f.get(2)), f.get(5),
                        Instant.ofEpochMilli(Long.parseLong(f.get(6))));
            } catch (Exception e) {
                throw new IllegalStateException("unreadable push context", e);
            }
        }));
    }

    /** A push challenge as the app sees it. */
    public record PushContext(String challengeId, com.fasterxml.jackson.databind.JsonNode login, String status,
                              Instant expiresAt) {
    }

    /**
     * The push challenge's own fields when it was sent to this device and {@code nonce} is its nonce; empty (404)
     * otherwise.
     */
    public Uni<Optional<java.util.List<String>>> fields(SignedBy device, String challengeId) {
        return state.pushFields(challengeId).map(found -> found.filter(f -> f.get(0).equals(device.tenantId())
                && f.get(3).equals(Factor.PUSH.name() + ":" + device.device().deviceId())));
    }

    /** Whether {@code nonce} is the nonce of push challenge {@code challengeId} (compared in constant time). */
    public boolean nonceMatches(String tenantId, String challengeId, String nonce, String storedDigest) {
        return MessageDigest.isEqual(nonceDigest(tenantId, challengeId, nonce).getBytes(StandardCharsets.UTF_8),
                storedDigest.getBytes(StandardCharsets.UTF_8));
    }

    /** The device answered: noted as its last use. */
    public Uni<Void> used(SignedBy device) {
        return devices.used(device.tenantId(), device.device().deviceId(), clock.instant());
    }

    /** The person denied a sign-in on the device as not theirs: told on their other channels, in the trail too. */
    public Uni<Void> reported(SignedBy device, String challengeId) {
        Instant now = clock.instant();
        metrics.pushReported(device.tenantId());
        return notices.publish(device.tenantId(), now, new FactorChanged(device.device().userId(),
                device.device().deviceId().toString(), Factor.PUSH, FactorChange.SIGN_IN_REPORTED,
                "challenge " + challengeId + " denied on " + device.device().name()));
    }

    /** Counts a push to the user under the tenant's fatigue limit; false once it is reached. */
    public Uni<Boolean> takePush(String tenantId, String userId) {
        return policyOf(tenantId).flatMap(p -> state.takePush(tenantId, userId, p.maxPushes(), p.window()))
                .invoke(taken -> {
                    if (!taken) {
                        metrics.pushFatigueLimited(tenantId);
                    }
                });
    }

    /** The user verified: the fatigue count starts again. */
    public Uni<Void> verified(String tenantId, String userId) {
        return state.resetPushes(tenantId, userId);
    }

    /**
     * A provider said the token a push went to is dead ({@code target}: the pseudonym of the push's destination):
     * no push goes to the device until the app refreshes its token. A token refreshed since is left alone.
     */
    public Uni<Boolean> unregistered(String tenantId, UUID deviceId, String target) {
        return devices.find(tenantId, deviceId).flatMap(found -> found.isPresent()
                && MessageDigest.isEqual(digests.pseudonym(tenantId, found.get().destination())
                .getBytes(StandardCharsets.UTF_8), target.getBytes(StandardCharsets.UTF_8))
                ? devices.markUnregistered(tenantId, deviceId, found.get().pushToken(), clock.instant())
                .invoke(marked -> {
                    if (marked) {
                        metrics.pushUnregistered(tenantId);
                    }
                })
                : Uni.createFrom().item(false));
    }

    /** The public key of a device as it sent it; 400 naming {@code publicKey} when it is not one of {@code algorithm}. */
    static PublicKey publicKey(String algorithm, byte[] der) {
        try {
            if ("ES256".equals(algorithm)) {
                PublicKey key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
                if (key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() == 256) {
                    return key;
                }
            } else if ("Ed25519".equals(algorithm)) {
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // answered below
        }
        throw ProblemException.invalid("publicKey", "must be an " + algorithm + " public key (X.509"
                + " SubjectPublicKeyInfo, DER, base64)");
    }

    /** ES256 signatures are DER-encoded ECDSA over SHA-256 (as Android's and Apple's key stores make them). */
    static boolean verifies(String algorithm, PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance("ES256".equals(algorithm) ? "SHA256withECDSA" : "Ed25519");
            verifier.initVerify(key);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data == null ? new byte[0] : data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ProblemException unsigned() {
        return new ProblemException(Problem.of(401, "bad-device-signature", "Bad device signature",
                "the request must carry Keystep-Device-Id, Keystep-Timestamp and Keystep-Signature of a paired"
                        + " device"));
    }
}
