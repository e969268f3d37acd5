package io.keystep.audit.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes a payload fit for the audit trail: the trail must never hold a code or a secret, and holds destinations
 * only masked. The events carry no plaintext code, but audit refuses anything that looks like one all the same,
 * because the trail is kept for years and copied to compliance teams.
 */
public final class PayloadRedactor {

    public static final String SEALED = "[sealed]";
    public static final String REDACTED = "[redacted]";

    /** Field names whose value is a secret whatever it looks like (compared lower-case, without - and _). */
    private static final Set<String> SECRET_FIELDS = Set.of("code", "otp", "secret", "password", "pin", "pepper",
            "token", "totpsecret", "recoverycode", "recoverycodes", "privatekey", "apikey", "authtoken", "plaincode",
            "passcode", "onetimecode");
    private static final Set<String> SECRET_SUFFIXES = Set.of("secret", "password", "token", "pepper", "privatekey");
    private static final Set<String> DESTINATION_FIELDS = Set.of("destination", "phone", "phonenumber", "to",
            "email", "msisdn", "recipient", "number");
    /*
     * Every pattern runs in time linear in the text: the trail takes whatever a gateway or worker sends, up to 256 KiB
     * a record. An unbounded run is possessive wherever giving back could not make a match, the e-mail pattern
     * starts only where a run of its characters starts (a run without "@" is walked once, not again from each of its
     * characters), the others start at a character their runs cannot hold ("+", "v", a quote) or are bounded.
     */
    static final Pattern SEALED_VALUE = Pattern.compile("v\\d++\\.[A-Za-z0-9_-]++\\.[A-Za-z0-9_-]{16,}+");
    static final Pattern CODE_VALUE = Pattern.compile("\\d{4,10}");
    static final Pattern PHONE_IN_TEXT = Pattern.compile("\\+\\d[\\d ()-]{6,18}\\d");
    static final Pattern PHONE_VALUE = Pattern.compile("\\+?[\\d ()./-]{7,24}");
    static final Pattern EMAIL_VALUE = Pattern.compile("(?<![^@\\s\"])([^@\\s\"]++)@([^@\\s\"]+\\.[^@\\s\"]+)");
    static final Pattern SECRET_IN_TEXT = Pattern.compile(
            "(\"(?:sealedCode|code|otp|secret|password|pin|pepper|token|totpSecret|recoveryCode)\"\\s*+:\\s*+)\"[^\"]*+\"",
            Pattern.CASE_INSENSITIVE);

    /** Every pattern above, for the test that holds each to linear time. */
    static final List<Pattern> PATTERNS = List.of(SEALED_VALUE, CODE_VALUE, PHONE_IN_TEXT, PHONE_VALUE, EMAIL_VALUE,
            SECRET_IN_TEXT);

    private PayloadRedactor() {
    }

    /** Redacts {@code payload} in place and returns it. */
    public static ObjectNode redact(ObjectNode payload) {
        redactObject(payload);
        return payload;
    }

    /** Redacts text that could not be parsed: sealed codes, secret fields and phone numbers. */
    public static String redactText(String text) {
        if (text == null) {
            return null;
        }
        String cleaned = withoutNul(text);
        cleaned = SECRET_IN_TEXT.matcher(cleaned).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + "\"" + REDACTED + "\""));
        cleaned = SEALED_VALUE.matcher(cleaned).replaceAll(Matcher.quoteReplacement(SEALED));
        cleaned = PHONE_IN_TEXT.matcher(cleaned).replaceAll(m -> Matcher.quoteReplacement(maskPhone(m.group())));
        cleaned = EMAIL_VALUE.matcher(cleaned).replaceAll(m -> Matcher.quoteReplacement(maskEmail(m.group())));
        return cleaned;
    }

    /** PostgreSQL text and jsonb cannot hold U+0000; a record carrying one must still be stored. */
    public static String withoutNul(String text) {
        return text == null || text.indexOf('\0') < 0 ? text : text.replace('\0', '\uFFFD');
    }

    /**
     * Masks a phone number ({@code +4915*****678}: a prefix, then stars, then the last three digits) or an email
     * address ({@code j***@example.com}); anything else is returned unchanged. Already masked values stay.
     */
    public static String maskDestination(String value) {
        if (value == null || value.contains("*")) {
            return value;
        }
        String trimmed = value.trim();
        if (EMAIL_VALUE.matcher(trimmed).matches()) {
            return maskEmail(trimmed);
        }
        if (PHONE_VALUE.matcher(trimmed).matches() && digits(trimmed) >= 7) {
            return maskPhone(trimmed);
        }
        return value;
    }

    private static void redactObject(ObjectNode node) {
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
        node.fields().forEachRemaining(fields::add);
        for (Map.Entry<String, JsonNode> field : fields) {
            String name = field.getKey();
            String cleanName = withoutNul(name);
            if (!cleanName.equals(name)) {
                node.remove(name);
                node.set(cleanName, field.getValue());
            }
            node.set(cleanName, redactField(cleanName, field.getValue()));
        }
    }

    private static JsonNode redactField(String name, JsonNode value) {
        String normalized = name.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
        if (value == null || value.isNull()) {
            return value;
        }
        if (normalized.equals("sealedcode")) {
            return TextNode.valueOf(SEALED);
        }
        if (SECRET_FIELDS.contains(normalized) || SECRET_SUFFIXES.stream().anyMatch(normalized::endsWith)) {
            return TextNode.valueOf(REDACTED);
        }
        if (value.isTextual()) {
            String text = withoutNul(value.asText());
            if (normalized.endsWith("code") && CODE_VALUE.matcher(text).matches()) {
                return TextNode.valueOf(REDACTED);
            }
            if (SEALED_VALUE.matcher(text).find()) {
                return TextNode.valueOf(SEALED_VALUE.matcher(text).replaceAll(Matcher.quoteReplacement(SEALED)));
            }
            if (DESTINATION_FIELDS.contains(normalized)) {
                return TextNode.valueOf(maskDestination(text));
            }
            if (text.startsWith("+") && PHONE_VALUE.matcher(text).matches() && digits(text) >= 7) {
                return TextNode.valueOf(maskPhone(text));
            }
            return TextNode.valueOf(text);
        }
        if (value.isObject()) {
            redactObject((ObjectNode) value);
            return value;
        }
        if (value.isArray()) {
            ArrayNode array = (ArrayNode) value;
            for (int i = 0; i < array.size(); i++) {
                array.set(i, redactField(name, array.get(i)));
            }
        }
        return value;
    }

    private static int digits(String text) {
        int count = 0;
        for (int i = 0; i < text.length(); i++) {
            if (Character.isDigit(text.charAt(i))) {
                count++;
            }
        }
        return count;
    }

    private static String maskPhone(String phone) {
        StringBuilder compact = new StringBuilder();
        for (int i = 0; i < phone.length(); i++) {
            char c = phone.charAt(i);
            if (Character.isDigit(c) || (c == '+' && compact.isEmpty())) {
                compact.append(c);
            }
        }
        String digits = compact.toString();
        int keepStart = Math.min(digits.startsWith("+") ? 5 : 4, Math.max(0, digits.length() - 6));
        int keepEnd = 3;
        return digits.substring(0, keepStart) + "*".repeat(digits.length() - keepStart - keepEnd)
                + digits.substring(digits.length() - keepEnd);
    }

    private static String maskEmail(String email) {
        int at = email.indexOf('@');
        return email.charAt(0) + "***" + email.substring(at);
    }
}
