package io.keystep.delivery;

import io.keystep.events.DeliveryStatusChanged;

/** Constants the tests share. */
final class DeliveryExpectations {

    static final String STATUS_TYPE = DeliveryStatusChanged.TYPE;
    /** How many times one job may reach the provider before it is failed. */
    static final int PROVIDER_ATTEMPTS = 3;

    private DeliveryExpectations() {
    }
}
