package io.keystep.benchmarks;

import org.HdrHistogram.AbstractHistogram;

/** A latency distribution in milliseconds, summarised from a histogram recorded in microseconds. */
public record Latency(long count, double p50Ms, double p99Ms, double p999Ms, double maxMs) {

    /** Histograms record microseconds from 1 µs to 10 minutes at 3 significant digits. */
    public static final long HIGHEST_MICROS = 600_000_000L;

    /** Records one latency, clamped to the histogram's range (a clock step may give 0 or less). */
    public static void record(AbstractHistogram micros, long latencyMicros) {
        micros.recordValue(Math.min(HIGHEST_MICROS, Math.max(1, latencyMicros)));
    }

    public static Latency of(AbstractHistogram micros) {
        if (micros.getTotalCount() == 0) {
            return new Latency(0, 0, 0, 0, 0);
        }
        return new Latency(micros.getTotalCount(), ms(micros.getValueAtPercentile(50)),
                ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()));
    }

    /** {@code p50 … ms, p99 … ms, max … ms}, for progress lines. */
    public String summary() {
        return String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms", p50Ms, p99Ms, maxMs);
    }

    private static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
