package io.keystep.delivery.domain;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.keystep.events.Channel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A tenant's effective delivery settings: its own overrides (tenant settings area {@code delivery}) where it has them,
 * the platform defaults otherwise.
 *
 * @param channelPlan        the order channels are tried in; a job's channels are taken in this order, channels the
 *                           plan does not name are not used. Empty: each job's own plan as challenge-service sent it
 * @param fallbackTimeout    how long a channel has to report DELIVERED before the next channel is tried
 * @param allowedCountries   countries (ISO 3166 alpha-2) codes may go to; empty means every country
 * @param usualCountries     countries the tenant is known to send to (fraud guard); empty: learned from history
 */
public record DeliverySettings(List<Channel> channelPlan, Duration fallbackTimeout, Set<String> allowedCountries,
                               int destinationPerHour, int prefixPerHour, int countryPerHour, int rareCountryPerHour,
                               Set<String> usualCountries, double rareCountryShare, int learningMinimum) {

    /** Fields a tenant may set, with their bounds. */
    public static final Duration MIN_FALLBACK = Duration.ofSeconds(5);
    public static final Duration MAX_FALLBACK = Duration.ofMinutes(10);
    public static final int MAX_DESTINATION_PER_HOUR = 100;
    public static final int MAX_PREFIX_PER_HOUR = 10_000;
    public static final int MAX_COUNTRY_PER_HOUR = 1_000_000;
    public static final int MAX_RARE_COUNTRY_PER_HOUR = 10_000;

    public static final String CHANNEL_PLAN = "channelPlan";
    public static final String FALLBACK_TIMEOUT_SECONDS = "fallbackTimeoutSeconds";
    public static final String ALLOWED_COUNTRIES = "allowedCountries";
    public static final String DESTINATION_PER_HOUR = "destinationPerHour";
    public static final String PREFIX_PER_HOUR = "prefixPerHour";
    public static final String COUNTRY_PER_HOUR = "countryPerHour";
    public static final String RARE_COUNTRY_PER_HOUR = "rareCountryPerHour";
    public static final String USUAL_COUNTRIES = "usualCountries";

    /** Every settable field, in the order answers list them. */
    public static final List<String> FIELDS = List.of(CHANNEL_PLAN, FALLBACK_TIMEOUT_SECONDS, ALLOWED_COUNTRIES,
            DESTINATION_PER_HOUR, PREFIX_PER_HOUR, COUNTRY_PER_HOUR, RARE_COUNTRY_PER_HOUR, USUAL_COUNTRIES);

    /** The channels that carry a one-time code, which a channel plan orders. */
    public static final List<Channel> CODE_CHANNELS = List.of(Channel.SMS, Channel.WHATSAPP, Channel.VOICE,
            Channel.EMAIL);

    private static final Set<String> REGIONS = PhoneNumberUtil.getInstance().getSupportedRegions();

    public DeliverySettings {
        channelPlan = List.copyOf(channelPlan);
        allowedCountries = Set.copyOf(allowedCountries);
        usualCountries = Set.copyOf(usualCountries);
    }

    /** A field value that is out of bounds or malformed; names the field. */
    public static final class Invalid extends RuntimeException {

        private final String field;

        public Invalid(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /**
     * The channels a job goes out on: the job's channels in the tenant's plan order, without channels the plan does
     * not name; the job's own plan when the tenant has none. Empty when the two have no channel in common.
     */
    public List<Channel> planFor(List<Channel> jobPlan) {
        if (jobPlan.contains(Channel.PUSH)) {
            // A push goes to the paired phone alone: no other channel can carry its nonce, and when it fails
            // challenge-service moves the login on to the person's next factor.
            return List.of(Channel.PUSH);
        }
        if (channelPlan.isEmpty()) {
            return jobPlan;
        }
        return channelPlan.stream().filter(jobPlan::contains).toList();
    }

    public SendLimits limits(String country) {
        return new SendLimits(destinationPerHour, prefixPerHour, countryPerHour, rareCountryPerHour,
                usualCountries.isEmpty() ? Optional.empty()
                        : Optional.of(!usualCountries.contains(country.toUpperCase(Locale.ROOT))),
                rareCountryShare, learningMinimum);
    }

    /** These settings with the stored overrides applied; every override is validated again, as stored text. */
    public DeliverySettings with(Map<String, String> overrides) {
        DeliverySettings s = this;
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            String v = o.getValue();
            s = switch (o.getKey()) {
                case CHANNEL_PLAN -> s.copy(channels(CHANNEL_PLAN, split(v)), null, null, null, null, null, null,
                        null);
                case FALLBACK_TIMEOUT_SECONDS -> s.copy(null, Duration.ofSeconds(bounded(FALLBACK_TIMEOUT_SECONDS,
                        v, (int) MIN_FALLBACK.toSeconds(), (int) MAX_FALLBACK.toSeconds())), null, null, null, null,
                        null, null);
                case ALLOWED_COUNTRIES -> s.copy(null, null, countries(ALLOWED_COUNTRIES, split(v)), null, null, null,
                        null, null);
                case DESTINATION_PER_HOUR -> s.copy(null, null, null,
                        bounded(DESTINATION_PER_HOUR, v, 1, MAX_DESTINATION_PER_HOUR), null, null, null, null);
                case PREFIX_PER_HOUR -> s.copy(null, null, null, null,
                        bounded(PREFIX_PER_HOUR, v, 1, MAX_PREFIX_PER_HOUR), null, null, null);
                case COUNTRY_PER_HOUR -> s.copy(null, null, null, null, null,
                        bounded(COUNTRY_PER_HOUR, v, 1, MAX_COUNTRY_PER_HOUR), null, null);
                case RARE_COUNTRY_PER_HOUR -> s.copy(null, null, null, null, null, null,
                        bounded(RARE_COUNTRY_PER_HOUR, v, 1, MAX_RARE_COUNTRY_PER_HOUR), null);
                case USUAL_COUNTRIES -> s.copy(null, null, null, null, null, null, null,
                        countries(USUAL_COUNTRIES, split(v)));
                default -> s; // a field a later version removed: ignored rather than breaking deliveries
            };
        }
        return s;
    }

    /** The answer's view of these settings: every field, with null for "no restriction" lists. */
    public Map<String, Object> asFields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(CHANNEL_PLAN, channelPlan.isEmpty() ? null : channelPlan);
        m.put(FALLBACK_TIMEOUT_SECONDS, fallbackTimeout.toSeconds());
        m.put(ALLOWED_COUNTRIES, allowedCountries.isEmpty() ? null : allowedCountries.stream().sorted().toList());
        m.put(DESTINATION_PER_HOUR, destinationPerHour);
        m.put(PREFIX_PER_HOUR, prefixPerHour);
        m.put(COUNTRY_PER_HOUR, countryPerHour);
        m.put(RARE_COUNTRY_PER_HOUR, rareCountryPerHour);
        m.put(USUAL_COUNTRIES, usualCountries.isEmpty() ? null : usualCountries.stream().sorted().toList());
        return m;
    }

    private DeliverySettings copy(List<Channel> plan, Duration fallback, Set<String> allowed, Integer destination,
                                  Integer prefix, Integer country, Integer rare, Set<String> usual) {
        return new DeliverySettings(plan != null ? plan : channelPlan, fallback != null ? fallback : fallbackTimeout,
                allowed != null ? allowed : allowedCountries,
                destination != null ? destination : destinationPerHour, prefix != null ? prefix : prefixPerHour,
                country != null ? country : countryPerHour, rare != null ? rare : rareCountryPerHour,
                usual != null ? usual : usualCountries, rareCountryShare, learningMinimum);
    }

    /** A whole number within {@code [min, max]}. */
    public static int bounded(String field, String text, int min, int max) {
        int value;
        try {
            value = Integer.parseInt(text.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new Invalid(field, "must be a whole number");
        }
        if (value < min || value > max) {
            throw new Invalid(field, "must be between " + min + " and " + max);
        }
        return value;
    }

    /** One to four distinct channels that carry codes; push is not one of them (see {@link #planFor}). */
    public static List<Channel> channels(String field, List<String> names) {
        if (names.isEmpty() || names.size() > CODE_CHANNELS.size()) {
            throw new Invalid(field, "must name 1 to " + CODE_CHANNELS.size() + " channels");
        }
        Set<Channel> plan = new LinkedHashSet<>();
        for (String name : names) {
            Channel channel;
            try {
                channel = Channel.valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new Invalid(field, "unknown channel " + clip(name) + "; channels are " + CODE_CHANNELS);
            }
            if (!CODE_CHANNELS.contains(channel)) {
                throw new Invalid(field, "PUSH is not a channel of the code plan: a push always goes out alone");
            }
            if (!plan.add(channel)) {
                throw new Invalid(field, "names " + channel + " twice");
            }
        }
        return new ArrayList<>(plan);
    }

    /** One or more distinct ISO 3166 alpha-2 codes that libphonenumber knows as a region. */
    public static Set<String> countries(String field, List<String> codes) {
        if (codes.isEmpty() || codes.size() > REGIONS.size()) {
            throw new Invalid(field, "must name at least one country (omit the field for the default)");
        }
        Set<String> countries = new LinkedHashSet<>();
        for (String code : codes) {
            String upper = code == null ? "" : code.trim().toUpperCase(Locale.ROOT);
            if (!REGIONS.contains(upper)) {
                throw new Invalid(field, clip(code) + " is not an ISO 3166 alpha-2 country code with phone numbers");
            }
            if (!countries.add(upper)) {
                throw new Invalid(field, "names " + upper + " twice");
            }
        }
        return countries;
    }

    private static List<String> split(String stored) {
        return stored.isBlank() ? List.of() : List.of(stored.split(","));
    }

    private static String clip(String text) {
        if (text == null) {
            return "null";
        }
        String printable = text.replaceAll("[^A-Za-z0-9 _+-]", "?");
        return printable.length() > 16 ? printable.substring(0, 16) + "..." : printable;
    }
}
