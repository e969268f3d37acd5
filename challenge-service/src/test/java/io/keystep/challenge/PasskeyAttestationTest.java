package io.keystep.challenge;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keystep.testsupport.KafkaTestResource;
import io.keystep.testsupport.PostgresTestResource;
import io.keystep.testsupport.RedisTestResource;
import io.keystep.testsupport.auth.Callers;
import io.keystep.testsupport.auth.JwtTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * A tenant that asks for attestation ({@code direct}) takes only authenticators whose attestation chains to a root it
 * trusts: a vendor's attested key passes, the same key under another vendor's root, a self attestation and no
 * attestation at all do not.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(JwtTestResource.class)
@QuarkusTestResource(RedisTestResource.class)
@QuarkusTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "database", value = "challenge"))
class PasskeyAttestationTest {

    @Inject
    ObjectMapper mapper;

    private static String direct(String rootPem) throws Exception {
        return ",\"attestation\":\"direct\",\"trustAnchors\":[" + new ObjectMapper().writeValueAsString(rootPem) + "]";
    }

    /** Starts a registration for the user and completes it with the authenticator's response. */
    private io.restassured.response.ValidatableResponse register(String tenant, String user,
                                                                 SoftAuthenticator authenticator) throws Exception {
        return PasskeyTest.complete(tenant, user, authenticator.register(
                PasskeyTest.registrationOptions(mapper, tenant, user).get("challenge").asText()));
    }

    @Test
    void onlyAnAttestationThatChainsToATrustedRootIsTakenUnderDirect() throws Exception {
        AttestationRoots vendor = AttestationRoots.create("Keystep Test Vendor");
        AttestationRoots stranger = AttestationRoots.create("Unknown Vendor");
        String tenant = LoginThread.unique("t");
        PasskeyTest.relyingParty(tenant, direct(vendor.rootPem()));
        Callers.admin(tenant).get("/v1/settings/passkeys").then().statusCode(200)
                .body("attestation", equalTo("direct")).body("trustAnchors[0]", containsString("BEGIN CERTIFICATE"));
        String user = LoginThread.unique("u");

        SoftAuthenticator none = new SoftAuthenticator(PasskeyTest.ORIGIN, PasskeyTest.RP);
        register(tenant, user, none).statusCode(422).body("detail", containsString("no attestation"));

        SoftAuthenticator self = new SoftAuthenticator(PasskeyTest.ORIGIN, PasskeyTest.RP);
        self.format = "packed";
        register(tenant, user, self).statusCode(422).body("detail", containsString("attested itself"));

        SoftAuthenticator foreign = new SoftAuthenticator(PasskeyTest.ORIGIN, PasskeyTest.RP);
        foreign.format = "packed";
        foreign.attestationKey = stranger.attestationKey;
        foreign.attestationChain = stranger.chain();
        register(tenant, user, foreign).statusCode(422).body("detail", containsString("root the tenant trusts"));

        // The trusted vendor's certificate, but the statement signed by another key: the signature fails.
        SoftAuthenticator misSigned = new SoftAuthenticator(PasskeyTest.ORIGIN, PasskeyTest.RP);
        misSigned.format = "packed";
        misSigned.attestationKey = stranger.attestationKey;
        misSigned.attestationChain = vendor.chain();
        register(tenant, user, misSigned).statusCode(422);

        SoftAuthenticator attested = new SoftAuthenticator(PasskeyTest.ORIGIN, PasskeyTest.RP);
        attested.format = "packed";
        attested.attestationKey = vendor.attestationKey;
        attested.attestationChain = vendor.chain();
        register(tenant, user, attested).statusCode(201).body("attestationFormat", equalTo("packed"));
    }

    @Test
    void aTrustAnchorThatIsNotACertificateIsRefusedByName() {
        String tenant = LoginThread.unique("t");
        Callers.admin(tenant).contentType(ContentType.JSON)
                .body("{\"rpId\":\"example.com\",\"rpName\":\"Example\",\"origins\":[\"https://example.com\"],"
                        + "\"attestation\":\"direct\",\"trustAnchors\":[\"-----BEGIN CERTIFICATE-----\\nnope\\n"
                        + "-----END CERTIFICATE-----\"]}")
                .put("/v1/settings/passkeys").then().statusCode(400).body("errors[0].field", equalTo("trustAnchors"));
    }
}
