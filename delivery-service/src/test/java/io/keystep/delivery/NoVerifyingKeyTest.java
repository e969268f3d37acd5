package io.keystep.delivery;

import io.keystep.testsupport.ManagementPort;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.EventOriginKey;
import io.keystep.testsupport.auth.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

/** A deployment that forgot the token-verifying key refuses every call rather than serving one (fail closed). */
@QuarkusTest
@TestProfile(NoVerifyingKeyTest.WithoutKey.class)
class NoVerifyingKeyTest {

    /** The usual servers and providers, but no JwtTestResource and no key at all. */
    public static class WithoutKey implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            // NONE is SmallRye JWT's own default for an absent key location: as if the property were not set. Issuer
            // and audience are the tokens' own, so that the missing key is the only reason to refuse them.
            // The event origin key is there: only the token key is missing.
            return Map.of("mp.jwt.verify.publickey.location", "NONE",
                    "mp.jwt.verify.issuer", Tokens.ISSUER,
                    "mp.jwt.verify.audiences", Tokens.AUDIENCE,
                    "keystep.event-origin.key", EventOriginKey.base64());
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaTestResource.class), new TestResourceEntry(RedisTestResource.class),
                    new TestResourceEntry(SmsSinkTestResource.class),
                    new TestResourceEntry(ProviderStandInsTestResource.class));
        }
    }


    @Test
    void everyCallWithATokenIsRefusedAsUnauthenticated() {
        given().auth().oauth2(Tokens.admin("nokey-tenant")).get("/v1/costs").then().statusCode(401)
                .contentType(containsString("application/problem+json"));
        given().auth().oauth2(Tokens.admin("nokey-tenant")).get("/v1/settings/delivery").then().statusCode(401);
        given().auth().oauth2(Tokens.worker("nokey-tenant")).get("/v1/deliveries/{id}", "some-challenge").then()
                .statusCode(401);
        ManagementPort.given().get("/q/health/live").then().statusCode(200);
    }
}
