package io.keystep.delivery.config;

import io.keystep.delivery.domain.DestinationCheck;
import io.keystep.delivery.domain.MessageComposer;
import io.keystep.delivery.domain.PhoneNumberNormaliser;
import io.keystep.delivery.provider.ProviderAdapter;
import io.keystep.delivery.provider.ProviderDirectory;
import io.keystep.delivery.provider.ProviderGuard;
import io.keystep.delivery.provider.RegisteredProvider;
import io.keystep.delivery.provider.SmtpEmailAdapter;
import io.keystep.delivery.provider.TelnyxAdapter;
import io.keystep.delivery.provider.TwilioAdapter;
import io.keystep.delivery.provider.WebhookAdapter;
import io.keystep.events.Channel;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.quarkus.qute.Engine;
import io.quarkus.qute.Template;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Builds the framework-free domain objects and the provider adapters from configuration. */
public class DeliveryBeans {

    @Produces
    @ApplicationScoped
    PhoneNumberNormaliser phoneNumberNormaliser(DeliveryConfig config) {
        return new PhoneNumberNormaliser(config.defaultRegion());
    }

    @Produces
    @ApplicationScoped
    MessageComposer messageComposer(Engine engine, DeliveryConfig config, TenantPolicies policies) {
        // Tenants' own templates are parsed once at start-up, so that a broken template stops start-up.
        Map<String, Template> own = new HashMap<>();
        config.tenants().forEach((tenant, settings) -> settings.templates().forEach((id, text) ->
                own.put(tenant + "/" + id.toLowerCase(Locale.ROOT), engine.parse(text))));
        // Machine-readable lines come from configuration only: worked out once per configured tenant.
        Map<String, MessageComposer.Lines> lines = new HashMap<>();
        config.tenants().keySet().forEach(tenant -> lines.put(tenant, policies.messageLines(tenant)));
        MessageComposer.Lines platform = new MessageComposer.Lines(config.messages().webOtpDomain(),
                config.messages().appHash());
        return new MessageComposer(engine, tenant -> tenant == null ? platform : lines.getOrDefault(tenant, platform),
                id -> Optional.ofNullable(own.get(id)));
    }

    @Produces
    @ApplicationScoped
    DestinationCheck destinationCheck(PhoneNumberNormaliser normaliser, TenantPolicies policies) {
        return new DestinationCheck(normaliser, policies.prefixDigits());
    }

    @Produces
    @ApplicationScoped
    WebClient providerWebClient(Vertx vertx, DeliveryConfig config) {
        return WebClient.create(vertx, new WebClientOptions()
                .setConnectTimeout(5_000)
                // Enough connections per provider for every job in flight (Vert.x allows 5 by default).
                .setMaxPoolSize(Math.max(5, config.consumer().concurrency() * 2))
                .setUserAgent("keystep-delivery"));
    }

    @Produces
    @ApplicationScoped
    ProviderDirectory providers(WebClient client, Vertx vertx, DeliveryConfig config, Clock clock,
                                ReactiveMailer mailer) {
        ProviderGuard.Policy policy = new ProviderGuard.Policy(config.retry().maxAttempts(),
                config.retry().initialBackoff(), config.retry().maxBackoff(),
                config.circuitBreaker().failureThreshold(), config.circuitBreaker().openFor());
        List<RegisteredProvider> registered = new ArrayList<>();
        for (Configured provider : configured(client, config, clock, mailer)) {
            registered.add(register(provider, policy));
        }
        for (Configured provider : PushProviders.configured(config.push(), client, vertx, clock,
                config.consumer().concurrency())) {
            registered.add(register(provider, policy));
        }
        return new ProviderDirectory(registered, config.tenants(), new SecureRandom());
    }

    /** A provider's adapter and routing as configured, before its retries and circuit breaker are attached. */
    record Configured(ProviderAdapter adapter, int priority, int weight, Optional<List<String>> tenants,
                      Map<String, String> cost) {
    }

    /** Every configured provider, each checked (a missing or malformed setting stops start-up) before any is used. */
    static List<Configured> configured(WebClient client, DeliveryConfig config, Clock clock, ReactiveMailer mailer) {
        List<Configured> configured = new ArrayList<>();
        DeliveryConfig.Sms sms = config.sms();
        Set<Channel> smsChannels = channels(sms.channels());
        configured.add(new Configured(new TwilioAdapter(client, new TwilioAdapter.Settings(sms.provider(),
                sms.baseUrl(), sms.accountSid(), sms.authToken(), sms.from(), sms.whatsappFrom().orElse(null),
                sms.voiceFrom().orElse(null), contentSid(smsChannels, sms.whatsappContentSid(), "keystep.delivery.sms."),
                sms.timeout(), smsChannels, sms.statusCallbackUrl().orElse(null))),
                sms.priority(), sms.weight(), Optional.empty(), sms.cost()));
        config.providers().forEach((name, p) -> configured.add(new Configured(adapter(name, p, client, clock),
                p.priority(), p.weight(), p.tenants(), p.cost())));
        DeliveryConfig.Email email = config.email();
        if (email.enabled()) {
            configured.add(new Configured(new SmtpEmailAdapter(email.provider(), mailer), email.priority(), 100,
                    Optional.empty(), email.cost()));
        }
        return configured;
    }

    private static ProviderAdapter adapter(String name, DeliveryConfig.Provider p, WebClient client, Clock clock) {
        Set<Channel> channels = channels(p.channels());
        String prefix = "keystep.delivery.providers." + name + ".";
        return switch (p.type().toLowerCase(Locale.ROOT)) {
            case "twilio" -> new TwilioAdapter(client, new TwilioAdapter.Settings(name, p.baseUrl(),
                    required(p.accountSid(), name, "account-sid"), required(p.authToken(), name, "auth-token"),
                    required(p.from(), name, "from"), p.whatsappFrom().orElse(null), p.voiceFrom().orElse(null),
                    contentSid(channels, p.whatsappContentSid(), prefix), p.timeout(), channels,
                    p.statusCallbackUrl().orElse(null)));
            case "telnyx" -> new TelnyxAdapter(client, new TelnyxAdapter.Settings(name, p.baseUrl(),
                    required(p.apiKey(), name, "api-key"), required(p.from(), name, "from"),
                    p.messagingProfileId().orElse(null), p.publicKey().orElse(null),
                    p.statusCallbackUrl().orElse(null), p.timeout(), channels, p.whatsappFrom().orElse(null),
                    templateName(channels, p.whatsappTemplateName(), prefix),
                    templateLanguage(p.whatsappTemplateLanguage(), prefix)));
            case "webhook" -> new WebhookAdapter(client, new WebhookAdapter.Settings(name, p.baseUrl(),
                    required(p.signingSecret(), name, "signing-secret"), p.timeout(), channels), clock);
            default -> throw new IllegalArgumentException("keystep.delivery.providers." + name
                    + ".type must be twilio, telnyx or webhook");
        };
    }

    private static RegisteredProvider register(Configured provider, ProviderGuard.Policy policy) {
        Map<String, BigDecimal> costs = new HashMap<>();
        provider.cost().forEach((country, amount) ->
                costs.put(country.toUpperCase(Locale.ROOT), new BigDecimal(amount.trim())));
        return new RegisteredProvider(provider.adapter(), provider.priority(), provider.weight(),
                provider.tenants().map(Set::copyOf), Map.copyOf(costs),
                new ProviderGuard(provider.adapter().name(), policy));
    }

    private static Set<Channel> channels(List<String> names) {
        Set<Channel> channels = new LinkedHashSet<>();
        for (String name : names) {
            Channel channel = Channel.valueOf(name.trim().toUpperCase(Locale.ROOT));
            if (channel == Channel.PUSH) {
                throw new IllegalArgumentException("push is not a channel of an SMS or e-mail provider: pushes go"
                        + " through FCM and APNs, configured under keystep.delivery.push");
            }
            channels.add(channel);
        }
        return Set.copyOf(channels);
    }

    /** A Twilio Content SID: {@code HX} and 32 hexadecimal digits. */
    private static final Pattern CONTENT_SID = Pattern.compile("HX[0-9a-fA-F]{32}");
    /** Meta's template names: lower-case letters, digits and underscores. */
    private static final Pattern TEMPLATE_NAME = Pattern.compile("[a-z0-9_]{1,512}");
    /** Meta's template languages: {@code en}, {@code en_US}, {@code zh_CN}, ... */
    private static final Pattern TEMPLATE_LANGUAGE = Pattern.compile("[a-z]{2,3}(_[A-Z]{2})?");

    /**
     * The approved WhatsApp template of a Twilio account. WhatsApp refuses free-form text outside a 24-hour customer
     * window, so an account that carries WhatsApp without a template is a configuration error, refused at start-up
     * with the setting's name, rather than an account that sends codes nobody receives.
     */
    static String contentSid(Set<Channel> channels, Optional<String> sid, String prefix) {
        Optional<String> given = sid.map(String::strip).filter(v -> !v.isEmpty());
        if (given.isPresent() && !CONTENT_SID.matcher(given.get()).matches()) {
            throw new IllegalArgumentException(prefix + "whatsapp-content-sid must be the approved template's Content SID,"
                    + " HX followed by 32 hexadecimal digits");
        }
        return requiredForWhatsapp(channels, given, prefix + "whatsapp-content-sid");
    }

    /** The approved WhatsApp authentication template of a Telnyx account, by name; see {@link #contentSid}. */
    static String templateName(Set<Channel> channels, Optional<String> name, String prefix) {
        Optional<String> given = name.map(String::strip).filter(v -> !v.isEmpty());
        if (given.isPresent() && !TEMPLATE_NAME.matcher(given.get()).matches()) {
            throw new IllegalArgumentException(prefix + "whatsapp-template-name must be the approved template's name:"
                    + " lower-case letters, digits and underscores");
        }
        return requiredForWhatsapp(channels, given, prefix + "whatsapp-template-name");
    }

    static String templateLanguage(String language, String prefix) {
        String given = language.strip();
        if (!TEMPLATE_LANGUAGE.matcher(given).matches()) {
            throw new IllegalArgumentException(prefix + "whatsapp-template-language must be a language as WhatsApp"
                    + " writes it, such as en_US or de");
        }
        return given;
    }

    private static String requiredForWhatsapp(Set<Channel> channels, Optional<String> value, String property) {
        if (channels.contains(Channel.WHATSAPP) && value.isEmpty()) {
            throw new IllegalArgumentException(property + " is required: the account carries whatsapp, and WhatsApp"
                    + " takes a code only as an approved authentication template, never as free-form text");
        }
        return value.orElse(null);
    }

    private static String required(Optional<String> value, String provider, String property) {
        return value.filter(v -> !v.isBlank()).orElseThrow(() -> new IllegalArgumentException(
                "keystep.delivery.providers." + provider + "." + property + " is required"));
    }
}
