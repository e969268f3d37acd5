package io.keystep.audit.domain;

import io.keystep.events.Channel;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How the challenges of a period converted (approved of created), by channel, by country and number prefix of the
 * destination, and by provider; and the countries and prefixes converting under a tenant's threshold. The analytics
 * and the conversion gauges both compute their figures here, so that a console and an alert never disagree.
 *
 * @param byChannel  by the first planned channel; {@code UNKNOWN} when none was named
 * @param byCountry  by the region of the destination's calling code; phone channels only, numbers without a known
 *                   calling code left out
 * @param byPrefix   by the destination's first {@code prefixLength} digits ({@code +4915}), or fewer when the masked
 *                   number shows fewer; phone channels only
 * @param byProvider by the provider of the challenge's latest delivery status; {@code UNKNOWN} when none named one
 */
public record ConversionBreakdown(long created, long approved, List<KeyFigures> byChannel, List<KeyFigures> byCountry,
                                  List<KeyFigures> byPrefix, List<KeyFigures> byProvider) {

    public static final String COUNTRY = "country";
    public static final String PREFIX = "prefix";
    public static final String UNKNOWN = "UNKNOWN";
    public static final int MIN_PREFIX_LENGTH = 3;
    public static final int MAX_PREFIX_LENGTH = 8;
    public static final int DEFAULT_PREFIX_LENGTH = 5;
    /** Keys kept per dimension: enough for a screen, and a bound on the gauges' series. */
    public static final int TOP_KEYS = 50;

    /** Channels whose destination is a phone number. */
    private static final Set<String> PHONE_CHANNELS = Set.of(Channel.SMS.name(), Channel.VOICE.name(),
            Channel.WHATSAPP.name());

    /** One key's challenges; conversion is null when none was created. */
    public record KeyFigures(String key, long created, long approved, Double conversion) {
    }

    /** A country or prefix converting under the threshold with at least the minimum volume. */
    public record Alert(String dimension, String key, long created, long approved, Double conversion,
                        double threshold) {
    }

    /** The breakdown of these groups, every key kept, most created first. */
    public static ConversionBreakdown of(List<ChallengeGroup> groups, int prefixLength) {
        long created = 0;
        long approved = 0;
        Map<String, long[]> channels = new HashMap<>();
        Map<String, long[]> countries = new HashMap<>();
        Map<String, long[]> prefixes = new HashMap<>();
        Map<String, long[]> providers = new HashMap<>();
        for (ChallengeGroup group : groups) {
            created += group.created();
            approved += group.approved();
            add(channels, group.channel() == null ? UNKNOWN : group.channel(), group);
            add(providers, group.provider() == null ? UNKNOWN : group.provider(), group);
            if (group.channel() != null && PHONE_CHANNELS.contains(group.channel()) && group.digits() != null
                    && !group.digits().isEmpty()) {
                String region = CallingCodes.region(group.digits());
                if (region != null) {
                    add(countries, region, group);
                }
                add(prefixes, "+" + group.digits().substring(0, Math.min(prefixLength, group.digits().length())),
                        group);
            }
        }
        return new ConversionBreakdown(created, approved, sorted(channels), sorted(countries), sorted(prefixes),
                sorted(providers));
    }

    /** The same breakdown with at most {@code keys} keys per dimension, the most created. */
    public ConversionBreakdown top(int keys) {
        return new ConversionBreakdown(created, approved, head(byChannel, keys), head(byCountry, keys),
                head(byPrefix, keys), head(byProvider, keys));
    }

    /** Approved of created, or null when none was created. */
    public Double conversion() {
        return rate(approved, created);
    }

    /**
     * Each country, then each prefix, with at least {@code minVolume} challenges created and a conversion under
     * {@code threshold}, the one converting least first within each.
     */
    public List<Alert> alerts(double threshold, int minVolume) {
        List<Alert> alerts = new ArrayList<>();
        for (String dimension : List.of(COUNTRY, PREFIX)) {
            (dimension.equals(COUNTRY) ? byCountry : byPrefix).stream()
                    .filter(k -> k.created() >= minVolume && k.conversion() != null && k.conversion() < threshold)
                    .sorted(Comparator.comparingDouble(KeyFigures::conversion).thenComparing(KeyFigures::key))
                    .forEach(k -> alerts.add(new Alert(dimension, k.key(), k.created(), k.approved(), k.conversion(),
                            threshold)));
        }
        return alerts;
    }

    public static Double rate(long part, long whole) {
        return whole == 0 ? null : (double) part / whole;
    }

    private static void add(Map<String, long[]> figures, String key, ChallengeGroup group) {
        long[] f = figures.computeIfAbsent(key, k -> new long[2]);
        f[0] += group.created();
        f[1] += group.approved();
    }

    private static List<KeyFigures> sorted(Map<String, long[]> figures) {
        return figures.entrySet().stream()
                .map(e -> new KeyFigures(e.getKey(), e.getValue()[0], e.getValue()[1],
                        rate(e.getValue()[1], e.getValue()[0])))
                .sorted(Comparator.comparingLong(KeyFigures::created).reversed().thenComparing(KeyFigures::key))
                .toList();
    }

    private static List<KeyFigures> head(List<KeyFigures> list, int keys) {
        return list.size() <= keys ? list : List.copyOf(list.subList(0, keys));
    }
}
