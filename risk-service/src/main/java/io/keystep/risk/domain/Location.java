package io.keystep.risk.domain;

/**
 * Where an IP is, as far as the GeoIP database knows.
 *
 * @param country ISO 3166 country code, or null when the database has none
 * @param city    the city's English name, or null
 * @param point   the coordinates, or null when the database has none
 */
public record Location(String country, String city, GeoPoint point) {

    /** The place as a person reads it: "Berlin, DE", only "DE" without a city, or null when neither is known. */
    public String place() {
        if (city == null || city.isBlank()) {
            return country;
        }
        return country == null ? city : city + ", " + country;
    }
}
