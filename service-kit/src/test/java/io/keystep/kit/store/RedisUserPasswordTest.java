package io.keystep.kit.store;

import io.vertx.redis.client.RedisOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RedisUserPasswordTest {

    @Test
    void theNamedUserGetsThePasswordOnEveryNodeOfACluster() {
        RedisOptions options = new RedisOptions().setPassword("p@ss/w:rd")
                .setEndpoints(new ArrayList<>(List.of("redis://risk-service@10.0.0.1:6379",
                        "redis://risk-service@10.0.0.2:6379")));
        new RedisUserPassword().customize("<default>", options);
        assertEquals(List.of("redis://risk-service:p%40ss%2Fw%3Ard@10.0.0.1:6379",
                "redis://risk-service:p%40ss%2Fw%3Ard@10.0.0.2:6379"), options.getEndpoints());
    }

    @Test
    void aUrlWithoutAUserOrWithItsOwnPasswordIsLeftAsItIs() {
        assertEquals(List.of("redis://10.0.0.1:6379", "redis://u:own@10.0.0.1:6379"), RedisUserPassword.withPassword(
                List.of("redis://10.0.0.1:6379", "redis://u:own@10.0.0.1:6379"), "secret"));
        RedisOptions none = new RedisOptions().setEndpoints(new ArrayList<>(List.of("redis://u@h:1")));
        new RedisUserPassword().customize("<default>", none);
        assertEquals(List.of("redis://u@h:1"), none.getEndpoints());
    }
}
