package io.keystep.risk.messaging;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HourOfWeekTest {

    @Test
    void hoursOfTheWeekRunFromMondayMidnightToSundayNightInUtc() {
        assertEquals(0, LoginAssessor.hourOfWeek(Instant.parse("2026-03-02T00:30:00Z")));   // Monday
        assertEquals(34, LoginAssessor.hourOfWeek(Instant.parse("2026-03-03T10:59:59Z")));  // Tuesday 10h
        assertEquals(167, LoginAssessor.hourOfWeek(Instant.parse("2026-03-08T23:59:59Z"))); // Sunday 23h
        assertEquals(0, LoginAssessor.hourOfWeek(Instant.parse("2026-03-09T00:00:00Z")));
    }
}
