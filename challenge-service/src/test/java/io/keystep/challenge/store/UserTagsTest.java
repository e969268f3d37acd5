package io.keystep.challenge.store;

import io.keystep.challenge.domain.NewChallenge;
import io.keystep.events.Channel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UserTagsTest {

    @Test
    void aChallengeIdIsAUuidThatStartsWithItsUsersTag() {
        String tag = UserTags.of("acme", "alice");
        assertTrue(tag.matches("[0-9a-f]{4}"), tag);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = UserTags.newChallengeId("acme", "alice");
            assertEquals(id, UUID.fromString(id).toString(), "still a UUID in its canonical form");
            assertEquals(4, UUID.fromString(id).version());
            assertTrue(id.startsWith(tag), id);
            assertEquals(tag, UserTags.ofChallenge(id));
            ids.add(id);
        }
        assertEquals(1000, ids.size(), "the rest of the id stays random");
    }

    @Test
    void theTagDependsOnTenantAndUserAndKeysShareIt() {
        assertEquals(UserTags.of("acme", "alice"), UserTags.of("acme", "alice"));
        assertNotEquals(UserTags.of("acme", "alice"), UserTags.of("globex", "alice"));
        // tenant and user are kept apart: "ab" + "c" is not "a" + "bc"
        assertNotEquals(UserTags.of("ab", "c"), UserTags.of("a", "bc"));
        String id = UserTags.newChallengeId("acme", "alice");
        String tag = "{" + UserTags.of("acme", "alice") + "}";
        assertTrue(ChallengeStore.challengeKey(id).contains(tag));
        assertTrue(ChallengeStore.activeKey("acme", "alice", "LOGIN").contains(tag));
        assertTrue(ChallengeStore.lockoutKey("acme", "alice").contains(tag));
        assertTrue(ChallengeStore.failuresKey("acme", "alice").contains(tag));
    }

    @Test
    void manyUsersTagsSpreadOverTheTagSpace() {
        Set<String> tags = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            tags.add(UserTags.of("acme", "user-" + i));
        }
        // 2,000 draws from 65,536 tags: about 30 collide.
        assertTrue(tags.size() > 1900, "distinct tags: " + tags.size());
    }

    @Test
    void theStoreRefusesAChallengeWhoseIdCarriesAnotherUsersTag() {
        ChallengeStore store = new ChallengeStore(null);
        Instant now = Instant.parse("2026-11-24T00:00:00Z");
        String bobs = UserTags.newChallengeId("acme", "bob");
        String alicesTag = UserTags.of("acme", "alice");
        String forAlice = bobs.startsWith(alicesTag) ? UserTags.newChallengeId("acme", "carol") : bobs;
        NewChallenge challenge = new NewChallenge(forAlice, "acme", "alice", null, null, "LOGIN", "digest", 5,
                now.plus(Duration.ofMinutes(5)), List.of(Channel.SMS), "+15555550123", "en", null, null, 6, null);
        Throwable refused = assertThrows(RuntimeException.class,
                () -> store.create(challenge, now, now.plus(Duration.ofMinutes(10))).await().indefinitely());
        assertInstanceOf(IllegalArgumentException.class, refused);
    }
}
