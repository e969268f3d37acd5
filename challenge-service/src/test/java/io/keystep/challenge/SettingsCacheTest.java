package io.keystep.challenge;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * A tenant's settings are read for every check, and kept in memory: a change applies at once, and a PostgreSQL
 * outage does not fail the checks of a tenant whose settings were read (a tenant never read still fails closed).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
@QuarkusTestResource(value = OwnPostgresResource.class, restrictToAnnotatedClass = true)
class SettingsCacheTest {

    @Inject
    ObjectMapper mapper;

    private static void put(String tenant, String body) {
        Callers.admin(tenant).contentType(ContentType.JSON).body(body)
                .put("/v1/settings/verify").then().statusCode(200);
    }

    @Test
    void aChangedSettingAppliesAtOnceAndCachedSettingsOutliveAPostgresOutage() throws Exception {
        String tenant = LoginThread.unique("t");
        put(tenant, "{\"failuresToLock\":5}");
        // Read (and kept) with the first check; then changed: the next checks use the new value at once.
        String first = VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "ada")).statusCode(201)
                .extract().path("id");
        String code = VerifyApi.code(mapper, tenant, first, 1);
        VerifyApi.check(tenant, first, LoginThread.wrong(code), true).statusCode(200)
                .body("status", equalTo("pending"));
        put(tenant, "{\"failuresToLock\":3}");
        String second = VerifyApi.create(tenant, VerifyApi.sms(VerifyApi.phone(), "ada")).statusCode(201)
                .extract().path("id");
        String secondCode = VerifyApi.code(mapper, tenant, second, 1);

        OwnPostgresResource.stopServer();

        // The tenant's own threshold (3, not the platform's 10) still applies: the third failure locks.
        VerifyApi.check(tenant, second, LoginThread.wrong(secondCode), true).statusCode(200)
                .body("status", equalTo("pending")).body("locked_until", nullValue());
        VerifyApi.check(tenant, second, LoginThread.wrong(secondCode), true).statusCode(200)
                .body("locked_until", notNullValue());
        VerifyApi.check(tenant, second, secondCode, true).statusCode(429)
                .contentType(containsString("application/problem+json"));

        // A tenant whose settings were never read cannot be checked: nothing is assumed.
        VerifyApi.check(LoginThread.unique("t"), "some-id", "123456", true).statusCode(503)
                .contentType(containsString("application/problem+json"));
    }
}
