package io.keystep.risk.config;

import io.keystep.risk.domain.CidrRange;
import io.keystep.risk.domain.DecisionRules;
import io.keystep.risk.domain.RiskEvaluator;
import io.keystep.risk.domain.RiskPolicy;
import io.keystep.risk.domain.RiskSettings;
import io.keystep.risk.domain.RiskSettingsPolicy;
import io.keystep.risk.domain.SignalLimits;
import io.keystep.risk.domain.TenantRules;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns configuration into each tenant's rules once, at start: a policy name that does not exist, a malformed CIDR
 * or a reported-fraud window out of its bounds stops the service instead of silently scoring with something else.
 */
@ApplicationScoped
public class TenantPolicies {

    private final Map<String, RiskPolicy> policies = new HashMap<>();
    private final Map<String, TenantRules> tenants = new HashMap<>();
    private final TenantRules defaults;
    private final RiskConfig config;

    public TenantPolicies(RiskConfig config) {
        this.config = config;
        config.policies().forEach((name, p) -> policies.put(name, new RiskPolicy(name, p.newDevice(),
                p.newCountry(), p.impossibleTravel(), p.unusualHour(), p.allowedNetwork(), p.invalidDeviceToken(),
                p.userReportedFraud(), p.challengeAt(), p.denyAt(), p.onStuffing())));
        RiskSettings.Bound reported = RiskSettingsPolicy.REPORTED_FRAUD_WINDOW;
        long reportedDays = config.reportedFraudWindow().toDays();
        if (reportedDays < reported.min() || reportedDays > reported.max()) {
            throw new IllegalStateException("keystep.risk.reported-fraud-window must be between " + reported.min()
                    + " and " + reported.max() + " days");
        }
        RiskPolicy fallback = policy(config.defaultPolicy());
        defaults = new TenantRules(fallback, List.of(), false, List.of(), List.of());
        config.tenants().forEach((tenant, t) -> tenants.put(tenant, new TenantRules(
                t.policy().map(this::policy).orElse(fallback),
                t.shadowPolicy().orElse(List.of()).stream().filter(s -> !s.isBlank()).map(String::trim)
                        .distinct().map(this::policy).toList(),
                t.alwaysChallenge(),
                ranges(t.allowNetworks()),
                ranges(t.denyNetworks()))));
    }

    /** The rules of a tenant; the default policy and no lists for a tenant not configured. */
    public TenantRules rulesFor(String tenantId) {
        return tenants.getOrDefault(tenantId, defaults);
    }

    /** The platform defaults of a tenant's decision rules, before its own settings apply. */
    public DecisionRules defaultsFor(String tenantId) {
        return new DecisionRules(rulesFor(tenantId), limits(), config.hourWindow(), config.reportedFraudWindow());
    }

    @Produces
    @Singleton
    RiskEvaluator evaluator() {
        return new RiskEvaluator(limits());
    }

    private SignalLimits limits() {
        return new SignalLimits(config.failures().userLimit(), config.failures().ipLimit(),
                config.geoip().maxSpeedKmh());
    }

    private RiskPolicy policy(String name) {
        RiskPolicy policy = policies.get(name);
        if (policy == null) {
            throw new IllegalStateException("keystep.risk.policies." + name + " is not configured");
        }
        return policy;
    }

    private static List<CidrRange> ranges(Optional<List<String>> texts) {
        return texts.orElse(List.of()).stream().filter(s -> !s.isBlank()).map(CidrRange::parse).toList();
    }
}
