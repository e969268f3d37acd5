package io.keystep.kit.formats;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** The one {@link DeliverySeal} of a service that seals or opens delivery jobs, from {@link SealingConfig}. */
public class DeliverySealProducer {

    @Produces
    @ApplicationScoped
    DeliverySeal deliverySeal(SealingConfig config) {
        return new DeliverySeal(config.keys());
    }
}
