package io.keystep.risk;

import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.startsWith;

/** Fails closed: without the key to verify tokens, even a well-signed administrator token is refused. */
@QuarkusTest
@TestProfile(NoVerificationKeyTest.WithoutKey.class)
class NoVerificationKeyTest {

    /** The servers, and no JwtTestResource: the service has no usable verification key. */
    public static class WithoutKey implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaTestResource.class),
                    new TestResourceEntry(RedisTestResource.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @Test
    void everyCallIsRefusedWithoutAVerificationKey() {
        given().auth().oauth2(Tokens.admin("acme")).get("/v1/settings/risk").then()
                .statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", startsWith("Bearer"));
        given().auth().oauth2(Tokens.admin("acme")).contentType("application/json").body("{\"newDevice\": 0}")
                .put("/v1/settings/risk").then().statusCode(401);
    }
}
