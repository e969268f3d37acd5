package io.keystep.audit.domain;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Each pattern of the redactor reads a text of the worst shapes a record can carry a bounded number of times per
 * character: counted, not timed, on a text that stops answering once a quadratic walk has begun.
 */
public class RedactionTimeTest {

    public static final int SIZE = 256 * 1024;
    /** Reads per character any pattern may make; a quadratic walk of 256 KiB makes about 130,000. */
    static final int READS_PER_CHAR = 40;

    /** Long runs of what each pattern looks for, none of which completes a match. */
    public static Map<String, String> worstShapes() {
        Map<String, String> shapes = new LinkedHashMap<>();
        shapes.put("e-mail local part without @", "a".repeat(SIZE));
        shapes.put("e-mail local part with dots and no @", "john.doe".repeat(SIZE / 8));
        shapes.put("@ then a domain without a dot", "a@" + "b".repeat(SIZE - 2));
        shapes.put("@ then a domain ending in a dot", "a@" + "b".repeat(SIZE - 3) + ".");
        shapes.put("many @ without domains", "a@".repeat(SIZE / 2));
        shapes.put("digits", "7".repeat(SIZE));
        shapes.put("plus then digits", "+" + "4".repeat(SIZE - 1));
        shapes.put("phone-like run without a final digit", ("+49 (151) 2-" ).repeat(SIZE / 12));
        shapes.put("plus signs and digits", "+1".repeat(SIZE / 2));
        shapes.put("sealed prefix without its second dot", "v1." + "A".repeat(SIZE - 3));
        shapes.put("sealed prefix with digits", "v" + "1".repeat(SIZE - 1));
        shapes.put("sealed prefixes", "v1.".repeat(SIZE / 3));
        shapes.put("sealed value too short, repeated", "v1.key.short ".repeat(SIZE / 13));
        shapes.put("secret name then blanks", "\"code\"" + " ".repeat(SIZE - 6));
        shapes.put("secret value never closed", "\"code\": \"" + "x".repeat(SIZE - 9));
        shapes.put("secret names", "\"token\":".repeat(SIZE / 8));
        shapes.put("token-like run", "A1b2-_".repeat(SIZE / 6));
        return shapes;
    }

    @Test
    void everyPatternReadsEachCharacterOfTheWorstShapesABoundedNumberOfTimes() {
        for (Pattern pattern : PayloadRedactor.PATTERNS) {
            for (Map.Entry<String, String> shape : worstShapes().entrySet()) {
                CountedText text = new CountedText(shape.getValue(), (long) READS_PER_CHAR * shape.getValue().length());
                try {
                    // as replaceAll walks the text, and as matches() checks a whole value
                    Matcher m = pattern.matcher(text);
                    while (m.find()) {
                        // every match, to the end
                    }
                    pattern.matcher(text).matches();
                } catch (TooManyReads e) {
                    fail(pattern + " on \"" + shape.getKey() + "\": more than " + READS_PER_CHAR
                            + " reads per character, the walk is not linear");
                }
            }
        }
    }

    @Test
    void theWorstShapesAreStillRedactedAsBefore() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (Map.Entry<String, String> shape : worstShapes().entrySet()) {
            String value = shape.getValue();
            String redacted = PayloadRedactor.redactText(value);
            assertEquals(value.length() > 0, redacted.length() > 0, shape.getKey());
            ObjectNode payload = json.createObjectNode().put("destination", value).put("note", value)
                    .put("reasonCode", value);
            PayloadRedactor.redact(payload);
            assertTrue(payload.has("destination"), shape.getKey());
        }
        // what each shape would have been had it completed still is redacted
        String text = PayloadRedactor.redactText("a".repeat(1000) + " jane.doe@example.com \"code\": \"123456\" "
                + "+4915123456678 v1.t1.QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwMTIz " + "7".repeat(1000));
        assertTrue(text.contains("j***@example.com"), text);
        assertFalse(text.contains("jane.doe"), text);
        assertFalse(text.contains("123456\""), text);
        assertFalse(text.contains("+4915123456678"), text);
        assertTrue(text.contains("[sealed]"), text);
        assertEquals("x***@b.c.", PayloadRedactor.maskDestination("xyz@b.c."));
        assertEquals("a***@b.example", PayloadRedactor.redactText("abc@b.example"));
        assertEquals("p***@x.org q", PayloadRedactor.redactText("p,abc@x.org q"),
                "the local part is the whole run before @, as before");
    }

    /** A text that counts how often it is read and refuses to be read past its budget. */
    static final class CountedText implements CharSequence {

        private final String text;
        private final long budget;
        private long reads;

        CountedText(String text, long budget) {
            this.text = text;
            this.budget = budget;
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public char charAt(int index) {
            if (++reads > budget) {
                throw new TooManyReads();
            }
            return text.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.subSequence(start, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    static final class TooManyReads extends RuntimeException {
        TooManyReads() {
            super(null, null, false, false);
        }
    }
}
