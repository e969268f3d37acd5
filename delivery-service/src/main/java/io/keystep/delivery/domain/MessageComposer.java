package io.keystep.delivery.domain;

import io.keystep.events.Channel;
import io.keystep.events.Purpose;
import io.quarkus.qute.Engine;
import io.quarkus.qute.Template;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Renders the words around a code from Qute templates ({@code templates/otp/<locale>/<kind>.txt}), per locale with
 * English as the last resort, and adds the machine-readable lines: the Android SMS Retriever hash and the WebOTP
 * line {@code @domain #code}, which browsers only read from the message's last line.
 */
public final class MessageComposer {

    /** Locales shipped with the service; any other falls back to its language, then to English. */
    public static final List<String> SHIPPED_LOCALES = List.of("en", "es", "fr", "de", "pt");

    private final Engine engine;
    private final Function<String, Lines> machineLines;
    private final Function<String, Optional<Template>> tenantTemplates;
    /** Which template serves a tenant, kind and locale, found once: templates do not change while running. */
    private final ConcurrentMap<TemplateKey, Template> resolved = new ConcurrentHashMap<>();

    /** Locales come with jobs: only this many distinct lookups are remembered. */
    private static final int MAX_RESOLVED = 4096;

    private record TemplateKey(String tenantId, String kind, String locale) {
    }

    /**
     * @param machineLines    a tenant's WebOTP domain and SMS Retriever hash
     * @param tenantTemplates a tenant's own template for {@code <tenant>/<kind>-<locale>}, when it has one
     */
    public MessageComposer(Engine engine, Function<String, Lines> machineLines,
                           Function<String, Optional<Template>> tenantTemplates) {
        this.engine = engine;
        this.machineLines = machineLines;
        this.tenantTemplates = tenantTemplates;
    }

    /** The machine-readable additions to an SMS: WebOTP origin and Android SMS Retriever app hash. */
    public record Lines(Optional<String> webOtpDomain, Optional<String> appHash) {

        public Lines {
            webOtpDomain = webOtpDomain.filter(d -> !d.isBlank());
            appHash = appHash.filter(h -> !h.isBlank());
        }
    }

    /** The payment a PSD2 dynamic-linking code approves. */
    public record Transaction(String amount, String payee) {
    }

    /** What a message says: the code, its lifetime, its purpose and, for payments, what is approved. */
    public record Content(String tenantId, String locale, Purpose purpose, String code, long minutes,
                          Transaction transaction) {
    }

    /** A rendered message: the body for the channel and, for e-mail, a subject. */
    public record Rendered(String body, String subject) {
    }

    /**
     * The message for {@code channel}. WhatsApp's text reaches only webhook gateways: Twilio and Telnyx send a WhatsApp
     * code as the account's approved template, which carries the code alone.
     */
    public Rendered render(Channel channel, Content content) {
        return switch (channel) {
            case SMS, WHATSAPP -> new Rendered(text(content, channel == Channel.SMS), null);
            case VOICE -> new Rendered(render("voice", content), null);
            case EMAIL -> new Rendered(render("text", content), render("subject", content));
            case PUSH -> throw new IllegalArgumentException("a push carries the challenge id and nonce only, no text");
        };
    }

    private String text(Content content, boolean sms) {
        StringBuilder text = new StringBuilder(render("text", content));
        Lines lines = machineLines.apply(content.tenantId());
        Optional<String> webOtpDomain = lines.webOtpDomain();
        Optional<String> appHash = lines.appHash();
        // The retriever hash and WebOTP line only mean something to phones and browsers reading an SMS.
        if (sms && webOtpDomain.isPresent()) {
            text.append("\n\n@").append(webOtpDomain.get()).append(" #").append(content.code());
            appHash.ifPresent(hash -> text.append(' ').append(hash));
        } else if (sms && appHash.isPresent()) {
            text.append("\n\n").append(appHash.get());
        }
        return text.toString();
    }

    private String render(String kind, Content content) {
        Map<String, Object> data = new HashMap<>();
        data.put("code", content.code());
        data.put("spoken", spoken(content.code()));
        data.put("minutes", content.minutes());
        data.put("purpose", content.purpose().name());
        data.put("transaction", content.transaction() != null);
        data.put("amount", content.transaction() == null ? "" : content.transaction().amount());
        data.put("payee", content.transaction() == null ? "" : content.transaction().payee());
        Template template = template(content.tenantId(), kind, content.locale());
        return template.data(data).render().strip();
    }

    private Template template(String tenantId, String kind, String locale) {
        TemplateKey key = new TemplateKey(tenantId, kind, locale);
        Template found = resolved.get(key);
        if (found == null) {
            found = resolve(tenantId, kind, locale);
            if (resolved.size() < MAX_RESOLVED) {
                resolved.put(key, found);
            }
        }
        return found;
    }

    private Template resolve(String tenantId, String kind, String locale) {
        for (String candidate : candidates(locale)) {
            Optional<Template> own = tenantTemplates.apply(tenantId + "/" + kind + "-" + candidate);
            if (own.isPresent()) {
                return own.get();
            }
            Template shipped = engine.getTemplate("otp/" + candidate + "/" + kind);
            if (shipped != null) {
                return shipped;
            }
        }
        throw new IllegalStateException("no template otp/en/" + kind);
    }

    /** {@code pt-BR} tries {@code pt-br}, then {@code pt}, then {@code en}. */
    static List<String> candidates(String locale) {
        String normalised = locale == null ? "en" : locale.trim().replace('_', '-').toLowerCase(Locale.ROOT);
        if (!normalised.matches("[a-z]{2,3}(-[a-z0-9]{2,8})*")) {
            return List.of("en");
        }
        String language = normalised.split("-")[0];
        return java.util.stream.Stream.of(normalised, language, "en").distinct().collect(Collectors.toList());
    }

    /** Digits spaced and separated so that a text-to-speech engine reads them one by one, with pauses. */
    static String spoken(String code) {
        StringBuilder spoken = new StringBuilder(code.length() * 3);
        for (int i = 0; i < code.length(); i++) {
            if (i > 0) {
                spoken.append(", ");
            }
            spoken.append(code.charAt(i));
        }
        return spoken.toString();
    }
}
