package io.keystep.delivery.config;

import io.keystep.delivery.domain.MessageComposer;
import io.keystep.delivery.domain.PhoneNumberNormaliser;
import io.keystep.delivery.domain.SealedCodeOpener;
import io.keystep.delivery.provider.ProviderDirectory;
import io.keystep.delivery.provider.TwilioAdapter;
import io.keystep.events.Channel;
import io.quarkus.qute.Engine;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Builds the framework-free domain objects and the provider adapters from configuration. */
public class DeliveryBeans {

    @Produces
    @ApplicationScoped
    SealedCodeOpener sealedCodeOpener(SealingConfig sealing) {
        return SealedCodeOpener.fromKeyList(sealing.keys());
    }

    @Produces
    @ApplicationScoped
    PhoneNumberNormaliser phoneNumberNormaliser(DeliveryConfig config) {
        return new PhoneNumberNormaliser(config.defaultRegion());
    }

    @Produces
    @ApplicationScoped
    MessageComposer messageComposer(Engine engine, DeliveryConfig config) {
        return new MessageComposer(engine, config.messages().webOtpDomain(), config.messages().appHash(),
                id -> Optional.empty());
    }

    @Produces
    @ApplicationScoped
    WebClient providerWebClient(Vertx vertx) {
        return WebClient.create(vertx, new WebClientOptions()
                .setConnectTimeout(5_000)
                .setUserAgent("keystep-delivery"));
    }

    @Produces
    @ApplicationScoped
    ProviderDirectory providers(WebClient client, DeliveryConfig config) {
        DeliveryConfig.Sms sms = config.sms();
        return new ProviderDirectory(List.of(new TwilioAdapter(client, new TwilioAdapter.Settings(sms.provider(), sms.baseUrl(),
                sms.accountSid(), sms.authToken(), sms.from(), null, null, sms.timeout(), Set.of(Channel.SMS),
                null))));
    }
}
