package io.keystep.delivery.provider;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/** Reads an {@code application/x-www-form-urlencoded} body into sorted fields (Twilio signs them sorted). */
final class FormBody {

    private FormBody() {
    }

    static TreeMap<String, String> parse(String body) {
        TreeMap<String, String> fields = new TreeMap<>();
        if (body == null || body.isBlank()) {
            return fields;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            fields.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return fields;
    }

    static String signedString(String url, Map<String, String> sortedFields) {
        StringBuilder data = new StringBuilder(url);
        sortedFields.forEach((k, v) -> data.append(k).append(v));
        return data.toString();
    }
}
