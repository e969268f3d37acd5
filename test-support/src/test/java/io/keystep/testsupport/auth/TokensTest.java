package io.keystep.testsupport.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokensTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void aMintedTokenIsSignedByThePublishedKeyAndCarriesTenantRolesIssuerAndAudience() throws Exception {
        String token = Tokens.of("acme", Tokens.COMPLIANCE);
        String[] parts = token.split("\\.");
        assertEquals(3, parts.length);
        assertTrue(verifies(parts), "signature checks against the public key file");

        JsonNode header = json(parts[0]);
        JsonNode claims = json(parts[1]);
        assertEquals("RS256", header.path("alg").asText());
        assertEquals("acme", claims.path("tenant").asText());
        assertEquals(Tokens.ISSUER, claims.path("iss").asText());
        assertEquals(Tokens.AUDIENCE, audience(claims));
        assertEquals("compliance", claims.path("groups").get(0).asText());
        assertTrue(claims.path("exp").asLong() > Instant.now().getEpochSecond());
    }

    @Test
    void theRefusalVariantsDifferFromAValidTokenInExactlyTheirOneWay() throws Exception {
        JsonNode wrongAudience = json(Tokens.wrongAudience("acme", Tokens.GATEWAY).split("\\.")[1]);
        assertEquals("some-other-service", audience(wrongAudience));

        String[] expired = Tokens.expired("acme", Tokens.GATEWAY).split("\\.");
        assertTrue(verifies(expired));
        assertTrue(json(expired[1]).path("exp").asLong() < Instant.now().getEpochSecond());

        assertFalse(verifies(Tokens.foreignSignature("acme", Tokens.GATEWAY).split("\\.")));
        assertFalse(json(Tokens.withoutTenant(Tokens.GATEWAY).split("\\.")[1]).has("tenant"));
    }

    private static String audience(JsonNode claims) {
        JsonNode aud = claims.path("aud");
        return aud.isArray() ? aud.get(0).asText() : aud.asText();
    }

    private JsonNode json(String part) throws Exception {
        return mapper.readTree(Base64.getUrlDecoder().decode(part));
    }

    private static boolean verifies(String[] parts) throws Exception {
        String pem = Files.readString(Tokens.publicKeyFile()).replaceAll("-----[A-Z ]+-----|\\s", "");
        PublicKey key = KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
        Signature signature = Signature.getInstance("SHA256withRSA");
        signature.initVerify(key);
        signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        return signature.verify(Base64.getUrlDecoder().decode(parts[2]));
    }
}
