package io.keystep.risk.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.events.Decision;
import io.keystep.events.Envelope;
import io.keystep.events.ExperimentArm;
import io.keystep.events.LoginAttempted;
import io.keystep.events.RiskAssessed;
import io.keystep.events.ShadowDecision;
import io.keystep.events.Topics;
import io.keystep.kit.formats.TrustedDeviceTokens;
import io.keystep.kit.formats.TrustedDeviceTokens.Verdict;
import io.keystep.risk.config.RiskConfig;
import io.keystep.risk.domain.Assessment;
import io.keystep.risk.domain.DecisionRules;
import io.keystep.risk.domain.DeviceToken;
import io.keystep.risk.domain.IpAddresses;
import io.keystep.risk.domain.Location;
import io.keystep.risk.domain.LoginFacts;
import io.keystep.risk.domain.RiskEvaluator;
import io.keystep.risk.domain.RiskPolicy;
import io.keystep.risk.domain.SignupExperiment;
import io.keystep.risk.domain.TenantRules;
import io.keystep.risk.store.DeviceMemory;
import io.keystep.risk.store.GeoIpLocator;
import io.keystep.risk.store.RiskProfileStore;
import io.keystep.risk.store.TenantRiskSettings;
import io.keystep.risk.store.UserRiskProfile;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides one login: reads the user's profile, scores it under the tenant's live policy (and its shadow policies,
 * whose decisions are published beside the live one without acting), updates the profile and answers the
 * {@code risk.assessed.v1} event to publish. A login already decided is answered with the event published the
 * first time.
 */
@ApplicationScoped
public class LoginAssessor {

    private static final Logger LOG = Logger.getLogger(LoginAssessor.class);

    private final RiskProfileStore store;
    private final DeviceMemory devices;
    private final GeoIpLocator geo;
    private final TenantRiskSettings settings;
    private final RiskEvaluator evaluator;
    private final DecisionMetrics metrics;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final RiskConfig config;
    private final TrustedDeviceTokens tokens;
    private final ExperimentSignups experiments;

    public LoginAssessor(RiskProfileStore store, DeviceMemory devices, GeoIpLocator geo, TenantRiskSettings settings, RiskEvaluator evaluator,
                         DecisionMetrics metrics, ObjectMapper mapper, Clock clock, RiskConfig config,
                         TrustedDeviceTokens tokens, ExperimentSignups experiments) {
        this.tokens = tokens;
        this.experiments = experiments;
        this.store = store;
        this.devices = devices;
        this.geo = geo;
        this.settings = settings;
        this.evaluator = evaluator;
        this.metrics = metrics;
        this.mapper = mapper;
        this.clock = clock;
        this.config = config;
    }

    /**
     * A {@code risk.assessed.v1} record ready to send: its key and its JSON; {@code replayed} when it is the decision
     * remembered for a login delivered again.
     */
    public record Outgoing(String key, String json, boolean replayed) {
    }

    /** Decides the login and answers the event to publish (the remembered one for a login already decided). */
    public Uni<Outgoing> assess(Envelope<LoginAttempted> login) {
        long started = System.nanoTime();
        return Uni.combine().all().unis(settings.rulesFor(login.tenantId()),
                        experiments.deciding(login.tenantId(), login.payload().purpose())).asTuple()
                .chain(both -> decide(login, both.getItem1(), both.getItem2().orElse(null), started));
    }

    private Uni<Outgoing> decide(Envelope<LoginAttempted> login, DecisionRules decisionRules,
                                 SignupExperiment experiment, long started) {
        String tenant = login.tenantId();
        LoginAttempted attempt = login.payload();
        String key = Topics.key(tenant, attempt.userId());
        Instant now = clock.instant();
        TenantRules rules = decisionRules.rules();
        Optional<byte[]> address = IpAddresses.parse(attempt.ip());
        Optional<Location> location = geo.locate(address);
        Optional<String> country = location.map(Location::country);
        int hourOfWeek = hourOfWeek(now);

        TrustedDeviceTokens.Check token = checkToken(tenant, attempt, now);
        Uni<Boolean> revoked = token != null && token.verdict() == Verdict.VALID
                ? devices.tokenRevoked(tenant, attempt.userId(), token)
                : Uni.createFrom().item(false);
        // One read answers both whether the login was decided already (a redelivery) and the user's profile.
        Uni<RiskProfileStore.LoginRead> read = store.read(tenant, attempt.userId(), attempt.loginId(),
                attempt.device().fingerprint(), attempt.ip(), country, hourOfWeek, now,
                decisionRules.reportedFraudWindow());

        return Uni.combine().all().unis(read, revoked).asTuple()
                .chain(both -> {
                    if (both.getItem1().rememberedDecision() != null) {
                        return Uni.createFrom().item(new Outgoing(key, both.getItem1().rememberedDecision(), true));
                    }
                    UserRiskProfile profile = both.getItem1().profile();
                    Verdict verdict = token == null ? null
                            : Boolean.TRUE.equals(both.getItem2()) ? Verdict.REVOKED : token.verdict();
                    if (verdict != null) {
                        metrics.deviceToken(tenant, verdict);
                        LOG.debugf("Login %s of tenant %s: trusted-device token %s", attempt.loginId(), tenant,
                                verdict);
                    }
                    LoginFacts facts = facts(attempt, now, location.orElse(null), profile, decisionRules, address,
                            verdict);
                    Assessment policy = evaluator.evaluate(facts, rules.live(), rules.alwaysChallenge(),
                            decisionRules.limits());
                    // Arm A of a signup experiment challenges what the policy allows; shadows are compared with what happened.
                    String arm = experiment == null ? null : experiment.armFor(tenant, attempt.userId());
                    Assessment live = arm == null ? policy : SignupExperiment.apply(policy, arm);
                    ExperimentArm assigned = arm == null ? null
                            : experiments.arm(experiment, arm, live.decision(), now);
                    List<ShadowDecision> shadows = new ArrayList<>(rules.shadows().size());
                    for (RiskPolicy shadow : rules.shadows()) {
                        Assessment shadowed = evaluator.evaluate(facts, shadow, rules.alwaysChallenge(),
                                decisionRules.limits());
                        shadows.add(new ShadowDecision(shadow.name(), shadowed.decision(), shadowed.score(),
                                shadowed.reasonNames()));
                        metrics.shadow(tenant, rules.live().name(), shadow.name(), live, shadowed);
                        // Disagreements are what a team reads before switching; agreements only count.
                        LOG.logf(live.decision() == shadowed.decision() ? Logger.Level.DEBUG : Logger.Level.INFO,
                                "Shadow decision tenant=%s login=%s live=%s/%s%s shadow=%s/%s%s",
                                tenant, attempt.loginId(), rules.live().name(), live.decision(), live.reasonNames(),
                                shadow.name(), shadowed.decision(), shadowed.reasonNames());
                    }
                    String json = toJson(login, attempt, live, shadows, assigned, location.orElse(null));
                    return learn(tenant, attempt, facts, live, country, hourOfWeek, now, token, verdict)
                            .chain(() -> experiments.remember(tenant, attempt.loginId(), assigned))
                            .chain(() -> store.rememberDecision(tenant, attempt.userId(), attempt.loginId(), json))
                            .invoke(published -> {
                                metrics.decided(tenant, live, Duration.ofNanos(System.nanoTime() - started));
                                experiments.decided(tenant, assigned);
                                LOG.debugf("Login %s of tenant %s: %s score %d %s", attempt.loginId(), tenant,
                                        live.decision(), live.score(), live.reasonNames());
                            })
                            .map(published -> new Outgoing(key, published, false));
                });
    }

    /** The verdict on the login's trusted-device token; null without one or when tokens are not checked. */
    private TrustedDeviceTokens.Check checkToken(String tenant, LoginAttempted attempt, Instant now) {
        String token = attempt.device().trustedDeviceToken();
        if (token == null || token.isBlank() || !tokens.enabled()) {
            return null;
        }
        return tokens.check(token, tenant, attempt.userId(), attempt.device().fingerprint(), now);
    }

    private LoginFacts facts(LoginAttempted attempt, Instant now, Location location, UserRiskProfile profile,
                             DecisionRules rules, Optional<byte[]> address, Verdict token) {
        return new LoginFacts(attempt.passwordVerified(), attempt.purpose(), now,
                // A device whose trusted-device token was revoked is not known, whatever its fingerprint's history.
                token != Verdict.REVOKED && within(profile.deviceLastSeen(), now, config.deviceWindow()),
                deviceToken(token),
                location,
                within(profile.countryLastSeen(), now, config.countryWindow()),
                profile.previous(),
                within(profile.hourLastUsed(), now, rules.hourWindow()),
                profile.userFailures(), profile.ipFailures(),
                rules.rules().listing(address),
                profile.fraudReports() > 0);
    }

    /**
     * Expired tokens are an ordinary outcome and change nothing; a genuine token for another login or device, a
     * revoked one, a forged or malformed one is a risk signal.
     */
    private static DeviceToken deviceToken(Verdict verdict) {
        if (verdict == null || verdict == Verdict.EXPIRED) {
            return DeviceToken.NONE;
        }
        return verdict == Verdict.VALID ? DeviceToken.TRUSTED : DeviceToken.INVALID;
    }

    /** Updates the profile from the decided login; only an allowed login or an approved challenge teaches trust. */
    private Uni<Void> learn(String tenant, LoginAttempted attempt, LoginFacts facts, Assessment live,
                            Optional<String> country, int hourOfWeek, Instant now,
                            TrustedDeviceTokens.Check token, Verdict verdict) {
        String user = attempt.userId();
        if (!attempt.passwordVerified()) {
            return store.recordFailure(tenant, user, attempt.loginId(), attempt.ip(), now);
        }
        List<Uni<Void>> writes = new ArrayList<>();
        if (verdict == Verdict.VALID) {
            writes.add(devices.trustedDeviceSeen(tenant, user, token.deviceId(), attempt.device().fingerprint()));
        } else if (verdict == Verdict.REVOKED) {
            writes.add(devices.forgetDevice(tenant, user, attempt.device().fingerprint()));
        }
        if (facts.location() != null && facts.location().point() != null) {
            writes.add(store.lastLocation(tenant, user, facts.location().point(), now));
        }
        if (live.decision() == Decision.ALLOW) {
            writes.add(store.familiar(tenant, user, country, hourOfWeek, now));
            if (facts.deviceKnown()) {
                writes.add(devices.deviceSeen(tenant, user, attempt.device().fingerprint(), now));
            }
        } else if (live.decision() == Decision.CHALLENGE) {
            writes.add(store.rememberPending(tenant, user, attempt.loginId(), country, hourOfWeek));
        }
        return writes.isEmpty() ? Uni.createFrom().voidItem() : Uni.combine().all().unis(writes).discardItems();
    }

    private String toJson(Envelope<LoginAttempted> login, LoginAttempted attempt, Assessment live,
                          List<ShadowDecision> shadows, ExperimentArm experiment, Location location) {
        // Shadow decisions travel beside the live one, never in its reasons: consumers act on decision alone. The
        // place and the user agent are what a push shows the person; the IP itself is never published.
        RiskAssessed assessed = new RiskAssessed(attempt.loginId(), attempt.userId(), live.decision(), live.score(),
                live.reasonNames(), attempt.purpose(), attempt.device().fingerprint(), shadows, experiment,
                location == null ? null : location.place(), attempt.device().userAgent());
        try {
            return mapper.writeValueAsString(Envelope.of(RiskAssessed.TYPE, clock.instant(), login.tenantId(),
                    attempt.loginId(), assessed));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write risk.assessed event", e);
        }
    }

    /** Hour of the week in UTC, 0 = Monday 00:00–00:59 … 167 = Sunday 23:00–23:59. */
    static int hourOfWeek(Instant now) {
        ZonedDateTime t = now.atZone(ZoneOffset.UTC);
        return (t.getDayOfWeek().getValue() - 1) * 24 + t.getHour();
    }

    private static boolean within(Instant seen, Instant now, Duration window) {
        return seen != null && !seen.isBefore(now.minus(window));
    }
}
