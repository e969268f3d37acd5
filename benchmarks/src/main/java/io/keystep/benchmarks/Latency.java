package io.keystep.benchmarks;

import org.HdrHistogram.AbstractHistogram;

/** A latency distribution in milliseconds, summarised from a histogram recorded in microseconds. */
public record Latency(long count, double p50Ms, double p99Ms, double p999Ms, double maxMs) {

    /** Histograms record microseconds from 1 µs to 10 minutes at 3 significant digits. */
    public static final long HIGHEST_MICROS = 600_000_000L;

    public static Latency of(AbstractHistogram micros) {
        if (micros.getTotalCount() == 0) {
            return new Latency(0, 0, 0, 0, 0);
        }
        return new Latency(micros.getTotalCount(), ms(micros.getValueAtPercentile(50)),
                ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()));
    }

    private static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
