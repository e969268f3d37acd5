package io.keystep.challenge;

import io.keystep.challenge.store.ChallengeStore;
import io.keystep.testsupport.auth.JwtTestResource;
import io.keystep.testsupport.auth.Callers;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.SharedServers;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class RedisOutageTest {

    @Inject
    ObjectMapper mapper;

    @Inject
    RedisDataSource redis;

    @Test
    void redisOutageFailsClosedAndARestartGivesNoExtraAttempts() throws Exception {
        String tenant = LoginThread.unique("t");
        String id = VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "olive")).statusCode(201)
                .extract().path("id");
        String code = VerifyApi.code(mapper, tenant, id, 1);
        VerifyApi.check(tenant, id, LoginThread.wrong(code), true).body("remainingAttempts", equalTo(4));
        VerifyApi.check(tenant, id, LoginThread.wrong(code), true).body("remainingAttempts", equalTo(3));
        Map<String, String> persisted = redis.hash(String.class).hgetall(ChallengeStore.challengeKey(id));

        SharedServers.redis().close();
        try {
            VerifyApi.check(tenant, id, code, true).statusCode(503)
                    .contentType(containsString("application/problem+json"));
            VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "olive-2")).statusCode(503)
                    .contentType(containsString("application/problem+json"));
        } finally {
            SharedServers.restartRedis();
        }

        // Without persistence the verification is simply gone: a restart cannot hand out a fresh budget.
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                VerifyApi.check(tenant, id, code, true).statusCode(404));

        // With persistence (AOF) the hash comes back as it was, and with it the spent attempts: the budget lives
        // only in Redis, next to the digest, never in the service.
        redis.hash(String.class).hset(ChallengeStore.challengeKey(id), persisted);
        VerifyApi.check(tenant, id, LoginThread.wrong(code), true).statusCode(200)
                .body("status", equalTo("pending")).body("remainingAttempts", equalTo(2));
        VerifyApi.check(tenant, id, code, true).statusCode(200).body("status", equalTo("approved"));
    }

    @Test
    void pollingALoginWhileRedisIsDownIsAProblemNotACrash() {
        SharedServers.redis().close();
        try {
            Callers.gateway("t-outage").get("/v1/logins/{loginId}", "some-login")
                    .then().statusCode(503).contentType(containsString("application/problem+json"));
            Callers.gateway("t-outage").contentType(ContentType.JSON).body("{\"code\":\"123456\"}")
                    .post("/v1/verifications/{id}/check", "some-id")
                    .then().statusCode(503).contentType(containsString("application/problem+json"));
        } finally {
            SharedServers.restartRedis();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                Callers.gateway("t-outage").get("/v1/logins/{loginId}", "some-login")
                        .then().statusCode(404));
    }
}
