package io.keystep.risk;

import io.keystep.events.Decision;
import io.keystep.events.Purpose;
import io.keystep.risk.domain.Assessment;
import io.keystep.risk.domain.CidrRange;
import io.keystep.risk.domain.DeviceToken;
import io.keystep.risk.domain.GeoPoint;
import io.keystep.risk.domain.IpAddresses;
import io.keystep.risk.domain.Location;
import io.keystep.risk.domain.LoginFacts;
import io.keystep.risk.domain.NetworkListing;
import io.keystep.risk.domain.PreviousLogin;
import io.keystep.risk.domain.Reason;
import io.keystep.risk.domain.RiskEvaluator;
import io.keystep.risk.domain.RiskPolicy;
import io.keystep.risk.domain.TenantRules;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each signal alone and in combination, under the default weights (new device 50, country 30, travel 60,
 * hour 15, allowed network -30, user-reported fraud 40; challenge at 40, deny at 100). */
class RiskEvaluatorTest {

    private static final Instant NOW = Instant.parse("2026-03-04T10:15:00Z");
    private static final Location BERLIN = new Location("DE", "Berlin", new GeoPoint(52.52, 13.405));
    private static final Location POTSDAM = new Location("DE", "Potsdam", new GeoPoint(52.39, 13.06));
    private static final Location SYDNEY = new Location("AU", "Sydney", new GeoPoint(-33.8688, 151.2093));

    private final RiskEvaluator evaluator = EvaluatorFixtures.evaluator();
    private final RiskPolicy policy = EvaluatorFixtures.policy();

    /** A familiar login: known device, known country, usual hour, no failures, no previous place. */
    private static Facts familiar() {
        return new Facts();
    }

    @Test
    void familiarLoginIsAllowedWithoutReasons() {
        Assessment a = evaluate(familiar());
        assertEquals(Decision.ALLOW, a.decision());
        assertEquals(0, a.score());
        assertEquals(List.of(), a.reasons());
    }

    @Test
    void failedPasswordIsDeniedWhateverElseIsTrue() {
        Assessment a = evaluate(familiar().password(false).purpose(Purpose.TRANSACTION));
        assertEquals(Decision.DENY, a.decision());
        assertEquals(List.of(Reason.PASSWORD_NOT_VERIFIED), a.reasons());
    }

    @Test
    void newDeviceAloneChallenges() {
        Assessment a = evaluate(familiar().device(false));
        assertEquals(Decision.CHALLENGE, a.decision());
        assertEquals(50, a.score());
        assertEquals(List.of(Reason.NEW_DEVICE), a.reasons());
    }

    @Test
    void trustedDeviceTokenCountsAsAKnownDevice() {
        Assessment a = evaluate(familiar().device(false).token(DeviceToken.TRUSTED));
        assertEquals(Decision.ALLOW, a.decision());
        assertEquals(0, a.score());
        assertEquals(List.of(Reason.TRUSTED_DEVICE), a.reasons());
    }

    @Test
    void trustedDeviceAloneDoesNotMakeAnUnusualHourCount() {
        Assessment a = evaluate(familiar().device(false).token(DeviceToken.TRUSTED).hourUsed(false));
        assertEquals(Decision.ALLOW, a.decision());
        assertEquals(List.of(Reason.TRUSTED_DEVICE), a.reasons());
    }

    @Test
    void invalidDeviceTokenAddsItsWeightBesideTheNewDevice() {
        Assessment a = evaluate(familiar().device(false).token(DeviceToken.INVALID));
        assertEquals(Decision.CHALLENGE, a.decision());
        assertEquals(70, a.score());
        assertEquals(List.of(Reason.NEW_DEVICE, Reason.INVALID_DEVICE_TOKEN), a.reasons());
    }

    @Test
    void newCountryAloneIsReportedButStaysBelowTheChallengeThreshold() {
        Assessment a = evaluate(familiar().location(SYDNEY).countryKnown(false));
        assertEquals(Decision.ALLOW, a.decision());
        assertEquals(30, a.score());
        assertEquals(List.of(Reason.NEW_COUNTRY), a.reasons());
    }

    @Test
    void unknownLocationIsNoCountrySignal() {
        Assessment a = evaluate(familiar().location(null).countryKnown(false));
        assertEquals(List.of(), a.reasons());
    }

    @Test
    void impossibleTravelAloneChallenges() {
        Assessment a = evaluate(familiar().location(SYDNEY)
                .previous(new PreviousLogin(BERLIN.point(), NOW.minus(Duration.ofHours(2)))));
        assertEquals(Decision.CHALLENGE, a.decision());
        assertEquals(List.of(Reason.IMPOSSIBLE_TRAVEL), a.reasons());
    }

    @Test
    void travelAtAirlinerSpeedIsPossible() {
        // Berlin to Sydney is about 16,000 km: 20 hours is 800 km/h.
        Assessment a = evaluate(familiar().location(SYDNEY)
                .previous(new PreviousLogin(BERLIN.point(), NOW.minus(Duration.ofHours(20)))));
        assertEquals(List.of(), a.reasons());
    }

    @Test
    void nearbyPlacesAreNeverImpossibleTravelEvenAtOnce() {
        Assessment a = evaluate(familiar().location(POTSDAM).previous(new PreviousLogin(BERLIN.point(), NOW)));
        assertEquals(List.of(), a.reasons());
    }

    @Test
    void aSignInTheUserReportedAsNotTheirsChallengesEvenAFamiliarLogin() {
        Assessment a = evaluate(familiar().reportedFraud(true));
        assertEquals(Decision.CHALLENGE, a.decision());
        assertEquals(40, a.score());
        assertEquals(List.of(Reason.USER_REPORTED_FRAUD), a.reasons());
    }

    @Test
    void aReportAddsItsWeightToANewDeviceAndMakesAnUnusualHourCount() {
        Assessment a = evaluate(familiar().device(false).reportedFraud(true).hourUsed(false));
        assertEquals(Decision.DENY, a.decision());
        assertEquals(105, a.score());
        assertEquals(List.of(Reason.NEW_DEVICE, Reason.USER_REPORTED_FRAUD, Reason.UNUSUAL_HOUR), a.reasons());
    }

    @Test
    void unusualHourAloneDoesNotCount() {
        Assessment a = evaluate(familiar().hourUsed(false));
        assertEquals(Decision.ALLOW, a.decision());
        assertEquals(List.of(), a.reasons());
    }

    @Test
    void unusualHourTipsANewCountryIntoAChallenge() {
        Assessment a = evaluate(familiar().location(SYDNEY).countryKnown(false).hourUsed(false));
        assertEquals(Decision.CHALLENGE, a.decision());
        assertEquals(45, a.score());
        assertEquals(List.of(Reason.NEW_COUNTRY, Reason.UNUSUAL_HOUR), a.reasons());
    }

    @Test
    void everyLocationSignalTogetherWithANewDeviceDenies() {
        Assessment a = evaluate(familiar().device(false).location(SYDNEY).countryKnown(false).hourUsed(false)
                .previous(new PreviousLogin(BERLIN.point(), NOW.minus(Duration.ofMinutes(30)))));
        assertEquals(Decision.DENY, a.decision());
        assertEquals(155, a.score());
        assertEquals(List.of(Reason.NEW_DEVICE, Reason.NEW_COUNTRY, Reason.IMPOSSIBLE_TRAVEL, Reason.UNUSUAL_HOUR),
                a.reasons());
    }

    @Test
    void threeFailuresAreTolerated() {
        assertEquals(Decision.ALLOW, evaluate(familiar().userFailures(3)).decision());
    }

    @Test
    void fourFailuresStepUpAKnownDevice() {
        Assessment a = evaluate(familiar().userFailures(4));
        assertEquals(Decision.CHALLENGE, a.decision());
        assertEquals(List.of(Reason.TOO_MANY_FAILURES), a.reasons());
    }

    @Test
    void failuresMakeAnUnusualHourCount() {
        Assessment a = evaluate(familiar().userFailures(4).hourUsed(false));
        assertEquals(List.of(Reason.TOO_MANY_FAILURES, Reason.UNUSUAL_HOUR), a.reasons());
    }

    @Test
    void stuffingFromTheIpChallengesOrDeniesAsThePolicySays() {
        Assessment a = evaluate(familiar().ipFailures(21));
        assertEquals(Decision.CHALLENGE, a.decision());
        assertEquals(List.of(Reason.CREDENTIAL_STUFFING), a.reasons());

        RiskPolicy strict = new RiskPolicy("strict", 50, 30, 60, 15, -30, 20, 40, 40, 100, Decision.DENY);
        assertEquals(Decision.DENY, evaluator.evaluate(familiar().ipFailures(21).build(), strict, false).decision());
        assertEquals(Decision.ALLOW, evaluate(familiar().ipFailures(20)).decision());
    }

    @Test
    void deniedNetworkDenies() {
        Assessment a = evaluate(familiar().network(NetworkListing.DENIED));
        assertEquals(Decision.DENY, a.decision());
        assertEquals(List.of(Reason.DENIED_NETWORK), a.reasons());
    }

    @Test
    void allowedNetworkLowersTheScoreOfANewDevice() {
        Assessment a = evaluate(familiar().device(false).network(NetworkListing.ALLOWED));
        assertEquals(Decision.ALLOW, a.decision());
        assertEquals(20, a.score());
        assertEquals(List.of(Reason.NEW_DEVICE, Reason.ALLOWED_NETWORK), a.reasons());
    }

    @Test
    void transactionsAndFactorChangesAlwaysChallenge() {
        Assessment transaction = evaluate(familiar().purpose(Purpose.TRANSACTION));
        assertEquals(Decision.CHALLENGE, transaction.decision());
        assertEquals(List.of(Reason.PURPOSE_TRANSACTION), transaction.reasons());
        Assessment change = evaluate(familiar().purpose(Purpose.FACTOR_CHANGE).network(NetworkListing.ALLOWED));
        assertEquals(Decision.CHALLENGE, change.decision());
        assertTrue(change.reasons().contains(Reason.PURPOSE_FACTOR_CHANGE));
        assertEquals(Decision.ALLOW, evaluate(familiar().purpose(Purpose.SIGNUP)).decision());
    }

    @Test
    void alwaysChallengeTenantChallengesAFamiliarLoginButStillDeniesHighScores() {
        Assessment a = evaluator.evaluate(familiar().build(), policy, true);
        assertEquals(Decision.CHALLENGE, a.decision());
        assertEquals(List.of(Reason.ALWAYS_CHALLENGE), a.reasons());
        assertEquals(Decision.DENY, evaluator.evaluate(familiar().password(false).build(), policy, true).decision());
    }

    @Test
    void networkListsMatchIpv4AndIpv6RangesAndDenyWins() {
        TenantRules rules = new TenantRules(policy, List.of(), false,
                List.of(CidrRange.parse("10.20.0.0/16"), CidrRange.parse("2001:db8:abcd::/48")),
                List.of(CidrRange.parse("10.20.30.0/24"), CidrRange.parse("203.0.113.7")));
        assertEquals(NetworkListing.ALLOWED, rules.listing(IpAddresses.parse("10.20.1.1")));
        assertEquals(NetworkListing.DENIED, rules.listing(IpAddresses.parse("10.20.30.40")));
        assertEquals(NetworkListing.DENIED, rules.listing(IpAddresses.parse("203.0.113.7")));
        assertEquals(NetworkListing.NONE, rules.listing(IpAddresses.parse("203.0.113.8")));
        assertEquals(NetworkListing.ALLOWED, rules.listing(IpAddresses.parse("2001:db8:abcd:1::9")));
        assertEquals(NetworkListing.NONE, rules.listing(IpAddresses.parse("2001:db8:abce::1")));
        assertEquals(NetworkListing.NONE, rules.listing(IpAddresses.parse("not-an-ip.example")));
        assertEquals(NetworkListing.ALLOWED, rules.listing(IpAddresses.parse("::ffff:10.20.1.1")));
    }

    @Test
    void anIpHasOneCanonicalSpellingForCounting() {
        assertEquals(IpAddresses.canonical("2001:db8::1"), IpAddresses.canonical("2001:DB8:0:0::0001"));
        assertEquals("192.0.2.1", IpAddresses.canonical("192.0.2.1"));
        assertEquals("unknown", IpAddresses.canonical("unknown"));
    }

    @Test
    void policiesRejectInconsistentThresholds() {
        assertThrows(IllegalArgumentException.class,
                () -> new RiskPolicy("bad", 50, 30, 60, 15, -30, 20, 40, 120, 100, Decision.CHALLENGE));
        assertThrows(IllegalArgumentException.class,
                () -> new RiskPolicy("bad", 50, 30, 60, 15, -30, 20, 40, 40, 100, Decision.ALLOW));
        assertThrows(IllegalArgumentException.class, () -> CidrRange.parse("10.0.0.0/33"));
    }

    private Assessment evaluate(Facts facts) {
        return evaluator.evaluate(facts.build(), policy, false);
    }

    /** Builds login facts starting from a familiar login. */
    private static final class Facts {
        private boolean password = true;
        private Purpose purpose = Purpose.LOGIN;
        private boolean device = true;
        private DeviceToken token = DeviceToken.NONE;
        private Location location = BERLIN;
        private boolean countryKnown = true;
        private PreviousLogin previous;
        private boolean hourUsed = true;
        private long userFailures;
        private long ipFailures;
        private NetworkListing network = NetworkListing.NONE;
        private boolean reportedFraud;

        Facts password(boolean v) { password = v; return this; }
        Facts purpose(Purpose v) { purpose = v; return this; }
        Facts device(boolean v) { device = v; return this; }
        Facts token(DeviceToken v) { token = v; return this; }
        Facts location(Location v) { location = v; return this; }
        Facts countryKnown(boolean v) { countryKnown = v; return this; }
        Facts previous(PreviousLogin v) { previous = v; return this; }
        Facts hourUsed(boolean v) { hourUsed = v; return this; }
        Facts userFailures(long v) { userFailures = v; return this; }
        Facts ipFailures(long v) { ipFailures = v; return this; }
        Facts network(NetworkListing v) { network = v; return this; }
        Facts reportedFraud(boolean v) { reportedFraud = v; return this; }

        LoginFacts build() {
            return new LoginFacts(password, purpose, NOW, device, token, location, countryKnown, previous,
                    hourUsed, userFailures, ipFailures, network, reportedFraud);
        }
    }
}
