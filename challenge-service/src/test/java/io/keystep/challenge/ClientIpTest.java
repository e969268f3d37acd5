package io.keystep.challenge;

import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The per-IP send limit counts the person's address: the one the gateway states in the body, else the first
 * address a trusted proxy forwarded (from the right of {@code X-Forwarded-For}), never an entry the client wrote
 * itself. In tests the service is reached from this host, which is the trusted proxy.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class ClientIpTest {

    private static final int IP_MAX_SENDS = 30;

    private static ValidatableResponse send(String tenant, String forwardedFor, String extraFields) {
        var request = Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"to\":\"" + VerifyApi.phone()
                + "\",\"channel\":\"sms\",\"purpose\":\"login\"" + extraFields + "}");
        if (forwardedFor != null) {
            request = request.header("X-Forwarded-For", forwardedFor);
        }
        return request.post("/v1/verifications").then();
    }

    @Test
    void inventedForwardedAddressesDoNotEscapeThePerIpLimit() {
        String tenant = LoginThread.unique("t");
        int accepted = 0;
        int limited = 0;
        // One person at 198.51.100.77 invents a new X-Forwarded-For each time; the proxy appends the real address.
        for (int i = 0; i < 45; i++) {
            int status = send(tenant, "203.0.113." + (i + 1) + ", 198.51.100.77", "").extract().statusCode();
            if (status == 201) {
                accepted++;
            } else if (status == 429) {
                limited++;
            }
        }
        assertThat(accepted, equalTo(IP_MAX_SENDS));
        assertThat(limited, equalTo(45 - IP_MAX_SENDS));
        send(tenant, "203.0.113.200, 198.51.100.77", "").statusCode(429)
                .contentType(containsString("application/problem+json")).body("detail", containsString("ip"));
        // Another person behind the same proxy is not held back by the first one's limit.
        send(tenant, "198.51.100.78", "").statusCode(201);
    }

    @Test
    void aClientIpTheGatewayStatesIsLimitedPerThatIp() {
        String tenant = LoginThread.unique("t");
        // Every user of a gateway reaches the service from the gateway's address; the body names each person.
        for (int i = 0; i < IP_MAX_SENDS; i++) {
            send(tenant, null, ",\"clientIp\":\"192.0.2.10\"").statusCode(201);
        }
        send(tenant, null, ",\"clientIp\":\"192.0.2.10\"").statusCode(429)
                .contentType(containsString("application/problem+json")).body("detail", containsString("ip"));
        // The stated address wins over any forwarded one, so a rotating header does not help either.
        send(tenant, "203.0.113.99", ",\"clientIp\":\"192.0.2.10\"").statusCode(429);
        send(tenant, null, ",\"clientIp\":\"192.0.2.11\"").statusCode(201);
        // An IPv6 person counts by its /64: another address in the same network shares the bucket.
        for (int i = 0; i < IP_MAX_SENDS; i++) {
            send(tenant, null, ",\"clientIp\":\"2001:db8:7:7::" + Integer.toHexString(i + 1) + "\"").statusCode(201);
        }
        send(tenant, null, ",\"clientIp\":\"2001:db8:7:7:ffff::1\"").statusCode(429);
        send(tenant, null, ",\"clientIp\":\"2001:db8:7:8::1\"").statusCode(201);
    }

    @Test
    void aClientIpThatIsNoAddressIsRefusedNamingTheField() {
        String tenant = LoginThread.unique("t");
        for (String bad : new String[]{"not-an-ip", "example.com", "999.1.1.1", "192.0.2.1:443", "[2001:db8::1]",
                "", "1.2.3"}) {
            send(tenant, null, ",\"clientIp\":\"" + bad + "\"").statusCode(400)
                    .contentType(containsString("application/problem+json"))
                    .body("errors[0].field", equalTo("clientIp"));
        }
        String id = send(tenant, null, ",\"clientIp\":\"192.0.2.12\"").statusCode(201).extract().path("id");
        Callers.gateway(tenant).contentType(ContentType.JSON).body("{\"clientIp\":\"localhost\"}")
                .post("/v1/verifications/{id}/resend", id).then().statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors[0].field", equalTo("clientIp"));
    }
}
