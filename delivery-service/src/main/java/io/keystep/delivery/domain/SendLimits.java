package io.keystep.delivery.domain;

import java.util.Optional;

/**
 * A tenant's send-rate limits for one destination country, as the send-rate guard applies them.
 *
 * @param rareByConfig empty when whether the country is rare is to be learned from the tenant's history
 */
public record SendLimits(int destinationPerHour, int prefixPerHour, int countryPerHour, int rareCountryPerHour,
                         Optional<Boolean> rareByConfig, double rareShare, int learningMinimum) {
}
