package io.keystep.delivery.config;

import io.keystep.delivery.domain.DeliverySettings;
import io.keystep.delivery.domain.MessageComposer;
import io.keystep.delivery.domain.SendLimits;
import io.keystep.events.Channel;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** A tenant's effective settings: its own overrides where it has them, the service's defaults otherwise. */
@ApplicationScoped
public class TenantPolicies {

    private final DeliveryConfig config;

    public TenantPolicies(DeliveryConfig config) {
        this.config = config;
    }

    public Duration fallbackTimeout(String tenantId) {
        return tenant(tenantId).flatMap(DeliveryConfig.Tenant::fallbackTimeout).orElse(config.fallbackTimeout());
    }

    /** Countries codes may go to; empty means every country. */
    public Set<String> allowedCountries(String tenantId) {
        return upper(tenant(tenantId).flatMap(DeliveryConfig.Tenant::allowedCountries)
                .or(config::allowedCountries).orElse(List.of()));
    }

    /**
     * The platform defaults of a tenant's delivery settings: its configured overrides
     * ({@code keystep.delivery.tenants.<t>.*}) over the service's configuration. Settings a tenant's administrator
     * stored through the API apply on top of these.
     */
    public DeliverySettings defaults(String tenantId) {
        DeliveryConfig.Fraud fraud = config.fraud();
        Optional<DeliveryConfig.TenantFraud> own = tenant(tenantId).map(DeliveryConfig.Tenant::fraud);
        List<Channel> plan = tenant(tenantId).flatMap(DeliveryConfig.Tenant::channelPlan).or(config::channelPlan)
                .map(names -> DeliverySettings.channels("keystep.delivery.channel-plan", names)).orElse(List.of());
        return new DeliverySettings(plan, fallbackTimeout(tenantId), allowedCountries(tenantId),
                own.flatMap(DeliveryConfig.TenantFraud::destinationPerHour).orElse(fraud.destinationPerHour()),
                own.flatMap(DeliveryConfig.TenantFraud::prefixPerHour).orElse(fraud.prefixPerHour()),
                own.flatMap(DeliveryConfig.TenantFraud::countryPerHour).orElse(fraud.countryPerHour()),
                own.flatMap(DeliveryConfig.TenantFraud::rareCountryPerHour).orElse(fraud.rareCountryPerHour()),
                upper(own.flatMap(DeliveryConfig.TenantFraud::usualCountries).or(fraud::usualCountries)
                        .orElse(List.of())),
                own.flatMap(DeliveryConfig.TenantFraud::rareCountryShare).orElse(fraud.rareCountryShare()),
                own.flatMap(DeliveryConfig.TenantFraud::learningMinimum).orElse(fraud.learningMinimum()));
    }

    public MessageComposer.Lines messageLines(String tenantId) {
        Optional<DeliveryConfig.Tenant> tenant = tenant(tenantId);
        return new MessageComposer.Lines(
                tenant.flatMap(DeliveryConfig.Tenant::webOtpDomain).or(() -> config.messages().webOtpDomain()),
                tenant.flatMap(DeliveryConfig.Tenant::appHash).or(() -> config.messages().appHash()));
    }

    public SendLimits fraudLimits(String tenantId, String country) {
        DeliveryConfig.Fraud fraud = config.fraud();
        Optional<DeliveryConfig.TenantFraud> own = tenant(tenantId).map(DeliveryConfig.Tenant::fraud);
        Optional<List<String>> usual = own.flatMap(DeliveryConfig.TenantFraud::usualCountries)
                .or(fraud::usualCountries);
        return new SendLimits(
                own.flatMap(DeliveryConfig.TenantFraud::destinationPerHour).orElse(fraud.destinationPerHour()),
                own.flatMap(DeliveryConfig.TenantFraud::prefixPerHour).orElse(fraud.prefixPerHour()),
                own.flatMap(DeliveryConfig.TenantFraud::countryPerHour).orElse(fraud.countryPerHour()),
                own.flatMap(DeliveryConfig.TenantFraud::rareCountryPerHour).orElse(fraud.rareCountryPerHour()),
                usual.map(list -> !upper(list).contains(country.toUpperCase(Locale.ROOT))),
                own.flatMap(DeliveryConfig.TenantFraud::rareCountryShare).orElse(fraud.rareCountryShare()),
                own.flatMap(DeliveryConfig.TenantFraud::learningMinimum).orElse(fraud.learningMinimum()));
    }

    public int prefixDigits() {
        return config.fraud().prefixDigits();
    }

    private Optional<DeliveryConfig.Tenant> tenant(String tenantId) {
        return Optional.ofNullable(config.tenants().get(tenantId));
    }

    private static Set<String> upper(List<String> countries) {
        return countries.stream().map(c -> c.trim().toUpperCase(Locale.ROOT)).filter(c -> !c.isEmpty())
                .collect(Collectors.toSet());
    }
}
