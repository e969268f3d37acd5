package io.keystep.kit.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisScriptTest {

    @Test
    void aScriptIsReadFromBesideItsOwnerAndNamedByItsSha1() {
        RedisScript script = RedisScript.load(RedisScriptTest.class, "get.lua");
        assertEquals("return redis.call('GET', KEYS[1])\n", script.source());
        // The SHA-1 of the file's bytes (as sha1sum prints it), which is what Redis names the script by.
        assertEquals("f0e4c575f212a47f6a05898b785b6a9d46baaa55", script.sha());
    }

    @Test
    void aMissingScriptFailsWhenItsOwnerLoads() {
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> RedisScript.load(RedisScriptTest.class, "absent.lua"));
        assertTrue(missing.getMessage().contains("absent.lua"), missing.getMessage());
    }
}
