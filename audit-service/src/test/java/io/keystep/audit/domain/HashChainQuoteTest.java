package io.keystep.audit.domain;

import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every stored hash was computed over strings quoted as Jackson writes a {@link TextNode}; a chain verifies only if
 * {@link HashChain#quote} still writes exactly that, character for character.
 */
class HashChainQuoteTest {

    /** A row's hash as the trail computed it with the TextNode-based quoting (the form stored chains hold). */
    private static final String EXPECTED_HASH = "d0fb9aeb1e8f83ffb8171d2dcd16267ce78c514726e8af9a9d883c23a171719e";

    @Test
    void quotesEveryCharacterAsATextNodeDoes() {
        for (char c = 0; c < Character.MAX_VALUE; c++) {
            String alone = String.valueOf(c);
            String within = "a" + c + "\"b\\" + c;
            assertEquals(TextNode.valueOf(alone).toString(), HashChain.quote(alone), "U+" + Integer.toHexString(c));
            assertEquals(TextNode.valueOf(within).toString(), HashChain.quote(within), "U+" + Integer.toHexString(c));
        }
    }

    @Test
    void quotesWholeValuesAsATextNodeDoes() {
        for (String value : List.of("", "tenant-a", "2026-11-23T06:30:00.123456Z", "auth.login.v1",
                "line\nbreak\ttab\r\u0000\u001f\u007f", "quote \" backslash \\ slash /", "\ud83d\udd11 key",
                "\ud83d unpaired", "unpaired \udd11", "ünïcødé – “typographic” ‘quotes’", "</script>")) {
            assertEquals(TextNode.valueOf(value).toString(), HashChain.quote(value), value);
        }
    }

    @Test
    void aRowsHashIsUnchanged() {
        String canonicalPayload = HashChain.canonicalPayload(new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode().put("outcome", "approved").put("note", "line\n\"quoted\" ü"));
        String hash = HashChain.hash(HashChain.GENESIS, 1, java.util.UUID.fromString(
                        "7f1d8c1e-6a3b-4d2f-9a51-0c9e8b7a6d5f"), "verification.completed", 1,
                java.time.Instant.parse("2026-11-23T06:30:00Z"), "tenant-a", "login-1", "user \"1\"",
                "verification.completed.v1", 2, 42, java.time.Instant.parse("2026-11-23T06:30:00.250Z"),
                canonicalPayload);

        assertEquals(EXPECTED_HASH, hash);
    }
}
