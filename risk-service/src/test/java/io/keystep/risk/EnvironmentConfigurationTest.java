package io.keystep.risk;

import io.keystep.events.Decision;
import io.keystep.risk.config.RiskConfig;
import io.keystep.risk.config.TenantPolicies;
import io.keystep.risk.config.TrustedDeviceKeys;
import io.keystep.risk.config.TrustedDevicesConfig;
import io.keystep.risk.domain.IpAddresses;
import io.keystep.risk.domain.NetworkListing;
import io.keystep.risk.domain.TenantRules;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Policies and tenants can be given to the packaged service as KEYSTEP_RISK_… environment variables alone. */
class EnvironmentConfigurationTest {

    private static RiskConfig fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, RiskConfig.class);
    }

    private static <T> T fromEnvironment(Map<String, String> env, Class<T> mapping) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(env, 300))
                // Quarkus's own converter, so that "30D" reads as in the running service
                .withConverter(Duration.class, 200, new DurationConverter())
                .withMapping(mapping)
                .build();
        return config.getConfigMapping(mapping);
    }

    @Test
    void theTrustedDeviceKeyComesFromItsEnvironmentVariableAndIsOptional() {
        String key = DeviceTokenSigner.encodePublic(DeviceTokenSigner.generate());
        TrustedDevicesConfig config = fromEnvironment(Map.of("KEYSTEP_TRUSTED_DEVICES_PUBLIC_KEY", key),
                TrustedDevicesConfig.class);
        assertEquals(List.of(key), config.publicKey().orElseThrow());
        assertEquals(Duration.ofDays(30), config.revocationMemory());
        assertTrue(new TrustedDeviceKeys(config).tokens().enabled());
        assertFalse(new TrustedDeviceKeys(fromEnvironment(Map.of(), TrustedDevicesConfig.class)).tokens().enabled());
    }

    @Test
    void aMalformedKeyOrARevocationMemoryShorterThanTheTokenLifetimeStopsTheStart() {
        assertThrows(IllegalArgumentException.class, () -> new TrustedDeviceKeys(fromEnvironment(
                Map.of("KEYSTEP_TRUSTED_DEVICES_PUBLIC_KEY", "bm90IGEga2V5"), TrustedDevicesConfig.class)));
        assertThrows(IllegalStateException.class, () -> new TrustedDeviceKeys(fromEnvironment(
                Map.of("KEYSTEP_TRUSTED_DEVICES_REVOCATION_MEMORY", "7D"), TrustedDevicesConfig.class)));
    }

    @Test
    void policiesAndTenantsComeFromEnvironmentVariables() {
        RiskConfig config = fromEnvironment(Map.of(
                "KEYSTEP_RISK_POLICIES_DEFAULT_NEW_DEVICE", "50",
                "KEYSTEP_RISK_POLICIES_STRICT_CHALLENGE_AT", "30",
                "KEYSTEP_RISK_POLICIES_STRICT_ON_STUFFING", "DENY",
                "KEYSTEP_RISK_TENANTS_ACME_POLICY", "strict",
                "KEYSTEP_RISK_TENANTS_ACME_SHADOW_POLICY", "default,strict",
                "KEYSTEP_RISK_TENANTS_ACME_ALWAYS_CHALLENGE", "true",
                "KEYSTEP_RISK_TENANTS_ACME_ALLOW_NETWORKS", "10.0.0.0/8,2001:db8::/32",
                "KEYSTEP_RISK_DEVICE_WINDOW", "14D",
                "KEYSTEP_RISK_GEOIP_DATABASE", "/var/lib/GeoIP/GeoLite2-City.mmdb"));

        assertEquals(Duration.ofDays(14), config.deviceWindow());
        assertEquals("/var/lib/GeoIP/GeoLite2-City.mmdb", config.geoip().database().orElseThrow());
        TenantRules acme = new TenantPolicies(config).rulesFor("acme");
        assertEquals("strict", acme.live().name());
        assertEquals(30, acme.live().challengeAt());
        assertEquals(Decision.DENY, acme.live().onStuffing());
        assertEquals(List.of("default", "strict"), acme.shadows().stream().map(p -> p.name()).toList());
        assertTrue(acme.alwaysChallenge());
        assertEquals(NetworkListing.ALLOWED, acme.listing(IpAddresses.parse("10.1.2.3")));
        assertEquals(NetworkListing.ALLOWED, acme.listing(IpAddresses.parse("2001:db8::9")));
        assertEquals("default", new TenantPolicies(config).rulesFor("other").live().name());
    }

    @Test
    void aTenantNamingAnUnknownPolicyStopsTheStart() {
        RiskConfig config = fromEnvironment(Map.of(
                "KEYSTEP_RISK_POLICIES_DEFAULT_NEW_DEVICE", "50",
                "KEYSTEP_RISK_TENANTS_ACME_POLICY", "missing"));
        assertThrows(IllegalStateException.class, () -> new TenantPolicies(config));
    }
}
