package io.keystep.delivery.config;

import io.keystep.delivery.provider.ApnsAdapter;
import io.keystep.delivery.provider.FcmAdapter;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.util.KeyUtils;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The push platforms this deployment is configured for. A platform with none of its settings is left out (its pushes
 * fail {@code push_not_configured}); one with some but not all of them stops start-up, naming each missing setting and
 * its environment variable, as a malformed key does.
 */
final class PushProviders {

    private static final String FCM = "keystep.delivery.push.fcm.";
    private static final String APNS = "keystep.delivery.push.apns.";

    private PushProviders() {
    }

    static List<DeliveryBeans.Configured> configured(DeliveryConfig.Push push, WebClient client, Vertx vertx,
                                                     Clock clock, int concurrency) {
        List<DeliveryBeans.Configured> configured = new ArrayList<>();
        fcm(push.fcm(), client, clock).ifPresent(configured::add);
        apns(push.apns(), vertx, clock, concurrency).ifPresent(configured::add);
        return configured;
    }

    static Optional<DeliveryBeans.Configured> fcm(DeliveryConfig.Fcm fcm, WebClient client, Clock clock) {
        Map<String, Optional<String>> settings = new LinkedHashMap<>();
        settings.put("project-id", fcm.projectId());
        settings.put("client-email", fcm.clientEmail());
        settings.put("private-key", fcm.privateKey());
        if (!complete(FCM, settings)) {
            return Optional.empty();
        }
        PrivateKey key = key(FCM + "private-key", fcm.privateKey().orElseThrow(), SignatureAlgorithm.RS256);
        return Optional.of(pushProvider(new FcmAdapter(client, new FcmAdapter.Settings(fcm.projectId().orElseThrow()
                .strip(), fcm.clientEmail().orElseThrow().strip(), key, fcm.tokenUri(), fcm.baseUrl(), fcm.timeout()),
                clock)));
    }

    static Optional<DeliveryBeans.Configured> apns(DeliveryConfig.Apns apns, Vertx vertx, Clock clock,
                                                   int concurrency) {
        Map<String, Optional<String>> settings = new LinkedHashMap<>();
        settings.put("team-id", apns.teamId());
        settings.put("key-id", apns.keyId());
        settings.put("signing-key", apns.signingKey());
        settings.put("bundle-id", apns.bundleId());
        if (!complete(APNS, settings)) {
            return Optional.empty();
        }
        PrivateKey key = key(APNS + "signing-key", apns.signingKey().orElseThrow(), SignatureAlgorithm.ES256);
        // APNs speaks HTTP/2 only, negotiated by ALPN; one connection carries many pushes at once.
        WebClientOptions options = new WebClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true).setSsl(true)
                .setHttp2MaxPoolSize(Math.max(1, concurrency / 64))
                .setConnectTimeout((int) apns.timeout().toMillis())
                .setUserAgent("keystep-delivery");
        apns.trustedCertificate().filter(pem -> !pem.isBlank()).ifPresent(pem -> options.setTrustOptions(
                new PemTrustOptions().addCertValue(io.vertx.core.buffer.Buffer.buffer(pem.replace("\\n", "\n")))));
        WebClient http2 = WebClient.create(vertx, options);
        return Optional.of(pushProvider(new ApnsAdapter(http2, new ApnsAdapter.Settings(apns.teamId().orElseThrow()
                .strip(), apns.keyId().orElseThrow().strip(), key, apns.bundleId().orElseThrow().strip(),
                apns.serverUrl(), apns.timeout()), clock)));
    }

    private static DeliveryBeans.Configured pushProvider(io.keystep.delivery.provider.ProviderAdapter adapter) {
        // Each platform is the only way to its devices: no priority, weight or tenant routing applies.
        return new DeliveryBeans.Configured(adapter, 0, 100, Optional.empty(), Map.of());
    }

    /** Whether every setting is there; none is fine (not configured), some is a configuration error. */
    private static boolean complete(String prefix, Map<String, Optional<String>> settings) {
        List<String> missing = new ArrayList<>();
        settings.forEach((name, value) -> {
            if (value.filter(v -> !v.isBlank()).isEmpty()) {
                missing.add(prefix + name + " (" + variable(prefix + name) + ")");
            }
        });
        if (missing.size() == settings.size()) {
            return false;
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("push is half configured: " + String.join(", ", missing)
                    + (missing.size() == 1 ? " is" : " are") + " required as well");
        }
        return true;
    }

    /** A PKCS#8 PEM private key; {@code \n} escapes (as in a service-account JSON file) are read as line breaks. */
    private static PrivateKey key(String property, String pem, SignatureAlgorithm algorithm) {
        try {
            return KeyUtils.decodePrivateKey(pem.replace("\\n", "\n").strip(), algorithm);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // Never quotes the value: it is the key.
            throw new IllegalArgumentException(property + " (" + variable(property) + ") must be a PKCS#8 PEM "
                    + (algorithm == SignatureAlgorithm.RS256 ? "RSA" : "EC P-256") + " private key");
        }
    }

    private static String variable(String property) {
        return property.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
