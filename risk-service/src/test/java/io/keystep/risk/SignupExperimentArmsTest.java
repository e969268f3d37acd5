package io.keystep.risk;

import io.keystep.events.Decision;
import io.keystep.events.Purpose;
import io.keystep.risk.domain.Assessment;
import io.keystep.risk.domain.Reason;
import io.keystep.risk.domain.SignupExperiment;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The experiment's rules alone: which arm a user lands in, and what each arm does to a decision. */
class SignupExperimentArmsTest {

    private static SignupExperiment running(String id, double share) {
        return new SignupExperiment(id, share, true, Instant.EPOCH, null);
    }

    @Test
    void armAChallengesWhatThePolicyAllowsAndKeepsEveryOtherDecision() {
        Assessment allowed = new Assessment(Decision.ALLOW, 10, List.of(Reason.NEW_COUNTRY));
        Assessment challenged = SignupExperiment.apply(allowed, "A");
        assertEquals(Decision.CHALLENGE, challenged.decision());
        assertEquals(10, challenged.score(), "the score stays the policy's");
        assertEquals(List.of(Reason.NEW_COUNTRY, Reason.SIGNUP_EXPERIMENT), challenged.reasons());

        Assessment denied = new Assessment(Decision.DENY, 100, List.of(Reason.PASSWORD_NOT_VERIFIED));
        assertSame(denied, SignupExperiment.apply(denied, "A"), "a denial stays a denial");
        Assessment stepUp = new Assessment(Decision.CHALLENGE, 50, List.of(Reason.NEW_DEVICE));
        assertSame(stepUp, SignupExperiment.apply(stepUp, "A"));
        assertSame(allowed, SignupExperiment.apply(allowed, "B"), "arm B is the normal policy");
    }

    @Test
    void aUsersArmDependsOnlyOnTenantExperimentAndUser() {
        SignupExperiment experiment = running("signup-2fa", 0.5);
        List<String> users = IntStream.range(0, 200).mapToObj(i -> "user-" + i).toList();
        List<String> first = users.stream().map(u -> experiment.armFor("acme", u)).toList();
        assertEquals(first, users.stream().map(u -> running("signup-2fa", 0.5).armFor("acme", u)).toList());
        assertTrue(first.contains("A") && first.contains("B"));
        // Another tenant or experiment draws its own split.
        assertFalse(first.equals(users.stream().map(u -> experiment.armFor("globex", u)).toList()));
        assertFalse(first.equals(users.stream().map(u -> running("other", 0.5).armFor("acme", u)).toList()));
    }

    @Test
    void theShareBoundsTheArmsAndRaisingItOnlyMovesUsersIntoArmA() {
        List<String> users = IntStream.range(0, 500).mapToObj(i -> "user-" + i).toList();
        assertTrue(users.stream().allMatch(u -> "B".equals(running("x", 0).armFor("acme", u))));
        assertTrue(users.stream().allMatch(u -> "A".equals(running("x", 1).armFor("acme", u))));
        for (String user : users) {
            if ("A".equals(running("x", 0.3).armFor("acme", user))) {
                assertEquals("A", running("x", 0.6).armFor("acme", user), user);
            }
        }
    }

    @Test
    void onlyARunningExperimentDecidesAndOnlySignups() {
        assertTrue(running("x", 0.5).decides(Purpose.SIGNUP));
        assertFalse(running("x", 0.5).decides(Purpose.LOGIN));
        assertFalse(new SignupExperiment("x", 0.5, false, Instant.EPOCH, Instant.EPOCH).decides(Purpose.SIGNUP));
    }
}
